// Verified runs: a student's adapter merged by hand gives the perplexity the verified run
// records; a quantizer written from ggml's definition, run in the sandbox, gives lmlab's own
// Q8_0/Q4_0 perplexity; malformed quantizers are refused with a message.
import Foundation
import Grading
import Harness
import Quantization
import Store
import Tensors
import TestSupport
import Testing
import Tracking
import Training
import Transformer

@testable import Experiments

/// ggml's quantize_row_q8_0_ref / quantize_row_q4_0_ref in NumPy, on rows of w [out, in].
let ggmlQuantizer = """
    import numpy as np

    def quantize_q8_0(w):
        x = np.asarray(w, dtype=np.float32).reshape(w.shape[0], -1, 32)
        d = np.abs(x).max(axis=-1) / np.float32(127)
        inv = np.where(d != 0, np.float32(1) / np.where(d != 0, d, 1), 0).astype(np.float32)
        v = (x * inv[..., None]).astype(np.float64)
        q = np.trunc(v + np.copysign(0.5, v))  # C roundf: half away from zero
        return q.astype(np.int8).reshape(w.shape), d.astype(np.float16)

    def quantize_q4_0(w):
        x = np.asarray(w, dtype=np.float32).reshape(w.shape[0], -1, 32)
        idx = np.abs(x).argmax(axis=-1)
        m = np.take_along_axis(x, idx[..., None], axis=-1)[..., 0]
        d = (m / np.float32(-8)).astype(np.float32)
        inv = np.where(d != 0, np.float32(1) / np.where(d != 0, d, 1), 0).astype(np.float32)
        q = np.minimum(15, (x * inv[..., None] + np.float32(8.5)).astype(np.int8)).astype(np.uint8)
        packed = q[..., :16] | (q[..., 16:] << 4)
        return packed.reshape(w.shape[0], -1), d.astype(np.float16)
    """

func harness() throws -> HarnessConfiguration {
    let directory = repositoryRoot.appendingPathComponent("labs/harness")
    if let sandbox = try? Sandbox.make(harnessDirectory: directory, isolation: .sandbox) {
        return HarnessConfiguration(sandbox: sandbox, isolation: .sandbox, startupTimeout: 30)
    }
    return HarnessConfiguration(
        sandbox: try Sandbox.make(harnessDirectory: directory, isolation: .none),
        isolation: .none, startupTimeout: 30)
}

func writeQuantizer(_ source: String, in world: TinyWorld, name: String) throws -> URL {
    let file = world.root.appendingPathComponent(name)
    try Data(source.utf8).write(to: file)
    return file
}

@Suite("Verified runs", .serialized, .blockingWork)
struct VerifiedRunTests {
    @Test func adapterPerplexityIsTheMergedModelsOwn() throws {
        let world = try TinyWorld()
        let store = try LabStore.inMemory()
        // A student's adapter: fresh A, and B set non-zero so the merge matters.
        var adapters = LoRAWeights(
            config: try LoRAConfig(rank: 2, alpha: 4, targets: [.cAttn, .cFc]),
            model: world.model.config, seed: 9)
        var rng = RNG(seed: 10)
        for i in adapters.adapters.indices {
            adapters.adapters[i].b = Tensor.normal(
                shape: adapters.adapters[i].b.shape, std: 0.5, rng: &rng)
        }
        let folder = world.root.appendingPathComponent("student-adapter")
        try adapters.save(to: folder)

        // The merge by hand: W[in, out] += (alpha / r) · Σ_k A[k, in] · B[out, k].
        var weights = world.model.weights
        for a in adapters.adapters {
            let path = a.target.weightPath(layer: a.layer)
            var w = weights[keyPath: path]
            mergeLoRAByHand(
                &w.data, inputs: w.shape[0], outputs: w.shape[1], a: a.a.data, b: a.b.data,
                rank: a.a.shape[0], scaling: 2)
            weights[keyPath: path] = w
        }
        let merged = try GPT2Model(config: world.model.config, weights: weights)
        let expected = Double(expf(try merged.loss(tokens: world.evalTokens)))

        let target = RunTarget(store: store, experiment: "lora-class", studentID: "s42")
        let verified = try verifyAdapter(
            adapter: folder, base: world.model, basePath: "tiny", evalTokens: world.evalTokens,
            evalFile: "eval.txt", target: target)
        let id = try #require(verified.runID)
        let logged = try store.metricHistory(runID: id, key: "perplexity")[0].loggedValue
        #expect(relativeDifference(logged, expected) < 1e-4, "verified \(logged), by hand \(expected)")
        let base = Double(expf(try world.model.loss(tokens: world.evalTokens)))
        #expect(abs(logged - base) > 1e-3, "the adapter should change the perplexity")
        let details = try store.runDetails(id: id)
        #expect(details.run.source == .verified && details.tags["verified"] == "true")
        #expect(details.run.studentID == "s42")

        // A student's own logged claim beside it: a verified-only search leaves it out.
        let claim = try store.startRun(RunStart(experiment: "lora-class", studentID: "s7"))
        try store.logBatch(runID: claim.id, metrics: [MetricPoint(key: "perplexity", value: 1, step: 0)])
        let found = try store.searchRuns(
            RunQuery(experiment: "lora-class", filter: "attributes.source = 'verified'"))
        #expect(found.map(\.run.id) == [id])
    }

