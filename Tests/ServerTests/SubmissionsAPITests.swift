// The HTTP API driven through Hummingbird's router test client over a temp-folder store:
// submitting, feedback, access rules, limits, the leaderboard and health.
import Foundation
import Hummingbird
import HummingbirdTesting
import Store
import Testing

@testable import Server

func bearer(_ token: String) -> HTTPFields {
    [.authorization: "Bearer \(token)"]
}

func decode<T: Decodable>(_ type: T.Type, _ response: TestResponse) throws -> T {
    try JSONDecoder().decode(type, from: Data(response.body.readableBytesView))
}

func errorMessage(_ response: TestResponse) -> String {
    let object = try? JSONDecoder().decode(
        [String: String].self, from: Data(response.body.readableBytesView))
    return object?["error"] ?? "<no error field in \(String(buffer: response.body))>"
}

/// The API alone, with no workers: submissions stay queued.
func routerOnly(_ fixture: Fixture, _ configuration: ServerConfiguration = testConfiguration())
    -> some ApplicationProtocol
{
    Application(
        router: buildRouter(configuration, store: fixture.store, workers: nil),
        logger: quietLogger)
}

@Suite struct SubmissionsAPITests {
    @Test func submittedFileIsQueuedGradedAndExplained() async throws {
        // Given the daemon with a grader that scores `score=7` as 7/10
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        let log = GradeLog()
        let app = buildApplication(
            testConfiguration(), grader: ContentGrader(log: log), store: fixture.store,
            logger: quietLogger)
        try await app.test(.router) { client in
            // When alice submits
            let receipt = try await client.execute(
                uri: "/api/submissions?lab=attention&filename=attention.py", method: .post,
                headers: bearer(fixture.aliceToken), body: ByteBuffer(string: "score=7\n")
            ) { response in
                #expect(response.status == .accepted)
                return try decode(SubmissionReceipt.self, response)
            }
            // Then it is queued with the file's sha256 (of "score=7\n", computed by hand with
            // `printf 'score=7\n' | sha256sum`)
            #expect(receipt.status == "queued")
            #expect(receipt.lab == "attention")
            #expect(receipt.size == 8)
            #expect(
                receipt.sha256
                    == "3df90fef73e3b1ed0cb2b4c67d50dd243a2438207c88f33945c1be7f582204c3")
            #expect(receipt.late == false)

            // And the workers grade it; alice reads 7/10 and the visible test's message only
            let graded = try await eventually {
                try await client.execute(
                    uri: "/api/submissions/\(receipt.id)", method: .get,
                    headers: bearer(fixture.aliceToken)
                ) { try decode(SubmissionFeedback.self, $0).status == "graded" }
            }
            #expect(graded)
            let feedback = try await client.execute(
                uri: "/api/submissions/\(receipt.id)", method: .get,
                headers: bearer(fixture.aliceToken)
            ) { try decode(SubmissionFeedback.self, $0) }
            #expect(feedback.score == 7)
            #expect(feedback.maxScore == 10)
            #expect(feedback.student == "alice")
            #expect(feedback.filename == "attention.py")
            // The hidden test is only tallied: not named, its status only in the count
            #expect(feedback.tests.map(\.name) == ["shapes"])
            let shapes = try #require(feedback.tests.first { $0.name == "shapes" })
            #expect(shapes.message == "visible: attention.py")
            #expect(shapes.points == 2 && shapes.status == .pass)
            #expect(feedback.tally.hiddenTests == 1 && feedback.tally.hiddenPassed == 0)
            #expect(feedback.tally.hiddenScore == 5 && feedback.tally.hiddenMaxScore == 8)

            // And the instructor sees the hidden test's detail
            let seen = try await client.execute(
                uri: "/api/submissions/\(receipt.id)", method: .get,
                headers: bearer(fixture.profToken)
            ) { try decode(SubmissionFeedback.self, $0) }
            let hidden = try #require(seen.tests.first { $0.name == "secret" })
            #expect(hidden.message == "hidden detail")
            #expect(hidden.diagnosis == "forgot-scale")
        }
        #expect(await log.counts.values.reduce(0, +) == 1)
    }

    @Test func missingOrUnknownTokenIs401() async throws {
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        try await routerOnly(fixture).test(.router) { client in
            try await client.execute(
                uri: "/api/submissions?lab=attention&filename=a.py", method: .post,
                body: ByteBuffer(string: "x")
            ) { response in
                #expect(response.status == .unauthorized)
                #expect(response.headers[.wwwAuthenticate] == "Bearer")
                #expect(errorMessage(response).contains("missing API token"))
            }
            try await client.execute(
                uri: "/api/submissions/1", method: .get, headers: bearer("not-a-token")
            ) { response in
                #expect(response.status == .unauthorized)
                #expect(errorMessage(response).contains("unknown API token"))
            }
            try await client.execute(
                uri: "/api/labs/attention/leaderboard", method: .get,
                headers: [.authorization: "Basic YWxpY2U6eA=="]
            ) { #expect($0.status == .unauthorized) }
        }
    }

    @Test func anotherStudentsSubmissionIsNotFound() async throws {
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        try await routerOnly(fixture).test(.router) { client in
            let id = try await client.execute(
                uri: "/api/submissions?lab=attention&filename=attention.py", method: .post,
                headers: bearer(fixture.aliceToken), body: ByteBuffer(string: "score=1")
            ) { try decode(SubmissionReceipt.self, $0).id }
            try await client.execute(
                uri: "/api/submissions/\(id)", method: .get, headers: bearer(fixture.bobToken)
            ) { response in
                #expect(response.status == .notFound)
                #expect(
                    errorMessage(response)
                        == "no submission \(id) of yours: check the id the submission returned")
            }
            try await client.execute(
                uri: "/api/submissions/\(id)", method: .get, headers: bearer(fixture.profToken)
            ) { response throws in
                #expect(response.status == .ok)
                let feedback = try decode(SubmissionFeedback.self, response)
                #expect(feedback.status == "queued")
            }
            try await client.execute(
                uri: "/api/submissions/999", method: .get, headers: bearer(fixture.profToken)
            ) { #expect($0.status == .notFound) }
        }
    }

    @Test func aRetiredLabRefusesSubmissionsWithGone() async throws {
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        // The last sync found only `attention` and `closed` in labs/.
        #expect(try fixture.store.retireLabs(except: ["attention", "closed"]) == ["limited"])
        try await routerOnly(fixture).test(.router) { client in
            try await client.execute(
                uri: "/api/submissions?lab=limited&filename=a.py", method: .post,
                headers: bearer(fixture.aliceToken), body: ByteBuffer(string: "x")
            ) { response in
                #expect(response.status == .gone)
                #expect(errorMessage(response).contains("lab 'limited' was retired"))
            }
            try await client.execute(
                uri: "/api/submissions?lab=attention&filename=a.py", method: .post,
                headers: bearer(fixture.aliceToken), body: ByteBuffer(string: "x")
            ) { #expect($0.status == .accepted) }
        }
    }

    @Test func limitsAreEnforced() async throws {
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        try await routerOnly(fixture).test(.router) { client in
            let alice = bearer(fixture.aliceToken)
            // Too large: 1025 bytes over a 1024-byte cap
            try await client.execute(
                uri: "/api/submissions?lab=attention&filename=big.py", method: .post,
                headers: alice, body: ByteBuffer(repeating: UInt8(ascii: "x"), count: 1025)
            ) { response in
                #expect(response.status == .contentTooLarge)
                #expect(errorMessage(response).contains("at most 1024 bytes"))
            }
            // Unknown lab
            try await client.execute(
                uri: "/api/submissions?lab=nope&filename=a.py", method: .post, headers: alice,
                body: ByteBuffer(string: "x")
            ) { response in
                #expect(response.status == .notFound)
                #expect(errorMessage(response).contains("no lab 'nope'"))
            }
            // Past late_due (2023-11-15T22:13:20Z = 1_700_086_400 s)
            try await client.execute(
                uri: "/api/submissions?lab=closed&filename=a.py", method: .post, headers: alice,
                body: ByteBuffer(string: "x")
            ) { response in
                #expect(response.status == .forbidden)
                #expect(errorMessage(response).contains("2023-11-15T22:13:20Z"))
            }
            // Bad filename
            try await client.execute(
                uri: "/api/submissions?lab=attention&filename=../etc/passwd", method: .post,
                headers: alice, body: ByteBuffer(string: "x")
            ) { #expect($0.status == .badRequest) }
            try await client.execute(
                uri: "/api/submissions?lab=attention&filename=notes.txt", method: .post,
                headers: alice, body: ByteBuffer(string: "x")
            ) { #expect($0.status == .badRequest) }
            // Rate limit: 2 per hour, the third is refused with Retry-After: the rest of the hour
            // since the first (however slowly a loaded machine runs the requests)
            let firstPost = Date()
            for n in 1...2 {
                try await client.execute(
                    uri: "/api/submissions?lab=limited&filename=a.py", method: .post,
                    headers: alice, body: ByteBuffer(string: "try \(n)")
                ) { #expect($0.status == .accepted) }
            }
            try await client.execute(
                uri: "/api/submissions?lab=limited&filename=a.py", method: .post, headers: alice,
                body: ByteBuffer(string: "try 3")
            ) { response in
                #expect(response.status == .tooManyRequests)
                let retry = response.headers[.retryAfter].flatMap { Int($0) } ?? -1
                let elapsed = Int(Date().timeIntervalSince(firstPost).rounded(.up))
                #expect(retry >= 3600 - elapsed - 1 && retry <= 3600, "Retry-After was \(retry)")
            }
            // Bob has his own allowance
            try await client.execute(
                uri: "/api/submissions?lab=limited&filename=a.py", method: .post,
                headers: bearer(fixture.bobToken), body: ByteBuffer(string: "bob")
            ) { #expect($0.status == .accepted) }
        }
    }

    @Test func leaderboardShowsPseudonymsAndNamesOnlyToInstructors() async throws {
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        let app = buildApplication(
            testConfiguration(), grader: ContentGrader(log: GradeLog()), store: fixture.store,
            logger: quietLogger)
        try await app.test(.router) { client in
            for (token, score) in [(fixture.aliceToken, 7), (fixture.bobToken, 9)] {
                try await client.execute(
                    uri: "/api/submissions?lab=attention&filename=attention.py", method: .post,
                    headers: bearer(token), body: ByteBuffer(string: "score=\(score)\n")
                ) { #expect($0.status == .accepted) }
            }
            let done = try await eventually {
                try await client.execute(
                    uri: "/api/labs/attention/leaderboard", method: .get,
                    headers: bearer(fixture.aliceToken)
                ) { try decode(LabLeaderboard.self, $0).rows.count == 2 }
            }
            #expect(done)
            let board = try await client.execute(
                uri: "/api/labs/attention/leaderboard", method: .get,
                headers: bearer(fixture.aliceToken)
            ) { try decode(LabLeaderboard.self, $0) }
            #expect(board.rows.map(\.rank) == [1, 2])
            #expect(board.rows.map(\.score) == [9, 7])
            #expect(
                board.rows.map(\.name) == [Pseudonym.make(id: "bob"), Pseudonym.make(id: "alice")])

            let named = try await client.execute(
                uri: "/api/labs/attention/leaderboard?names=true", method: .get,
                headers: bearer(fixture.profToken)
            ) { try decode(LabLeaderboard.self, $0) }
            #expect(named.rows.map(\.name) == ["Bob Dylan", "Alice Liddell"])

            try await client.execute(
                uri: "/api/labs/attention/leaderboard?names=true", method: .get,
                headers: bearer(fixture.aliceToken)
            ) { #expect($0.status == .forbidden) }
            try await client.execute(
                uri: "/api/labs/nope/leaderboard", method: .get,
                headers: bearer(fixture.aliceToken)
            ) { #expect($0.status == .notFound) }
        }
    }

    @Test func healthReportsQueueAndWorkers() async throws {
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        try await routerOnly(fixture).test(.router) { client in
            for n in 1...3 {
                try await client.execute(
                    uri: "/api/submissions?lab=attention&filename=a.py", method: .post,
                    headers: bearer(fixture.aliceToken), body: ByteBuffer(string: "\(n)")
                ) { #expect($0.status == .accepted) }
            }
            try await client.execute(uri: "/api/health", method: .get) { response in
                #expect(response.status == .ok)
                let health = try decode(Health.self, response)
                #expect(
                    health
                        == Health(status: "ok", queued: 3, running: 0, workers: 0, busyWorkers: 0))
            }
        }
    }

    @Test func unknownEndpointIsAJSONNotFound() async throws {
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        try await routerOnly(fixture).test(.router) { client in
            try await client.execute(uri: "/api/nothing", method: .get) { response in
                #expect(response.status == .notFound)
                #expect(errorMessage(response) == "Not Found: no endpoint GET /api/nothing")
            }
        }
    }
}
