// `lmlab model size` run as a user would: the table and --json carry ModelSize's figures
// (checked against published parameter counts and a hand-worked KV cache), a config.json alone
// is sized without weights, and bad input says what was wrong (the key, the known presets).
import Foundation
import TestSupport
import Testing

@testable import lmlab

@Suite(.serialized) struct ModelSizeCommandTests {
    @Test func helpIsStable() {
        let help = LMLab.helpMessage(for: ModelCommand.Size.self, columns: 100)
        let expected = """
            OVERVIEW: Print models' parameters, weight memory per format and KV-cache memory.

            Computed from configurations, nothing downloaded: presets (gpt2, gpt2-medium,
            gpt2-large, gpt2-xl, tinyllama-1.1b, llama-2-7b, llama-3-8b) or a Hugging Face
            config.json (GPT-2 or LLaMA-style) alone. As `experiment quantize` stores a
            model, the linear layers are in the format, the token embedding (and an untied
            head) is fp16 except in fp32, and biases, positions and norms stay fp32. The KV
            cache holds 2 · layers · context · kv_heads · head_dim values for one sequence.

            USAGE: lmlab model size [--preset <preset> ...] [--config <config>] [--context <context>] [--cache <cache>] [--formats <formats>] [--json]

            OPTIONS:
              --preset <preset>       A preset to size (repeatable; default: the four GPT-2 sizes).
              --config <config>       A config.json to size instead of presets (GPT-2 or LLaMA-style).
              --context <context>     Tokens in the KV cache (default: each model's context length).
              --cache <cache>         The KV cache's element type: fp32, fp16 or bf16. (values: fp32, fp16,
                                      bf16; default: fp16)
              --formats <formats>     The weight formats, comma-separated (default:
                                      fp32,fp16,bf16,int8,q8_0,q4_0).
              --json                  Print the sizes as JSON, bytes exact.
              -h, --help              Show help information.

            """
        #expect(help == expected, "got:\n\(help)")
    }

    @Test func theDefaultTableListsTheFourGPT2Sizes() throws {
        let run = try runBuiltLMLab(["model", "size"])
        #expect(run.status == 0, "\(run.err)")
        let lines = run.out.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("model") == true)
        #expect(lines.count == 1 + 4 * 6, "\(run.out)")
        // GPT-2 small: 124,439,808 parameters; fp32 497,759,232 B = 474.7 MiB; the KV cache at
        // 1024 tokens in fp16 is 2 · 12 · 1024 · 768 · 2 B = 36.0 MiB.
        let small = lines[1].split(separator: " ").map(String.init)
        #expect(small == ["gpt2", "124.44M", "1024", "36.0", "MiB", "fp16", "fp32", "474.7", "MiB"])
        for name in ["gpt2-medium", "gpt2-large", "gpt2-xl"] {
            #expect(lines.contains { $0.hasPrefix(name + " ") }, "\(name)")
        }
        #expect(lines.contains { $0.contains("q4_0") })
    }

    @Test func jsonCarriesExactBytes() throws {
        let run = try runBuiltLMLab([
            "model", "size", "--preset", "gpt2", "--preset", "llama-3-8b", "--context", "1024",
            "--formats", "fp32,q8_0", "--json",
        ])
        #expect(run.status == 0, "\(run.err)")
        let sizes = try #require(
            try JSONSerialization.jsonObject(with: Data(run.out.utf8)) as? [[String: Any]])
        #expect(sizes.count == 2)
        #expect(sizes[0]["parameters"] as? Int == 124_439_808)
        #expect(sizes[0]["kvCacheBytes"] as? Int == 37_748_736)
        #expect(sizes[1]["parameters"] as? Int == 8_030_261_248)
        // 8 KV heads of 128 in 32 layers: 2 · 32 · 1024 · 8 · 128 · 2 B.
        #expect(sizes[1]["kvCacheBytes"] as? Int == 134_217_728)
        let weights = sizes[0]["weights"] as? [[String: Any]]
        #expect(weights?.map { $0["format"] as? String } == ["fp32", "q8_0"])
        #expect(weights?.first?["bytes"] as? Int == 497_759_232)
    }

    @Test func aConfigJSONAloneIsSized() throws {
        let dir = try makeScratchDirectory("lmlab-size")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("config.json")
        try Data(#"""
            {"model_type": "gpt2", "n_layer": 12, "n_head": 12, "n_embd": 768, "n_positions": 1024,
             "vocab_size": 50257}
            """#.utf8).write(to: file)
        let run = try runBuiltLMLab(["model", "size", "--config", file.path, "--json"])
        #expect(run.status == 0, "\(run.err)")
        let sizes = try JSONSerialization.jsonObject(with: Data(run.out.utf8)) as? [[String: Any]]
        #expect(sizes?.first?["parameters"] as? Int == 124_439_808)

        try Data(#"{"model_type": "gpt2", "n_layer": 2, "n_head": 2, "n_embd": 64}"#.utf8)
            .write(to: file)
        let missing = try runBuiltLMLab(["model", "size", "--config", file.path])
        #expect(missing.status != 0)
        #expect(missing.err.contains("vocab_size") && missing.err.contains(file.path), "\(missing.err)")
    }

    @Test func anUnknownPresetOrFormatSaysWhatIsKnown() throws {
        let preset = try runBuiltLMLab(["model", "size", "--preset", "gpt-5"])
        #expect(preset.status != 0)
        #expect(preset.err.contains("gpt-5") && preset.err.contains("llama-3-8b"), "\(preset.err)")
        let format = try runBuiltLMLab(["model", "size", "--formats", "fp8"])
        #expect(format.status == 64)
        #expect(format.err.contains("q4_0"), "\(format.err)")
        let both = try runBuiltLMLab(["model", "size", "--config", "x.json", "--preset", "gpt2"])
        #expect(both.status == 64)
    }
}
