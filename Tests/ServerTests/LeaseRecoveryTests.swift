// A running pool re-queues leases a crashed peer daemon left behind, without a restart, while
// its own long grading keeps its renewed lease.
import Foundation
import Store
import Testing

@testable import Server

/// Opened once by the test; graders wait on it (bounded) before grading.
actor Gate {
    private(set) var isOpen = false
    func open() { isOpen = true }
}

/// Grades like ContentGrader, but holds submission `held` until the gate opens.
struct GatedGrader: SubmissionGrader {
    let inner: ContentGrader
    let gate: Gate
    let held: Int64

    func grade(_ job: GradeJob) async throws -> GradeOutcome {
        if job.submissionID == held {
            let deadline = ContinuousClock.now + .seconds(120)
            while !(await gate.isOpen), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(10))
            }
        }
        return try await inner.grade(job)
    }
}

@Suite struct LeaseRecoveryTests {
    @Test func runningPoolRequeuesAPeersExpiredLease() async throws {
        // Given a running one-worker pool (lease 1 s, so it looks every 0.5 s) busy grading B
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        let held = try enqueue(fixture, "score=2")
        var configuration = testConfiguration(workers: 1)
        configuration.lease = 1
        configuration.leaseRenewal = 0.2
        let log = GradeLog()
        let gate = Gate()
        let pool = WorkerPool(
            store: fixture.store,
            grader: GatedGrader(inner: ContentGrader(log: log), gate: gate, held: held),
            configuration: configuration, logger: quietLogger)
        #expect(pool.leaseRecoveryInterval == 0.5)
        let running = Task { try await pool.run() }
        // (The gated grader logs B only after the gate opens, so wait on B's status instead.)
        #expect(
            try await eventually(timeout: .seconds(60)) { try status(fixture, held) == .running })

        // When a peer daemon claims A after this pool started, then dies (lease 0.3 s)
        let orphan = try enqueue(fixture, "score=3")
        let claimed = try fixture.store.claimNext(worker: "peer-host-9-dead:0", lease: 0.3)
        #expect(claimed?.id == orphan)

        // Then, while the pool still runs (its worker still busy), A goes back to the queue
        let requeued = try await eventually(timeout: .seconds(60)) {
            try status(fixture, orphan) == .queued
        }
        #expect(requeued)
        #expect(try status(fixture, held) == .running)

        // And once the worker is free it grades A; B, whose lease it renewed, was never stolen
        await gate.open()
        let graded = try await eventually {
            try status(fixture, orphan) == .graded && status(fixture, held) == .graded
        }
        pool.stop()
        try await running.value
        #expect(graded)
        #expect(try fixture.store.submission(id: orphan)?.score == 3)
        #expect(try fixture.store.submission(id: held)?.score == 2)
        #expect(await log.counts == [held: 1, orphan: 1])
    }
}
