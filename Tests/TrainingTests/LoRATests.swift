// LoRA: initial identity, merge/unmerge, gradients against finite differences and the NumPy
// oracle, PEFT save/load with names and config keys as the oracle constructs them.
import Foundation
import Tensors
import TestSupport
import Testing
@testable import Training
import Transformer

@Suite struct LoRATests {
    static func config(_ targets: [LoRATarget] = [.cAttn], qv: Bool = false) throws -> LoRAConfig {
        try LoRAConfig(rank: 4, alpha: 8, targets: targets, queryValueOnly: qv, baseModelNameOrPath: "tiny")
    }

    /// Adapters with B random too (B = 0 would make dA vanish).
    static func randomAdapters(_ config: LoRAConfig, model: GPT2Config) -> LoRAWeights {
        var w = LoRAWeights(config: config, model: model, seed: 5)
        for (i, adapter) in w.adapters.enumerated() {
            var b = randomTensor(adapter.b.shape, seed: 100 + UInt64(i), std: 0.3)
            if let mask = adapter.outputMask {
                for (row, keep) in mask.enumerated() where !keep {
                    for k in 0..<adapter.rank { b.data[row * adapter.rank + k] = 0 }
                }
            }
            w.adapters[i].b = b
        }
        return w
    }

    @Test func initialisationFollowsPEFT() throws {
        let model = try tinyModel()
        let w = LoRAWeights(config: try Self.config([.cAttn, .mlpCProj]), model: model.config, seed: 1)
        #expect(w.adapters.count == 4)
        for adapter in w.adapters {
            let nIn = adapter.target == .cAttn ? 16 : 64
            let bound = 1 / Float(nIn).squareRoot()
            #expect(adapter.a.shape == [4, nIn] && adapter.a.data.allSatisfy { abs($0) <= bound })
            #expect(adapter.a.data.contains { abs($0) > bound / 2 }, "A spans its range")
            #expect(adapter.b.data.allSatisfy { $0 == 0 })
            #expect(adapter.scaling == 2)
        }
        // c_attn: r·16 + 48·r, mlp.c_proj: r·64 + 16·r, per layer.
        #expect(w.trainableParameterCount == 2 * (4 * 16 + 48 * 4 + 4 * 64 + 16 * 4))
        let qv = LoRAWeights(config: try Self.config(qv: true), model: model.config, seed: 1)
        #expect(qv.trainableParameterCount == 2 * (4 * 16 + 32 * 4), "k rows of B are frozen")
    }

    @Test func zeroBGivesTheBaseModel() throws {
        let model = try tinyModel()
        let ids = randomIds(8, below: 50, seed: 40)
        let w = LoRAWeights(config: try Self.config(LoRATarget.allCases), model: model.config, seed: 2)
        let diff = try w.forward(base: model, ids).maxAbsDifference(model.forward(ids))
        #expect(diff <= 1e-5, "max |diff| \(diff)")
    }

    @Test func mergedEqualsUnmergedAndUnmergeRestores() throws {
        let model = try tinyModel()
        let ids = randomIds(8, below: 50, seed: 41)
        let w = Self.randomAdapters(try Self.config(LoRATarget.allCases), model: model.config)
        let merged = try w.merged(into: model)
        let diff = try merged.forward(ids).maxAbsDifference(w.forward(base: model, ids))
        #expect(diff <= 1e-4, "merged vs adapter forward: max |diff| \(diff)")
        #expect(merged.weights.blocks[0].attention.cAttnWeight != model.weights.blocks[0].attention.cAttnWeight)
        // ΔW = s·(B A)ᵀ by hand for one entry.
        let a = w.adapters[0]
        var entry: Float = 0
        for k in 0..<4 { entry += a.b.data[5 * 4 + k] * a.a.data[k * 16 + 3] }
        let got = merged.weights.blocks[0].attention.cAttnWeight.data[3 * 48 + 5] - model.weights.blocks[0].attention.cAttnWeight.data[3 * 48 + 5]
        #expect(abs(got - 2 * entry) < 1e-5, "ΔW[3, 5] \(got) vs s·(BA)[5, 3] \(2 * entry)")
        let restored = try w.unmerged(from: merged)
        var worst: Float = 0
        for p in GPT2Weights.parameters(for: model.config) {
            worst = max(worst, restored.weights[keyPath: p.field].maxAbsDifference(model.weights[keyPath: p.field]))
        }
        #expect(worst <= 1e-6, "unmerge restores W: max |diff| \(worst)")
    }

