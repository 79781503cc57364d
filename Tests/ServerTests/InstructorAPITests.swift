// The instructors' endpoints (reports, grades export, roster, tokens, regrade), the latest
// submission and folder bundles, driven through the router over the fixture's store. Expected
// values are worked out by hand from what each test puts in the store.
import Foundation
import Hummingbird
import HummingbirdTesting
import Store
import Testing

@testable import Server

/// Stores a graded submission of `attention` for `student`: `score` of 10, split as the fake
/// grader does (visible `shapes` worth 2, hidden `secret` worth 8).
@discardableResult
func gradedSubmission(
    _ store: LabStore, _ student: String, score: Double, at date: Date = Date()
) throws -> Int64 {
    let id = try store.enqueue(
        student: student, lab: "attention", filename: "attention.py",
        content: Data("score=\(score) \(UUID())".utf8), source: .cli, submittedAt: date)
    let claimed = try #require(try store.claimNext(worker: "w", lease: 60))
    #expect(claimed.id == id)
    let visible = min(score, 2)
    try store.complete(
        id: id, worker: "w",
        grade: GradeRecord(graderVersion: "fake-1", seed: 1, score: score, maxScore: 10),
        results: [
            TestResultRecord(
                name: "shapes", component: "attention", points: visible, maxPoints: 2,
                status: visible == 2 ? .pass : .fail, message: "visible"),
            TestResultRecord(
                name: "secret", component: "attention", points: score - visible, maxPoints: 8,
                status: score == 10 ? .pass : .fail, visibility: "hidden", message: "hidden"),
        ])
    return id
}

/// Decodes an answer whose dates are ISO 8601 strings (as Hummingbird's encoder writes them).
func decodeDated<T: Decodable>(_ type: T.Type, _ response: TestResponse) throws -> T {
    let decoder = JSONDecoder()
    decoder.dateDecodingStrategy = .iso8601
    return try decoder.decode(type, from: Data(response.body.readableBytesView))
}

@Suite struct InstructorAPITests {
    /// Every instructor endpoint: 401 without a known token, 403 with a student's.
    @Test func instructorEndpointsRefuseStrangersAndStudents() async throws {
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        let endpoints: [(HTTPRequest.Method, String)] = [
            (.get, "/api/reports/class"), (.get, "/api/reports/labs/attention"),
            (.get, "/api/reports/students/alice"), (.get, "/api/exports/grades?lab=attention"),
            (.get, "/api/students"), (.post, "/api/students/import"), (.post, "/api/students"),
            (.post, "/api/students/alice/token"), (.post, "/api/regrade?lab=attention"),
        ]
        try await routerOnly(fixture).test(.router) { client in
            for (method, uri) in endpoints {
                try await client.execute(
                    uri: uri, method: method, headers: bearer("not-a-token"),
                    body: ByteBuffer(string: "id,name,email\nzed,Zed,z@x\n")
                ) { response in
                    #expect(response.status == .unauthorized, "\(method) \(uri)")
                }
                try await client.execute(
                    uri: uri, method: method, headers: bearer(fixture.aliceToken),
                    body: ByteBuffer(string: "id,name,email\nzed,Zed,z@x\n")
                ) { response in
                    #expect(response.status == .forbidden, "\(method) \(uri)")
                    #expect(errorMessage(response).contains("for instructors only"))
                }
            }
        }
        // Nothing a refused request carried was imported.
        #expect(try fixture.store.student(id: "zed") == nil)
    }

