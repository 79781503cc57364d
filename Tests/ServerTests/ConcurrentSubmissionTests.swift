// 200 submissions posted at once through the API, at most 16 in flight, while two workers
// grade: every one stored and graded, none refused by a locked database.
import Foundation
import Hummingbird
import HummingbirdTesting
import Store
import Testing

@testable import Server

@Suite struct ConcurrentSubmissionTests {
    @Test func twoHundredConcurrentSubmissionsAreAllStoredAndGraded() async throws {
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        let log = GradeLog()
        let app = buildApplication(
            testConfiguration(workers: 2), grader: ContentGrader(log: log), store: fixture.store,
            logger: quietLogger)
        let tokens = [fixture.aliceToken, fixture.bobToken]
        let total = 200
        let ids = try await app.test(.router) { client in
            let ids = try await withThrowingTaskGroup(of: (Int, Int64?, String).self) { group in
                var ids: [Int: Int64] = [:]
                var failures: [String] = []
                var next = 0
                func submit(_ n: Int) {
                    group.addTask {
                        try await client.execute(
                            uri: "/api/submissions?lab=attention&filename=attention.py",
                            method: .post, headers: bearer(tokens[n % 2]),
                            body: ByteBuffer(string: "score=\(n % 11)\n# \(n)\n")
                        ) { response in
                            guard response.status == .accepted else {
                                return (n, nil, "\(response.status): \(errorMessage(response))")
                            }
                            return (n, try decode(SubmissionReceipt.self, response).id, "")
                        }
                    }
                }
                while next < min(16, total) {
                    submit(next)
                    next += 1
                }
                while let (n, id, failure) = try await group.next() {
                    if let id { ids[n] = id } else { failures.append(failure) }
                    if next < total {
                        submit(next)
                        next += 1
                    }
                }
                #expect(failures.isEmpty, "refused: \(failures.prefix(3))")
                return ids
            }
            let graded = try await eventually(timeout: .seconds(60)) {
                try await client.execute(uri: "/api/health", method: .get) {
                    let health = try decode(Health.self, $0)
                    return health.queued == 0 && health.running == 0
                }
            }
            #expect(graded)
            return ids
        }
        #expect(ids.count == total)
        #expect(Set(ids.values).count == total)
        for (n, id) in ids {
            let row = try #require(try fixture.store.submission(id: id))
            #expect(row.status == .graded, "submission \(id): \(row.status) \(row.error ?? "")")
            #expect(row.score == Double(n % 11))
        }
        let counts = await log.counts
        #expect(counts.count == total && counts.values.allSatisfy { $0 == 1 })
    }
}