    @Test func adapterGradientsMatchFiniteDifferences() throws {
        let model = try tinyModel()
        let inputs = [randomIds(6, below: 50, seed: 42)]
        let targets = [randomIds(6, below: 50, seed: 43)]
        let w = Self.randomAdapters(try Self.config([.cAttn, .cFc]), model: model.config)
        let (_, grads) = try loraLossAndGradients(base: model, adapters: w, inputs: inputs, targets: targets)
        // Float forward, step 1e-2: a few coordinates of each kind of tensor.
        let h: Float = 1e-2
        for (i, j) in [(0, 3), (1, 7), (2, 0), (3, 20)] {
            for path in [\LoRAWeights.adapters[i].a, \LoRAWeights.adapters[i].b] {
                var plus = w
                plus[keyPath: path].data[j] += h
                var minus = w
                minus[keyPath: path].data[j] -= h
                let fd = (try batchLoss(model: model, adapters: plus, inputs: inputs, targets: targets)
                    - batchLoss(model: model, adapters: minus, inputs: inputs, targets: targets)) / (2 * h)
                let g = grads[keyPath: path].data[j]
                #expect(abs(g - fd) <= 2e-3 + 2e-2 * abs(fd), "adapter \(i) [\(j)]: backward \(g), finite difference \(fd)")
            }
        }
    }

    @Test(arguments: [false, true])
    func adapterGradientsMatchTheNumPyOracle(qvOnly: Bool) throws {
        let model = try tinyModel()
        let inputs = [randomIds(8, below: 50, seed: 44), randomIds(8, below: 50, seed: 45)]
        let targets = [randomIds(8, below: 50, seed: 46), randomIds(8, below: 50, seed: 47)]
        let w = Self.randomAdapters(try Self.config(LoRATarget.allCases, qv: qvOnly), model: model.config)
        let dir = try makeScratchDirectory("training-lora")
        defer { try? FileManager.default.removeItem(at: dir) }
        try writeOracleInputs(model, inputs: inputs, targets: targets, to: dir)
        try w.save(to: dir.appendingPathComponent("adapter"))
        try runOracle("training_backward.py", ["lora", dir.path] + (qvOnly ? ["--qv-only"] : []))
        let expectedLoss = try Npy.read(dir.appendingPathComponent("out_loss.npy")).floats()[0]
        let expected = try SafeTensorsFile(contentsOf: dir.appendingPathComponent("out_lora_grads.safetensors"))
        let (loss, grads) = try loraLossAndGradients(base: model, adapters: w, inputs: inputs, targets: targets)
        #expect(abs(loss - expectedLoss) <= 1e-5 * expectedLoss, "loss \(loss) vs oracle \(expectedLoss)")
        for g in grads.adapters {
            for (matrix, t) in [("A", g.a), ("B", g.b)] {
                let name = LoRAWeights.peftName(layer: g.layer, target: g.target, matrix: matrix)
                let err = relativeError(t.data, doubles(try expected.tensor(name)))
                print("LoRA oracle (qv \(qvOnly)) \(name): \(err)")
                #expect(err <= 1e-4, "\(name): max |diff| / max |oracle| = \(err)")
            }
        }
        if qvOnly, let b = grads.adapters.first(where: { $0.target == .cAttn })?.b {
            #expect(b.data[(16 * 4)..<(32 * 4)].allSatisfy { $0 == 0 }, "k rows of dB are zero")
        }
    }

