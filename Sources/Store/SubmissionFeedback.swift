// A stored submission as one viewer may see it: its status, its score and the tests the
// visibility rule (LabConfig's Viewer) lets them see. The one shape the HTTP API answers, the
// remote client decodes and the CLI renders, locally or from a server.
import Foundation
import Diagnosis
import Grading
import LabConfig

/// A submission's status and, once graded, its feedback, filtered for one viewer.
public struct SubmissionFeedback: Sendable, Codable, Equatable {
    public var id: Int64
    public var student: String
    public var lab: String
    public var filename: String
    /// queued, running, graded or error.
    public var status: String
    public var submittedAt: String
    public var gradedAt: String?
    /// Points before the late penalty, of the tests counted for this viewer.
    public var score: Double?
    public var maxScore: Double?
    public var late: Bool
    /// The fraction deducted for lateness.
    public var penalty: Double?
    public var error: String?
    /// The tests this viewer may see in full.
    public var tests: [TestFeedback]
    /// The tests they may not see one by one: hidden tests as counts and points, after_due
    /// ones (before the due date) as a count and their points, left out of `score`.
    public var tally: TestTally
    /// Runs lmlab verified on the course's base model from this submission (lab [verify]
    /// tables): lmlab's own perplexity, not the student's claim.
    public var verifiedRuns: [VerifiedRunSummary]
    /// Why verification failed or was skipped.
    public var verification: String?

    /// The score after the late penalty.
    public var finalScore: Double? { score.map { LateRule.applying(penalty ?? 0, to: $0) } }
    public var isFinished: Bool { status == "graded" || status == "error" }
    /// Graded, and every test this viewer may see (in full or in the tally) passed.
    public var allPassed: Bool {
        status == "graded" && tests.allSatisfy(\.passed) && tally.hiddenPassed == tally.hiddenTests
    }
}

/// One test in a submission's feedback, for a viewer allowed to see it in full.
public struct TestFeedback: Sendable, Codable, Equatable {
    public var name: String
    public var component: String
    public var status: TestStatus
    public var points: Double
    public var maxPoints: Double
    public var visibility: String
    /// The diagnosed mistake's id (look it up in Diagnosis's catalogue for title and hint).
    public var diagnosis: String?
    public var nearMiss: Bool
    public var message: String?
    public var maxAbsError: Double?
    public var maxRelError: Double?
    public var seconds: Double
    /// The diagnosed mistake's title and the lecture's hint, from Diagnosis's catalogue (for
    /// clients without the catalogue, such as the Python client); nil without a diagnosis.
    public var mistake: String? = nil
    public var hint: String? = nil
    /// A failing attention test's weights beside its diagnosed mistake's, per head (shown only
    /// with the test itself: the viewer sees it in full).
    public var attention: AttentionFigure? = nil
    /// Expected vs got on a few values of a failing array answer (shown with the test only).
    public var slice: ValueSlice? = nil

    public var passed: Bool { status == .pass }
}

extension SubmissionFeedback {
    /// `submission` with its current `results` as `viewer` may see them in a lab due at `due`.
    public init(
        _ submission: SubmissionRecord, results: [TestResultRecord], due: Date?,
        viewer: Viewer, verification: SubmissionVerification = SubmissionVerification()
    ) {
        let tests = ViewedTests(results, visibility: \.visibility, due: due, viewer: viewer)
        let tally = TestTally(
            tests, passed: { $0.status == .pass }, score: \.points, maxScore: \.maxPoints)
        let withheldScore = tests.withheld.reduce(0) { $0 + $1.points }
        self.init(
            id: submission.id ?? 0, student: submission.studentID, lab: submission.labID,
            filename: submission.filename, status: submission.status.rawValue,
            submittedAt: submission.submittedAt.formatted(.iso8601),
            gradedAt: submission.gradedAt?.formatted(.iso8601),
            score: submission.score.map { $0 - withheldScore },
            maxScore: submission.maxScore.map { $0 - tally.afterDueMaxScore },
            late: submission.late, penalty: submission.penalty, error: submission.error,
            tests: tests.shown.map(TestFeedback.init), tally: tally,
            verifiedRuns: verification.runs, verification: verification.note)
    }
}

extension TestFeedback {
    /// A stored result in full, with its catalogued mistake's title and hint.
    public init(_ result: TestResultRecord) {
        self.init(
            name: result.name, component: result.component ?? "", status: result.status,
            points: result.points, maxPoints: result.maxPoints, visibility: result.visibility,
            diagnosis: result.diagnosis, nearMiss: result.diagnosisNearMiss,
            message: result.message, maxAbsError: result.maxAbsError,
            maxRelError: result.maxRelError, seconds: result.seconds ?? 0)
        let catalogued = result.diagnosis.flatMap { catalogueMistake($0) }
        self.mistake = catalogued?.title
        self.hint = catalogued?.hint
        self.attention = result.attention
        self.slice = result.slice
    }
}

extension LabStore {
    /// Submission `id` as `viewer` may see it now; nil when there is no such submission.
    public func submissionFeedback(id: Int64, viewer: Viewer) throws -> SubmissionFeedback? {
        guard let submission = try submission(id: id) else { return nil }
        let due = try lab(id: submission.labID)?.due
        return SubmissionFeedback(
            submission, results: try feedback(submissionID: id), due: due, viewer: viewer,
            verification: try submissionVerification(submissionID: id))
    }
}
