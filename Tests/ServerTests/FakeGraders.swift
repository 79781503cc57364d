// Graders for the daemon's tests: one that scores a file by what it says, one that hangs,
// one that throws. Their results are fixed by hand, independent of the daemon.
import Foundation
import Server
import Store

/// Records which submissions were graded, and how often.
actor GradeLog {
    private(set) var counts: [Int64: Int] = [:]
    private(set) var started: [Int64] = []

    func record(_ id: Int64) {
        counts[id, default: 0] += 1
        started.append(id)
    }
}

/// Scores `score=N` in the file as N out of 10: a visible test worth 2 and a hidden one worth 8.
struct ContentGrader: SubmissionGrader {
    let log: GradeLog
    var delay: Duration = .zero

    func grade(_ job: GradeJob) async throws -> GradeOutcome {
        await log.record(job.submissionID)
        if delay > .zero { try await Task.sleep(for: delay) }
        let text = try String(contentsOf: job.contentPath, encoding: .utf8)
        let score =
            text.split(separator: "\n")
            .compactMap { line in
                line.hasPrefix("score=") ? Double(line.dropFirst("score=".count)) : nil
            }
            .first ?? 0
        let visible = min(score, 2)
        return GradeOutcome(
            score: score, maxScore: 10, graderVersion: "fake-1", seed: job.seed,
            tests: [
                TestResultRecord(
                    name: "shapes", component: "attention", points: visible, maxPoints: 2,
                    status: visible == 2 ? .pass : .fail, message: "visible: \(job.filename)",
                    maxAbsError: 0.5, seconds: 0.01),
                TestResultRecord(
                    name: "secret", component: "attention", points: score - visible,
                    maxPoints: 8, status: score == 10 ? .pass : .fail, visibility: "hidden",
                    diagnosis: "forgot-scale", diagnosisNearMiss: true, message: "hidden detail",
                    seconds: 0.02),
            ])
    }
}

/// Never finishes on its own; it ends only when cancelled.
struct HangingGrader: SubmissionGrader {
    let log: GradeLog

    func grade(_ job: GradeJob) async throws -> GradeOutcome {
        await log.record(job.submissionID)
        try await Task.sleep(for: .seconds(3600))
        throw CancellationError()
    }
}

/// Fails as a broken grading engine would.
struct ThrowingGrader: SubmissionGrader {
    struct Broken: Error, CustomStringConvertible {
        var description: String { "the harness could not start python3" }
    }

    func grade(_ job: GradeJob) async throws -> GradeOutcome {
        throw Broken()
    }
}
