// The instructor's pages through the router: who may open them, the seeded class's facts on
// each page (worked out by hand from what `seed` stores), regrade and the two exports, the
// runs search and comparison, and student-controlled text escaped wherever it is shown.
import Foundation
import Hummingbird
import HummingbirdTesting
import Store
import Testing
import ZIPFoundation

@testable import Server

@Suite struct InstructorPagesTests {
    static let script = "<script>alert(1)</script>"
    static let escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"

    /// The seeded class of lab `attention` (10 points; no late penalty):
    /// - alice 10/10 and dave 10/10 (submitted late) → the 90–100% bucket holds 2;
    /// - bob 3.5/10 → 30–40%; eve (named `script`) 0.5/10 → 0–10%; both failed `shapes` with
    ///   the mistake `no_scaling`;
    /// - carol handed in nothing: missing.
    /// Runs in experiment `sweep`: bob's `r4` (r=4) and eve's run named `script` (r=8), both
    /// with lr=0.001 and note=`script`, eval_loss logged at steps 0 and 1.
    struct Seeded {
        var fixture: Fixture
        var submissions: [String: Int64]
        var runs: [String]
    }

    static func seed() throws -> Seeded {
        let fixture = try Fixture.make()
        let store = fixture.store
        try store.addStudent(id: "carol", name: "Carol Shields", email: nil, isInstructor: false)
        try store.addStudent(id: "dave", name: "Dave Brubeck", email: nil, isInstructor: false)
        try store.addStudent(id: "eve", name: script, email: "eve@example.org", isInstructor: false)
        let due = try #require(Fixture.defaultLabs.first?.due)
        var ids: [String: Int64] = [:]
        for (student, score, late) in [
            ("alice", 10.0, false), ("bob", 3.5, false), ("dave", 10.0, true), ("eve", 0.5, false),
        ] {
            ids[student] = try graded(
                store, student, score: score,
                at: late ? due.addingTimeInterval(3600) : due.addingTimeInterval(-3600))
        }
        var runs: [String] = []
        for (student, name, r) in [("bob", "r4", "4"), ("eve", script, "8")] {
            let run = try store.startRun(
                RunStart(
                    experiment: "sweep", runID: "run-\(student)", studentID: student, name: name))
            try store.logBatch(
                runID: run.id, params: ["r": r, "lr": "0.001", "note": script],
                metrics: [
                    MetricPoint(key: "eval_loss", value: 2.5, step: 0),
                    MetricPoint(key: "eval_loss", value: r == "4" ? 2.0 : 1.5, step: 1),
                ])
            runs.append(run.id)
        }
        return Seeded(fixture: fixture, submissions: ids, runs: runs)
    }

    /// Stores a graded submission of `attention`: `shapes` (2 points) and the hidden `values`
    /// (8) both pass at 10/10; otherwise `shapes` fails with the mistake `no_scaling` and
    /// `values` holds the rest of `score`.
    @discardableResult
    static func graded(_ store: LabStore, _ student: String, score: Double, at date: Date)
        throws -> Int64
    {
        let id = try store.enqueue(
            student: student, lab: "attention", filename: "attention.py",
            content: Data("\(student) \(UUID())".utf8), source: .cli, submittedAt: date)
        _ = try #require(try store.claimNext(worker: "w", lease: 60))
        let passed = score == 10
        try store.complete(
            id: id, worker: "w",
            grade: GradeRecord(graderVersion: "fake-1", seed: 7, score: score, maxScore: 10),
            results: [
                TestResultRecord(
                    name: "shapes", component: "attention", points: passed ? 2 : 0,
                    maxPoints: 2, status: passed ? .pass : .fail,
                    diagnosis: passed ? nil : "no_scaling", message: "shapes message"),
                TestResultRecord(
                    name: "values", component: "attention", points: score - (passed ? 2 : 0),
                    maxPoints: 8, status: passed ? .pass : .fail, visibility: "hidden",
                    message: "values message"),
            ])
        return id
    }

    static func html(_ response: TestResponse) -> String { String(buffer: response.body) }

    static func get(_ client: some TestClientProtocol, _ uri: String, _ session: String?)
        async throws -> TestResponse
    {
        try await WebPagesTests.get(client, uri, session: session)
    }

