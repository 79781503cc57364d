// What the CLI shows, whether it came from the local store or the HTTP API: plain Codable values
// whose JSON keys match the server's answers, so a remote answer decodes straight into them.
import Foundation
import Store

/// A submission's status and, once graded, its feedback.
public struct SubmissionView: Sendable, Codable, Equatable {
    public var id: Int64
    public var student: String
    public var lab: String
    public var filename: String
    /// queued, running, graded or error.
    public var status: String
    public var submittedAt: String
    public var gradedAt: String?
    /// Points before the late penalty.
    public var score: Double?
    public var maxScore: Double?
    public var late: Bool
    /// The fraction deducted for lateness.
    public var penalty: Double?
    public var error: String?
    public var tests: [TestView]
    /// Runs lmlab verified on the course's base model from this submission (nil from a server
    /// that does not report them).
    public var verifiedRuns: [VerifiedRunSummary]?
    /// Why verification failed or was skipped.
    public var verification: String?

    /// The score after the late penalty.
    public var finalScore: Double? { score.map { $0 * (1 - (penalty ?? 0)) } }
    public var isFinished: Bool { status == "graded" || status == "error" }

    public struct TestView: Sendable, Codable, Equatable {
        public var name: String
        public var component: String
        public var status: String
        public var points: Double
        public var maxPoints: Double
        public var visibility: String
        /// The diagnosed mistake's id (look it up in Grading's catalogue for title and hint).
        public var diagnosis: String?
        public var nearMiss: Bool
        /// Withheld (nil) for a student looking at a hidden test.
        public var message: String?
        public var maxAbsError: Double?
        public var maxRelError: Double?
        public var seconds: Double
    }
}

extension SubmissionView {
    /// The view of a stored submission and its current results (the instructor's view: the
    /// local data directory belongs to whoever grades), with what verification recorded.
    public init(
        _ submission: SubmissionRecord, results: [TestResultRecord],
        verification: SubmissionVerification = SubmissionVerification()
    ) {
        self.init(
            id: submission.id ?? 0, student: submission.studentID, lab: submission.labID,
            filename: submission.filename, status: submission.status.rawValue,
            submittedAt: submission.submittedAt.formatted(.iso8601),
            gradedAt: submission.gradedAt?.formatted(.iso8601), score: submission.score,
            maxScore: submission.maxScore, late: submission.late, penalty: submission.penalty,
            error: submission.error,
            tests: results.map {
                TestView(
                    name: $0.name, component: $0.component ?? "", status: $0.status.rawValue,
                    points: $0.points, maxPoints: $0.maxPoints, visibility: $0.visibility,
                    diagnosis: $0.diagnosis, nearMiss: $0.diagnosisNearMiss, message: $0.message,
                    maxAbsError: $0.maxAbsError, maxRelError: $0.maxRelError,
                    seconds: $0.seconds ?? 0)
            },
            verifiedRuns: verification.runs, verification: verification.note)
    }
}

/// What `submit` answers.
public struct ReceiptView: Sendable, Codable, Equatable {
    public var id: Int64
    public var lab: String
    public var filename: String
    public var sha256: String
    public var size: Int
    public var status: String
    public var late: Bool
    public var submittedAt: String
}

/// A lab's ranking, as the HTTP API returns it.
public struct LeaderboardView: Sendable, Codable, Equatable {
    public struct Row: Sendable, Codable, Equatable {
        public var rank: Int
        /// The pseudonym, or the real name when names were asked for.
        public var name: String
        public var score: Double
        /// Absent from the HTTP API's answer.
        public var maxScore: Double?
        public var submittedAt: String
    }

    public var lab: String
    public var counting: String
    public var rows: [Row]
}

extension LeaderboardView {
    public init(lab: String, counting: Counting, rows: [LeaderboardRow]) {
        self.init(
            lab: lab, counting: counting.rawValue,
            rows: rows.map {
                Row(
                    rank: $0.rank, name: $0.displayName, score: $0.score, maxScore: $0.maxScore,
                    submittedAt: $0.submittedAt.formatted(.iso8601))
            })
    }
}
