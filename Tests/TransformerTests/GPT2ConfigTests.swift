// Every GPT2Config key lmlab honours, on and off, against the NumPy oracle's forward under the
// same config.json (Tests/Oracle/gpt2_oracle.py `config`, which writes HF's GPT2Config maths
// out); and the keys it refuses, by name. With transformers installed, the oracle's maths is
// also checked against transformers itself (gpt2_hf_check.py); without it that check is skipped.
import Foundation
import Tensors
import TestSupport
import Testing

@testable import Transformer

/// A tiny config.json (2 layers, 2 heads, C = 16, V = 40, 12 positions) with `overrides`.
private func configJSON(_ overrides: [String: Any]) -> [String: Any] {
    var config: [String: Any] = [
        "model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "n_layer": 2, "n_head": 2,
        "n_embd": 16, "vocab_size": 40, "n_positions": 12,
    ]
    config.merge(overrides) { $1 }
    return config
}

/// Runs the oracle's `config` case: a random checkpoint under `config` in a fresh folder.
private func oracleCheckpoint(_ config: [String: Any], seed: Int) throws -> OracleCase {
    let dir = try makeScratchDirectory("gpt2-config")
    let request: [String: Any] = ["config": config, "seed": seed]
    try JSONSerialization.data(withJSONObject: request)
        .write(to: dir.appendingPathComponent("request.json"))
    return try OracleCase("config", folder: dir)
}