    static func post(
        _ client: some TestClientProtocol, _ uri: String, _ session: String, csrf: String?
    ) async throws -> TestResponse {
        var headers = WebPagesTests.formHeaders
        headers[.cookie] = "lmlab_session=\(session)"
        return try await client.execute(
            uri: uri, method: .post, headers: headers,
            body: WebPagesTests.form(csrf.map { ["csrf": $0] } ?? [:])
        ) { $0 }
    }

    /// The page's HTML between `start` and the next `end` after it.
    static func slice(_ page: String, from start: String, to end: String) -> String {
        guard let a = page.range(of: start),
            let b = page.range(of: end, range: a.upperBound..<page.endIndex)
        else { return "" }
        return String(page[a.upperBound..<b.lowerBound])
    }

    static func expectEscaped(_ page: String, _ where_: String) {
        #expect(page.contains(escaped), "\(where_) does not show the escaped text")
        #expect(!page.contains("<script>alert"), "\(where_) lets a script through")
    }

    func app(_ fixture: Fixture) -> some ApplicationProtocol {
        routerOnly(fixture)
    }

    /// Seeds the class, signs the instructor in and runs `body` with the client, the seeded
    /// class and the instructor's session cookie.
    static func asInstructor(
        _ body: @Sendable (any TestClientProtocol, Seeded, String) async throws -> Void
    ) async throws {
        let seeded = try seed()
        defer { seeded.fixture.remove() }
        try await routerOnly(seeded.fixture).test(.router) { client in
            let prof = try #require(
                try await WebPagesTests.signIn(client, token: seeded.fixture.profToken))
            try await body(client, seeded, prof)
        }
    }

    @Test func onlyInstructorsOpenThePages() async throws {
        let seeded = try Self.seed()
        let fixture = seeded.fixture
        defer { fixture.remove() }
        let pages = [
            "/instructor", "/instructor/labs/attention", "/instructor/labs/attention/grades.csv",
            "/instructor/labs/attention/gradescope.zip", "/instructor/students/bob",
            "/instructor/roster", "/instructor/runs?experiment=sweep",
            "/instructor/runs/compare?id=run-bob&id=run-eve",
        ]
        try await app(fixture).test(.router) { client in
            let alice = try #require(
                try await WebPagesTests.signIn(client, token: fixture.aliceToken))
            let prof = try #require(
                try await WebPagesTests.signIn(client, token: fixture.profToken))
            for uri in pages {
                let none = try await Self.get(client, uri, nil)
                #expect(none.status == .seeOther && none.headers[.location] == "/sign-in", "\(uri)")
                let student = try await Self.get(client, uri, alice)
                #expect(student.status == .forbidden, "\(uri)")
                #expect(Self.html(student).contains("For instructors only"), "\(uri)")
                #expect(try await Self.get(client, uri, prof).status == .ok, "\(uri)")
            }
            // A student's CSRF token is valid for their session, yet the buttons refuse them.
            let labs = Self.html(try await Self.get(client, "/labs", alice))
            let token = WebPagesTests.csrf(in: labs)
            for uri in ["/instructor/labs/attention/regrade", "/instructor/students/bob/link"] {
                #expect(try await Self.post(client, uri, alice, csrf: token).status == .forbidden)
            }
        }
        #expect(try fixture.store.queueCounts()[.queued] == 0)
    }

    @Test func theClassOverviewListsEachLabWithItsCounts() async throws {
        try await Self.asInstructor { client, seeded, prof in
            let page = Self.html(try await Self.get(client, "/instructor", prof))
            // Five students (the instructor left out); attention: 4 submitted and graded, mean
            // (10 + 3.5 + 10 + 0.5) / 40 = 60%, 1 late (dave), 1 missing (carol).
            #expect(page.contains("5 students on the roster"))
            let row = Self.slice(page, from: #"href="/instructor/labs/attention""#, to: "</tr>")
            #expect(row.contains("<td>4</td><td>4</td><td>60%</td>"))
            #expect(row.contains("<td>1</td><td>1</td>"))
            for lab in Fixture.defaultLabs {
                #expect(page.contains(#"href="/instructor/labs/\#(lab.id)""#))
            }
            #expect(page.contains(#"href="/instructor/roster""#))
            #expect(page.contains(#"href="/instructor/runs""#))
        }
    }

    @Test func theLabPageShowsTheHistogramMistakesLateAndMissing() async throws {
        try await Self.asInstructor { client, seeded, prof in
            let response = try await Self.get(client, "/instructor/labs/attention", prof)
            #expect(response.status == .ok)
            let page = Self.html(response)

            // Ten bars; counts 1 (0–10%), 1 (30–40%), 2 (90–100%): the tallest is the plot's
            // full height and the others half of it.
            let heights = Self.barHeights(page)
            let full = LabPage.plotHeight
            #expect(heights == [full / 2, 0, 0, full / 2, 0, 0, 0, 0, 0, full])
            #expect(page.contains("<title id=\"hist-title\">Counted scores of attention</title>"))

            // Pass rates over the counted submissions: shapes and values passed by 2 of 4.
            let shapes = Self.slice(page, from: "<code>shapes</code>", to: "</tr>")
            #expect(shapes.contains("2 of 4") && shapes.contains("50%"))

            // The mistake bob and eve made, by its catalogue title, with both of them.
            let mistake = Self.slice(page, from: "Most common mistakes", to: "<h2>Late</h2>")
            #expect(mistake.contains("Attention scores not scaled by 1/√d_k"))
            #expect(
                mistake.contains("[no_scaling]") && mistake.contains("2 students, 2 test results"))
            #expect(mistake.contains(#"<a href="/instructor/students/bob">Bob Dylan</a>"#))
            Self.expectEscaped(mistake, "the lab page's mistakes")

            let late = Self.slice(page, from: "<h2>Late</h2>", to: "<h2>Missing</h2>")
            #expect(late.contains("Dave Brubeck") && !late.contains("Alice"))
            let missing = Self.slice(page, from: "<h2>Missing</h2>", to: "</main>")
            #expect(missing.contains(#"<a href="/instructor/students/carol">Carol Shields</a>"#))
            #expect(!missing.contains("Bob Dylan"))

            let unknown = try await Self.get(client, "/instructor/labs/nope", prof)
            #expect(unknown.status == .notFound && Self.html(unknown).contains("No such lab"))
        }
    }

    /// The `height` of each `rect.bar` of the page's histogram, in order.
    static func barHeights(_ page: String) -> [Double] {
        page.components(separatedBy: #"<rect class="bar""#).dropFirst().compactMap { rest in
            guard let start = rest.range(of: #"height=""#) else { return nil }
            return Double(rest[start.upperBound...].prefix { $0 != "\"" })
        }
    }

    @Test func regradeNeedsTheFormsTokenThenQueuesTheLabAgain() async throws {
        try await Self.asInstructor { client, seeded, prof in
            let fixture = seeded.fixture
            let uri = "/instructor/labs/attention/regrade"
            let refused = try await Self.post(client, uri, prof, csrf: nil)
            #expect(refused.status == .forbidden)
            #expect(try fixture.store.queueCounts()[.queued] == 0)
            #expect(try await Self.post(client, uri, prof, csrf: "0000").status == .forbidden)
            #expect(try fixture.store.queueCounts()[.queued] == 0)

            let page = Self.html(try await Self.get(client, "/instructor/labs/attention", prof))
            let token = WebPagesTests.csrf(in: page)
            let done = try await Self.post(client, uri, prof, csrf: token)
            #expect(done.status == .seeOther)
            #expect(done.headers[.location] == "/instructor/labs/attention?regraded=4")
            // The four graded submissions are queued again.
            #expect(try fixture.store.queueCounts()[.queued] == 4)
            for id in seeded.submissions.values {
                #expect(try fixture.store.submission(id: id)?.status == .queued)
            }
            let after = Self.html(
                try await Self.get(client, "/instructor/labs/attention?regraded=4", prof))
            #expect(after.contains("4 submissions were queued to be graded again"))
        }
    }

    @Test func theGradesExportsAreTheCLIsFiles() async throws {
        try await Self.asInstructor { client, seeded, prof in
            let fixture = seeded.fixture
            let csv = try await Self.get(client, "/instructor/labs/attention/grades.csv", prof)
            #expect(csv.headers[.contentType] == "text/csv; charset=utf-8")
            #expect(
                csv.headers[.contentDisposition] == #"attachment; filename="attention-grades.csv""#)
            let lines = Self.html(csv).split(separator: "\n").map(String.init)
            #expect(
                lines.first
                    == "student_id,name,email,lab,submissions,score,max_score,late,submitted_at,"
                    + "submission_id,missing")
            // bob: one submission, 3.5 of 10, on time, not missing.
            let bob = try #require(lines.first { $0.hasPrefix("bob,") })
            let fields = bob.split(separator: ",", omittingEmptySubsequences: false).map(
                String.init)
            #expect(
                Array(fields[0...7])
                    == [
                        "bob", "Bob Dylan", "bob@example.org", "attention", "1", "3.5", "10",
                        "false",
                    ])
            #expect(fields[9] == "\(seeded.submissions["bob"] ?? -1)" && fields[10] == "false")
            // carol handed in nothing: 0 and missing.
            #expect(lines.contains("carol,Carol Shields,,attention,0,0,10,,,,true"))

            let zip = try await Self.get(client, "/instructor/labs/attention/gradescope.zip", prof)
            #expect(zip.headers[.contentType] == "application/zip")
            #expect(
                zip.headers[.contentDisposition]
                    == #"attachment; filename="attention-gradescope.zip""#)
            let archive = try Archive(data: Data(zip.body.readableBytesView), accessMode: .read)
            #expect(
                Set(archive.map(\.path))
                    == [
                        "alice/results.json", "bob/results.json", "dave/results.json",
                        "eve/results.json",
                    ])
            let entry = try #require(archive["bob/results.json"])
            var json = Data()
            _ = try archive.extract(entry) { json.append($0) }
            let result = try JSONSerialization.jsonObject(with: json) as? [String: Any]
            #expect(result?["score"] as? Double == 3.5)
            let tests = result?["tests"] as? [[String: Any]]
            #expect(tests?.count == 2)
            #expect(
                (tests?.first?["output"] as? String)?.contains(
                    "mistake: Attention scores not scaled by 1/√d_k") == true)

            // The roster refuses an id that would climb out of a folder; one that got into the
            // store another way still stays inside the zip's folder.
            #expect(throws: StoreError.self) {
                try fixture.store.importRoster(csv: "id,name,email\n../mallory,Mallory,\n")
            }
            try fixture.store.addStudent(id: "../mallory", name: "Mallory", email: nil)
            try Self.graded(fixture.store, "../mallory", score: 10, at: Date())
            let again = try await Self.get(
                client, "/instructor/labs/attention/gradescope.zip", prof)
            let paths = try Archive(data: Data(again.body.readableBytesView), accessMode: .read)
                .map(\.path)
            #expect(paths.contains("_.._mallory/results.json"))
            #expect(!paths.contains { $0.hasPrefix("..") || $0.contains("/../") })
        }
    }

    @Test func theStudentPageLinksSubmissionsRunsAndMakesASignInLink() async throws {
        try await Self.asInstructor { client, seeded, prof in
            let fixture = seeded.fixture
            let page = Self.html(try await Self.get(client, "/instructor/students/bob", prof))
            let bobID = try #require(seeded.submissions["bob"])
            #expect(page.contains("Bob Dylan") && page.contains("bob@example.org"))
            #expect(page.contains(#"<a href="/submissions/\#(bobID)">#\#(bobID) 3.5/10</a>"#))
            #expect(page.contains("<code>run-bob</code>") && page.contains("sweep"))
            #expect(!page.contains("run-eve"))
            #expect(!page.contains("/sign-in/link/"))

            let eve = Self.html(try await Self.get(client, "/instructor/students/eve", prof))
            Self.expectEscaped(eve, "eve's student page")
            // Her name in the heading, her run's name in the runs table: both text.
            #expect(eve.contains("<h1>\(Self.escaped) <span"))
            #expect(eve.contains("<code>run-eve</code><br>\(Self.escaped)</th>"))
            #expect(
                try await Self.get(client, "/instructor/students/nobody", prof).status
                    == .notFound)

            // The link button: refused without the token, shown once with it, and it signs in.
            let uri = "/instructor/students/bob/link"
            #expect(try await Self.post(client, uri, prof, csrf: nil).status == .forbidden)
            let made = try await Self.post(
                client, uri, prof, csrf: WebPagesTests.csrf(in: page))
            #expect(made.status == .ok)
            let shown = Self.html(made)
            let path = "/sign-in/link/" + Self.slice(shown, from: "/sign-in/link/", to: "\"")
            #expect(path.count > "/sign-in/link/".count)
            let signedIn = try await Self.get(client, path, nil)
            #expect(signedIn.status == .seeOther && signedIn.headers[.location] == "/labs")
            let cookie = try #require(
                WebPagesTests.cookieValue(WebPagesTests.setCookie("lmlab_session", signedIn)))
            #expect(try fixture.store.webSession(cookie: cookie)?.student.id == "bob")
        }
    }

    @Test func theRosterListsEveryoneWithoutTokens() async throws {
        try await Self.asInstructor { client, seeded, prof in
            let fixture = seeded.fixture
            let page = Self.html(try await Self.get(client, "/instructor/roster", prof))
            for (id, name) in [
                ("alice", "Alice Liddell"), ("bob", "Bob Dylan"),
                ("carol", "Carol Shields"), ("prof", "Ada Lovelace"),
            ] {
                #expect(page.contains(#"<a href="/instructor/students/\#(id)">\#(name)</a>"#))
            }
            #expect(page.contains("alice@example.org"))
            #expect(!page.contains(fixture.aliceToken))
            let alice = try #require(try fixture.store.student(id: "alice"))
            #expect(!page.contains(try #require(alice.tokenHash)))
            Self.expectEscaped(page, "the roster")
        }
    }

    @Test func theRunsSearchFiltersAndShowsTheParsersMessage() async throws {
        try await Self.asInstructor { client, seeded, prof in
            let all = Self.html(
                try await Self.get(client, "/instructor/runs?experiment=sweep", prof))
            #expect(all.contains(#"value="run-bob""#) && all.contains(#"value="run-eve""#))
            Self.expectEscaped(all, "the runs search")

            // A browser's GET form: spaces as '+', '<' percent-encoded.
            let found = Self.html(
                try await Self.get(
                    client, "/instructor/runs?experiment=sweep&filter=params.r+%3D+%274%27", prof))
            #expect(found.contains(#"value="run-bob""#) && !found.contains(#"value="run-eve""#))

            let bad = try await Self.get(
                client, "/instructor/runs?experiment=sweep&filter=params.r+%3C%3D", prof)
            #expect(bad.status == .badRequest)
            let badPage = Self.html(bad)
            #expect(badPage.contains("filter error at column"))
            // What was typed stays in the box.
            #expect(
                badPage.contains(#"id="filter" name="filter" type="text" value="params.r &lt;=""#))

            let unknown = try await Self.get(client, "/instructor/runs?experiment=nope", prof)
            #expect(unknown.status == .notFound)
            #expect(Self.html(unknown).contains("no experiment called"))
        }
    }

    @Test func compareShowsOnlyTheDifferingParamAndOverlaidCurves() async throws {
        try await Self.asInstructor { client, seeded, prof in
            let response = try await Self.get(
                client, "/instructor/runs/compare?id=run-bob&id=run-eve", prof)
            #expect(response.status == .ok)
            let page = Self.html(response)
            let diff = Self.slice(page, from: "Params that differ", to: "</table>")
            #expect(diff.contains(#"<th scope="row">r</th><td>4</td><td>8</td>"#))
            #expect(!diff.contains(">lr<") && !diff.contains(">note<"))
            let same = Self.slice(page, from: "<details>", to: "</details>")
            #expect(same.contains(#"<th scope="row">lr</th><td>0.001</td>"#))
            #expect(same.contains(#"<th scope="row">note</th><td>\#(Self.escaped)</td>"#))
            // Final eval_loss: 2 for bob's run, 1.5 for eve's.
            let metrics = Self.slice(page, from: "Final metrics", to: "</table>")
            #expect(metrics.contains(#"<th scope="row">eval_loss</th><td>2</td><td>1.5</td>"#))
            // One curve per run in the SVG.
            let svg = Self.slice(page, from: "<svg", to: "</svg>")
            #expect(svg.components(separatedBy: "<path").count - 1 >= 2)
            Self.expectEscaped(page, "the comparison")

            let one = try await Self.get(client, "/instructor/runs/compare?id=run-bob", prof)
            #expect(one.status == .badRequest && Self.html(one).contains("at least two runs"))
            let missing = try await Self.get(
                client, "/instructor/runs/compare?id=run-bob&id=nope", prof)
            #expect(missing.status == .notFound)
            #expect(Self.html(missing).contains("no run with id &#39;nope&#39;"))
            let many = (0...InstructorWebController<BasicRequestContext>.maxCompared)
                .map { "id=run-\($0)" }.joined(separator: "&")
            let tooMany = try await Self.get(client, "/instructor/runs/compare?" + many, prof)
            #expect(tooMany.status == .badRequest && Self.html(tooMany).contains("at most 20"))
        }
    }
}
