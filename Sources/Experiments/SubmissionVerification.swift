// Verifying a graded submission on the course's base model, as a lab's [verify] table asks:
// lab 06's quantizer once per scheme, lab 05's PEFT adapter if the folder carries one. Each
// outcome is a run tagged submission=<id>: FINISHED with lmlab's perplexity, or FAILED with a
// note saying why (so the student's feedback can show it). It never touches the grade.
import Foundation
import Harness
import LabConfig
import Quantization
import Store
import Tokenizer
import Transformer

/// The base model the daemon verifies on, with its evaluation tokens, loaded once.
public struct VerificationBase: Sendable {
    public var model: GPT2Model
    /// The model folder, recorded with each run.
    public var path: String
    public var evalTokens: [Int]
    /// The evaluation text's path, recorded with each run.
    public var evalFile: String
    /// The model's loss on `evalTokens`: measured once by `load`, so each verification
    /// measures only the student's model (nil: the first verification of a job measures it).
    public var baseLoss: Float?

    /// Evaluate at most this many tokens by default: a few seconds per verification on the
    /// course model (4 layers, C = 128) in a release build.
    public static let defaultMaxEvalTokens = 4096

    public init(
        model: GPT2Model, path: String, evalTokens: [Int], evalFile: String,
        baseLoss: Float? = nil
    ) {
        self.model = model
        self.path = path
        self.evalTokens = evalTokens
        self.evalFile = evalFile
        self.baseLoss = baseLoss
    }

    /// Loads `folder`: either what `lmlab experiment base-model --out DIR` wrote (DIR/model and
    /// DIR/corpus/eval.txt), or a Hugging Face GPT-2 folder with its tokenizer, then `evalFile`
    /// is required. `evalFile` overrides the corpus's eval text; at most `maxEvalTokens` are kept.
    public static func load(folder: URL, evalFile: URL? = nil, maxEvalTokens: Int? = nil)
        throws -> VerificationBase
    {
        let manager = FileManager.default
        let courseModel = folder.appendingPathComponent("model", isDirectory: true)
        let modelFolder: URL
        var eval = evalFile
        if manager.fileExists(atPath: courseModel.appendingPathComponent("config.json").path) {
            modelFolder = courseModel
            if eval == nil { eval = folder.appendingPathComponent("corpus/eval.txt") }
        } else if manager.fileExists(atPath: folder.appendingPathComponent("config.json").path) {
            modelFolder = folder
        } else {
            throw ExperimentError.baseModel(
                folder: folder.path,
                reason: "holds neither model/config.json (a folder from `lmlab experiment "
                    + "base-model --out DIR`) nor config.json (a Hugging Face GPT-2 folder)")
        }
        guard let eval else {
            throw ExperimentError.baseModel(
                folder: folder.path,
                reason: "is a model folder without an evaluation text; give one with "
                    + "--verify-eval FILE")
        }
        if let maxEvalTokens, maxEvalTokens < 2 {
            throw ExperimentError.invalidOption(
                name: "--verify-eval-tokens", reason: "must be at least 2")
        }
        let model = try loadCheckpoint(modelFolder)
        let tokenizer = try loadTokenizer(modelFolder, for: model.config)
        var ids = tokenizer.encode(
            try readTextFile(eval, what: "evaluation text"), allowSpecial: false)
        if let maxEvalTokens { ids = Array(ids.prefix(maxEvalTokens)) }
        guard ids.count >= 2 else {
            throw ExperimentError.badText(
                file: eval.path, reason: "the evaluation text has fewer than 2 tokens")
        }
        return VerificationBase(
            model: model, path: modelFolder.path, evalTokens: ids, evalFile: eval.path,
            baseLoss: try textLoss(model: model, tokens: ids).loss)
    }
}

/// What one verification of a submission produced.
public enum SubmissionVerificationResult: Sendable, Equatable {
    /// A FINISHED verified run with lmlab's measurements.
    case verified(runID: String, perplexity: Float)
    /// A FAILED run whose note says why (a malformed quantizer, an adapter for another model,
    /// no base model).
    case failed(runID: String, note: String)
}

/// Who and what is verified.
public struct SubmissionVerificationJob: Sendable {
    public var submissionID: Int64
    public var studentID: String
    /// The restored submission: a .py, a notebook or a folder.
    public var submission: URL
    /// The module a folder submission holds (the lab's entry).
    public var entry: String
    public var verification: LabVerification
    /// The sandbox the student's quantizer runs in.
    public var harness: HarnessConfiguration
    /// Warm sandboxes to start it in (the grader's), if any.
    public var pool: SandboxPool?

    public init(
        submissionID: Int64, studentID: String, submission: URL, entry: String,
        verification: LabVerification, harness: HarnessConfiguration, pool: SandboxPool? = nil
    ) {
        self.pool = pool
        self.submissionID = submissionID
        self.studentID = studentID
        self.submission = submission
        self.entry = entry
        self.verification = verification
        self.harness = harness
    }
}