/// One key (or a few) on, as JSON; the baseline is every key at GPT-2's value.
private let variants: [(name: String, json: String)] = [
    ("GPT-2 defaults", "{}"),
    ("scale_attn_by_inverse_layer_idx", #"{"scale_attn_by_inverse_layer_idx": true}"#),
    ("scale_attn_weights false", #"{"scale_attn_weights": false}"#),
    ("both scales", #"{"scale_attn_weights": false, "scale_attn_by_inverse_layer_idx": true}"#),
    ("untied head", #"{"tie_word_embeddings": false}"#),
    ("tied head, explicit", #"{"tie_word_embeddings": true}"#),
    ("n_inner", #"{"n_inner": 24}"#),
    ("n_inner null", #"{"n_inner": null}"#),
    ("gelu (erf)", #"{"activation_function": "gelu"}"#),
    ("gelu_pytorch_tanh", #"{"activation_function": "gelu_pytorch_tanh"}"#),
    ("relu", #"{"activation_function": "relu"}"#),
    ("silu", #"{"activation_function": "silu"}"#),
    ("quick_gelu", #"{"activation_function": "quick_gelu"}"#),
    ("layer_norm_epsilon", #"{"layer_norm_epsilon": 0.01}"#),
    (
        "reorder_and_upcast_attn",
        #"{"reorder_and_upcast_attn": true, "scale_attn_by_inverse_layer_idx": true}"#
    ),
    (
        "keys with no effect",
        #"""
        {"attn_pdrop": 0.5, "resid_pdrop": 0.5, "embd_pdrop": 0.5, "initializer_range": 3,
         "summary_type": "cls_index", "use_cache": false, "transformers_version": "4.0",
         "task_specific_params": {"text-generation": {"do_sample": true}},
         "add_cross_attention": false, "pruned_heads": {}, "my_own_note": "kept"}
        """#
    ),
]

private func object(_ json: String) throws -> [String: Any] {
    try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] ?? [:]
}

@Suite struct GPT2ConfigTests {
    @Test(arguments: variants.indices)
    func forwardMatchesOracleUnderConfig(index: Int) throws {
        let (name, overrides) = (variants[index].name, try object(variants[index].json))
        let o = try oracleCheckpoint(configJSON(overrides), seed: 100 + index)
        defer { try? FileManager.default.removeItem(at: o.dir) }
        let model = try loadCheckpoint(o.dir)
        let ids = try o.ints("ids")
        let expected = try o.tensor("out_logits")
        expectClose(try model.forward(ids), expected, tolerance: 5e-5, "\(name): forward")
        var cache = KVCache(config: model.config)
        var decoded: [Tensor] = []
        for id in ids { decoded.append(try model.decode(token: id, cache: &cache)) }
        let rows = decoded.map { $0.reshaped([1, $0.count]) }
        expectClose(
            Tensor.concatenated(rows, axis: 0), expected, tolerance: 5e-5,
            "\(name): KV-cache decoding")
        // Saved and loaded again, the config (and an untied head) survive.
        let again = o.dir.appendingPathComponent("saved")
        try saveCheckpoint(model, to: again)
        let back = try loadCheckpoint(again)
        var config = model.config  // saving fills in GPT-2's bos/eos = vocab_size - 1
        config.bosTokenId = config.bosTokenId ?? config.vocabSize - 1
        config.eosTokenId = config.eosTokenId ?? config.vocabSize - 1
        #expect(back.config == config && back.weights == model.weights, "\(name)")
    }

    @Test func eachKeyChangesTheLogits() throws {
        // The on/off pairs above could pass with a key ignored if it made no difference.
        let base = try oracleCheckpoint(configJSON([:]), seed: 7)
        defer { try? FileManager.default.removeItem(at: base.dir) }
        for json in [
            #"{"scale_attn_by_inverse_layer_idx": true}"#, #"{"scale_attn_weights": false}"#,
            #"{"tie_word_embeddings": false}"#, #"{"activation_function": "gelu"}"#,
        ] {
            let overrides = try object(json)
            let o = try oracleCheckpoint(configJSON(overrides), seed: 7)
            defer { try? FileManager.default.removeItem(at: o.dir) }
            let diff = try o.tensor("out_logits").maxAbsDifference(base.tensor("out_logits"))
            // erf and tanh GELU differ least (≈4e-4 here), still far above float32 noise.
            #expect(diff > 1e-4, "\(overrides) changes the logits by only \(diff)")
        }
    }

    @Test func oracleAgreesWithTransformersWhenInstalled() throws {
        // gpt2_hf_check.py exits 0 having compared, or prints "skip" when transformers is absent.
        let dir = try makeScratchDirectory("gpt2-hf")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = String(decoding: try runOracle("gpt2_hf_check.py", [dir.path]), as: UTF8.self)
        print("gpt2_hf_check: \(out)")
        #expect(out.hasPrefix("ok") || out.hasPrefix("skip"), "\(out)")
    }

    @Test(arguments: [
        (#"{"model_type": "llama"}"#, "model_type"),
        (#"{"architectures": ["GPT2ForSequenceClassification"]}"#, "architectures"),
        (#"{"activation_function": "mish"}"#, "activation_function"),
        (#"{"add_cross_attention": true}"#, "add_cross_attention"),
        (#"{"is_encoder_decoder": true}"#, "is_encoder_decoder"),
        (#"{"pruned_heads": {"0": [1]}}"#, "pruned_heads"),
        (#"{"quantization_config": {"quant_method": "gptq"}}"#, "quantization_config"),
        (#"{"scale_attn_weights": "yes"}"#, "scale_attn_weights"),
        (#"{"n_inner": 0}"#, "n_inner"),
    ])
    func refusesWhatItDoesNotComputeByName(json: String, key: String) throws {
        let overrides = try object(json)
        let dir = try makeScratchDirectory("gpt2-refuse")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("config.json")
        try JSONSerialization.data(withJSONObject: configJSON(overrides)).write(to: file)
        func isExpected(_ error: (any Error)?) -> Bool {
            guard let error else { return false }
            guard case TransformerError.badConfig(let got, _, let path) = error else { return false }
            return got == key && path == file.path && "\(error)".contains(key)
        }
        let error = #expect(throws: (any Error).self) { _ = try loadConfig(file) }
        #expect(isExpected(error), "\(String(describing: error))")
    }

    @Test func untiedConfigWithoutLMHeadIsMissingATensor() throws {
        let o = try oracleCheckpoint(configJSON([:]), seed: 3)  // tied: no lm_head.weight
        defer { try? FileManager.default.removeItem(at: o.dir) }
        let config = configJSON(["tie_word_embeddings": false])
        try JSONSerialization.data(withJSONObject: config)
            .write(to: o.dir.appendingPathComponent("config.json"))
        func isExpected(_ error: (any Error)?) -> Bool {
            guard let error else { return false }
            guard case TransformerError.tensorNames(let missing, _, _) = error else { return false }
            return missing == ["lm_head.weight"]
        }
        let error = #expect(throws: (any Error).self) { _ = try loadCheckpoint(o.dir) }
        #expect(isExpected(error), "\(String(describing: error))")
    }
}