    @Test func peftSaveLoadRoundTripWithPEFTNamesAndKeys() throws {
        let model = try tinyModel()
        let config = try Self.config([.cAttn, .attnCProj, .cFc, .mlpCProj], qv: true)
        let w = Self.randomAdapters(config, model: model.config)
        let dir = try makeScratchDirectory("training-peft")
        defer { try? FileManager.default.removeItem(at: dir) }
        try w.save(to: dir)
        let loaded = try LoRAWeights.load(from: dir, for: model.config)
        #expect(loaded == w, "round trip")
        // Names and config keys as the oracle constructs them independently.
        let out = try runOracle("training_backward.py", ["peft_names", "2", "c_attn", "attn.c_proj", "c_fc", "mlp.c_proj"])
        let oracle = try JSONSerialization.jsonObject(with: out) as? [String: Any]
        let st = try SafeTensorsFile(contentsOf: dir.appendingPathComponent("adapter_model.safetensors"))
        #expect(st.names == (oracle?["names"] as? [String] ?? ["oracle gave no names"]))
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("adapter_config.json"))) as? [String: Any] ?? [:]
        for key in oracle?["config_keys"] as? [String] ?? ["oracle gave no keys"] {
            #expect(json[key] != nil, "adapter_config.json lacks \(key)")
        }
        #expect(json["peft_type"] as? String == "LORA" && json["task_type"] as? String == "CAUSAL_LM")
        #expect(json["r"] as? Int == 4 && (json["lora_alpha"] as? NSNumber)?.doubleValue == 8)
        #expect(json["fan_in_fan_out"] as? Bool == true && json["bias"] as? String == "none")
        #expect(json["target_modules"] as? [String] == ["c_attn", "attn.c_proj", "c_fc", "mlp.c_proj"])
        #expect(json["base_model_name_or_path"] as? String == "tiny")
    }

    @Test func loadingReportsMissingTensorsByName() throws {
        let model = try tinyModel()
        let w = LoRAWeights(config: try Self.config(), model: model.config, seed: 1)
        let dir = try makeScratchDirectory("training-peft-bad")
        defer { try? FileManager.default.removeItem(at: dir) }
        try w.save(to: dir)
        var deeper = model.config
        deeper.nLayer = 3
        #expect(throws: TrainingError.adapterTensors(
            missing: ["base_model.model.h.2.attn.c_attn.lora_A.weight", "base_model.model.h.2.attn.c_attn.lora_B.weight"],
            unused: [], file: dir.appendingPathComponent("adapter_model.safetensors").path)) {
            try LoRAWeights.load(from: dir, for: deeper)
        }
    }

    @Test func finetuneLowersTheLossAndReportsRunValues() throws {
        let model = try tinyModel()
        let corpus = Array(Array(repeating: [3, 14, 15, 9, 26, 5, 35, 8, 9, 7], count: 8).joined())
        let options = TrainingOptions(
            steps: 40, batchSize: 4, sequenceLength: 8, learningRate: 2e-2, minLearningRate: 2e-3,
            warmupSteps: 2, adamW: AdamWHyperparameters(weightDecay: 0), evalWindows: 4, seed: 4)
        let before = model.weights
        let result = try finetune(
            base: model, adapterConfig: try Self.config([.cAttn, .cFc]), trainTokens: corpus,
            evalTokens: corpus, options: options)
        print("finetune: eval \(result.baseEvalLoss) -> \(result.evalLoss), ppl \(result.perplexity)")
        #expect(result.steps.count == 40)
        #expect(result.evalLoss < 0.5 * result.baseEvalLoss, "eval loss \(result.baseEvalLoss) -> \(result.evalLoss)")
        #expect(result.trainableParameters == result.adapters.trainableParameterCount)
        #expect(result.baseParameters == before.parameterCount)
        #expect(abs(result.perplexity - expf(result.evalLoss)) < 1e-3 * result.perplexity)
        #expect(model.weights == before, "the base stays frozen")
    }
}
