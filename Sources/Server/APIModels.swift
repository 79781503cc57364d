// The JSON bodies the HTTP API returns. Dates are ISO 8601 strings; names are camelCase.
import Foundation
import Hummingbird
import Store

/// Answer to POST /api/submissions (status 202).
public struct SubmissionReceipt: ResponseCodable, Equatable {
    public var id: Int64
    public var lab: String
    public var filename: String
    public var sha256: String
    public var size: Int
    public var status: String
    public var late: Bool
    public var submittedAt: String
}

/// Answer to GET /api/submissions/:id, filtered by what the viewer may see.
public struct SubmissionFeedback: ResponseCodable, Equatable {
    public var id: Int64
    public var student: String
    public var lab: String
    public var filename: String
    public var status: String
    public var submittedAt: String
    public var gradedAt: String?
    public var score: Double?
    public var maxScore: Double?
    public var late: Bool
    public var penalty: Double?
    public var error: String?
    /// The tests this viewer may see (a student sees after_due tests only after the due date).
    public var tests: [TestFeedback]
    /// How many after_due tests, and how many points, are withheld from this student until the
    /// due date (0 otherwise); `score` and `maxScore` leave them out.
    public var afterDueTests: Int
    public var afterDueMaxScore: Double
    /// The runs the daemon verified on the course's base model from this submission (lab
    /// [verify] tables): lmlab's own perplexity, not the student's claim.
    public var verifiedRuns: [VerifiedRunSummary]
    /// Why verification failed or was skipped, if it did.
    public var verification: String?
}

/// One test in a submission's feedback; a hidden test's message is withheld from students.
public struct TestFeedback: Codable, Sendable, Equatable {
    public var name: String
    public var component: String
    public var status: String
    public var points: Double
    public var maxPoints: Double
    public var visibility: String
    public var diagnosis: String?
    public var nearMiss: Bool
    public var message: String?
    public var maxAbsError: Double?
    public var maxRelError: Double?
    public var seconds: Double
    /// The diagnosed mistake's title and the lecture's hint, from Grading's catalogue (for
    /// clients without the catalogue, such as the Python client); nil without a diagnosis.
    public var mistake: String? = nil
    public var hint: String? = nil
}

/// Answer to POST /api/labs/:lab/check: the visible tests only, run in the sandbox; nothing is
/// stored and it is not a submission.
public struct CheckReport: ResponseCodable, Equatable {
    public var lab: String
    public var filename: String
    /// Over the visible tests.
    public var score: Double
    public var maxScore: Double
    public var tests: [TestFeedback]
    /// Wall-clock seconds the check took on the server.
    public var seconds: Double
}

/// One lab in GET /api/labs.
public struct LabSummary: Codable, Sendable, Equatable {
    public var id: String
    public var title: String
    public var due: String?
    public var lateDue: String?
    public var latePenalty: Double
    public var counting: String
    public var rateLimitPerHour: Int?
    /// All tests' points and the visible ones' (what a check can earn); nil when the daemon has
    /// no grader for the lab.
    public var points: Double?
    public var visiblePoints: Double?
    public var tests: Int?
    public var visibleTests: Int?
}

/// Answer to GET /api/labs.
public struct LabsBody: ResponseCodable, Equatable {
    public var labs: [LabSummary]
    /// Self-checks allowed per lab and hour.
    public var checkRateLimitPerHour: Int
}

/// Answer to GET /api/labs/:lab/leaderboard.
public struct Leaderboard: ResponseCodable, Equatable {
    public struct Row: Codable, Sendable, Equatable {
        public var rank: Int
        /// The pseudonym, or the real name for an instructor who asked with ?names=true.
        public var name: String
        public var score: Double
        public var submittedAt: String
    }

    public var lab: String
    public var counting: String
    public var rows: [Row]
}

/// Answer to GET /api/health.
public struct Health: ResponseCodable, Equatable {
    public var status: String
    public var queued: Int
    public var running: Int
    public var workers: Int
    public var busyWorkers: Int
}

extension Date {
    var iso8601: String { formatted(.iso8601) }
}
