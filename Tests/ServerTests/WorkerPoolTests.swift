// The grading workers over a file-backed store: each submission graded once, crash recovery
// through expired leases, graceful shutdown, failing and hanging graders.
import Foundation
import Store
import Testing

@testable import Server

/// Queues `content` for `student` in lab `attention` straight through the store.
func enqueue(_ fixture: Fixture, _ content: String, student: String = "alice") throws -> Int64 {
    try fixture.store.enqueue(
        student: student, lab: "attention", filename: "attention.py",
        content: Data(content.utf8), source: .cli, submittedAt: Date())
}

func status(_ fixture: Fixture, _ id: Int64) throws -> SubmissionStatus? {
    try fixture.store.submission(id: id)?.status
}

@Suite struct WorkerPoolTests {
    @Test func twoWorkersGradeFiftySubmissionsExactlyOnce() async throws {
        // Given 50 queued submissions, the i-th scoring i % 11
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        var expected: [Int64: Double] = [:]
        for i in 0..<50 {
            let id = try enqueue(
                fixture, "score=\(i % 11)\n# \(i)", student: i % 2 == 0 ? "alice" : "bob")
            expected[id] = Double(i % 11)
        }
        // When two workers run until the queue is empty
        let log = GradeLog()
        let pool = WorkerPool(
            store: fixture.store, grader: ContentGrader(log: log, delay: .milliseconds(2)),
            configuration: testConfiguration(workers: 2), logger: quietLogger)
        let running = Task { try await pool.run() }
        let done = try await eventually {
            try expected.keys.allSatisfy { try status(fixture, $0) == .graded }
        }
        pool.stop()
        try await running.value
        // Then every submission was graded exactly once, with its own score
        #expect(done)
        let counts = await log.counts
        #expect(counts.count == 50)
        #expect(
            counts.values.allSatisfy { $0 == 1 },
            "graded more than once: \(counts.filter { $0.value > 1 })")
        for (id, score) in expected {
            #expect(try fixture.store.submission(id: id)?.score == score)
        }
        #expect(pool.status.graded == 50)
    }

    @Test func leaseLeftByACrashedDaemonIsRequeuedAtStart() async throws {
        // Given a submission claimed by a daemon that died (its lease is never renewed)
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        let id = try enqueue(fixture, "score=4")
        let claimed = try fixture.store.claimNext(worker: "dead-host-1-0000:0", lease: 0.2)
        #expect(claimed?.id == id)
        try await Task.sleep(for: .milliseconds(300))
        // When a new daemon starts
        let log = GradeLog()
        let pool = WorkerPool(
            store: fixture.store, grader: ContentGrader(log: log),
            configuration: testConfiguration(workers: 1), logger: quietLogger)
        let running = Task { try await pool.run() }
        let graded = try await eventually { try status(fixture, id) == .graded }
        pool.stop()
        try await running.value
        // Then it grades the submission
        #expect(graded)
        #expect(try fixture.store.submission(id: id)?.score == 4)
        #expect(await log.counts == [id: 1])
    }

    @Test func graderHangingPastTheLeaseIsRegradedAfterRestart() async throws {
        // Given a daemon whose grader hangs and whose lease lapses (renewal slower than lease)
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        let id = try enqueue(fixture, "score=6")
        var frozen = testConfiguration(workers: 1)
        frozen.lease = 0.3
        frozen.leaseRenewal = 60
        let hungLog = GradeLog()
        let hung = WorkerPool(
            store: fixture.store, grader: HangingGrader(log: hungLog), configuration: frozen,
            logger: quietLogger)
        let hungRun = Task { try await hung.run() }
        #expect(await eventually { await hungLog.started == [id] })
        try await Task.sleep(for: .milliseconds(400))
        // When a second daemon starts
        let log = GradeLog()
        let fresh = WorkerPool(
            store: fixture.store, grader: ContentGrader(log: log),
            configuration: testConfiguration(workers: 1), logger: quietLogger)
        let freshRun = Task { try await fresh.run() }
        let graded = try await eventually { try status(fixture, id) == .graded }
        fresh.stop()
        hung.stop()
        try await freshRun.value
        try await hungRun.value
        // Then the new daemon graded it once, and the hung one's shutdown did not undo that
        #expect(graded)
        #expect(await log.counts == [id: 1])
        let row = try #require(try fixture.store.submission(id: id))
        #expect(row.status == .graded)
        #expect(row.score == 6)
    }

    @Test func shutdownRequeuesGradingThatOutlivesTheGracePeriod() async throws {
        // Given two workers stuck grading two submissions
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        let ids = [try enqueue(fixture, "a"), try enqueue(fixture, "b")]
        let log = GradeLog()
        // A grading timeout beyond any wait here: only the shutdown may end these gradings
        var configuration = testConfiguration(workers: 2)
        configuration.gradingTimeout = 3600
        let pool = WorkerPool(
            store: fixture.store, grader: HangingGrader(log: log),
            configuration: configuration, logger: quietLogger)
        let running = Task { try await pool.run() }
        #expect(await eventually { await log.started.count == 2 })
        #expect(try ids.allSatisfy { try status(fixture, $0) == .running })
        // When shutdown is asked for (grace period 0.5 s)
        pool.stop()
        try await running.value
        // Then the pool stops (run() returns although the grader never does) and both are
        // queued again
        for id in ids {
            let row = try #require(try fixture.store.submission(id: id))
            #expect(row.status == .queued)
            #expect(row.leaseOwner == nil)
        }
    }

    @Test func shutdownLetsGradingFinishWithinTheGracePeriod() async throws {
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        let id = try enqueue(fixture, "score=3")
        let log = GradeLog()
        var configuration = testConfiguration(workers: 1)
        configuration.shutdownGrace = 10
        let pool = WorkerPool(
            store: fixture.store, grader: ContentGrader(log: log, delay: .milliseconds(300)),
            configuration: configuration, logger: quietLogger)
        let running = Task { try await pool.run() }
        #expect(await eventually { await log.started == [id] })
        pool.stop()
        try await running.value
        #expect(try fixture.store.submission(id: id)?.status == .graded)
        #expect(try fixture.store.submission(id: id)?.score == 3)
    }

    @Test func failingGraderMarksTheSubmissionError() async throws {
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        let id = try enqueue(fixture, "score=3")
        let pool = WorkerPool(
            store: fixture.store, grader: ThrowingGrader(),
            configuration: testConfiguration(workers: 1), logger: quietLogger)
        let running = Task { try await pool.run() }
        let failed = try await eventually { try status(fixture, id) == .error }
        pool.stop()
        try await running.value
        #expect(failed)
        #expect(
            try fixture.store.submission(id: id)?.error == "the harness could not start python3")
    }

    @Test func gradingTimeoutStopsAHangingGrader() async throws {
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        let id = try enqueue(fixture, "score=3")
        var configuration = testConfiguration(workers: 1)
        configuration.gradingTimeout = 0.2
        let pool = WorkerPool(
            store: fixture.store, grader: HangingGrader(log: GradeLog()),
            configuration: configuration, logger: quietLogger)
        let running = Task { try await pool.run() }
        let failed = try await eventually { try status(fixture, id) == .error }
        pool.stop()
        try await running.value
        #expect(failed)
        let message = try fixture.store.submission(id: id)?.error ?? ""
        #expect(message == "grading took longer than 0.2 s and was stopped")
    }
}

