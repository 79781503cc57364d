// Warm sandboxes (SandboxPool): a pooled runner serves exactly one submission, under the same
// sandbox as a cold one; an empty, dead or expired pool falls back to a cold start; nothing of
// the pool outlives it.
import Foundation
import TestSupport
import Testing

@testable import Diagnosis
@testable import Grading
@testable import Harness
@testable import LabConfig

#if canImport(Glibc)
    import Glibc
#endif

@Suite("Sandbox pool", .serialized, .blockingWork)
struct SandboxPoolTests {
    /// A module that reports whether another submission's marker is in its /tmp, then leaves
    /// its own there; and what its working folder holds.
    static let probe = """
        import os

        def probe():
            seen = os.path.exists("/tmp/lmlab-marker")
            with open("/tmp/lmlab-marker", "w") as f:
                f.write("mine")
            return int(seen)

        def files():
            return len(os.listdir("."))
        """

    static func configuration(_ isolation: Isolation) throws -> HarnessConfiguration {
        HarnessConfiguration(sandbox: try HarnessFixtures.sandbox(), isolation: isolation)
    }

    /// Writes the probe as `probe.py` into `folder`.
    static func stageProbe(into folder: URL) throws {
        try Data(probe.utf8).write(to: folder.appendingPathComponent("probe.py"))
    }

