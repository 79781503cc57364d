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

    /// Reads a PEFT LoRA folder for a base model of `model`'s shape. target_modules may name
    /// c_attn, attn.c_proj, c_fc, mlp.c_proj, or c_proj (both projections); every block must
    /// carry every target's A and B and nothing else.
    public static func load(from folder: URL, for model: GPT2Config) throws -> LoRAWeights {
        let configURL = folder.appendingPathComponent("adapter_config.json")
        let file = configURL.path
        guard let data = try? Data(contentsOf: configURL) else {
            throw TrainingError.io(file: file, reason: "cannot read it; a PEFT adapter folder holds adapter_config.json and adapter_model.safetensors")
        }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw TrainingError.badAdapterConfig(key: "(file)", reason: "is not a JSON object", file: file)
        }
        guard (object["peft_type"] as? String) == "LORA" else {
            throw TrainingError.badAdapterConfig(key: "peft_type", reason: "must be \"LORA\"", file: file)
        }
        guard let rank = object["r"] as? Int else {
            throw TrainingError.badAdapterConfig(key: "r", reason: "is missing or not an integer", file: file)
        }
        guard let alpha = (object["lora_alpha"] as? NSNumber)?.floatValue else {
            throw TrainingError.badAdapterConfig(key: "lora_alpha", reason: "is missing or not a number", file: file)
        }
        if let fanIn = object["fan_in_fan_out"] as? Bool, !fanIn {
            throw TrainingError.badAdapterConfig(key: "fan_in_fan_out", reason: "is false, but GPT-2's Conv1D layers need true", file: file)
        }
        if let bias = object["bias"] as? String, bias != "none" {
            throw TrainingError.badAdapterConfig(key: "bias", reason: "is \"\(bias)\"; only \"none\" is supported", file: file)
        }
        let modules: [String]
        if let list = object["target_modules"] as? [String] {
            modules = list
        } else if let one = object["target_modules"] as? String {
            modules = [one]
        } else {
            throw TrainingError.badAdapterConfig(key: "target_modules", reason: "is missing or not a list of module names", file: file)
        }
        var targets: [LoRATarget] = []
        for module in modules {
            if module == "c_proj" {
                targets += [.attnCProj, .mlpCProj]
            } else if let t = LoRATarget(rawValue: module) {
                targets.append(t)
            } else {
                throw TrainingError.badAdapterConfig(
                    key: "target_modules", reason: "names \"\(module)\"; lmlab adapts \(LoRATarget.allCases.map(\.rawValue)) (or c_proj for both projections)", file: file)
            }
        }
        let weightsURL = folder.appendingPathComponent("adapter_model.safetensors")
        let st: SafeTensorsFile
        do { st = try SafeTensorsFile(contentsOf: weightsURL) } catch {
            throw TrainingError.io(file: weightsURL.path, reason: "cannot read the adapter weights: \(error)")
        }
        let qvOnly = st.metadata["lmlab_qv_only"] == "true"
        var config = try LoRAConfig(
            rank: rank, alpha: alpha, targets: targets, queryValueOnly: qvOnly,
            baseModelNameOrPath: object["base_model_name_or_path"] as? String ?? "")
        config.alpha = alpha
        // Accept names with or without GPT2LMHeadModel's "transformer." level.
        var stored: [String: String] = [:]
        for name in st.names { stored[name.replacingOccurrences(of: "base_model.model.transformer.", with: "base_model.model.")] = name }
        var adapters: [LoRAAdapter] = []
        var expected = Set<String>()
        var missing: [String] = []
        for layer in 0..<model.nLayer {
            for target in config.targets {
                let (nIn, nOut) = target.features(nEmbd: model.nEmbd)
                var pair: [Tensor] = []
                for (matrix, shape) in [("A", [rank, nIn]), ("B", [nOut, rank])] {
                    let name = peftName(layer: layer, target: target, matrix: matrix)
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
                        layer: layer, target: target, a: pair[0], b: pair[1], scaling: config.scaling,
                        outputMask: outputMask(target, config: config, nEmbd: model.nEmbd)))
                }
            }
        }
        let unused = stored.keys.filter { !expected.contains($0) }.sorted()
        guard missing.isEmpty && unused.isEmpty else {
            throw TrainingError.adapterTensors(missing: missing, unused: unused, file: weightsURL.path)
        }
        return LoRAWeights(config: config, adapters: adapters)
    }
}
