// `lmlab bench`: performance figures measured against a peer in the same run (NumPy, tiktoken,
// the machine's own sgemm and memory bandwidth), since this machine is shared and noisy.
import ArgumentParser
import Foundation
import Grading
import Tensors
import Tokenizer
import Transformer

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure lmlab's speed against a peer in the same run.",
        subcommands: [
            Forward.self, Grading.self, Train.self, Quant.self, TrackingBench.self,
            LoadMemory.self, ServiceBench.self, Check.self,
        ]
    )
}

extension BenchCommand {
    struct Forward: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Reference forward, decode, weight loading and tokenizer speed.",
            discussion: """
                Builds a GPT-2-124M-shaped random model (or uses --model), then reports: forward
                tokens/s against a NumPy forward of the same weights; GFLOP/s against this
                machine's sgemm; KV-cache decode ms/token against the weight-bandwidth floor and
                its matrix-vector products through lmlab's kernel against OpenBLAS's sgemv;
                forward tokens/s against PyTorch (when python3 can import torch, with as many
                threads as lmlab's sgemm);
                resident memory after loading; tokenizer MB/s against tiktoken on the same ranks.
                """)

        @Option(help: "A GPT-2 folder to use instead of a random 124M-shaped model.")
        var model: String?
        @Option(help: "Prompt length for the forward pass.")
        var tokens = 256
        @Option(help: "Tokens to decode with the KV cache after the prompt.")
        var decode = 32
        @Option(name: .customLong("repeat"), help: "Timed repetitions; the best is reported.")
        var repetitions = 3
        @Option(help: "Scratch folder for the model and peer files (default: a temporary folder).")
        var work: String?
        @Flag(help: "Skip the NumPy, PyTorch and tiktoken peers.")
        var noPeers = false

        func run() throws {
            let fm = FileManager.default
            let workURL = URL(fileURLWithPath: work ?? NSTemporaryDirectory() + "lmlab-bench")
            try fm.createDirectory(at: workURL, withIntermediateDirectories: true)
            let folder: URL
            if let model {
                folder = URL(fileURLWithPath: model)
            } else {
                folder = workURL.appendingPathComponent("gpt2-124m-random")
                if !fm.fileExists(atPath: folder.appendingPathComponent("model.safetensors").path) {
                    log("creating a random GPT-2-124M-shaped model in \(folder.path)")
                    let config = try GPT2Config(
                        vocabSize: 50257, nPositions: 1024, nEmbd: 768, nLayer: 12, nHead: 12)
                    try saveCheckpoint(GPT2Model.randomInit(config, seed: 124), to: folder)
                }
            }

            // Loading: resident memory in a fresh process, so nothing else is counted.
            let memory = try measureLoadMemory(folder)
            let model = try loadCheckpoint(folder)
            let c = model.config
            guard tokens >= 1 && tokens + decode <= c.nPositions else {
                throw ValidationError("--tokens + --decode must fit the context of \(c.nPositions).")
            }
            var rng = RNG(seed: 7)
            let ids = (0..<tokens).map { _ in rng.int(below: c.vocabSize) }

            // Forward: best of --repeat after a warm-up.
            _ = try model.forward(ids)
            var logits = Tensor(zeros: [0])
            let forwardSeconds = try best(repetitions) { logits = try model.forward(ids) }
            let flops = forwardFLOPs(c, t: tokens)

            // The machine's sgemm, on a square product and on the forward's own shapes.
            let peak = sgemmGFLOPs(m: 1024, n: 1024, k: 1024, repeat: repetitions)
            let matmulAlone = forwardMatmulSeconds(c, t: tokens, repeat: repetitions)

            // Decode with the KV cache (best of --repeat, each after a fresh prefill), the same
            // matrix-vector products alone on the same weights through our kernel and through
            // OpenBLAS's cblas_sgemv, and the floor set by reading every weight once a token at
            // the machine's measured read bandwidth.
            // They are measured in interleaved rounds, so each sees the same quiet moments of a
            // shared machine; each figure is its best round.
            var cache = KVCache(config: c, capacity: tokens + decode)
            var decodeSeconds = Double.infinity
            var matvecSeconds = Double.infinity
            var sgemvSeconds = Double.infinity
            var bandwidth = 0.0  // bytes/s
            for _ in 0..<max(repetitions, 1) {
                cache.reset()
                _ = try model.forward(ids, cache: &cache)
                var next = 0
                let start = DispatchTime.now().uptimeNanoseconds
                for _ in 0..<decode {
                    let step = try model.decode(token: next, cache: &cache)
                    next = argmax(step.data)
                }
                decodeSeconds = min(
                    decodeSeconds, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
                matvecSeconds = min(matvecSeconds, decodeProductSeconds(model, cblas: false, repeat: 4))
                sgemvSeconds = min(sgemvSeconds, decodeProductSeconds(model, cblas: true, repeat: 4))
                bandwidth = max(bandwidth, memoryReadBandwidth())
            }
            let decodeMs = decodeSeconds * 1000 / Double(max(decode, 1))
            let matvecMs = matvecSeconds * 1000
            let sgemvMs = sgemvSeconds * 1000
            let weightBytes = (parameterCount(c) - c.nPositions * c.nEmbd) * 4
            let floorMs = Double(weightBytes) / bandwidth * 1000

            print("lmlab bench forward — \(describe(c)), T=\(tokens), best of \(repetitions)")
            print(String(format: "forward        %8.1f tokens/s  (%.3f s)", Double(tokens) / forwardSeconds, forwardSeconds))
            print(String(format: "matmul FLOPs   %8.2f GFLOP per forward; achieved %.1f GFLOP/s", flops / 1e9, flops / forwardSeconds / 1e9))
            print(String(format: "sgemm peak     %8.1f GFLOP/s (1024³); forward reaches %.0f%% of it", peak, flops / forwardSeconds / 1e9 / peak * 100))
            print(String(format: "matmul phases  %8.1f GFLOP/s when the forward's products run alone (%.0f%% of peak; %.0f%% of the forward's time)", flops / matmulAlone / 1e9, flops / matmulAlone / 1e9 / peak * 100, matmulAlone / forwardSeconds * 100))
            print(String(format: "decode         %8.2f ms/token with the KV cache", decodeMs))
            print(String(format: "bandwidth      %8.2f GB/s read; weight floor %.2f ms/token (%.0f MB) → decode is %.2f× the floor", bandwidth / 1e9, floorMs, Double(weightBytes) / 1e6, decodeMs / floorMs))
            print(String(format: "decode matvec  %8.2f ms/token for the same products alone through lmlab's kernel (%.2f× the floor, %ld threads); decode spends %.0f%% of its time in them", matvecMs, matvecMs / floorMs, MatvecKernel.threads, min(100, matvecMs / decodeMs * 100)))
            print(String(format: "decode sgemv   %8.2f ms/token for them through OpenBLAS's cblas_sgemv (%.2f× the floor) → the kernel is %.2f× faster", sgemvMs, sgemvMs / floorMs, sgemvMs / matvecMs))
            print(String(format: "load memory    %8.0f MB resident for %.0f MB of weights (%.2f×)", memory.rssMB, memory.weightsMB, memory.rssMB / memory.weightsMB))

            guard !noPeers else { return }
            let idsURL = workURL.appendingPathComponent("ids.npy")
            try Npy.encode(ints: ids, shape: [ids.count]).write(to: idsURL)
            let peerLogits = workURL.appendingPathComponent("numpy-logits.npy")
            let numpy = try runPeer(
                "bench/numpy_forward.py",
                ["--model", folder.path, "--ids", idsURL.path, "--repeat", "\(repetitions)",
                 "--logits-out", peerLogits.path])
            let numpyRate = numpy["tokens_per_s"] as? Double ?? .nan
            let theirs = try Npy.read(peerLogits).tensor
            print(String(format: "numpy forward  %8.1f tokens/s → lmlab is %.2f× NumPy (max |Δlogit| %.2e)", numpyRate, Double(tokens) / forwardSeconds / numpyRate, logits.maxAbsDifference(theirs)))
            if torchIsInstalled() {
                let torchLogits = workURL.appendingPathComponent("torch-logits.npy")
                let torch = try runPeer(
                    "bench/torch_forward.py",
                    ["--model", folder.path, "--ids", idsURL.path, "--repeat", "\(repetitions)",
                     "--threads", "\(blasThreadCount)", "--logits-out", torchLogits.path])
                let torchRate = torch["tokens_per_s"] as? Double ?? .nan
                let torchOut = try Npy.read(torchLogits).tensor
                print(String(format: "torch forward  %8.1f tokens/s → lmlab is %.2f× PyTorch %@ (max |Δlogit| %.2e; %ld threads each)", torchRate, Double(tokens) / forwardSeconds / torchRate, torch["torch"] as? String ?? "?", logits.maxAbsDifference(torchOut), blasThreadCount))
            } else {
                print("torch forward  skipped: python3 cannot import torch (bash .ci/setup installs it)")
            }

            try tokenizerFigures(workURL)
        }

        /// Tokenizer encode speed on a few MB of text, against tiktoken built from the same ranks.
        func tokenizerFigures(_ workURL: URL) throws {
            let licenses = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/share/common-licenses")) ?? []
            var corpus = ""
            for name in licenses.sorted() {
                if let text = try? String(contentsOfFile: "/usr/share/common-licenses/\(name)", encoding: .utf8) {
                    corpus += text
                }
            }
            corpus += "Attention lets each position focus on the relevant parts of the input. "
                + "Größe, naïve café, 東京の天気は晴れ, здравствуй мир, 🤖🧠 emoji, 12345 numbers.\n"
            let bpe = try BPETrainer.train(corpus: corpus, vocabSize: 2048)
            let tokFolder = workURL.appendingPathComponent("bench-tokenizer")
            try bpe.write(to: tokFolder)
            // ~4 MB of text; a fresh tokenizer per run so its word cache starts cold.
            var text = ""
            while text.utf8.count < 4_000_000 { text += corpus }
            let textURL = workURL.appendingPathComponent("bench-text.txt")
            try text.write(to: textURL, atomically: true, encoding: .utf8)
            var ours = [Int]()
            let seconds = try best(repetitions) {
                let fresh = try BPETokenizer(vocab: Dictionary(uniqueKeysWithValues: bpe.tokens.enumerated().map { ($1, $0) }), merges: bpe.merges)
                ours = fresh.encode(text, allowSpecial: false)
            }
            let mbps = Double(text.utf8.count) / seconds / 1e6
            let peer = try runPeer("bench/tiktoken_encode.py", ["--tokenizer", tokFolder.path, "--text", textURL.path])
            let theirs = peer["mb_per_s"] as? Double ?? .nan
            let same = (peer["first_ids"] as? [Int]) == Array(ours.prefix(64)) && (peer["tokens"] as? Int) == ours.count
            print(String(format: "tokenizer      %8.1f MB/s encode; tiktoken %.1f MB/s → %.2f× (same ids: %@)", mbps, theirs, mbps / theirs, same ? "yes" : "NO"))
        }
    }

    struct Grading: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "grading",
            abstract: "Grade one correct sample per lab end to end and report p50 with a breakdown.",
            discussion: """
                Each run stages the submission, starts the sandboxed harness (bubblewrap, Python,
                NumPy, the student's module), runs every test, computes the references and
                compares. Run it from the repository root (it reads labs/ and submissions/).
                """)

        @Option(help: "Runs per lab; p50 and p90 are over these.")
        var runs = 10
        @OptionGroup var labs: LabsOptions
        @Option(help: "The sample class folder (with MANIFEST.toml).")
        var submissions = "submissions"
        @Flag(help: "Run without bubblewrap (to see what the sandbox costs).")
        var noSandbox = false
        @Flag(
            help: ArgumentHelp(
                "Also grade each run in a warm sandbox and print both (cold/warm ratio).",
                discussion: "A warm sandbox has the sandbox, Python and NumPy (or torch) started"
                    + " before the submission arrives, as `lmlab serve --warm-sandboxes` keeps"
                    + " them; the pool is refilled between runs, as on an idle worker."))
        var warm = false
        @Option(help: "Only these labs (comma-separated ids; default: every lab).")
        var only: String?

        func run() throws {
            _ = try labs.harness()
            let selected = only.map {
                Set($0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
            }
            let result = try gradingBenchmark(
                labsRoot: labs.root,
                submissionsRoot: URL(fileURLWithPath: submissions), runs: runs,
                isolation: noSandbox ? .none : .sandbox, warm: warm, only: selected)
            print(result.description)
        }
    }

    /// Loads a checkpoint and prints resident memory: run in a child process by `forward`.
    struct LoadMemory: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "load-memory",
            abstract: "Load a checkpoint and print resident memory before and after (JSON).",
            shouldDisplay: false)

        @Option(help: "The model folder.")
        var model: String

        func run() throws {
            let before = residentBytes()
            let loaded = try loadCheckpoint(URL(fileURLWithPath: model))
            let after = residentBytes()
            let weights = parameterCount(loaded.config) * 4
            print("{\"before\": \(before.current), \"after\": \(after.current), \"peak\": \(after.peak), \"weights\": \(weights)}")
        }
    }
}