    static func waitUntil(_ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(300)  // a hang detector, not a timing
        while Date() < deadline {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }

    /// Lab 01's grader, sandboxed, as the daemon builds it.
    static func lab01Grader() throws -> Grader {
        try Grader(
            lab: try Lab.load(folder: repositoryRoot.appendingPathComponent("labs/01-attention")),
            harnessDirectory: HarnessFixtures.harnessDirectory, isolation: .sandbox)
    }

    static func alive(_ pid: pid_t) -> Bool { kill(pid, 0) == 0 || errno != ESRCH }

    /// A pool of one sandboxed runner, filling, with its folders in a scratch folder removed after.
    static func withPool(_ body: (HarnessConfiguration, SandboxPool) throws -> Void) throws {
        let scratch = try makeScratchDirectory("lmlab-pool")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let configuration = try Self.configuration(.sandbox)
        let pool = SandboxPool(size: 1, root: scratch)
        defer { pool.close() }
        pool.prewarm(configuration: configuration)
        try body(configuration, pool)
    }

    @Test(.enabled(if: HarnessFixtures.bubblewrapWorks))
    func aWarmSandboxServesOneSubmissionAndNeverSeesAnother() throws {
        try Self.withPool { configuration, pool in
        for round in 1...2 {
            #expect(Self.waitUntil { pool.readyCount == 1 }, "round \(round): the pool did not fill")
            let warm = try #require(pool.take(configuration: configuration))
            // Nothing of the submission is there while the runner waits
            #expect(try FileManager.default.contentsOfDirectory(atPath: warm.folder.path).isEmpty)
            try Self.stageProbe(into: warm.folder)
            let session = HarnessSession(warm: warm, entry: "probe.py", configuration: configuration)
            defer { session.close() }
            guard case .value(.json(.int(let seen)), _) = session.call("probe", args: [], timeout: 30),
                case .value(.json(.int(let count)), _) = session.call("files", args: [], timeout: 30)
            else {
                Issue.record("round \(round): the probe did not run: \(session.output)")
                return
            }
            #expect(seen == 0, "round \(round) saw an earlier submission's /tmp")
            #expect(count == 1)
            #expect(session.startedWarm)
            #expect(session.restarts == 0)
        }
        #expect(pool.counts.taken == 2)
        }
    }

    @Test(.enabled(if: HarnessFixtures.bubblewrapWorks))
    func aPooledRunnerKilledWhileWaitingIsReplacedAndGradingGoesCold() throws {
        try Self.withPool { configuration, pool in
        #expect(Self.waitUntil { pool.readyCount == 1 })
        // When the waiting runner is killed (as the OOM killer would)
        let first = try #require(pool.take(configuration: configuration))
        let firstPID = first.runner.pid
        first.discard()
        #expect(Self.waitUntil { pool.readyCount == 1 })
        let second = try #require(pool.take(configuration: configuration))
        #expect(second.runner.pid != firstPID)
        kill(-second.runner.pid, SIGKILL)
        kill(second.runner.pid, SIGKILL)
        // (The kill lands asynchronously: on a loaded machine the runner could still answer.)
        #expect(Self.waitUntil { !second.isAlive })
        // Then a session handed the dead runner still grades, cold, over the same folder
        try Self.stageProbe(into: second.folder)
        let session = HarnessSession(warm: second, entry: "probe.py", configuration: configuration)
        defer { session.close() }
        guard case .value(.json(.int(let seen)), _) = session.call("probe", args: [], timeout: 30) else {
            Issue.record("a dead warm runner should be replaced by a cold start: \(session.output)")
            return
        }
        #expect(seen == 0)
        #expect(!session.startedWarm)
        // And a dead runner waiting in the pool is never handed out
        #expect(Self.waitUntil { pool.readyCount == 1 })
        let third = try #require(pool.take(configuration: configuration))
        third.discard()
        #expect(Self.waitUntil { pool.readyCount == 1 })
        let waiting = try #require(pool.take(configuration: configuration))
        let waitingPID = waiting.runner.pid
        kill(-waitingPID, SIGKILL)
        kill(waitingPID, SIGKILL)
        #expect(Self.waitUntil { !waiting.isAlive })
        waiting.discard()
        }
    }

    @Test(.enabled(if: HarnessFixtures.bubblewrapWorks))
    func anEmptyOrExpiredPoolGivesNothingAndTheGraderStartsCold() throws {
        let scratch = try makeScratchDirectory("lmlab-pool")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let configuration = try Self.configuration(.sandbox)
        // A pool of size 0 never hands out a sandbox
        let none = SandboxPool(size: 0, root: scratch)
        #expect(none.take(configuration: configuration) == nil)
        // An expired warm sandbox is replaced, not used
        let pool = SandboxPool(size: 1, root: scratch, maxIdle: 0.2)
        defer { pool.close() }
        pool.prewarm(configuration: configuration)
        #expect(Self.waitUntil { pool.readyCount == 1 })
        usleep(300_000)
        #expect(pool.take(configuration: configuration) == nil)
        #expect(pool.counts.missed == 1)
        // And a grade with a pool that has nothing ready yet is graded cold, in full
        var grader = try Self.lab01Grader()
        let empty = SandboxPool(size: 1, root: scratch)
        defer { empty.close() }
        grader.pool = empty
        let report = try grader.grade(
            submission: repositoryRoot.appendingPathComponent(
                "submissions/s01-ada/01-attention/attention.py"),
            seed: 7, mode: .instructor)
        #expect(report.summary.score == report.summary.maxScore && report.summary.maxScore > 0)
        #expect(empty.counts.missed == 1 && empty.counts.taken == 0)
    }

    @Test(.enabled(if: HarnessFixtures.bubblewrapWorks))
    func warmAndColdGradesAgreeAndThePoolLeavesNoProcessBehind() throws {
        let scratch = try makeScratchDirectory("lmlab-pool")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let cold = try Self.lab01Grader()
        var warm = cold
        let pool = SandboxPool(size: 1, root: scratch)
        warm.pool = pool
        pool.prewarm(configuration: warm.configuration)
        // A buggy sample: the diagnosis must not depend on how the runner started
        let buggy = repositoryRoot.appendingPathComponent(
            "submissions/s05-barbara/01-attention/attention.py")
        #expect(Self.waitUntil { pool.readyCount == 1 })
        let warmReport = try warm.grade(submission: buggy, seed: 11, mode: .instructor)
        let coldReport = try cold.grade(submission: buggy, seed: 11, mode: .instructor)
        #expect(pool.counts.taken == 1)
        #expect(warmReport.results.map(\.score) == coldReport.results.map(\.score))
        #expect(warmReport.results.map(\.diagnosis) == coldReport.results.map(\.diagnosis))
        #expect(warmReport.summary == coldReport.summary)
        // When the pool closes, its waiting runner is gone and its folder removed
        #expect(Self.waitUntil { pool.readyCount == 1 })
        let waiting = try #require(pool.take(configuration: warm.configuration))
        let pid = waiting.runner.pid
        let folder = waiting.folder
        waiting.discard()
        #expect(Self.waitUntil { pool.readyCount == 1 })
        pool.close()
        #expect(!Self.alive(pid))
        #expect(!FileManager.default.fileExists(atPath: folder.path))
        let left = try FileManager.default.contentsOfDirectory(atPath: scratch.path)
        #expect(left.filter { $0.hasPrefix("lmlab-warm-") }.isEmpty, "\(left)")
    }

    /// bubblewrap's --die-with-parent watches the thread that started the sandbox: a runner
    /// started on a thread that then ends (a Dispatch worker going idle) must live on.
    @Test(.enabled(if: HarnessFixtures.bubblewrapWorks))
    func aRunnerOutlivesTheThreadThatStartedIt() throws {
        let configuration = try Self.configuration(.sandbox)
        final class Box: @unchecked Sendable { var sandbox: WarmSandbox?; var error: Error? }
        let box = Box()
        let started = DispatchSemaphore(value: 0)
        let thread = Thread {
            do {
                box.sandbox = try WarmSandbox.start(
                    configuration: configuration,
                    root: FileManager.default.temporaryDirectory)
            } catch {
                box.error = error
            }
            started.signal()
        }
        thread.start()
        started.wait()
        let sandbox = try #require(box.sandbox, "\(String(describing: box.error))")
        defer { sandbox.discard() }
        usleep(1_500_000)  // the thread has ended by now
        #expect(thread.isFinished)
        #expect(sandbox.isAlive, "the runner died with the thread that started it")
        try Self.stageProbe(into: sandbox.folder)
        let session = HarnessSession(warm: sandbox, entry: "probe.py", configuration: configuration)
        defer { session.close() }
        guard case .value(.json(.int(let seen)), _) = session.call("probe", args: [], timeout: 30)
        else {
            Issue.record("the warm runner did not serve: \(session.output)")
            return
        }
        #expect(seen == 0)
        #expect(session.startedWarm)
    }
}