/// Verifies `job` on `base` and records the outcome in `store`; with no base, records why.
/// Earlier verified runs of the same submission are soft-deleted first, so a regrade leaves one
/// live run per scheme or adapter. A submission without what [verify] asks for (a lab-05 file
/// with no adapter) records nothing.
/// `unavailable` says why there is no base model and what the instructor should do.
public func verifySubmission(
    _ job: SubmissionVerificationJob, base: VerificationBase?, unavailable: String,
    store: LabStore, callTimeout: Double = 60
) throws -> [SubmissionVerificationResult] {
    let target = RunTarget(
        store: store, experiment: job.verification.experiment, studentID: job.studentID)
    let submissionTags = [LabStore.submissionTag: String(job.submissionID)]
    var items: [(tags: [String: String], name: String)] = []
    switch job.verification.kind {
    case .quantizer:
        for scheme in job.verification.schemes {
            let tags = submissionTags.merging(["kind": "quantize", "scheme": scheme]) { a, _ in a }
            items.append((tags, "submission \(job.submissionID) \(scheme)"))
        }
    case .adapter:
        for folder in adapterFolders(in: job.submission) {
            let tags = submissionTags.merging(["kind": "lora", "adapter": folder]) { a, _ in a }
            items.append((tags, "submission \(job.submissionID) \(folder)"))
        }
    }
    try store.deleteVerifiedRuns(submissionID: job.submissionID)
    guard !items.isEmpty else { return [] }
    guard let base else {
        return try items.map {
            try recordFailure(
                target, name: $0.name, tags: $0.tags,
                note: "not verified: the grading daemon has no base model (\(unavailable))")
        }
    }
    var results: [SubmissionVerificationResult] = []
    var baseLoss = base.baseLoss  // measured by the first verification if `load` did not
    for item in items {
        var named = target
        named.name = item.name
        do {
            switch job.verification.kind {
            case .quantizer:
                let scheme = try QuantScheme(parsing: item.tags["scheme"] ?? "")
                let v = try verifyQuantizer(
                    file: job.submission, entry: job.entry, scheme: scheme, base: base.model,
                    basePath: base.path, evalTokens: base.evalTokens, evalFile: base.evalFile,
                    baseLoss: baseLoss, harness: job.harness, pool: job.pool,
                    callTimeout: callTimeout,
                    target: named, tags: item.tags)
                baseLoss = v.fp32Loss
                results.append(.verified(runID: v.runID ?? "", perplexity: v.perplexity))
            case .adapter:
                let folder = job.submission.appendingPathComponent(item.tags["adapter"] ?? "")
                let v = try verifyAdapter(
                    adapter: folder, base: base.model, basePath: base.path,
                    evalTokens: base.evalTokens, evalFile: base.evalFile, baseLoss: baseLoss,
                    target: named, tags: item.tags)
                baseLoss = v.baseLoss
                results.append(.verified(runID: v.runID ?? "", perplexity: v.perplexity))
            }
        } catch let error as StoreError {
            throw error
        } catch {
            let what = item.tags["scheme"].map { "\($0) quantizer" }
                ?? "adapter \(item.tags["adapter"] ?? "")"
            // Paths inside the daemon's scratch folder are shown relative to the submission.
            let scratch = job.submission.deletingLastPathComponent().path + "/"
            let reason = "\(error)".replacingOccurrences(of: scratch, with: "")
            results.append(
                try recordFailure(
                    target, name: item.name, tags: item.tags,
                    note: "\(what) not verified: \(reason)"))
        }
    }
    return results
}

/// Records a FAILED verified run whose `note` tag says why.
func recordFailure(_ target: RunTarget, name: String, tags: [String: String], note: String)
    throws -> SubmissionVerificationResult
{
    var named = target
    named.name = name
    let text = String(note.prefix(RunsLimits.maxTagValueLength))
    var all = tags
    all["verified"] = "false"
    all[LabStore.verificationNoteTag] = text
    let recorder = try RunRecorder(target: named, source: .verified, tags: all)
    try recorder.finish(.failed)
    return .failed(runID: recorder.runID, note: text)
}

/// The folders under `submission` (itself included) that hold a PEFT adapter
/// (adapter_config.json + adapter_model.safetensors), as paths relative to it ("." for itself),
/// sorted. A single file submission holds none.
public func adapterFolders(in submission: URL) -> [String] {
    let manager = FileManager.default
    var isDirectory: ObjCBool = false
    guard manager.fileExists(atPath: submission.path, isDirectory: &isDirectory),
        isDirectory.boolValue
    else { return [] }
    func holdsAdapter(_ folder: URL) -> Bool {
        ["adapter_config.json", "adapter_model.safetensors"].allSatisfy {
            manager.fileExists(atPath: folder.appendingPathComponent($0).path)
        }
    }
    var found: [String] = []
    if holdsAdapter(submission) { found.append(".") }
    let root = submission.standardizedFileURL.path
    if let walker = manager.enumerator(
        at: submission, includingPropertiesForKeys: [.isDirectoryKey],
        options: [.skipsHiddenFiles])
    {
        for case let url as URL in walker {
            guard (try? url.resourceValues(forKeys: [.isDirectoryKey]).isDirectory) == true,
                holdsAdapter(url)
            else { continue }
            var relative = url.standardizedFileURL.path
            if relative.hasPrefix(root + "/") { relative.removeFirst(root.count + 1) }
            found.append(relative)
        }
    }
    return found.sorted()
}