@Suite struct LeaseRecoveryTests {
    @Test func restartWithinTheLeaseIsGradedOnceWithoutASecondRestart() async throws {
        // Given a daemon that died 0 s into a 1 s lease
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        let id = try enqueue(fixture, "score=7")
        let claimed = try fixture.store.claimNext(worker: "dead-host-1-0000:0", lease: 1)
        #expect(claimed?.id == id)
        // When a new daemon starts at once (its start-up recovery finds the lease still valid)
        var configuration = testConfiguration(workers: 1)
        configuration.leaseSweepInterval = 0.2
        let log = GradeLog()
        let pool = WorkerPool(
            store: fixture.store, grader: ContentGrader(log: log),
            configuration: configuration, logger: quietLogger)
        let running = Task { try await pool.run() }
        #expect(try status(fixture, id) == .running)
        // Then its sweeper re-queues the lease once it expires, and the submission is graded
        // once, on its second claim, by this daemon alone
        let graded = try await eventually { try status(fixture, id) == .graded }
        pool.stop()
        try await running.value
        #expect(graded)
        #expect(await log.counts == [id: 1])
        let row = try #require(try fixture.store.submission(id: id))
        #expect(row.score == 7)
        #expect(row.attempts == 2)
    }

    @Test func theAttemptFenceRefusesALateResultEvenUnderTheSameWorkerName() throws {
        // Given a claim whose lease expired and was claimed again under the same worker name
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        let id = try enqueue(fixture, "score=3")
        let start = Date()
        let first = try #require(try fixture.store.claimNext(worker: "w:0", lease: 1, now: start))
        #expect(first.submission.attempts == 1)
        let recovery = try fixture.store.requeueExpiredLeases(now: start.addingTimeInterval(2))
        #expect(recovery.requeued == [id])
        let second = try #require(
            try fixture.store.claimNext(worker: "w:0", lease: 60, now: start.addingTimeInterval(2)))
        #expect(second.submission.attempts == 2)
        // When the first attempt's result arrives late
        let grade = GradeRecord(graderVersion: "late", seed: 0, score: 1, maxScore: 10)
        #expect(throws: StoreError.leaseLost(submission: id, worker: "w:0")) {
            try fixture.store.complete(id: id, worker: "w:0", attempt: 1, grade: grade, results: [])
        }
        #expect(throws: StoreError.leaseLost(submission: id, worker: "w:0")) {
            try fixture.store.fail(id: id, worker: "w:0", attempt: 1, error: "late")
        }
        #expect(try !fixture.store.renewLease(id: id, worker: "w:0", attempt: 1, lease: 60))
        // Then it is refused, and the current attempt's result is recorded
        #expect(try fixture.store.submission(id: id)?.status == .running)
        #expect(try fixture.store.renewLease(id: id, worker: "w:0", attempt: 2, lease: 60))
        try fixture.store.complete(id: id, worker: "w:0", attempt: 2, grade: grade, results: [])
        #expect(try fixture.store.submission(id: id)?.status == .graded)
    }
}
