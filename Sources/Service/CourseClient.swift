// What the student-facing commands need, whether they run on the local data directory or
// against a running daemon over HTTP: submit, read a submission back, the leaderboard.
import Foundation
import Store
import Tracking

public protocol CourseClient: Sendable {
    /// Hands in `path` (file, notebook or folder) for `lab`; `student` is required locally
    /// (remotely the token says who you are).
    func submit(path: URL, lab: String, student: String?) async throws -> SubmissionReceipt
    func submission(id: Int64) async throws -> SubmissionFeedback
    /// The student's most recent submission to the lab.
    func latestSubmission(lab: String, student: String?) async throws -> SubmissionFeedback
    func leaderboard(lab: String, names: Bool) async throws -> LabLeaderboard
    /// An experiment's leaderboard: each student's best run by `metric` (`eval_loss.min`),
    /// among runs matching `filter`, only lmlab-verified runs if `verified`; real names only
    /// for an instructor who asks.
    func experimentLeaderboard(
        experiment: String, metric: String, ascending: Bool, where filter: String?,
        verified: Bool, names: Bool
    ) async throws -> [ExperimentLeaderboardRow]
}

extension CourseClient {
    /// Polls until the submission is graded or failed, calling `progress` on each status change;
    /// gives up after `timeout` seconds.
    public func waitForGrade(
        id: Int64, timeout: TimeInterval, pollInterval: TimeInterval = 0.5,
        progress: @Sendable (SubmissionFeedback) -> Void = { _ in }
    ) async throws -> SubmissionFeedback {
        let deadline = Date().addingTimeInterval(timeout)
        var lastStatus = ""
        while true {
            let view = try await submission(id: id)
            if view.status != lastStatus {
                lastStatus = view.status
                progress(view)
            }
            if view.isFinished { return view }
            guard Date() < deadline else {
                throw ServiceError.timedOut(
                    "submission #\(id) is still \(view.status) after \(Int(timeout)) s; is a"
                        + " daemon (`lmlab serve`) grading this data directory? check later with"
                        + " `lmlab feedback \(id)`")
            }
            try await Task.sleep(for: .seconds(pollInterval))
        }
    }
}