// MARK: - Measurements

private func log(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// The shortest of `n` timed runs of `body`, in seconds.
private func best(_ n: Int, _ body: () throws -> Void) rethrows -> Double {
    var shortest = Double.infinity
    for _ in 0..<max(n, 1) {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        shortest = min(shortest, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return shortest
}

private func argmax(_ x: [Float]) -> Int {
    var best = 0
    for i in x.indices where x[i] > x[best] { best = i }
    return best
}

/// Multiply-adds ×2 of every matrix product in one forward of T tokens (attention counted in
/// full, as the reference computes the masked scores too).
private func forwardFLOPs(_ c: GPT2Config, t: Int) -> Double {
    let (T, C, V) = (Double(t), Double(c.nEmbd), Double(c.vocabSize))
    let perLayer = 2 * T * C * 3 * C + 2 * T * C * C + 2 * 2 * T * C * 4 * C + 2 * 2 * T * T * C
    return Double(c.nLayer) * perLayer + 2 * T * C * V
}

/// GFLOP/s of a plain sgemm of the given size.
private func sgemmGFLOPs(m: Int, n: Int, k: Int, repeat r: Int) -> Double {
    let a = [Float](repeating: 0.5, count: m * k)
    let b = [Float](repeating: 0.25, count: k * n)
    var c = [Float](repeating: 0, count: m * n)
    let seconds = best(r + 1) { timedSgemm(a, b, &c, m, n, k, transB: false) }
    return 2 * Double(m) * Double(n) * Double(k) / seconds / 1e9
}

private func timedSgemm(_ a: [Float], _ b: [Float], _ c: inout [Float], _ m: Int, _ n: Int, _ k: Int, transB: Bool) {
    a.withUnsafeBufferPointer { a in
        b.withUnsafeBufferPointer { b in
            c.withUnsafeMutableBufferPointer { c in
                sgemm(transA: false, transB: transB, m: m, n: n, k: k, a: a.baseAddress!, lda: k,
                      b: b.baseAddress!, ldb: transB ? k : n, c: c.baseAddress!, ldc: n)
            }
        }
    }
}

/// Seconds the forward's matrix products take when run alone, back to back, at its shapes.
private func forwardMatmulSeconds(_ c: GPT2Config, t: Int, repeat r: Int) -> Double {
    let C = c.nEmbd
    let hs = C / c.nHead
    // (m, n, k, count per forward, transB)
    let shapes: [(Int, Int, Int, Int, Bool)] = [
        (t, 3 * C, C, c.nLayer, false), (t, C, C, c.nLayer, false),
        (t, 4 * C, C, c.nLayer, false), (t, C, 4 * C, c.nLayer, false),
        (t, t, hs, c.nLayer * c.nHead, true), (t, hs, t, c.nLayer * c.nHead, false),
        (t, c.vocabSize, C, 1, true),
    ]
    var total = 0.0
    for (m, n, k, count, transB) in shapes {
        let a = [Float](repeating: 0.5, count: m * k)
        let b = [Float](repeating: 0.25, count: k * n)
        var out = [Float](repeating: 0, count: m * n)
        let seconds = best(r) { timedSgemm(a, b, &out, m, n, k, transB: transB) }
        total += seconds * Double(count)
    }
    return total
}

/// Read bandwidth in bytes/s: the best of a few vectorised sums over 512 MiB, by one thread
/// and by every core at once (each summing its own slice), whichever is faster.
private func memoryReadBandwidth() -> Double {
    let count = 128 << 20  // floats: 512 MiB
    // Pseudo-random values (xorshift64), like the model's random weights: no two pages alike.
    // Pages that repeat (all ones, or a pattern every 256 KiB) read up to twice as fast here —
    // the host shares identical pages, so they come from cache — and would lower the floor.
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    let data = (0..<count).map { _ -> Float in
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return Float(state >> 40)
    }
    let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)
    // One partial sum per thread, read after the loop so the sums are not optimised away.
    nonisolated(unsafe) let partials = UnsafeMutableBufferPointer<Float>.allocate(capacity: cores)
    partials.initialize(repeating: 0)
    defer { partials.deallocate() }
    var shortest = Double.infinity
    for threads in Set([1, cores]).sorted() {
        let seconds = best(3) {
            data.withUnsafeBufferPointer { p in
                guard let start = p.baseAddress else { return }
                nonisolated(unsafe) let base = start
                let chunk = count / 16 / threads
                DispatchQueue.concurrentPerform(iterations: threads) { t in
                    let upper = t == threads - 1 ? count / 16 : (t + 1) * chunk
                    partials[t] += simdSum(base, count: count, t * chunk..<upper)
                }
            }
        }
        shortest = min(shortest, seconds)
    }
    if partials.reduce(0, +) == -1 { print("") }  // keeps the sums alive
    return Double(count * 4) / shortest
}

/// The sum of `base`'s floats in the SIMD16 groups `range` (of `count` floats in all).
private func simdSum(_ base: UnsafePointer<Float>, count: Int, _ range: Range<Int>) -> Float {
    base.withMemoryRebound(to: SIMD16<Float>.self, capacity: count / 16) { v in
        var acc = SIMD16<Float>()
        var i = range.lowerBound
        while i < range.upperBound {
            acc += v[i]
            i += 1
        }
        return acc.sum()
    }
}

/// The matrix-vector products of one decoded token on `model`'s own weights (every layer's
/// c_attn, c_proj, c_fc and MLP c_proj, then the tied head), back to back without the rest of
/// the decode, through our `matvec` or OpenBLAS's cblas_sgemv: the best of `n` runs, in seconds.
private func decodeProductSeconds(_ model: GPT2Model, cblas: Bool, repeat n: Int) -> Double {
    let c = model.config
    let x = Tensor(shape: [1, 4 * c.nEmbd], data: (0..<(4 * c.nEmbd)).map { Float($0 % 7) * 0.01 })
    var y = [Float](repeating: 0, count: max(c.vocabSize, 4 * c.nEmbd))
    func gemv(_ w: Tensor, trans: Bool) {
        let (rows, cols) = (w.shape[0], w.shape[1])
        x.data.withUnsafeBufferPointer { xs in
            w.data.withUnsafeBufferPointer { ws in
                y.withUnsafeMutableBufferPointer { ys in
                    guard let xs = xs.baseAddress, let ws = ws.baseAddress,
                        let ys = ys.baseAddress
                    else { return }
                    if cblas {
                        sgemv(trans: trans, rows: rows, cols: cols, a: ws, lda: cols, x: xs, y: ys)
                    } else {
                        matvec(
                            transposed: trans, rows: rows, cols: cols, a: ws, lda: cols, x: xs,
                            y: ys)
                    }
                }
            }
        }
    }
    return best(n) {
        for block in model.weights.blocks {
            gemv(block.attention.cAttnWeight, trans: true)  // [C, 3C]
            gemv(block.attention.cProjWeight, trans: true)  // [C, C]
            gemv(block.mlp.cFcWeight, trans: true)  // [C, 4C]
            gemv(block.mlp.cProjWeight, trans: true)  // [4C, C]
        }
        gemv(model.weights.wte, trans: false)  // [V, C]
    }
}

/// Current and peak resident memory of this process, in bytes, from /proc/self/status.
private func residentBytes() -> (current: Int, peak: Int) {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else {
        return (0, 0)
    }
    func field(_ name: String) -> Int {
        for line in status.split(separator: "\n") where line.hasPrefix(name) {
            let digits = line.split(separator: " ").compactMap { Int($0) }
            return (digits.first ?? 0) * 1024
        }
        return 0
    }
    return (field("VmRSS:"), field("VmHWM:"))
}

private func measureLoadMemory(_ folder: URL) throws -> (rssMB: Double, weightsMB: Double) {
    let result = try runProcess(
        CommandLine.arguments[0], ["bench", "load-memory", "--model", folder.path])
    let object = try JSONSerialization.jsonObject(with: result) as? [String: Int] ?? [:]
    let grown = Double((object["peak"] ?? 0) - (object["before"] ?? 0))
    return (grown / 1e6, Double(object["weights"] ?? 0) / 1e6)
}

/// True when `python3` can import torch: the PyTorch peers run only then.
func torchIsInstalled() -> Bool {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", "import torch"]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    guard (try? process.run()) != nil else { return false }
    process.waitUntilExit()
    return process.terminationStatus == 0
}

/// Runs a peer script from the repository's bench folder and parses its JSON line.
/// Runs a peer script (`python3 SCRIPT ARGS…`) and reads the JSON object it prints.
func runPeer(_ script: String, _ arguments: [String]) throws -> [String: Any] {
    let out = try runProcess("/usr/bin/env", ["python3", script] + arguments)
    guard let object = try JSONSerialization.jsonObject(with: out) as? [String: Any] else {
        throw ModelCommandError("\(script) printed no JSON object")
    }
    return object
}

private func runProcess(_ executable: String, _ arguments: [String]) throws -> Data {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let out = Pipe()
    process.standardOutput = out
    try process.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw ModelCommandError("\(([executable] + arguments).joined(separator: " ")) failed (exit \(process.terminationStatus)); run it from the repository root with numpy, safetensors and tiktoken installed (bash .ci/setup)")
    }
    return data
}
