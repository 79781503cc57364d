// The commands that expose lmlab's numbers, run from outside as an instructor would (the built
// .build/debug/lmlab), each checked against an independent NumPy computation: a merged adapter
// and the forward through it, one step's gradients, Q8_0/Q4_0 codes and scales, sampled
// generation with its documented random stream, line-by-line tokenization (a BOM kept). And bad
// input exits with a status other than 0 and an error naming the file and the key.
import Foundation
import Tensors
import TestSupport
import Testing

private let fixtures = repositoryRoot.appendingPathComponent("Tests/Oracle/Fixtures/peft")

/// Runs the built lmlab with `arguments`; its status, stdout and stderr.
private func lmlab(_ arguments: [String]) throws -> LMLabRun { try runBuiltLMLab(arguments) }

private func largestDifference(_ a: SafeTensorsFile, _ b: SafeTensorsFile) throws -> Float {
    var worst: Float = 0
    for name in b.names where a.info(name) != nil {
        worst = max(worst, try a.tensor(name).maxAbsDifference(try b.tensor(name)))
    }
    return worst
}

/// A small corpus, a 300-token tokenizer trained on it and a fresh C = 32 model using it.
private func tinyModelFolder(_ dir: URL) throws -> (model: URL, corpus: URL) {
    let corpus = dir.appendingPathComponent("corpus.txt")
    try String(
        repeating: "the query looks at every key; the softmax turns scores into weights.\n",
        count: 40
    ).write(to: corpus, atomically: true, encoding: .utf8)
    let tokenizer = dir.appendingPathComponent("tok")
    let model = dir.appendingPathComponent("model")
    for arguments in [
        ["tokenizer", "train", "--corpus", corpus.path, "--vocab-size", "300", "--out", tokenizer.path],
        [
            "model", "init", "--layers", "2", "--heads", "2", "--embd", "32", "--ctx", "32",
            "--seed", "3", "--tokenizer", tokenizer.path, "--out", model.path,
        ],
    ] {
        let run = try lmlab(arguments)
        #expect(run.status == 0, "\(arguments): \(run.err)")
    }
    return (model, corpus)
}

