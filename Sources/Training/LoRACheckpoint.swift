// LoRA adapters saved and loaded in PEFT's folder layout: adapter_config.json (LoraConfig's
// keys) and adapter_model.safetensors with tensors named
// base_model.model.h.{i}.{attn|mlp}.{module}.lora_{A|B}.weight (A [r, in], B [out, r], F32).
import Foundation
import Tensors
import Transformer

extension LoRAWeights {
    /// PEFT's tensor name for one adapter's A or B ("A" or "B").
    public static func peftName(layer: Int, target: LoRATarget, matrix: String) -> String {
        "base_model.model.h.\(layer).\(target.module).lora_\(matrix).weight"
    }

    /// adapter_config.json as PEFT's LoraConfig writes it.
    func peftConfigObject() -> [String: Any] {
        [
            "peft_type": "LORA",
            "task_type": "CAUSAL_LM",
            "r": config.rank,
            "lora_alpha": Double("\(config.alpha)") ?? Double(config.alpha),
            "lora_dropout": 0.0,
            "target_modules": config.targets.map(\.rawValue),
            "fan_in_fan_out": true,
            "bias": "none",
            "base_model_name_or_path": config.baseModelNameOrPath,
            "inference_mode": true,
            "init_lora_weights": true,
            "modules_to_save": NSNull(),
            "layers_to_transform": NSNull(),
            "layers_pattern": NSNull(),
            "rank_pattern": [String: Any](),
            "alpha_pattern": [String: Any](),
            "use_rslora": false,
            "use_dora": false,
            "revision": NSNull(),
        ]
    }

    /// Writes `folder`/adapter_config.json and `folder`/adapter_model.safetensors. The q,v-only
    /// mask is not a PEFT notion; it is kept in the safetensors metadata ("lmlab_qv_only"),
    /// which PEFT ignores (B's k rows are zero, so PEFT computes the same update).
    public func save(to folder: URL) throws {
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let json = try JSONSerialization.data(
                withJSONObject: peftConfigObject(), options: [.prettyPrinted, .sortedKeys])
            try json.write(to: folder.appendingPathComponent("adapter_config.json"), options: .atomic)
            var entries: [SafeTensorsEntry] = []
            for adapter in adapters {
                entries.append(SafeTensorsEntry(name: Self.peftName(layer: adapter.layer, target: adapter.target, matrix: "A"), tensor: adapter.a))
                entries.append(SafeTensorsEntry(name: Self.peftName(layer: adapter.layer, target: adapter.target, matrix: "B"), tensor: adapter.b))
            }
            var metadata = ["format": "pt"]
            if config.queryValueOnly { metadata["lmlab_qv_only"] = "true" }
            try SafeTensors.write(entries, metadata: metadata, to: folder.appendingPathComponent("adapter_model.safetensors"))
        } catch let error as TrainingError {
            throw error
        } catch {
            throw TrainingError.io(file: folder.path, reason: "cannot save the adapter: \(error)")
        }
    }

    /// Reads a PEFT LoRA folder for a base model of `model`'s shape, selecting and scaling the
    /// adapted modules as PEFT does (`PEFTAdapterConfig`: target_modules, layers_to_transform,
    /// rank_pattern, alpha_pattern, use_rslora). Every selected module must carry its A and B
    /// with its own rank, and the file nothing else. The one loader of `experiment verify`, the
    /// daemon's lab-05 verification and `model forward/merge --adapter`.
    public static func load(from folder: URL, for model: GPT2Config) throws -> LoRAWeights {
        let configURL = folder.appendingPathComponent("adapter_config.json")
        let file = configURL.path
        guard let data = try? Data(contentsOf: configURL) else {
            throw TrainingError.io(file: file, reason: "cannot read it; a PEFT adapter folder holds adapter_config.json and adapter_model.safetensors")
        }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw TrainingError.badAdapterConfig(key: "(file)", reason: "is not a JSON object", file: file)
        }
        let peft = try PEFTAdapterConfig(object, file: file)
        let modules = try peft.modules(for: model)
        let weightsURL = folder.appendingPathComponent("adapter_model.safetensors")
        let st: SafeTensorsFile
        do { st = try SafeTensorsFile(contentsOf: weightsURL) } catch {
            throw TrainingError.io(file: weightsURL.path, reason: "cannot read the adapter weights: \(error)")
        }
        let qvOnly = st.metadata["lmlab_qv_only"] == "true"
        let targets = LoRATarget.allCases.filter { t in modules.contains { $0.target == t } }
        let config = try LoRAConfig(
            rank: peft.rank, alpha: peft.alpha, targets: targets,
            queryValueOnly: qvOnly && targets.contains(.cAttn),
            baseModelNameOrPath: peft.baseModelNameOrPath)
        // Accept names with or without GPT2LMHeadModel's "transformer." level.
        var stored: [String: String] = [:]
        for name in st.names { stored[name.replacingOccurrences(of: "base_model.model.transformer.", with: "base_model.model.")] = name }
        var adapters: [LoRAAdapter] = []
        var expected = Set<String>()
        var missing: [String] = []
        for module in modules {
            let (nIn, nOut) = module.target.features(model)
            var pair: [Tensor] = []
            for (matrix, shape) in [("A", [module.rank, nIn]), ("B", [nOut, module.rank])] {
                let name = peftName(layer: module.layer, target: module.target, matrix: matrix)
                expected.insert(name)
                guard let stName = stored[name], let info = st.info(stName) else {
                    missing.append(name)
                    continue
                }
                guard info.shape == shape else {
                    throw TrainingError.adapterShape(tensor: stName, expected: shape, actual: info.shape, file: weightsURL.path)
                }
                do { pair.append(try st.tensor(stName)) } catch {
                    throw TrainingError.io(file: weightsURL.path, reason: "cannot read tensor \(stName): \(error)")
                }
            }
            if pair.count == 2 {
                adapters.append(LoRAAdapter(
                    layer: module.layer, target: module.target, a: pair[0], b: pair[1],
                    scaling: module.scaling,
                    outputMask: outputMask(module.target, config: config, nEmbd: model.nEmbd)))
            }
        }
        let unused = stored.keys.filter { !expected.contains($0) }.sorted()
        guard missing.isEmpty && unused.isEmpty else {
            throw TrainingError.adapterTensors(missing: missing, unused: unused, file: weightsURL.path)
        }
        return LoRAWeights(config: config, adapters: adapters)
    }
}
