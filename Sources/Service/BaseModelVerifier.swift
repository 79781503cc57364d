// The daemon's SubmissionVerifier: verified runs on the course's base model, loaded once when
// `lmlab serve` starts; without one, each verification records why it was skipped.
import Experiments
import Foundation
import Logging
import Server
import Store

/// Where the daemon finds its base model for verified runs.
public struct VerificationOptions: Sendable, Equatable {
    /// A folder from `lmlab experiment base-model --out DIR`, or a Hugging Face GPT-2 folder;
    /// nil: `<data dir>/base-model` if it exists.
    public var baseModel: URL?
    /// The evaluation text (required with a Hugging Face folder).
    public var evalFile: URL?
    public var maxEvalTokens: Int
    /// Where the default base model would be (`<data dir>/base-model`).
    public var defaultBaseModel: URL?

    public init(
        baseModel: URL? = nil, evalFile: URL? = nil,
        maxEvalTokens: Int = VerificationBase.defaultMaxEvalTokens, defaultBaseModel: URL? = nil
    ) {
        self.baseModel = baseModel
        self.evalFile = evalFile
        self.maxEvalTokens = maxEvalTokens
        self.defaultBaseModel = defaultBaseModel
    }
}

/// Verifies graded submissions on `base`; with no base, records `unavailable` as the reason.
public struct BaseModelVerifier: SubmissionVerifier {
    public let store: LabStore
    public let base: VerificationBase?
    /// Why there is no base model and what the instructor should do (when `base` is nil).
    public let unavailable: String
    public var callTimeout: Double
    let logger: Logger

    public init(
        store: LabStore, base: VerificationBase?, unavailable: String = "", callTimeout: Double = 60,
        logger: Logger = Logger(label: "lmlab.verify")
    ) {
        self.store = store
        self.base = base
        self.unavailable = unavailable
        self.callTimeout = callTimeout
        self.logger = logger
    }

    /// Loads the base model `options` name. A base model that was asked for explicitly and
    /// cannot be loaded is an error; a missing default only means no verification.
    public static func load(_ options: VerificationOptions, store: LabStore) throws
        -> BaseModelVerifier
    {
        let folder: URL
        if let given = options.baseModel {
            folder = given
        } else if let fallback = options.defaultBaseModel,
            FileManager.default.fileExists(atPath: fallback.path)
        {
            folder = fallback
        } else {
            let place = options.defaultBaseModel.map { $0.path } ?? "<data dir>/base-model"
            return BaseModelVerifier(
                store: store, base: nil,
                unavailable: "the instructor should run `lmlab experiment base-model --out "
                    + "\(place)` and restart `lmlab serve`, or start it with --base-model DIR")
        }
        do {
            let base = try VerificationBase.load(
                folder: folder, evalFile: options.evalFile, maxEvalTokens: options.maxEvalTokens)
            return BaseModelVerifier(store: store, base: base)
        } catch {
            throw ServiceError.usage("cannot use the base model for verified runs: \(error)")
        }
    }

    public func verify(_ job: VerificationJob) {
        guard let verification = job.lab.verify else { return }
        let request = SubmissionVerificationJob(
            submissionID: job.submissionID, studentID: job.studentID,
            submission: job.submission, entry: job.lab.entry, verification: verification,
            harness: job.harness, pool: job.pool)
        do {
            let results = try verifySubmission(
                request, base: base, unavailable: unavailable, store: store,
                callTimeout: callTimeout)
            for result in results {
                logger.info(
                    "verified", metadata: ["submission": "\(job.submissionID)", "result": "\(result)"])
            }
        } catch {
            // The store refused the runs: the grade still stands; the log says why.
            logger.error(
                "verification not recorded",
                metadata: ["submission": "\(job.submissionID)", "error": "\(error)"])
        }
    }
}
