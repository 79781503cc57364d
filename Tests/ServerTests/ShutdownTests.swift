// Graceful shutdown through ServiceLifecycle, as SIGTERM/SIGINT trigger it under
// Application.runService(): the test client shuts the service group down when its closure ends.
import Foundation
import Hummingbird
import HummingbirdTesting
import Store
import Testing

@testable import Server

@Suite struct ShutdownTests {
    @Test func applicationShutdownRequeuesInFlightGrading() async throws {
        // Given the daemon grading a submission that will not finish
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        let log = GradeLog()
        let app = buildApplication(
            testConfiguration(workers: 1), grader: HangingGrader(log: log), store: fixture.store,
            logger: quietLogger)
        let id = try await app.test(.router) { client in
            let id = try await client.execute(
                uri: "/api/submissions?lab=attention&filename=attention.py", method: .post,
                headers: bearer(fixture.aliceToken), body: ByteBuffer(string: "score=1")
            ) { try decode(SubmissionReceipt.self, $0).id }
            #expect(await eventually { await log.started == [id] })
            try await client.execute(uri: "/api/health", method: .get) { response in
                let health = try decode(Health.self, response)
                #expect(health.busyWorkers == 1 && health.running == 1)
            }
            return id
            // When the closure returns, graceful shutdown starts (grace period 0.5 s)
        }
        // Then the submission is back in the queue, its interrupted attempt not counted
        let row = try #require(try fixture.store.submission(id: id))
        #expect(row.status == .queued)
        #expect(row.leaseOwner == nil)
        #expect(row.attempts == 0)
    }
}
