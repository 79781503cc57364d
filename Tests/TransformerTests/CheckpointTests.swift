// Saving and loading Hugging Face GPT-2 folders: a Swift-saved checkpoint read back exactly and
// run by the NumPy oracle; every kind of bad checkpoint rejected with a message naming the culprit.
import Foundation
import Tensors
import TestSupport
import Testing

@testable import Transformer

@Suite struct CheckpointTests {
    @Test func roundTripAndOracleForwardOnSwiftSavedFolder() throws {
        let model = try tinyModel()
        let dir = try makeScratchDirectory("gpt2-save").appendingPathComponent("ckpt")
        try saveCheckpoint(model, to: dir)
        try saveCheckpoint(model, to: dir)  // overwriting an existing folder works too
        let back = try loadCheckpoint(dir)
        var config = model.config  // saving fills in GPT-2's bos/eos = vocab_size - 1
        config.bosTokenId = 49
        config.eosTokenId = 49
        #expect(back.config == config)
        #expect(back.weights == model.weights)  // F32 round trip is exact

        let json =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: dir.appendingPathComponent("config.json"))) as? [String: Any]
        #expect(json?["model_type"] as? String == "gpt2")
        #expect(json?["architectures"] as? [String] == ["GPT2LMHeadModel"])
        #expect(json?["activation_function"] as? String == "gelu_new")
        #expect(json?["n_ctx"] as? Int == 16 && json?["eos_token_id"] as? Int == 49)
        #expect(json?["layer_norm_epsilon"] as? Double == 1e-5)
        let leftovers = try FileManager.default.contentsOfDirectory(
            atPath: dir.deletingLastPathComponent().path)
        #expect(leftovers == ["ckpt"])

        // The oracle runs the saved folder with its own code.
        let ids = [5, 0, 49, 17, 17, 3, 8, 21, 44, 1, 2, 30]
        try Npy.write(
            Tensor(shape: [ids.count], data: ids.map(Float.init)),
            to: dir.appendingPathComponent("ids.npy"))
        let o = try OracleCase("forward", folder: dir)
        expectClose(
            try model.forward(ids), try o.tensor("out_logits"), tolerance: 1e-4,
            "Swift-saved checkpoint, oracle forward")
    }

    @Test func randomInitFollowsGPT2Recipe() throws {
        let config = try GPT2Config(vocabSize: 300, nPositions: 64, nEmbd: 64, nLayer: 4, nHead: 4)
        let model = GPT2Model.randomInit(config, seed: 1)
        #expect(GPT2Model.randomInit(config, seed: 1).weights == model.weights)
        let std = { (t: Tensor) -> Float in
            let mean = t.sum() / Float(t.count)
            return (t.data.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(t.count))
                .squareRoot()
        }
        #expect(abs(std(model.weights.wte) - 0.02) < 0.001)
        #expect(abs(std(model.weights.blocks[0].attention.cAttnWeight) - 0.02) < 0.001)
        let residual = 0.02 / Float(8).squareRoot()
        #expect(abs(std(model.weights.blocks[3].mlp.cProjWeight) - residual) < 0.0005)
        #expect(abs(std(model.weights.blocks[3].attention.cProjWeight) - residual) < 0.0005)
        #expect(model.weights.blocks[1].ln1Weight == Tensor(repeating: 1, shape: [64]))
        #expect(model.weights.blocks[1].mlp.cFcBias == Tensor(zeros: [256]))
        #expect(model.weights.lnFBias == Tensor(zeros: [64]))
    }

    /// A Python-written checkpoint folder whose tensors (and config) the caller may edit.
    func editedCheckpoint(
        editTensors: (inout [String: Tensor]) -> Void = { _ in },
        editConfig: (inout [String: Any]) -> Void = { _ in }
    ) throws -> URL {
        let o = try OracleCase("checkpoint")
        let st = try SafeTensorsFile(contentsOf: o.dir.appendingPathComponent("model.safetensors"))
        var tensors: [String: Tensor] = [:]
        for name in st.names { tensors[name] = try st.tensor(name) }
        editTensors(&tensors)
        try SafeTensors.write(
            tensors.map { SafeTensorsEntry(name: $0.key, tensor: $0.value) },
            to: o.dir.appendingPathComponent("model.safetensors"))
        let configURL = o.dir.appendingPathComponent("config.json")
        var config =
            try JSONSerialization.jsonObject(with: Data(contentsOf: configURL)) as? [String: Any]
            ?? [:]
        editConfig(&config)
        try JSONSerialization.data(withJSONObject: config).write(to: configURL)
        return o.dir
    }

    @Test func missingAndUnknownTensorsAreListed() throws {
        let dir = try editedCheckpoint { t in
            t["h.1.mlp.c_fc.bias"] = nil
            t["h.0.attn.c_attn.extra"] = Tensor(zeros: [2])
            t["h.0.attn.bias"] = Tensor(zeros: [1])  // the HF buffer: ignored
            t["lm_head.weight"] = Tensor(zeros: [50, 16])  // tied head: ignored
        }
        let file = dir.appendingPathComponent("model.safetensors").path
        #expect(
            throws: TransformerError.tensorNames(
                missing: ["h.1.mlp.c_fc.bias"], unused: ["h.0.attn.c_attn.extra"], file: file)
        ) {
            try loadCheckpoint(dir)
        }
    }

    @Test func shapeDisagreeingWithConfigIsNamed() throws {
        let dir = try editedCheckpoint(editTensors: { t in
            t["h.0.ln_2.weight"] = Tensor(zeros: [15])
        })
        let file = dir.appendingPathComponent("model.safetensors").path
        #expect(
            throws: TransformerError.shapeMismatch(
                tensor: "h.0.ln_2.weight", expected: [16], actual: [15], file: file)
        ) {
            try loadCheckpoint(dir)
        }
        let longer = try editedCheckpoint(editConfig: { $0["n_positions"] = 32 })
        let err = #expect(throws: TransformerError.self) { try loadCheckpoint(longer) }
        #expect(err?.description.contains("wpe.weight") == true)
        #expect(err?.description.contains("[32, 16]") == true)
    }

    @Test func badConfigNamesTheKey() throws {
        let cases: [(String, (inout [String: Any]) -> Void)] = [
            ("n_embd", { $0["n_embd"] = 15 }),  // not divisible by n_head = 2
            ("n_head", { $0["n_head"] = nil }),
            ("n_layer", { $0["n_layer"] = "two" }),
            ("vocab_size", { $0["vocab_size"] = 0 }),
            ("activation_function", { $0["activation_function"] = "mish" }),  // not computed
        ]
        for (key, edit) in cases {
            let dir = try editedCheckpoint(editConfig: edit)
            let err = #expect(throws: TransformerError.self) { try loadCheckpoint(dir) }
            guard case .badConfig(let k, _, let file) = err else {
                Issue.record("\(key): expected badConfig, got \(String(describing: err))")
                continue
            }
            #expect(k == key && file.hasSuffix("config.json"), "\(key): \(String(describing: err))")
        }
        // n_ctx stands in for a missing n_positions; layer_norm_epsilon defaults to 1e-5.
        let old = try editedCheckpoint(editConfig: {
            $0["n_positions"] = nil
            $0["layer_norm_epsilon"] = nil
        })
        let model = try loadCheckpoint(old)
        #expect(model.config.nPositions == 16 && model.config.layerNormEpsilon == 1e-5)
    }

    @Test func missingFolderIsAnIOError() throws {
        let nowhere = try makeScratchDirectory("gpt2-empty")
        let err = #expect(throws: TransformerError.self) { try loadCheckpoint(nowhere) }
        #expect(err?.description.contains("config.json") == true)
    }
}