@Suite(.serialized, .blockingWork) struct ExposedNumbersTests {
    @Test func mergeAndForwardWithAnAdapterMatchNumPy() throws {
        let dir = try makeScratchDirectory("lmlab-merge")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (base, adapter) = (
            fixtures.appendingPathComponent("patterns/base"),
            fixtures.appendingPathComponent("patterns/adapter")
        )
        let merged = dir.appendingPathComponent("merged")
        let merge = try lmlab([
            "model", "merge", "--model", base.path, "--adapter", adapter.path, "--out", merged.path,
        ])
        #expect(merge.status == 0, "\(merge.err)")
        // The merged folder's weights against the NumPy merge of the same files.
        try runOracle("lora_peft.py", ["merge", base.path, adapter.path, dir.path])
        let diff = try largestDifference(
            SafeTensorsFile(contentsOf: merged.appendingPathComponent("model.safetensors")),
            SafeTensorsFile(contentsOf: dir.appendingPathComponent("merged.safetensors")))
        #expect(diff < 1e-5, "merged weights differ from NumPy's merge by \(diff)")
        // forward --adapter against NumPy's forward of the merged folder.
        let ids = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3]
        let logits = dir.appendingPathComponent("logits.npy")
        let forward = try lmlab([
            "model", "forward", "--model", base.path, "--adapter", adapter.path,
            "--ids", ids.map(String.init).joined(separator: " "), "--out", logits.path,
        ])
        #expect(forward.status == 0, "\(forward.err)")
        try Npy.write(
            Tensor(shape: [ids.count], data: ids.map(Float.init)),
            to: merged.appendingPathComponent("ids.npy"))
        try runOracle("gpt2_oracle.py", ["forward", merged.path])
        let got = try Npy.read(logits).tensor
        let want = try Npy.read(merged.appendingPathComponent("out_logits.npy")).tensor
        #expect(got.shape == want.shape && got.maxAbsDifference(want) < 1e-4)
    }

    @Test func badAdaptersAndConfigsExitWithTheFileAndKey() throws {
        let dir = try makeScratchDirectory("lmlab-bad")
        defer { try? FileManager.default.removeItem(at: dir) }
        let base = fixtures.appendingPathComponent("plain/base")
        let adapter = dir.appendingPathComponent("adapter")
        try FileManager.default.copyItem(
            at: fixtures.appendingPathComponent("plain/adapter"), to: adapter)
        let configFile = adapter.appendingPathComponent("adapter_config.json")
        var object =
            try JSONSerialization.jsonObject(with: Data(contentsOf: configFile)) as? [String: Any]
            ?? [:]
        object["target_modules"] = ["q_proj"]
        try JSONSerialization.data(withJSONObject: object).write(to: configFile)
        let run = try lmlab([
            "model", "forward", "--model", base.path, "--adapter", adapter.path, "--ids", "1 2",
            "--out", dir.appendingPathComponent("x.npy").path,
        ])
        #expect(run.status != 0)
        #expect(run.err.contains(configFile.path) && run.err.contains("target_modules"), "\(run.err)")

        let model = dir.appendingPathComponent("llama")
        try FileManager.default.copyItem(at: base, to: model)
        let modelConfig = model.appendingPathComponent("config.json")
        var config =
            try JSONSerialization.jsonObject(with: Data(contentsOf: modelConfig)) as? [String: Any]
            ?? [:]
        config["model_type"] = "llama"
        try JSONSerialization.data(withJSONObject: config).write(to: modelConfig)
        let info = try lmlab(["model", "info", "--model", model.path])
        #expect(info.status != 0)
        #expect(info.err.contains(modelConfig.path) && info.err.contains("model_type"), "\(info.err)")
    }

    @Test func dumpedGradientsMatchTheNumPyBackward() throws {
        let dir = try makeScratchDirectory("lmlab-grads")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (model, _) = try tinyModelFolder(dir)
        let tokens = dir.appendingPathComponent("tokens.txt")
        try "5 17 200 3 9 41 7\n1 2 3 4 5 6 7\n".write(to: tokens, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("grads")
        let run = try lmlab([
            "model", "train", "--model", model.path, "--tokens", tokens.path,
            "--dump-grads", out.path,
        ])
        #expect(run.status == 0, "\(run.err)")
        // The oracle's folder: the same model, inputs and targets as NumPy arrays.
        let oracle = dir.appendingPathComponent("oracle")
        try FileManager.default.createDirectory(at: oracle, withIntermediateDirectories: true)
        for name in ["config.json", "model.safetensors"] {
            try FileManager.default.copyItem(
                at: model.appendingPathComponent(name), to: oracle.appendingPathComponent(name))
        }
        let rows = [[5, 17, 200, 3, 9, 41, 7], [1, 2, 3, 4, 5, 6, 7]]
        try Npy.write(
            Tensor(shape: [2, 6], data: rows.flatMap { $0.dropLast() }.map(Float.init)),
            to: oracle.appendingPathComponent("inputs.npy"))
        try Npy.write(
            Tensor(shape: [2, 6], data: rows.flatMap { $0.dropFirst() }.map(Float.init)),
            to: oracle.appendingPathComponent("targets.npy"))
        try runOracle("training_backward.py", ["grads", oracle.path])
        let got = try SafeTensorsFile(contentsOf: out.appendingPathComponent("grads.safetensors"))
        let want = try SafeTensorsFile(
            contentsOf: oracle.appendingPathComponent("out_grads.safetensors"))
        #expect(Set(got.names) == Set(want.names))
        for name in want.names {
            let (g, w) = (try got.tensor(name), try want.tensor(name))
            let scale = w.data.map(abs).max() ?? 0
            #expect(g.maxAbsDifference(w) <= 1e-3 * scale + 1e-7, "\(name)")
        }
        let loss = try JSONSerialization.jsonObject(
            with: Data(contentsOf: out.appendingPathComponent("loss.json"))) as? [String: Any]
        let wantLoss = try Npy.read(oracle.appendingPathComponent("out_loss.npy")).floats()[0]
        let gotLoss = (loss?["loss"] as? NSNumber)?.floatValue ?? .nan
        #expect(abs(gotLoss - wantLoss) < 1e-5, "loss \(gotLoss) vs \(wantLoss)")
    }

    @Test(arguments: ["q8_0", "q4_0"])
    func quantizeDumpMatchesGGMLDefinition(scheme: String) throws {
        let dir = try makeScratchDirectory("lmlab-qdump")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (model, corpus) = try tinyModelFolder(dir)
        let dump = dir.appendingPathComponent("dump")
        let run = try lmlab([
            "experiment", "quantize", "--model", model.path, "--scheme", scheme,
            "--eval", corpus.path, "--max-eval-tokens", "64", "--decode-tokens", "2",
            "--data", dir.appendingPathComponent("data").path, "--dump", dump.path, "--json",
        ])
        #expect(run.status == 0, "\(run.err)")
        let report = try JSONSerialization.jsonObject(with: Data(run.out.utf8)) as? [String: Any]
        #expect((report?["report"] as? [String: Any])?["perplexity"] is NSNumber, "\(run.out)")
        let check = String(
            decoding: try runOracle("cli_check.py", ["quantdump", dump.path, model.path, scheme]),
            as: UTF8.self)
        #expect(check.hasPrefix("ok"), "\(check)")
    }

    @Test func explainedGenerationFollowsTheDocumentedStream() throws {
        let dir = try makeScratchDirectory("lmlab-generate")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (model, _) = try tinyModelFolder(dir)
        let prompt = "3 14 15 92"
        let run = try lmlab([
            "model", "generate", "--model", model.path, "--prompt-ids", prompt, "--max-tokens",
            "6", "--temperature", "0.7", "--top-k", "40", "--top-p", "0.9", "--seed", "11",
            "--explain", "5",
        ])
        #expect(run.status == 0, "\(run.err)")
        let check = String(
            decoding: try runOracle(
                "cli_check.py", ["generate", model.path, prompt, "0.7", "40", "0.9", "11"],
                input: Data(run.out.utf8)),
            as: UTF8.self)
        #expect(check.hasPrefix("ok"), "\(check)")
        let ids = try lmlab([
            "model", "generate", "--model", model.path, "--prompt-ids", prompt, "--max-tokens",
            "6", "--temperature", "0.7", "--top-k", "40", "--top-p", "0.9", "--seed", "11", "--ids",
        ])
        let chosen = run.out.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["token"] as? Int
        }
        #expect(ids.out.trimmingCharacters(in: .whitespacesAndNewlines)
            == "[" + chosen.map(String.init).joined(separator: ",") + "]")
    }

    @Test func encodingAFileLineByLineKeepsTheBOMAndMatchesTiktoken() throws {
        let dir = try makeScratchDirectory("lmlab-lines")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (model, _) = try tinyModelFolder(dir)
        let lines = ["\u{FEFF}the query looks", "at every key;  ", "", "é<|endoftext|>!"]
        let file = dir.appendingPathComponent("in.txt")
        try Data(lines.joined(separator: "\n").utf8 + [0x0A]).write(to: file)
        let run = try lmlab([
            "tokenizer", "encode", "--tokenizer", model.path, "--file", file.path, "--lines",
        ])
        #expect(run.status == 0, "\(run.err)")
        let got = run.out.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            .map { (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [Int]) ?? [-1] }
        let request = try JSONSerialization.data(withJSONObject: ["texts": lines, "decode": []])
        let expected = try JSONSerialization.jsonObject(
            with: try runOracle("tokenizer_tiktoken.py", [model.path], input: request))
            as? [String: Any]
        #expect(got == (expected?["encode"] as? [[Int]] ?? []), "\(run.out)")
        #expect(got.first?.isEmpty == false)
    }
}