    @Test func ggmlQuantizerInTheSandboxMatchesLmlabsOwn() throws {
        let world = try TinyWorld()
        let store = try LabStore.inMemory()
        let file = try writeQuantizer(ggmlQuantizer, in: world, name: "student.py")
        let config = try harness()
        for scheme in [QuantScheme.q8_0, .q4_0] {
            let lmlab = try QuantizedGPT2(world.model, scheme: scheme, embeddings: .fp32)
            let expected = Double(expf(try lmlab.loss(tokens: world.evalTokens)))
            let verified = try verifyQuantizer(
                file: file, scheme: scheme, base: world.model, basePath: "tiny",
                evalTokens: world.evalTokens, evalFile: "eval.txt", harness: config,
                target: RunTarget(store: store, experiment: "quant-class", studentID: "s1"))
            let id = try #require(verified.runID)
            let logged = try store.metricHistory(runID: id, key: "perplexity")[0].loggedValue
            #expect(
                relativeDifference(logged, expected) < 1e-4,
                "\(scheme): verified \(logged), lmlab's own \(expected)")
            #expect(verified.codeAgreement == 1 && verified.scaleAgreement == 1)
            #expect(verified.matrices == 8)
            #expect(verified.bitsPerWeight == (scheme == .q8_0 ? 8.5 : 4.5))
            let details = try store.runDetails(id: id)
            #expect(details.run.source == .verified && details.tags["verified"] == "true")
            #expect(details.tags["scheme"] == scheme.rawValue)
        }
    }

    @Test func malformedQuantizersAreRefusedClearly() throws {
        let world = try TinyWorld()
        let config = try harness()
        let cases: [(String, String)] = [
            // float codes
            ("import numpy as np\ndef quantize_q8_0(w):\n    return w, np.ones((w.shape[0], w.shape[1] // 32))\n",
             "codes must be an array of int8 of shape [96, 32]"),
            // wrong number of scales
            ("import numpy as np\ndef quantize_q8_0(w):\n    return np.zeros(w.shape, np.int8), np.ones(3)\n",
             "scales must be a float16 (or float32) array of shape"),
            // one array instead of a pair
            ("import numpy as np\ndef quantize_q8_0(w):\n    return np.zeros(w.shape, np.int8)\n",
             "expected a tuple (codes, scales)"),
            // a NaN scale
            ("import numpy as np\ndef quantize_q8_0(w):\n    s = np.ones((w.shape[0], w.shape[1] // 32), np.float32)\n    s[0, 0] = np.nan\n    return np.zeros(w.shape, np.int8), s\n",
             "every block scale must be finite"),
        ]
        for (i, (source, message)) in cases.enumerated() {
            let file = try writeQuantizer(source, in: world, name: "bad\(i).py")
            do {
                _ = try verifyQuantizer(
                    file: file, scheme: .q8_0, base: world.model, basePath: "tiny",
                    evalTokens: world.evalTokens, evalFile: "eval.txt", harness: config,
                    target: nil)
                Issue.record("case \(i) should have been refused")
            } catch let error as ExperimentError {
                guard case .malformedQuantizerOutput = error else {
                    Issue.record("case \(i): \(error)")
                    continue
                }
                #expect("\(error)".contains(message), "\(error)")
                #expect("\(error)".contains("h.0.attn.c_attn.weight"), "\(error)")
            }
        }
        let missing = try writeQuantizer("def quantize(w):\n    return w\n", in: world, name: "m.py")
        #expect {
            _ = try verifyQuantizer(
                file: missing, scheme: .q4_0, base: world.model, basePath: "tiny",
                evalTokens: world.evalTokens, evalFile: "eval.txt", harness: config, target: nil)
        } throws: { error in
            "\(error)".contains(
                "does not define q4_0_quantize, q4_0_pack, q4_0_scales (it defines: quantize)")
        }
    }
}
