// `lmlab bench train | quant | tracking | check`: a training step against NumPy's same step in
// the same run, batch-1 decode of fp32 against Q8_0 and Q4_0, the experiment store's logging and
// search throughput, and a self-check's round trip against the bare sandbox start.
import ArgumentParser
import Experiments
import Foundation
import Quantization
import Service
import Tensors
import Tracking
import Training
import Transformer

extension BenchCommand {
    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "One training step (forward, backward, clipping, AdamW): lmlab against NumPy and PyTorch.",
            discussion: """
                Builds a random model of --init layers,heads,embd,ctx and --vocab, writes it and a
                batch of --batch × (--seq + 1) token ids, times lmlab's step (best of --repeat
                after a warm-up), then runs bench/numpy_train_step.py and (when python3 can import
                torch) bench/torch_train_step.py, with as many threads as lmlab's sgemm, on the
                same files and prints the ratios and the first-step losses (which should agree).
                """)

        @Option(name: .customLong("init"), help: "The model's shape: layers,heads,embd,ctx.")
        var initShape = "4,4,256,256"
        @Option(help: "The vocabulary size.")
        var vocab = 4096
        @Option(help: "Sequences per step.")
        var batch = 4
        @Option(help: "Tokens per sequence.")
        var seq = 128
        @Option(name: .customLong("repeat"), help: "Timed steps; the best is reported.")
        var repetitions = 3
        @Option(help: "Scratch folder for the model and the batch (default: a temporary folder).")
        var work: String?

        func run() throws {
            let shape = try ModelShape(parsing: initShape)
            let config = try GPT2Config(
                vocabSize: vocab, nPositions: shape.context, nEmbd: shape.embd,
                nLayer: shape.layers, nHead: shape.heads)
            guard seq >= 1 && seq <= shape.context else {
                throw ValidationError("--seq must be in 1 ... \(shape.context).")
            }
            let workURL = URL(fileURLWithPath: work ?? NSTemporaryDirectory() + "lmlab-bench-train")
            let model = GPT2Model.randomInit(config, seed: 1)
            let folder = workURL.appendingPathComponent("model")
            try saveCheckpoint(model, to: folder)
            let windows = benchmarkWindows(config: config, batchSize: batch, sequenceLength: seq)
            let tokensURL = workURL.appendingPathComponent("tokens.npy")
            try Npy.encode(ints: windows.flatMap { $0 }, shape: [batch, seq + 1]).write(to: tokensURL)

            let ours = try trainStepBenchmark(model: model, windows: windows, repeats: repetitions)
            print("lmlab bench train — \(describe(config)), B=\(batch), T=\(seq), best of \(repetitions)")
            print(String(format: "lmlab step   %8.3f s (mean %.3f s)  %8.0f tokens/s  first loss %.5f", ours.bestSeconds, ours.meanSeconds, ours.tokensPerSecond, ours.firstLoss))
            let peer = try runPeer(
                "bench/numpy_train_step.py",
                ["--model", folder.path, "--tokens", tokensURL.path, "--repeat", "\(repetitions)"])
            let seconds = peer["seconds"] as? Double ?? .nan
            let firstLoss = peer["first_loss"] as? Double ?? .nan
            print(String(format: "numpy step   %8.3f s (mean %.3f s)  %8.0f tokens/s  first loss %.5f", seconds, peer["mean_seconds"] as? Double ?? .nan, peer["tokens_per_s"] as? Double ?? .nan, firstLoss))
            print(String(format: "ratio        lmlab is %.2f× NumPy (|Δ first loss| %.2e)", seconds / ours.bestSeconds, abs(firstLoss - Double(ours.firstLoss))))
            guard torchIsInstalled() else {
                print("torch step   skipped: python3 cannot import torch (bash .ci/setup installs it)")
                return
            }
            let torch = try runPeer(
                "bench/torch_train_step.py",
                ["--model", folder.path, "--tokens", tokensURL.path, "--repeat", "\(repetitions)",
                 "--threads", "\(blasThreadCount)"])
            let torchSeconds = torch["seconds"] as? Double ?? .nan
            let torchLoss = torch["first_loss"] as? Double ?? .nan
            print(String(format: "torch step   %8.3f s (mean %.3f s)  %8.0f tokens/s  first loss %.5f", torchSeconds, torch["mean_seconds"] as? Double ?? .nan, torch["tokens_per_s"] as? Double ?? .nan, torchLoss))
            print(String(format: "ratio        lmlab is %.2f× PyTorch %@ (|Δ first loss| %.2e; %ld threads each)", torchSeconds / ours.bestSeconds, torch["torch"] as? String ?? "?", abs(torchLoss - Double(ours.firstLoss)), blasThreadCount))
        }
    }

    struct Quant: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Batch-1 decode ms/token: fp32 against Q8_0 and Q4_0 (and other schemes).",
            discussion: """
                A random model of GPT-2 small's shape by default (--init for another); the models
                take turns token by token so a busy machine slows them alike; medians reported.
                """)

        @Option(name: .customLong("init"), help: "A shape layers,heads,embd,ctx instead of GPT-2 small's.")
        var initShape: String?
        @Option(help: "The vocabulary size with --init.")
        var vocab = 50257
        @Option(help: "Comma-separated schemes to time besides fp32.")
        var schemes = "q8_0,q4_0"
        @Option(help: "Tokens to decode.")
        var tokens = 32
        @Option(help: "How quantized models keep wte (the tied head): fp16 or fp32.")
        var embeddings = "fp16"

        func run() throws {
            var config = gpt2SmallConfig()
            if let initShape {
                let s = try ModelShape(parsing: initShape)
                config = try GPT2Config(
                    vocabSize: vocab, nPositions: s.context, nEmbd: s.embd, nLayer: s.layers,
                    nHead: s.heads)
            }
            let result = try quantDecodeBenchmark(
                config: config, schemes: try parseSchemes(schemes), tokens: tokens,
                embeddings: try QuantScheme(parsing: embeddings))
            print("lmlab bench quant — \(describe(config))")
            print(result.table)
        }
    }

    struct TrackingBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "tracking",
            abstract: "The experiment store: metric logging points/s and search over many runs.")

        @Option(help: "Runs in the search benchmark.")
        var searchRuns = 100_000
        @Option(help: "Scratch folder for the databases (default: a temporary folder).")
        var work: String?
        @Flag(help: "Keep --work and reuse its search database; skip the logging part.")
        var reuse = false

        func run() throws {
            let workURL = URL(
                fileURLWithPath: work ?? NSTemporaryDirectory() + "lmlab-bench-tracking-\(UUID().uuidString)")
            var options = TrackingBenchmarkOptions()
            options.searchRuns = searchRuns
            options.reuseSearchDatabase = reuse && work != nil
            print("lmlab bench tracking")
            _ = try TrackingBenchmark.run(directory: workURL, options: options) { print($0) }
            if !options.reuseSearchDatabase { try? FileManager.default.removeItem(at: workURL) }
        }
    }
}

extension BenchCommand {
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Time a student's self-check from the Python client through a real daemon.",
            discussion: """
                Starts a daemon on a free loopback port over a scratch store, calls
                lmlab_client.check on the sample (POST /api/labs/:lab/check, the visible tests in
                the sandbox) and reports p50/p90 of the round trips, beside the bare sandbox start
                with `import numpy` and with `import torch` measured in the same run. Run it from
                the repository root (it reads labs/ and submissions/).
                """)

        @Option(help: "Calls per lab and starts per module; p50 and p90 are over these.")
        var runs = 20
        @Option(help: "The lab whose sample is checked.")
        var lab = "01-attention"
        @Option(help: "A submission of that lab with full marks on the visible tests.")
        var sample = "submissions/s01-ada/01-attention/attention.py"
        @Option(help: "The labs folder.")
        var labs = "labs"

        func run() throws {
            let (labsRoot, samples, count) = (
                URL(fileURLWithPath: labs), [(lab: lab, file: URL(fileURLWithPath: sample))], runs
            )
            let result = try runBlocking {
                try await checkBenchmark(labsRoot: labsRoot, samples: samples, runs: count)
            }
            print(result.description)
        }
    }
}