    @Test func rosterImportListAddAndToken() async throws {
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        let prof = bearer(fixture.profToken)
        try await routerOnly(fixture).test(.router) { client in
            // Given a 3-line roster
            let imported = try await client.execute(
                uri: "/api/students/import", method: .post, headers: prof,
                body: ByteBuffer(
                    string: "id,name,email\ncarol,Carol King,carol@x.org\ndave,Dave,\n"
                        + "\"erin\",\"Erin, Jr.\",erin@x.org\n")
            ) { response in
                #expect(response.status == .ok)
                return try decode(RosterImportBody.self, response)
            }
            #expect(imported == RosterImportBody(added: 3, updated: 0))
            // Then the roster is the fixture's three plus exactly those, by id, no hashes
            try await client.execute(uri: "/api/students", method: .get, headers: prof) {
                response in
                #expect(!String(buffer: response.body).contains("token_hash"))
                let roster = try decode(RosterBody.self, response).students
                #expect(roster.map(\.id) == ["alice", "bob", "carol", "dave", "erin", "prof"])
                #expect(roster.first { $0.id == "erin" }?.name == "Erin, Jr.")
                #expect(roster.first { $0.id == "dave" }?.email == nil)
                #expect(roster.filter(\.hasToken).map(\.id) == ["alice", "bob", "prof"])
                #expect(roster.filter(\.isInstructor).map(\.id) == ["prof"])
            }

            // A bad line (3: not an email) imports nothing and is named
            try await client.execute(
                uri: "/api/students/import", method: .post, headers: prof,
                body: ByteBuffer(string: "id,name,email\nfred,Fred,f@x\ngina,Gina,not-an-email\n")
            ) { response in
                #expect(response.status == .badRequest)
                #expect(errorMessage(response).contains("roster line 3"))
            }
            #expect(try fixture.store.student(id: "fred") == nil)

            // Add one by JSON: a student gets no token, an instructor gets one that works
            try await client.execute(
                uri: "/api/students", method: .post, headers: prof,
                body: ByteBuffer(string: #"{"id":"hal","name":"Hal","email":"hal@x.org"}"#)
            ) { response in
                #expect(response.status == .created)
                let added = try decode(StudentAddedBody.self, response)
                #expect(added.student.id == "hal" && added.student.isInstructor == false)
                #expect(added.token == nil)
            }
            // The same id again is a conflict that changes nothing; an explicit update renames
            // and keeps the e-mail it was not given
            try await client.execute(
                uri: "/api/students", method: .post, headers: prof,
                body: ByteBuffer(string: #"{"id":"hal","name":"Someone Else"}"#)
            ) { response in
                #expect(response.status == .conflict)
                #expect(errorMessage(response).contains("already on the roster"))
            }
            #expect(try fixture.store.student(id: "hal")?.name == "Hal")
            #expect(try fixture.store.student(id: "hal")?.email == "hal@x.org")
            let renamed = try await client.execute(
                uri: "/api/students", method: .post, headers: prof,
                body: ByteBuffer(string: #"{"id":"hal","name":"Hal Jordan","update":true}"#)
            ) { response in
                #expect(response.status == .created)
                return try decode(StudentAddedBody.self, response)
            }
            #expect(renamed.student.name == "Hal Jordan")
            #expect(try fixture.store.student(id: "hal")?.email == "hal@x.org")
            let ta = try await client.execute(
                uri: "/api/students", method: .post, headers: prof,
                body: ByteBuffer(string: #"{"id":"ta","name":"Tess","instructor":true}"#)
            ) { try decode(StudentAddedBody.self, $0) }
            let taToken = try #require(ta.token)
            try await client.execute(
                uri: "/api/students", method: .get, headers: bearer(taToken)
            ) { #expect($0.status == .ok) }
            try await client.execute(
                uri: "/api/students", method: .post, headers: prof,
                body: ByteBuffer(string: #"{"id":"../x","name":"X"}"#)
            ) { response in
                #expect(response.status == .badRequest)
                #expect(errorMessage(response).contains("without '/'"))
            }
            try await client.execute(
                uri: "/api/students", method: .post, headers: prof,
                body: ByteBuffer(string: "not json")
            ) { #expect($0.status == .badRequest) }

            // A new token for hal works; alice's old token stops working once replaced
            let halToken = try await client.execute(
                uri: "/api/students/hal/token", method: .post, headers: prof
            ) { try decode(TokenBody.self, $0).token }
            try await client.execute(
                uri: "/api/labs/attention/submissions/latest", method: .get,
                headers: bearer(halToken)
            ) { response in
                #expect(response.status == .notFound)
                #expect(errorMessage(response).contains("no submission yet"))
            }
            _ = try await client.execute(
                uri: "/api/students/alice/token", method: .post, headers: prof
            ) { try decode(TokenBody.self, $0) }
            try await client.execute(
                uri: "/api/students", method: .get, headers: bearer(fixture.aliceToken)
            ) { #expect($0.status == .unauthorized) }
            try await client.execute(
                uri: "/api/students/nobody/token", method: .post, headers: prof
            ) { #expect($0.status == .notFound) }
        }
    }

    @Test func regradeQueuesGradedSubmissions() async throws {
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        // Given two graded submissions (alice, bob) and one still queued (alice)
        try gradedSubmission(fixture.store, "alice", score: 7)
        try gradedSubmission(fixture.store, "bob", score: 9)
        try fixture.store.enqueue(
            student: "alice", lab: "attention", filename: "a.py", content: Data("q".utf8),
            source: .cli)
        let prof = bearer(fixture.profToken)
        try await routerOnly(fixture).test(.router) { client in
            // alice alone: her one graded submission
            try await client.execute(
                uri: "/api/regrade?lab=attention&student=alice", method: .post, headers: prof
            ) { response throws in
                #expect(try decode(RegradeBody.self, response).queued == 1)
            }
            // the lab: bob's is the only graded one left
            try await client.execute(
                uri: "/api/regrade?lab=attention", method: .post, headers: prof
            ) { response throws in
                #expect(
                    try decode(RegradeBody.self, response)
                        == RegradeBody(lab: "attention", student: nil, queued: 1))
            }
            try await client.execute(uri: "/api/regrade?lab=nope", method: .post, headers: prof) {
                #expect($0.status == .notFound)
            }
            try await client.execute(
                uri: "/api/regrade?lab=attention&student=nobody", method: .post, headers: prof
            ) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/api/regrade", method: .post, headers: prof) {
                #expect($0.status == .badRequest)
            }
        }
        #expect(try fixture.store.queueCounts()[.queued] == 3)
    }

    @Test func regradeOfTwoGradedQueuesTwo() async throws {
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        try gradedSubmission(fixture.store, "alice", score: 7)
        try gradedSubmission(fixture.store, "bob", score: 9)
        try await routerOnly(fixture).test(.router) { client in
            try await client.execute(
                uri: "/api/regrade?lab=attention", method: .post,
                headers: bearer(fixture.profToken)
            ) { response throws in #expect(try decode(RegradeBody.self, response).queued == 2) }
        }
    }

    @Test func latestSubmissionIsTheNewerOne() async throws {
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        let older = try gradedSubmission(
            fixture.store, "alice", score: 4, at: Fixture.now.addingTimeInterval(-120))
        let newer = try gradedSubmission(
            fixture.store, "alice", score: 6, at: Fixture.now.addingTimeInterval(-60))
        #expect(older < newer)
        try await routerOnly(fixture).test(.router) { client in
            try await client.execute(
                uri: "/api/labs/attention/submissions/latest", method: .get,
                headers: bearer(fixture.aliceToken)
            ) { response in
                #expect(response.status == .ok)
                let feedback = try decode(SubmissionFeedback.self, response)
                #expect(feedback.id == newer)
                #expect(feedback.score == 6)
                // The student's view: the hidden test tallied, not listed
                #expect(feedback.tests.map(\.name) == ["shapes"])
                #expect(feedback.tally.hiddenTests == 1)
            }
            try await client.execute(
                uri: "/api/labs/attention/submissions/latest?student=alice", method: .get,
                headers: bearer(fixture.profToken)
            ) { response in
                let feedback = try decode(SubmissionFeedback.self, response)
                #expect(feedback.id == newer)
                #expect(feedback.tests.first { $0.name == "secret" }?.message == "hidden")
            }
            try await client.execute(
                uri: "/api/labs/attention/submissions/latest?student=alice", method: .get,
                headers: bearer(fixture.bobToken)
            ) { #expect($0.status == .forbidden) }
            try await client.execute(
                uri: "/api/labs/attention/submissions/latest", method: .get,
                headers: bearer(fixture.bobToken)
            ) { response in
                #expect(response.status == .notFound)
                #expect(
                    errorMessage(response)
                        == "no submission yet: bob has handed nothing in to lab 'attention'")
            }
            try await client.execute(
                uri: "/api/labs/nope/submissions/latest", method: .get,
                headers: bearer(fixture.aliceToken)
            ) { #expect($0.status == .notFound) }
            try await client.execute(
                uri: "/api/labs/attention/submissions/latest?student=nobody", method: .get,
                headers: bearer(fixture.profToken)
            ) { #expect($0.status == .notFound) }
        }
    }

    /// alice 7/10 and bob 9/10 in `attention`; `closed` and `limited` have nothing.
    @Test func reportsAndExportOfTwoGradedStudents() async throws {
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        try gradedSubmission(fixture.store, "alice", score: 7)
        try gradedSubmission(fixture.store, "bob", score: 9)
        let prof = bearer(fixture.profToken)
        try await routerOnly(fixture).test(.router) { client in
            let overview = try await client.execute(
                uri: "/api/reports/class", method: .get, headers: prof
            ) { try decodeDated(ClassOverviewBody.self, $0) }
            #expect(overview.rosterSize == 2)
            #expect(overview.labs.map(\.lab).sorted() == ["attention", "closed", "limited"])
            let attention = try #require(overview.labs.first { $0.lab == "attention" })
            // mean of 0.7 and 0.9
            #expect(abs((attention.meanFraction ?? -1) - 0.8) < 1e-12)
            #expect(attention.graded == 2 && attention.submitters == 2 && attention.missing == 0)
            let closed = try #require(overview.labs.first { $0.lab == "closed" })
            #expect(closed.meanFraction == nil && closed.missing == 2)

            let lab = try await client.execute(
                uri: "/api/reports/labs/attention", method: .get, headers: prof
            ) { try decode(LabReportBody.self, $0) }
            #expect(lab.title == "Attention")
            #expect(lab.report.graded == 2 && lab.report.rosterSize == 2)
            // 70% falls in [70, 80), 90% in [90, 100]
            #expect(lab.report.histogram.map(\.count) == [0, 0, 0, 0, 0, 0, 0, 1, 0, 1])
            // shapes: both scored 2/2 (pass); secret: neither scored 10 (fail)
            #expect(lab.report.passRates.map(\.name) == ["secret", "shapes"])
            #expect(lab.report.passRates.map(\.passed) == [0, 2])
            try await client.execute(
                uri: "/api/reports/labs/nope", method: .get, headers: prof
            ) { #expect($0.status == .notFound) }

            try await client.execute(
                uri: "/api/reports/students/alice", method: .get, headers: prof
            ) { response in
                #expect(!String(buffer: response.body).contains("token_hash"))
                let report = try decodeDated(StudentReportBody.self, response).report
                #expect(report.student.id == "alice" && report.student.tokenHash == nil)
                #expect(report.labs.count == 3)
                let row = try #require(report.labs.first { $0.labID == "attention" })
                #expect(row.score == 7 && row.maxScore == 10 && row.submissions == 1)
            }
            try await client.execute(
                uri: "/api/reports/students/nobody", method: .get, headers: prof
            ) { #expect($0.status == .notFound) }

            let export = try await client.execute(
                uri: "/api/exports/grades?lab=attention&results=true", method: .get, headers: prof
            ) { try decodeDated(GradesExportBody.self, $0) }
            #expect(export.rows.map(\.studentID) == ["alice", "bob"])
            #expect(export.rows.map(\.score) == [7, 9])
            let counted = try #require(export.counted)
            #expect(counted.map(\.studentID) == ["alice", "bob"])
            #expect(counted.map { $0.results.map(\.points) } == [[2, 5], [2, 7]])
            try await client.execute(
                uri: "/api/exports/grades?lab=attention", method: .get, headers: prof
            ) { response throws in
                #expect(try decodeDated(GradesExportBody.self, response).counted == nil)
            }
            try await client.execute(uri: "/api/exports/grades", method: .get, headers: prof) {
                #expect($0.status == .badRequest)
            }
            try await client.execute(
                uri: "/api/exports/grades?lab=nope", method: .get, headers: prof
            ) { #expect($0.status == .notFound) }
        }
    }
}
