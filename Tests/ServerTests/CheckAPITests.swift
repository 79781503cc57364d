// POST /api/labs/:lab/check and GET /api/labs through the router with a fake checker: a check
// is answered and never stored, has its own rate limit apart from the lab's submission limit,
// names the mistake with its title and hint, and the labs list carries due dates and points.
import Foundation
import Hummingbird
import HummingbirdTesting
import Store
import Testing

@testable import Server

/// Checks `score=N` like ContentGrader's visible test (out of 2), diagnosing `no_scaling` below
/// full marks; the lab is worth 10 points of which 2 are visible.
struct FakeChecker: SubmissionChecker {
    func points(lab: String) -> LabPoints? {
        lab == "attention" || lab == "limited"
            ? LabPoints(total: 10, visible: 2, tests: 2, visibleTests: 1) : nil
    }

    func check(_ job: CheckJob) async throws -> GradeOutcome {
        let text = String(decoding: job.content, as: UTF8.self)
        let score = text.hasPrefix("score=") ? Double(text.dropFirst(6).prefix(1)) ?? 0 : 0
        let points = min(score, 2)
        return GradeOutcome(
            score: points, maxScore: 2, graderVersion: "fake-1", seed: 0,
            tests: [
                TestResultRecord(
                    name: "shapes", component: "attention", points: points, maxPoints: 2,
                    status: points == 2 ? .pass : .fail,
                    diagnosis: points == 2 ? nil : "no_scaling",
                    message: "checked \(job.filename) for \(job.studentID)", seconds: 0.01)
            ])
    }
}

@Suite struct CheckAPITests {
    func app(_ fixture: Fixture, checkLimit: Int = 60, checker: (any SubmissionChecker)? = FakeChecker())
        -> some ApplicationProtocol
    {
        var configuration = testConfiguration()
        configuration.checkRateLimitPerHour = checkLimit
        return Application(
            router: buildRouter(
                configuration, store: fixture.store, workers: nil, checker: checker),
            logger: quietLogger)
    }

    @Test func checkAnswersTheVisibleTestsAndStoresNothing() async throws {
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        try await app(fixture).test(.router) { client in
            let report = try await client.execute(
                uri: "/api/labs/attention/check?filename=attention.py", method: .post,
                headers: bearer(fixture.aliceToken), body: ByteBuffer(string: "score=1\n")
            ) { response in
                #expect(response.status == .ok)
                return try decode(CheckReport.self, response)
            }
            #expect(report.lab == "attention" && report.filename == "attention.py")
            #expect(report.score == 1 && report.maxScore == 2)
            let test = try #require(report.tests.first)
            #expect(test.status == .fail && test.diagnosis == "no_scaling")
            #expect(test.message == "checked attention.py for alice")
            // The catalogue's words for no_scaling (Diagnosis's AttentionFamily.swift), not the fake's.
            #expect(test.mistake == "Attention scores not scaled by 1/√d_k")
            #expect(test.hint?.contains("1/√d_k") == true)
        }
        // Not a submission: nothing was recorded.
        #expect(try fixture.store.latestSubmission(student: "alice", lab: "attention") == nil)
    }

    @Test func checksHaveTheirOwnRateLimit() async throws {
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        try await app(fixture, checkLimit: 3).test(.router) { client in
            // `limited` allows 2 submissions an hour: both used up…
            for _ in 0..<2 {
                try await client.execute(
                    uri: "/api/submissions?lab=limited&filename=a.py", method: .post,
                    headers: bearer(fixture.aliceToken), body: ByteBuffer(string: "score=2\n")
                ) { #expect($0.status == .accepted) }
            }
            // …yet 3 checks still run, and the 4th is refused by the checks' own limit
            for _ in 0..<3 {
                try await client.execute(
                    uri: "/api/labs/limited/check?filename=a.py", method: .post,
                    headers: bearer(fixture.aliceToken), body: ByteBuffer(string: "score=2\n")
                ) { #expect($0.status == .ok) }
            }
            try await client.execute(
                uri: "/api/labs/limited/check?filename=a.py", method: .post,
                headers: bearer(fixture.aliceToken), body: ByteBuffer(string: "score=2\n")
            ) { response in
                #expect(response.status == .tooManyRequests)
                #expect(errorMessage(response).contains("at most 3 checks per hour"))
                #expect(response.headers[.retryAfter] != nil)
            }
            // Another student's checks are counted apart.
            try await client.execute(
                uri: "/api/labs/limited/check?filename=a.py", method: .post,
                headers: bearer(fixture.bobToken), body: ByteBuffer(string: "score=2\n")
            ) { #expect($0.status == .ok) }
            // And checking used none of the submissions' limit: still 2 submissions.
            #expect(
                try fixture.store.submissionsSince(
                    student: "alice", lab: "limited", since: .distantPast) == 2)
        }
    }

    @Test func badChecksAreClearErrors() async throws {
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        try await app(fixture).test(.router) { client in
            let cases: [(String, String, HTTPResponse.Status, String)] = [
                ("/api/labs/nothing/check?filename=a.py", "score=1", .notFound, "no lab 'nothing'"),
                ("/api/labs/attention/check", "score=1", .badRequest, "missing ?filename="),
                ("/api/labs/attention/check?filename=a.txt", "score=1", .badRequest, ".ipynb or .py"),
                ("/api/labs/attention/check?filename=a.py", "", .badRequest, "empty body"),
                ("/api/labs/attention/check?filename=x.lmlab-folder.json", "{", .badRequest,
                 "malformed folder submission"),
                // `closed` is a synced lab the fake cannot run.
                ("/api/labs/closed/check?filename=a.py", "score=1", .serviceUnavailable,
                 "cannot run lab 'closed''s tests"),
            ]
            for (uri, body, status, message) in cases {
                try await client.execute(
                    uri: uri, method: .post, headers: bearer(fixture.aliceToken),
                    body: ByteBuffer(string: body)
                ) { response in
                    #expect(response.status == status, "\(uri)")
                    #expect(errorMessage(response).contains(message), "\(uri): \(errorMessage(response))")
                }
            }
            try await client.execute(
                uri: "/api/labs/attention/check?filename=a.py", method: .post,
                body: ByteBuffer(string: "score=1")
            ) { #expect($0.status == .unauthorized) }
        }
        // Without a checker at all, a check is 503 too.
        try await app(fixture, checker: nil).test(.router) { client in
            try await client.execute(
                uri: "/api/labs/attention/check?filename=a.py", method: .post,
                headers: bearer(fixture.aliceToken), body: ByteBuffer(string: "score=1")
            ) { #expect($0.status == .serviceUnavailable) }
        }
    }

    @Test func labsListDueDatesAndPoints() async throws {
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        try await app(fixture, checkLimit: 7).test(.router) { client in
            let body = try await client.execute(
                uri: "/api/labs", method: .get, headers: bearer(fixture.bobToken)
            ) { response in
                #expect(response.status == .ok)
                return try decode(LabsBody.self, response)
            }
            #expect(body.checkRateLimitPerHour == 7)
            #expect(body.labs.map(\.id).sorted() == ["attention", "closed", "limited"])
            let attention = try #require(body.labs.first { $0.id == "attention" })
            #expect(attention.points == 10 && attention.visiblePoints == 2)
            #expect(attention.due == Fixture.defaultLabs[0].due?.formatted(.iso8601))
            #expect(attention.rateLimitPerHour == 1000)
            let closed = try #require(body.labs.first { $0.id == "closed" })
            #expect(closed.points == nil && closed.lateDue == "2023-11-15T22:13:20Z")
        }
    }
}
