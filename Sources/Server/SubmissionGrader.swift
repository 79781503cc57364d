// The seam between the daemon and the grading engine: the daemon hands a stored file to a
// SubmissionGrader and records what comes back; the real engine is wired in by the CLI.
import Foundation
import Harness
import LabConfig
import Store

/// Grades one stored submission. Implementations must honour task cancellation (the daemon
/// cancels grading on its grading timeout and on shutdown after the grace period).
public protocol SubmissionGrader: Sendable {
    func grade(_ job: GradeJob) async throws -> GradeOutcome
}

/// What a grader is asked to grade.
public struct GradeJob: Sendable, Hashable {
    public var submissionID: Int64
    public var studentID: String
    public var labID: String
    /// The stored content: a file in the store's blob folder.
    public var contentPath: URL
    /// The name the student gave the file (`attention.py`), for graders that care.
    public var filename: String
    public var seed: Int64

    public init(
        submissionID: Int64, studentID: String, labID: String, contentPath: URL,
        filename: String, seed: Int64
    ) {
        self.submissionID = submissionID
        self.studentID = studentID
        self.labID = labID
        self.contentPath = contentPath
        self.filename = filename
        self.seed = seed
    }
}

/// What a grader found: the total and one result per test, as the store keeps it.
public struct GradeOutcome: Sendable, Hashable {
    public var score: Double
    public var maxScore: Double
    public var graderVersion: String
    public var seed: Int64
    public var tests: [TestResultRecord]

    public init(
        score: Double, maxScore: Double, graderVersion: String, seed: Int64,
        tests: [TestResultRecord]
    ) {
        self.score = score
        self.maxScore = maxScore
        self.graderVersion = graderVersion
        self.seed = seed
        self.tests = tests
    }
}

/// What the daemon does after grading a submission whose lab has a `[verify]` table: re-run what
/// the submission carries on the course's base model and record verified runs (the Service
/// module's implementation). It never changes the grade, so it reports its own failures (as
/// runs the feedback shows) instead of throwing.
public protocol SubmissionVerifier: Sendable {
    func verify(_ job: VerificationJob)
}

/// A graded submission to verify, still unpacked in the grader's scratch folder.
public struct VerificationJob: Sendable {
    public var submissionID: Int64
    public var studentID: String
    public var lab: Lab
    /// The restored submission (a file or a folder), removed once `verify` returns.
    public var submission: URL
    /// The sandbox the lab's tests ran in, for the student's code.
    public var harness: HarnessConfiguration
    /// The grader's warm sandboxes, if it keeps any.
    public var pool: SandboxPool?

    public init(
        submissionID: Int64, studentID: String, lab: Lab, submission: URL,
        harness: HarnessConfiguration, pool: SandboxPool? = nil
    ) {
        self.pool = pool
        self.submissionID = submissionID
        self.studentID = studentID
        self.lab = lab
        self.submission = submission
        self.harness = harness
    }
}
