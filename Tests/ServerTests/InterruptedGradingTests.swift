// A sandbox killed from outside mid-grade (as the OOM killer or an operator would) is not the
// student's 0: the attempt is void, the submission is graded again and gets its real grade.
import Foundation
import LabConfig
import Store
import TestSupport
import Testing

@testable import Server

@Suite(.serialized, .blockingWork) struct InterruptedGradingTests {
    /// A correct lab-01 solution whose first softmax call, on the first attempt only, writes
    /// its process id where the test can read it and then waits to be killed.
    static func submission(marker: URL) throws -> String {
        let correct = try String(
            contentsOf: repositoryRoot.appendingPathComponent(
                "submissions/s01-ada/01-attention/attention.py"), encoding: .utf8)
        return correct + """

            import os as _os, time as _time
            _correct_softmax = softmax

            def softmax(*args, **kwargs):
                if not _os.path.exists(\(String(reflecting: marker.path))):
                    with open(\(String(reflecting: marker.path)), "w") as f:
                        f.write(str(_os.getpid()))
                    _time.sleep(600)
                return _correct_softmax(*args, **kwargs)

            """
    }

    @Test func killedFromOutsideIsRetriedThenGraded() async throws {
        let fixture = try Fixture.make(
            labs: [LabRecord(id: "01-attention", version: "1", title: "Attention")])
        defer { fixture.remove() }
        let marker = fixture.directory.appendingPathComponent("pid")
        let id = try fixture.store.enqueue(
            student: "alice", lab: "01-attention", filename: "attention.py",
            content: Data(try Self.submission(marker: marker).utf8), source: .http)
        let labs = repositoryRoot.appendingPathComponent("labs")
        // Limits far above the test's waits, so that only the kill can end the sleeping call
        // however loaded the machine is
        var lab = try Lab.load(folder: labs.appendingPathComponent("01-attention"))
        lab.limits.timeSeconds = 900
        lab.limits.submissionSeconds = 3600
        for index in lab.tests.indices { lab.tests[index].limits.timeSeconds = 900 }
        var configuration = testConfiguration(workers: 1)
        configuration.gradingTimeout = 3600
        let grader = try LabGrader(
            labs: [lab],
            harnessDirectory: labs.appendingPathComponent("harness"), isolation: .none,
            scratchRoot: fixture.directory)
        let pool = WorkerPool(
            store: fixture.store, grader: grader, configuration: configuration,
            logger: quietLogger)
        let running = Task { try await pool.run() }
        // When the runner's Python is killed from outside while it grades
        #expect(await eventually { (try? String(contentsOf: marker, encoding: .utf8)) != nil })
        let pid = try #require(pid_t(try String(contentsOf: marker, encoding: .utf8)))
        #expect(kill(pid, SIGKILL) == 0)
        // Then the submission is graded again, in full
        let graded = try await eventually { try status(fixture, id) == .graded }
        pool.stop()
        try await running.value
        #expect(graded)
        let row = try #require(try fixture.store.submission(id: id))
        #expect(row.attempts == 2)
        #expect(row.score == row.maxScore && (row.maxScore ?? 0) > 0)
        #expect(row.error == nil)
        #expect(pool.status.graded == 1 && pool.status.failed == 0)
    }

    @Test func outOfAttemptsTheErrorBlamesTheServerNotTheStudent() throws {
        // Given a submission interrupted on each of its 3 attempts
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        let id = try enqueue(fixture, "x")
        for attempt in 1...3 {
            let claimed = try #require(try fixture.store.claimNext(worker: "w", lease: 60))
            #expect(claimed.submission.attempts == attempt)
            let again = try fixture.store.retry(
                id: id, worker: "w", attempt: attempt, reason: "killed by signal 9: SIGKILL")
            #expect(again == (attempt < 3))
        }
        let row = try #require(try fixture.store.submission(id: id))
        #expect(row.status == .error)
        #expect(row.error?.contains("interrupted by the grading server 3 times, not by the"
            + " submission") == true, "\(row.error ?? "")")
    }
}
