// LabGrader as the daemon's SubmissionChecker: a self-check restores the file (or packed folder)
// in a scratch folder and runs the lab's visible tests in the same sandbox as grading.
import Foundation
import Grading

extension LabGrader: SubmissionChecker {
    public func points(lab: String) -> LabPoints? {
        guard let lab = graders[lab]?.lab else { return nil }
        let visible = lab.tests.filter { $0.visibility == .visible }
        return LabPoints(
            total: lab.totalPoints, visible: visible.reduce(0) { $0 + $1.points },
            tests: lab.tests.count, visibleTests: visible.count)
    }

    public func check(_ job: CheckJob) async throws -> GradeOutcome {
        guard let grader = graders[job.labID] else {
            throw LabGraderError.unknownLab(job.labID, known: graders.keys.sorted())
        }
        let scratchRoot = self.scratchRoot
        // Blocking, like grading: on its own thread, off the pool that serves HTTP.
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(
                    with: Result {
                        try Self.checkBlocking(job, grader: grader, scratchRoot: scratchRoot)
                    })
            }
        }
    }

    static func checkBlocking(_ job: CheckJob, grader: Grader, scratchRoot: URL) throws
        -> GradeOutcome
    {
        let folder = scratchRoot.appendingPathComponent("lmlab-check-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = try restore(job.content, filename: job.filename, into: folder)
        // Visible tests carry their own fixed seeds; the seed is recorded for nothing else.
        let report = try grader.grade(submission: path, seed: 0, mode: .student(visibleOnly: true))
        return outcome(report, seed: 0)
    }
}
