// The daemon over a real loopback socket (127.0.0.1, an ephemeral port): the same API through
// HTTP/1.1 parsing, including a body over the size cap announced by Content-Length.
import Foundation
import Hummingbird
import HummingbirdTesting
import Store
import Testing

@testable import Server

@Suite struct LiveServerTests {
    @Test func submitAndReadFeedbackOverLoopback() async throws {
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        var configuration = testConfiguration(workers: 1)
        configuration.host = "127.0.0.1"
        configuration.port = 0
        let app = buildApplication(
            configuration, grader: ContentGrader(log: GradeLog()), store: fixture.store,
            logger: quietLogger)
        try await app.test(.live) { client in
            let id = try await client.execute(
                uri: "/api/submissions?lab=attention&filename=attention.py", method: .post,
                headers: bearer(fixture.aliceToken), body: ByteBuffer(string: "score=10\n")
            ) { response in
                #expect(response.status == .accepted)
                return try decode(SubmissionReceipt.self, response).id
            }
            let graded = try await eventually {
                try await client.execute(
                    uri: "/api/submissions/\(id)", method: .get,
                    headers: bearer(fixture.aliceToken)
                ) { try decode(SubmissionFeedback.self, $0).score == 10 }
            }
            #expect(graded)
            try await client.execute(
                uri: "/api/submissions?lab=attention&filename=big.py", method: .post,
                headers: bearer(fixture.aliceToken),
                body: ByteBuffer(repeating: UInt8(ascii: "#"), count: 4096)
            ) { response in
                #expect(response.status == .contentTooLarge)
                #expect(errorMessage(response).contains("at most 1024 bytes"))
            }
        }
    }
}
