// The seam behind POST /api/labs/:lab/check and the points in GET /api/labs: a student's
// self-check runs the lab's visible tests in the sandbox and records nothing. The real engine
// (LabGrader) is wired in by the CLI; without one the daemon answers 503 to a check.
import Foundation

public protocol SubmissionChecker: Sendable {
    /// The points of a lab's tests, all of them and the visible ones; nil for a lab it lacks.
    func points(lab: String) -> LabPoints?
    /// Runs the visible tests of `job.lab` on the file (or packed folder) in `job.content`.
    /// Implementations must not block the caller's thread.
    func check(_ job: CheckJob) async throws -> GradeOutcome
}

public struct LabPoints: Sendable, Equatable {
    public var total: Double
    public var visible: Double
    public var tests: Int
    public var visibleTests: Int

    public init(total: Double, visible: Double, tests: Int, visibleTests: Int) {
        self.total = total
        self.visible = visible
        self.tests = tests
        self.visibleTests = visibleTests
    }
}

/// What a student asked to have checked: never stored, never queued.
public struct CheckJob: Sendable {
    public var studentID: String
    public var labID: String
    /// The name the student gave it (`attention.py`, `nb.ipynb`, `x.lmlab-folder.json`).
    public var filename: String
    public var content: Data

    public init(studentID: String, labID: String, filename: String, content: Data) {
        self.studentID = studentID
        self.labID = labID
        self.filename = filename
        self.content = content
    }
}
