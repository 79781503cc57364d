// Verified runs through the daemon's real grading path (LabGrader + BaseModelVerifier) on a tiny
// random base model: a correct lab-06 sample's perplexity equals the one of lmlab's own Q8_0/Q4_0
// quantizer (an implementation independent of the student's); a hand-merged adapter's equals
// the verified run's; failures become notes, never a different grade; a regrade keeps one live
// run per scheme; a --verified leaderboard leaves a better logged claim out.
import Foundation
import Grading
import Harness
import LabConfig
import Quantization
import Server
@testable import Store
import Tensors
import TestSupport
import Testing
import Tracking
import Training
import Transformer

@testable import Experiments
@testable import Service

/// 2 layers, 2 heads, C = 32 (Q4_0 needs multiples of 32), 64 positions, V = 96; every tensor
/// N(0, 0.2) (layer-norm weights 1 + N(0, 0.2)), so quantization and adapters change its loss.
private func tinyBase() throws -> VerificationBase {
    let config = try GPT2Config(vocabSize: 96, nPositions: 64, nEmbd: 32, nLayer: 2, nHead: 2)
    var rng = RNG(seed: 11)
    var weights = GPT2Weights(zerosFor: config)
    for p in GPT2Weights.parameters(for: config) {
        let isLNWeight = p.name.contains("ln_") && p.name.hasSuffix(".weight")
        weights[keyPath: p.field] = Tensor.normal(
            shape: p.shape, mean: isLNWeight ? 1 : 0, std: 0.2, rng: &rng)
    }
    let tokens = (0..<48).map { (($0 * 37) + 5) % 96 }  // one window of the context
    return VerificationBase(
        model: try GPT2Model(config: config, weights: weights), path: "tiny",
        evalTokens: tokens, evalFile: "eval")
}

private let labsRoot = repositoryRoot.appendingPathComponent("labs")

private func isolation() -> Isolation {
    let works = (try? Sandbox.make(
        harnessDirectory: labsRoot.appendingPathComponent("harness"), isolation: .sandbox)) != nil
    return works ? .sandbox : .none
}

private func labGrader(_ labID: String, verifier: BaseModelVerifier?) throws -> LabGrader {
    let lab = try Lab.load(folder: labsRoot.appendingPathComponent(labID))
    return try LabGrader(
        labs: [lab], harnessDirectory: labsRoot.appendingPathComponent("harness"),
        isolation: isolation(), verifier: verifier)
}

private func fileJob(_ file: URL, lab: String, id: Int64, student: String = "s10-ken") -> GradeJob {
    GradeJob(
        submissionID: id, studentID: student, labID: lab, contentPath: file,
        filename: file.lastPathComponent, seed: 7)
}

/// A folder packed the way `lmlab submit` packs it, stored in `scratch`.
private func folderJob(_ folder: URL, lab: String, id: Int64, scratch: URL) throws -> GradeJob {
    let (filename, content) = try SubmissionBundle.pack(folder: folder)
    let stored = scratch.appendingPathComponent("blob-\(id)")
    try content.write(to: stored)
    return GradeJob(
        submissionID: id, studentID: "s05-barbara", labID: lab, contentPath: stored,
        filename: filename, seed: 7)
}

