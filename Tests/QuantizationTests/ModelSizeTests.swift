// Model sizes against published constants (Hugging Face's parameter counts of GPT-2 and the
// LLaMA family), hand-worked weight and KV-cache bytes, the storage a real quantized matrix and
// a real QuantizedGPT2 take, and a saved model's config.json against its safetensors.
import Foundation
import Tensors
import TestSupport
import Testing
import Transformer

@testable import Quantization

@Suite struct ModelSizeTests {
    @Test func presetsHaveThePublishedParameterCounts() throws {
        let published = [
            "gpt2": 124_439_808, "gpt2-medium": 354_823_168, "gpt2-large": 774_030_080,
            "gpt2-xl": 1_557_611_200, "tinyllama-1.1b": 1_100_048_384,
            "llama-2-7b": 6_738_415_616, "llama-3-8b": 8_030_261_248,
        ]
        for (name, count) in published {
            #expect(try ModelSize(ModelSizeConfig.preset(name)).parameters == count, "\(name)")
        }
        #expect(Set(ModelSizeConfig.presets.map(\.name)) == Set(published.keys))
    }

    @Test func kvCacheIsTwoTimesLayersContextKVHeadsHeadDimBytes() throws {
        // GPT-2 small, 1024 tokens, fp16: 2 · 12 · 1024 · 768 · 2 bytes.
        let small = try ModelSize(ModelSizeConfig.preset("gpt2"), context: 1024, cache: .fp16)
        #expect(small.kvCacheBytes == 37_748_736)
        #expect(try ModelSize(ModelSizeConfig.preset("gpt2"), cache: .fp32).kvCacheBytes
            == 75_497_472)
        // Llama-3-8B's grouped queries: 8 KV heads of 128, 32 layers: 128 KiB per token in fp16.
        let llama3 = try ModelSize(ModelSizeConfig.preset("llama-3-8b"), context: 8192)
        #expect(llama3.kvCacheBytes == 8192 * 131_072)
        // Llama-2-7B has no GQA: 32 KV heads, 512 KiB per token.
        let llama2 = try ModelSize(ModelSizeConfig.preset("Llama-2-7B"), context: 1)
        #expect(llama2.kvCacheBytes == 524_288)
    }

    @Test func gpt2SmallWeightBytesWorkedByHand() throws {
        let size = try ModelSize(ModelSizeConfig.preset("gpt2"))
        func bytes(_ f: QuantScheme) -> Int? { size.weights.first { $0.format == f }?.bytes }
        // Linear weights per block: 768 · (2304 + 768 + 3072) + 3072 · 768 = 7,077,888; × 12.
        let linear = 84_934_656
        let wte = 50257 * 768  // 38,597,376: fp16 in every format but fp32
        let rest = 124_439_808 - linear - wte  // 907,776 biases, wpe, layer norms: fp32
        #expect(bytes(.fp32) == 497_759_232)
        #expect(bytes(.fp16) == linear * 2 + wte * 2 + rest * 4)
        #expect(bytes(.bf16) == bytes(.fp16))
        #expect(bytes(.int8) == linear + 48 * 4 + wte * 2 + rest * 4)  // one fp32 scale a matrix
        #expect(bytes(.q8_0) == 171_068_928)  // linear · 34/32 + wte · 2 + rest · 4
        #expect(bytes(.q4_0) == linear / 32 * 18 + wte * 2 + rest * 4)
    }

    @Test func schemeByteCountsAgreeWithRealQuantizedMatrices() throws {
        var rng = RNG(seed: 5)
        let w = Tensor.normal(shape: [96, 40], mean: 0, std: 1, rng: &rng)  // [in, out]
        for scheme in QuantScheme.allCases {
            let matrix = try QuantizedMatrix(quantizing: w, scheme: scheme)
            #expect(scheme.byteCount(outputs: 40, inputs: 96) == matrix.byteCount, "\(scheme)")
        }
        #expect(QuantScheme.q8_0.bytesPerBlock == 34 && QuantScheme.q4_0.bytesPerBlock == 18)
        #expect(QuantScheme.q4_0.byteCount(outputs: 4, inputs: 40) == nil)
    }

    @Test func sizesFollowWhatQuantizedGPT2Stores() throws {
        let model = try smallModel()
        let config = ModelSizeConfig(name: "small", gpt2: model.config)
        let total = GPT2Weights.parameters(for: model.config).reduce(0) {
            $0 + $1.shape.reduce(1, *)
        }
        for scheme in [QuantScheme.fp32, .fp16, .int8, .q8_0, .q4_0] {
            let q = try QuantizedGPT2(model, scheme: scheme)
            let others = total - q.quantizedWeightCount - model.config.vocabSize * model.config.nEmbd
            let stored = q.quantizedWeightBytes + q.head.weight.byteCount + others * 4
            #expect(try ModelSize(config, formats: [scheme]).weights[0].bytes == stored, "\(scheme)")
        }
    }

    @Test func aSavedModelsConfigCountsItsSafetensors() throws {
        // The course base model's shape: 4 layers, 4 heads, C = 128, context 128, vocab 2048.
        let config = try GPT2Config(vocabSize: 2048, nPositions: 128, nEmbd: 128, nLayer: 4, nHead: 4)
        let dir = try makeScratchDirectory("model-size")
        defer { try? FileManager.default.removeItem(at: dir) }
        let folder = dir.appendingPathComponent("base-model")
        try saveCheckpoint(GPT2Model.randomInit(config, seed: 1), to: folder)
        let file = try SafeTensorsFile(
            contentsOf: folder.appendingPathComponent("model.safetensors"))
        let stored = file.names.compactMap { file.info($0)?.shape.reduce(1, *) }.reduce(0, +)
        let read = try ModelSizeConfig(configFile: folder.appendingPathComponent("config.json"))
        #expect(read.name == "base-model" && read.family == .gpt2)
        #expect(try ModelSize(read).parameters == stored)
        #expect(stored == 1_071_872)  // 2048·128 + 128·128 + 4·198,272 + 256
    }

    @Test func llamaConfigJSONIsReadWithItsDefaults() throws {
        let dir = try makeScratchDirectory("model-size-llama")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("config.json")
        // TinyLlama-1.1B's config.json (the keys that matter, as published).
        try Data(#"""
            {"architectures": ["LlamaForCausalLM"], "hidden_size": 2048, "intermediate_size": 5632,
             "max_position_embeddings": 2048, "model_type": "llama", "num_attention_heads": 32,
             "num_hidden_layers": 22, "num_key_value_heads": 4, "rms_norm_eps": 1e-05,
             "tie_word_embeddings": false, "torch_dtype": "bfloat16", "vocab_size": 32000}
            """#.utf8).write(to: file)
        let read = try ModelSizeConfig(configFile: file)
        var preset = try ModelSizeConfig.preset("tinyllama-1.1b")
        preset.name = read.name
        #expect(read == preset)

        try Data(#"{"model_type": "llama", "hidden_size": 64}"#.utf8).write(to: file)
        #expect(throws: ModelSizeError.badKey(
            file: file.path, key: "num_attention_heads", reason: "is missing")) {
            try ModelSizeConfig(configFile: file)
        }
        try Data(#"""
            {"model_type": "llama", "hidden_size": 64, "intermediate_size": 128,
             "num_attention_heads": 4, "num_hidden_layers": 2, "vocab_size": 100,
             "max_position_embeddings": 32, "head_dim": 32}
            """#.utf8).write(to: file)
        #expect(throws: ModelSizeError.self) { try ModelSizeConfig(configFile: file) }
        try Data(#"{"n_layer": 2, "n_head": 2, "n_embd": 64, "n_positions": 32}"#.utf8)
            .write(to: file)
        #expect(throws: ModelSizeError.badKey(
            file: file.path, key: "vocab_size", reason: "is missing")) {
            try ModelSizeConfig(configFile: file)
        }
        try Data("not json".utf8).write(to: file)
        #expect(throws: ModelSizeError.unreadable(file: file.path, reason: "is not a JSON object")) {
            try ModelSizeConfig(configFile: file)
        }
    }

    @Test func anUnknownPresetListsTheKnownOnes() {
        #expect(throws: ModelSizeError.self) { try ModelSizeConfig.preset("gpt5") }
        let message = ModelSizeError.unknownPreset("gpt5", known: ["gpt2", "gpt2-xl"]).description
        #expect(message == "there is no preset \"gpt5\"; the presets are gpt2, gpt2-xl")
    }

    @Test func sizesAreFormattedForPeople() {
        #expect(formatCount(124_439_808) == "124.44M")
        #expect(formatCount(999) == "999")
        #expect(formatBytes(497_759_232) == "474.7 MiB")
    }
}