@Suite("Verified submissions", .serialized, .blockingWork)
struct VerifiedSubmissionTests {
    @Test func correctQuantizerMatchesTheReferenceQuantizersPerplexity() async throws {
        let base = try tinyBase()
        let store = try LabStore.inMemory()
        let grader = try labGrader(
            "06-quantization", verifier: BaseModelVerifier(store: store, base: base))
        let sample = repositoryRoot.appendingPathComponent(
            "submissions/s10-ken/06-quantization/quantize.py")
        let outcome = try await grader.grade(fileJob(sample, lab: "06-quantization", id: 41))
        #expect(outcome.score == outcome.maxScore)

        let verification = try store.submissionVerification(submissionID: 41)
        #expect(verification.notes.isEmpty, "\(verification.notes)")
        #expect(verification.runs.map(\.scheme) == ["q8_0", "q4_0"])
        for run in verification.runs {
            let scheme = try QuantScheme(parsing: run.scheme ?? "")
            // lmlab's own ggml quantizer, dequantized in its own forward: independent of the
            // student's NumPy code.
            let reference = try QuantizedGPT2(base.model, scheme: scheme, embeddings: .fp32)
            let expected = Double(expf(try reference.loss(tokens: base.evalTokens)))
            let logged = try #require(run.perplexity)
            #expect(
                relativeDifference(logged, expected) < 1e-4,
                "\(scheme): verified \(logged), reference \(expected)")
            #expect(run.codeAgreement == 1)
            #expect(run.bitsPerWeight == (scheme == .q8_0 ? 8.5 : 4.5))
            let fp32 = Double(expf(try base.model.loss(tokens: base.evalTokens)))
            #expect(relativeDifference(try #require(run.basePerplexity), fp32) < 1e-5)
            let details = try store.runDetails(id: run.runID)
            #expect(details.run.source == .verified && details.run.status == .finished)
            #expect(details.run.studentID == "s10-ken")
            #expect(details.tags["submission"] == "41" && details.tags["verified"] == "true")
            #expect(details.experiment == "06-quantization-verified")
        }
    }

    @Test func buggyQuantizerAgreesLessAndMalformedOneLeavesANote() async throws {
        let base = try tinyBase()
        let store = try LabStore.inMemory()
        let grader = try labGrader(
            "06-quantization", verifier: BaseModelVerifier(store: store, base: base))
        // s12-tim divides the absmax by 128: every Q8_0 code is off from ggml's.
        let tim = repositoryRoot.appendingPathComponent(
            "submissions/s12-tim/06-quantization/quantize.py")
        _ = try await grader.grade(fileJob(tim, lab: "06-quantization", id: 51, student: "s12-tim"))
        let runs = try store.submissionVerification(submissionID: 51).runs
        let q8 = try #require(runs.first { $0.scheme == "q8_0" })
        #expect(try #require(q8.codeAgreement) < 0.9, "\(q8)")

        // A correct module whose q8_0_quantize returns floats: the grade is what grading alone
        // gives, the Q8_0 verification a note naming the tensor.
        let scratch = try makeScratchDirectory("lmlab-verify-bad")
        let source = try String(
            contentsOf: repositoryRoot.appendingPathComponent(
                "submissions/s10-ken/06-quantization/quantize.py"), encoding: .utf8)
        let bad = scratch.appendingPathComponent("quantize.py")
        try Data(
            (source + "\n\ndef q8_0_quantize(w):\n    return w  # floats, not int8 codes\n").utf8
        ).write(to: bad)
        let verified = try await grader.grade(fileJob(bad, lab: "06-quantization", id: 52))
        let plain = try await labGrader("06-quantization", verifier: nil).grade(
            fileJob(bad, lab: "06-quantization", id: 52))
        func verdicts(_ o: GradeOutcome) -> [String] {
            o.tests.map { "\($0.name) \($0.status) \($0.points)/\($0.maxPoints)" }
        }
        #expect(verified.score == plain.score && verdicts(verified) == verdicts(plain))
        #expect(verified.score < verified.maxScore)
        let verification = try store.submissionVerification(submissionID: 52)
        #expect(verification.runs.map(\.scheme) == ["q4_0"])
        let note = try #require(verification.note)
        #expect(note.contains("q8_0 quantizer not verified"), "\(note)")
        #expect(note.contains("h.0.attn.c_attn.weight") && note.contains("int8"), "\(note)")
    }

    @Test func regradeKeepsOneLiveRunPerScheme() async throws {
        let store = try LabStore.inMemory()
        let grader = try labGrader(
            "06-quantization", verifier: BaseModelVerifier(store: store, base: try tinyBase()))
        let sample = repositoryRoot.appendingPathComponent(
            "submissions/s11-radia/06-quantization/quantize.py")
        for _ in 0..<2 {
            _ = try await grader.grade(fileJob(sample, lab: "06-quantization", id: 61))
        }
        let live = try store.verifiedRuns(submissionID: 61)
        #expect(live.map { $0.tags["scheme"] ?? "" }.sorted() == ["q4_0", "q8_0"])
        let all = try store.searchRuns(
            RunQuery(experiment: "06-quantization-verified", filter: nil, includeDeleted: true))
        #expect(all.count == 4, "two verifications of two schemes, the first two deleted")
    }

    @Test func adapterInAFolderSubmissionIsMergedAndMeasured() async throws {
        let base = try tinyBase()
        let store = try LabStore.inMemory()
        let grader = try labGrader("05-lora", verifier: BaseModelVerifier(store: store, base: base))
        let scratch = try makeScratchDirectory("lmlab-verify-adapter")
        let folder = scratch.appendingPathComponent("barbara-05")
        try FileManager.default.createDirectory(
            at: folder.appendingPathComponent("runs/final"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            at: repositoryRoot.appendingPathComponent("submissions/s05-barbara/05-lora/lora.py"),
            to: folder.appendingPathComponent("lora.py"))
        var adapters = LoRAWeights(
            config: try LoRAConfig(rank: 2, alpha: 8, targets: [.cAttn, .mlpCProj]),
            model: base.model.config, seed: 3)
        var rng = RNG(seed: 4)
        for i in adapters.adapters.indices {
            adapters.adapters[i].b = Tensor.normal(
                shape: adapters.adapters[i].b.shape, std: 0.5, rng: &rng)
        }
        try adapters.save(to: folder.appendingPathComponent("runs/final"))

        let outcome = try await grader.grade(
            try folderJob(folder, lab: "05-lora", id: 71, scratch: scratch))
        #expect(outcome.score == outcome.maxScore)

        // The merge by hand: W[in, out] += (alpha / r) · Σ_k A[k, in] · B[out, k].
        var weights = base.model.weights
        for a in adapters.adapters {
            let path = a.target.weightPath(layer: a.layer)
            var w = weights[keyPath: path]
            mergeLoRAByHand(
                &w.data, inputs: w.shape[0], outputs: w.shape[1], a: a.a.data, b: a.b.data,
                rank: a.a.shape[0], scaling: 4)
            weights[keyPath: path] = w
        }
        let merged = try GPT2Model(config: base.model.config, weights: weights)
        let expected = Double(expf(try merged.loss(tokens: base.evalTokens)))
        let verification = try store.submissionVerification(submissionID: 71)
        #expect(verification.notes.isEmpty, "\(verification.notes)")
        let run = try #require(verification.runs.first)
        #expect(verification.runs.count == 1 && run.adapter == "runs/final")
        let logged = try #require(run.perplexity)
        #expect(relativeDifference(logged, expected) < 1e-4, "verified \(logged), by hand \(expected)")
        #expect(relativeDifference(logged, try #require(run.basePerplexity)) > 1e-3)

        // The same folder with an adapter made for a wider model: a note naming the tensor.
        let wide = try GPT2Config(vocabSize: 96, nPositions: 64, nEmbd: 64, nLayer: 2, nHead: 2)
        try LoRAWeights(
            config: try LoRAConfig(rank: 2, alpha: 8, targets: [.cAttn]), model: wide, seed: 5
        ).save(to: folder.appendingPathComponent("runs/final"))
        let regraded = try await grader.grade(
            try folderJob(folder, lab: "05-lora", id: 72, scratch: scratch))
        #expect(regraded.score == outcome.score)
        let failed = try store.submissionVerification(submissionID: 72)
        #expect(failed.runs.isEmpty)
        let note = try #require(failed.note)
        #expect(note.contains("adapter runs/final not verified"), "\(note)")
        #expect(!note.contains("lmlab-job-"), "the daemon's scratch folder is no business of a student's: \(note)")
        #expect(note.contains("h.0.attn.c_attn") && note.contains("lora_A"), "\(note)")

        // A plain lora.py carries no adapter: nothing is recorded.
        _ = try await grader.grade(
            fileJob(folder.appendingPathComponent("lora.py"), lab: "05-lora", id: 73))
        #expect(try store.submissionVerification(submissionID: 73) == SubmissionVerification())
    }

    @Test func withoutABaseModelTheFeedbackSaysWhatToDo() async throws {
        let store = try LabStore.inMemory()
        let verifier = try BaseModelVerifier.load(
            VerificationOptions(
                defaultBaseModel: URL(fileURLWithPath: "/nonexistent/lmlab-data/base-model")),
            store: store)
        #expect(verifier.base == nil)
        let grader = try labGrader("06-quantization", verifier: verifier)
        let sample = repositoryRoot.appendingPathComponent(
            "submissions/s10-ken/06-quantization/quantize.py")
        _ = try await grader.grade(fileJob(sample, lab: "06-quantization", id: 81))
        let verification = try store.submissionVerification(submissionID: 81)
        #expect(verification.runs.isEmpty && verification.notes.count == 1, "one note, not one per scheme")
        let note = try #require(verification.note)
        #expect(
            note.contains("no base model")
                && note.contains(
                    "lmlab experiment base-model --out /nonexistent/lmlab-data/base-model"),
            "\(note)")
    }

    @Test func verifiedLeaderboardLeavesALoggedClaimOut() throws {
        let store = try LabStore.inMemory()
        let experiment = "06-quantization-verified"
        let verified = try RunRecorder(
            target: RunTarget(store: store, experiment: experiment, studentID: "s1"),
            source: .verified)
        try verified.log("perplexity", 50, step: 0)
        try verified.finish()
        // Another student's own claim: better, but not lmlab's measurement.
        let claim = try store.startRun(RunStart(experiment: experiment, studentID: "s2"))
        try store.logBatch(
            runID: claim.id, metrics: [MetricPoint(key: "perplexity", value: 1, step: 0)])
        let all = try store.experimentLeaderboard(
            experiment: experiment, metric: "perplexity", ascending: true)
        #expect(all.map(\.runID) == [claim.id, verified.runID])
        let only = try store.experimentLeaderboard(
            experiment: experiment, metric: "perplexity", ascending: true,
            where: RunSource.filter(nil, verifiedOnly: true))
        #expect(only.map(\.runID) == [verified.runID])
        let combined = RunSource.filter("metrics.perplexity < 100", verifiedOnly: true)
        #expect(combined == "(metrics.perplexity < 100) AND attributes.source = 'verified'")
    }

    @Test func feedbackShowsTheVerifiedRunAndTheNote() throws {
        var view = SubmissionFeedback(
            id: 9, student: "s1", lab: "06-quantization", filename: "quantize.py",
            status: "graded", submittedAt: "2027-01-01T00:00:00Z", gradedAt: nil, score: 20,
            maxScore: 20, late: false, penalty: nil, error: nil, tests: [],
            tally: TestTally(), verifiedRuns: [], verification: nil)
        view.verifiedRuns = [
            VerifiedRunSummary(
                experiment: "06-quantization-verified", runID: "r1", kind: "quantize",
                scheme: "q8_0", perplexity: 12.5, basePerplexity: 12.25, bitsPerWeight: 8.5)
        ]
        view.verification = "q4_0 quantizer not verified: q4_0_pack failed"
        let text = try renderFeedback(view, format: .terminal(colour: false))
        #expect(text.contains("Verified run"), "\(text)")
        #expect(text.contains("q8_0 quantizer: perplexity 12.5000 (base 12.2500), 8.50 bits/weight"), "\(text)")
        #expect(text.contains("q4_0 quantizer not verified"), "\(text)")
        let md = try renderFeedback(view, format: .markdown)
        #expect(md.contains("| q8_0 quantizer | 12.5000 | 12.2500 | 8.50 |"), "\(md)")
        let json = try renderFeedback(view, format: .json)
        #expect(json.contains("\"verifiedRuns\"") && json.contains("\"verification\""), "\(json)")
    }
}

@Test func adapterSampleFitsTheCourseBaseModel() throws {
    // submissions/s10-ken/05-lora (Tests/Oracle/lora_make_adapter_sample.py): the shape that
    // `lmlab experiment base-model` trains (BaseModelRecipe: 4 layers, 4 heads, C = 128,
    // context 128, vocab 2048).
    let recipe = BaseModelRecipe()
    let config = try GPT2Config(
        vocabSize: recipe.vocabSize, nPositions: 128, nEmbd: 128, nLayer: 4, nHead: 4)
    let folder = repositoryRoot.appendingPathComponent("submissions/s10-ken/05-lora")
    #expect(adapterFolders(in: folder) == ["adapter"])
    let adapters = try LoRAWeights.load(
        from: folder.appendingPathComponent("adapter"), for: config)
    #expect(adapters.config.rank == 4 && adapters.adapters.count == 4)
    #expect(adapters.adapters.allSatisfy { $0.b.data.contains { $0 != 0 } }, "B must be non-zero")
}
