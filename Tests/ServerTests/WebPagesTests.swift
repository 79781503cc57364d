// The web pages through the router: sign-in with a token or a one-time link, the session
// cookie's attributes, CSRF on every form, sign-out ending the session on the server, and the
// feedback page obeying the same visibility rule as the JSON API (checked against tests fixed
// by hand in ThreeVisibilitiesGrader). Values a student controls are escaped.
import Diagnosis
import Foundation
import Grading
import Hummingbird
import HummingbirdTesting
import Store
import Testing

@testable import Server

@Suite struct WebPagesTests {
    /// The value of cookie `name` among a response's Set-Cookie fields, with its attributes.
    static func setCookie(_ name: String, _ response: TestResponse) -> String? {
        response.headers[values: .setCookie].first { $0.hasPrefix(name + "=") }
    }

    static func cookieValue(_ setCookie: String?) -> String? {
        guard let setCookie, let first = setCookie.split(separator: ";").first else { return nil }
        return String(first.split(separator: "=", maxSplits: 1).last ?? "")
    }

    static func html(_ response: TestResponse) -> String { String(buffer: response.body) }

    /// The hidden CSRF field's value in a page.
    static func csrf(in page: String) -> String? {
        guard let range = page.range(of: #"name="csrf" value=""#) else { return nil }
        return String(page[range.upperBound...].prefix { $0 != "\"" })
    }

    static func form(_ fields: [String: String]) -> ByteBuffer {
        let allowed = CharacterSet.alphanumerics
        return ByteBuffer(string: fields.map { key, value in
            "\(key)=\(value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")"
        }.joined(separator: "&"))
    }

    static let formHeaders: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

    /// Signs in with `token` through the form; returns the session cookie's value.
    static func signIn(_ client: some TestClientProtocol, token: String) async throws -> String? {
        let (csrf, signInCookie) = try await client.execute(uri: "/sign-in", method: .get) {
            (Self.csrf(in: Self.html($0)), Self.cookieValue(Self.setCookie("lmlab_signin", $0)))
        }
        var headers = formHeaders
        headers[.cookie] = "lmlab_signin=\(signInCookie ?? "")"
        return try await client.execute(
            uri: "/sign-in", method: .post, headers: headers,
            body: form(["csrf": csrf ?? "", "token": token])
        ) { response in
            #expect(response.status == .seeOther)
            #expect(response.headers[.location] == "/labs")
            return Self.cookieValue(Self.setCookie("lmlab_session", response))
        }
    }

    static func get(_ client: some TestClientProtocol, _ uri: String, session: String?)
        async throws -> TestResponse
    {
        var headers = HTTPFields()
        if let session { headers[.cookie] = "lmlab_session=\(session)" }
        return try await client.execute(uri: uri, method: .get, headers: headers) { $0 }
    }

    /// Alice hands in a file to `attention` through the API; once it is graded, she signs in.
    /// Returns the submission's id and her session cookie.
    static func gradedSubmission(_ client: some TestClientProtocol, _ fixture: Fixture)
        async throws -> (Int64, String)
    {
        let id = try await client.execute(
            uri: "/api/submissions?lab=attention&filename=a.py", method: .post,
            headers: bearer(fixture.aliceToken), body: ByteBuffer(string: "x = 1\n")
        ) { try decode(SubmissionReceipt.self, $0).id }
        #expect(try await eventually { try fixture.store.submission(id: id)?.status == .graded })
        let alice = try #require(try await signIn(client, token: fixture.aliceToken))
        return (id, alice)
    }

    func app(_ fixture: Fixture) -> some ApplicationProtocol {
        buildApplication(
            testConfiguration(), grader: ThreeVisibilitiesGrader(), store: fixture.store,
            logger: quietLogger)
    }

    @Test func signInSetsAStrictHttpOnlyCookieAndSignOutEndsTheSession() async throws {
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        try await app(fixture).test(.router) { client in
            // Signed out, the home page and My labs send the browser to the sign-in form.
            let home = try await Self.get(client, "/", session: nil)
            #expect(home.status == .seeOther && home.headers[.location] == "/sign-in")
            let form = try await Self.get(client, "/sign-in", session: nil)
            #expect(form.status == .ok)
            #expect(form.headers[.contentType] == "text/html; charset=utf-8")
            #expect(Self.html(form).contains(#"<label for="token">"#))

            // The session cookie: HttpOnly, SameSite=Strict, a lifetime, not Secure over http.
            var headers = Self.formHeaders
            let page = Self.html(form)
            let signInCookie = Self.cookieValue(Self.setCookie("lmlab_signin", form)) ?? ""
            headers[.cookie] = "lmlab_signin=\(signInCookie)"
            let session = try await client.execute(
                uri: "/sign-in", method: .post, headers: headers,
                body: Self.form(["csrf": Self.csrf(in: page) ?? "", "token": fixture.aliceToken])
            ) { response -> String? in
                let cookie = Self.setCookie("lmlab_session", response) ?? ""
                #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"))
                #expect(cookie.contains("Max-Age=43200") && !cookie.contains("Secure"))
                return Self.cookieValue(cookie)
            }
            let cookie = try #require(session)
            #expect(cookie.count == 64)

            // Signed in: My labs lists every lab, with the student's name in the header.
            let labs = try await Self.get(client, "/labs", session: cookie)
            #expect(labs.status == .ok)
            let labsPage = Self.html(labs)
            #expect(labsPage.contains("Alice Liddell"))
            for lab in Fixture.defaultLabs { #expect(labsPage.contains(lab.title)) }
            #expect(labs.headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true)

            // Sign-out without the page's CSRF token is refused and the session lives on.
            var outHeaders = Self.formHeaders
            outHeaders[.cookie] = "lmlab_session=\(cookie)"
            try await client.execute(
                uri: "/sign-out", method: .post, headers: outHeaders,
                body: Self.form(["csrf": "0000"])
            ) { #expect($0.status == .forbidden) }
            #expect(try await Self.get(client, "/labs", session: cookie).status == .ok)

            // With it, the session ends on the server: the same cookie no longer works.
            let token = try #require(Self.csrf(in: labsPage))
            try await client.execute(
                uri: "/sign-out", method: .post, headers: outHeaders,
                body: Self.form(["csrf": token])
            ) { response in
                #expect(response.status == .seeOther)
                #expect(Self.setCookie("lmlab_session", response)?.contains("Max-Age=0") == true)
            }
            let after = try await Self.get(client, "/labs", session: cookie)
            #expect(after.status == .seeOther && after.headers[.location] == "/sign-in")
            #expect(try fixture.store.webSession(cookie: cookie) == nil)
        }
    }

    @Test func signInRefusesAFormWithoutItsTokenAndAnUnknownToken() async throws {
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        try await app(fixture).test(.router) { client in
            // No double-submit cookie / field pair: 403, no session.
            try await client.execute(
                uri: "/sign-in", method: .post, headers: Self.formHeaders,
                body: Self.form(["csrf": "abc", "token": fixture.aliceToken])
            ) { response in
                #expect(response.status == .forbidden)
                #expect(Self.setCookie("lmlab_session", response) == nil)
                #expect(Self.html(response).contains("This form had expired"))
            }
            // A token nobody has: 401 with what to do, no session.
            let form = try await Self.get(client, "/sign-in", session: nil)
            var headers = Self.formHeaders
            headers[.cookie] =
                "lmlab_signin=\(Self.cookieValue(Self.setCookie("lmlab_signin", form)) ?? "")"
            try await client.execute(
                uri: "/sign-in", method: .post, headers: headers,
                body: Self.form(["csrf": Self.csrf(in: Self.html(form)) ?? "", "token": "nope"])
            ) { response in
                #expect(response.status == .unauthorized)
                #expect(Self.setCookie("lmlab_session", response) == nil)
                #expect(Self.html(response).contains("That token is not known here"))
            }
        }
    }

    @Test func datesReadAsPeopleWriteThem() {
        // 1 796 687 940 s after the epoch is Monday 7 December 2026, 23:59 UTC.
        #expect(webDate(Date(timeIntervalSince1970: 1_796_687_940)) == "Mon 7 Dec 2026, 23:59 UTC")
        #expect(webDate(Date(timeIntervalSince1970: 0)) == "Thu 1 Jan 1970, 00:00 UTC")
    }

    @Test func behindTLSTheCookieIsSecure() async throws {
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        try await app(fixture).test(.router) { client in
            try await client.execute(
                uri: "/sign-in", method: .get, headers: [.init("X-Forwarded-Proto")!: "https"]
            ) { response in
                #expect(Self.setCookie("lmlab_signin", response)?.contains("Secure") == true)
            }
        }
    }

    @Test func aSignInLinkWorksOnceAndExpires() async throws {
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        let code = try #require(try fixture.store.createSignInLink(studentID: "bob", lifetime: 3600))
            .code
        let old = try #require(try fixture.store.createSignInLink(
            studentID: "bob", lifetime: 60, now: Date().addingTimeInterval(-120))).code
        #expect(try fixture.store.createSignInLink(studentID: "nobody", lifetime: 60) == nil)
        try await app(fixture).test(.router) { client in
            let first = try await Self.get(client, "/sign-in/link/\(code)", session: nil)
            #expect(first.status == .seeOther && first.headers[.location] == "/labs")
            let cookie = try #require(Self.cookieValue(Self.setCookie("lmlab_session", first)))
            #expect(Self.html(try await Self.get(client, "/labs", session: cookie))
                .contains("Bob Dylan"))
            #expect(try await Self.get(client, "/sign-in/link/\(code)", session: nil).status
                == .notFound)
            #expect(try await Self.get(client, "/sign-in/link/\(old)", session: nil).status
                == .notFound)
        }
    }

    @Test func theFeedbackPageShowsWhatTheViewerMaySeeAndEscapesTheFilename() async throws {
        let fixture = try Fixture.make(labs: FeedbackVisibilityTests.labs)
        defer { fixture.remove() }
        try await app(fixture).test(.router) { client in
            let name = #"a<b>"x".py"#
            let id = try await client.execute(
                uri: "/api/submissions?lab=future&filename="
                    + (name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""),
                method: .post, headers: bearer(fixture.aliceToken),
                body: ByteBuffer(string: "x = 1\n")
            ) { response -> Int64 in
                #expect(response.status == .accepted)
                return try decode(SubmissionReceipt.self, response).id
            }
            #expect(try await eventually { try fixture.store.submission(id: id)?.status == .graded })
            let alice = try #require(try await Self.signIn(client, token: fixture.aliceToken))
            let page = Self.html(try await Self.get(client, "/submissions/\(id)", session: alice))
            // Before the due date: the visible test in full, the hidden one only in the tally,
            // the after_due one not at all — as GET /api/submissions/:id answers.
            #expect(page.contains("shapes") && page.contains("visible detail"))
            for secret in ["secret", "hidden detail", "forgot-scale", "later", "after-due detail",
                           "no-mask"]
            {
                #expect(!page.contains(secret), "a student's page shows \(secret)")
            }
            #expect(page.contains("hidden tests: 0 of 1 passed"))
            #expect(page.contains("1 more test (4 points) will be shown after the due date"))
            // The score is what they may see: visible 2/2 + hidden 3/5, after_due left out.
            #expect(page.contains("<strong>5/7</strong>"))
            // The filename is text, never markup.
            #expect(page.contains("a&lt;b&gt;&quot;x&quot;.py") && !page.contains("a<b>"))

            // Another student gets the page for a missing submission; the instructor sees all.
            let bob = try #require(try await Self.signIn(client, token: fixture.bobToken))
            let other = try await Self.get(client, "/submissions/\(id)", session: bob)
            #expect(other.status == .notFound && !Self.html(other).contains("shapes"))
            let prof = try #require(try await Self.signIn(client, token: fixture.profToken))
            let full = Self.html(try await Self.get(client, "/submissions/\(id)", session: prof))
            #expect(full.contains("secret") && full.contains("later") && full.contains("6/11"))
        }
    }
}

@Suite struct SignInLinkAPITests {
    @Test func instructorsMakeLinksThatSignInOnce() async throws {
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        let app = buildApplication(
            testConfiguration(), grader: ThreeVisibilitiesGrader(), store: fixture.store,
            logger: quietLogger)
        try await app.test(.router) { client in
            try await client.execute(
                uri: "/api/students/alice/link", method: .post, headers: bearer(fixture.bobToken)
            ) { #expect($0.status == .forbidden) }
            try await client.execute(
                uri: "/api/students/nobody/link", method: .post, headers: bearer(fixture.profToken)
            ) { #expect($0.status == .notFound) }
            let link = try await client.execute(
                uri: "/api/students/alice/link", method: .post, headers: bearer(fixture.profToken)
            ) { response in
                #expect(response.status == .ok)
                return try decode(SignInLinkBody.self, response)
            }
            #expect(link.student == "alice" && link.path == "/sign-in/link/" + link.code)
            let signedIn = try await WebPagesTests.get(client, link.path, session: nil)
            let cookie = try #require(
                WebPagesTests.cookieValue(WebPagesTests.setCookie("lmlab_session", signedIn)))
            #expect(try fixture.store.webSession(cookie: cookie)?.student.id == "alice")
        }
    }
}

/// A visible and a hidden failing attention test, each with hand-made weights.
struct AttentionFiguresGrader: SubmissionGrader {
    /// Head 0, 2 queries × 2 keys: the reference is causal, the mistake (no mask) is not.
    static let visible = AttentionFigure(
        mistakeID: "no_causal_mask", queries: 2, keys: 2, headCount: 1,
        heads: [.init(reference: [[1, 0], [0.25, 0.75]], mistake: [[0.375, 0.625], [0.25, 0.75]])])
    static let hidden = AttentionFigure(
        mistakeID: "no_scaling", queries: 2, keys: 2, headCount: 1,
        heads: [.init(reference: [[1, 0], [0.5, 0.5]], mistake: [[1, 0], [0.0625, 0.9375]])])

    func grade(_ job: GradeJob) async throws -> GradeOutcome {
        GradeOutcome(
            score: 0, maxScore: 4, graderVersion: "fake-1", seed: job.seed,
            tests: [
                TestResultRecord(
                    name: "mha_visible", component: "multi_head_attention", points: 0,
                    maxPoints: 2, status: .fail, diagnosis: "no_causal_mask",
                    message: "wrong values", seconds: 0.01,
                    slice: ValueSlice(
                        row: [1], start: 0, columns: 3, worst: 2, expected: [0.5, 0.25, 0.125],
                        got: [0.5, 0.25, .infinity]),
                    attention: Self.visible),
                TestResultRecord(
                    name: "mha_hidden", component: "multi_head_attention", points: 0,
                    maxPoints: 2, status: .fail, visibility: "hidden", diagnosis: "no_scaling",
                    message: "hidden detail", seconds: 0.01,
                    slice: ValueSlice(
                        row: [], start: 0, columns: 1, worst: 0, expected: [0.4375], got: [9.75]),
                    attention: Self.hidden),
            ])
    }
}

/// A failing test whose message carries what a student's code printed or raised.
struct HostileMessageGrader: SubmissionGrader {
    static let message = #"ValueError: <script>alert(1)</script> & "quotes""#
    func grade(_ job: GradeJob) async throws -> GradeOutcome {
        GradeOutcome(
            score: 0, maxScore: 1, graderVersion: "fake-1", seed: job.seed,
            tests: [
                TestResultRecord(
                    name: "shapes", component: "attention", points: 0, maxPoints: 1,
                    status: .error, message: Self.message, seconds: 0.01),
            ])
    }
}

@Suite struct WebBadInputTests {
    @Test func whatAStudentsCodeRaisedIsTextOnThePage() async throws {
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        let app = buildApplication(
            testConfiguration(), grader: HostileMessageGrader(), store: fixture.store,
            logger: quietLogger)
        try await app.test(.router) { client in
            let (id, alice) = try await WebPagesTests.gradedSubmission(client, fixture)
            let page = WebPagesTests.html(
                try await WebPagesTests.get(client, "/submissions/\(id)", session: alice))
            #expect(page.contains("ValueError: &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;"))
            #expect(!page.contains("<script>alert"))
        }
    }

    @Test func myLabsShowsEachLabsPoints() async throws {
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        let app = buildApplication(
            testConfiguration(), grader: ThreeVisibilitiesGrader(), store: fixture.store,
            checker: FakeChecker(), logger: quietLogger)
        try await app.test(.router) { client in
            let alice = try #require(try await WebPagesTests.signIn(client, token: fixture.aliceToken))
            let page = WebPagesTests.html(try await WebPagesTests.get(client, "/labs", session: alice))
            // FakeChecker: attention and limited are worth 10 points (2 tests, 2 visible);
            // closed has no points it could tell.
            #expect(page.components(separatedBy: "<td>10 (2 tests, 2 visible)</td>").count - 1 == 2)
            #expect(page.contains("<td>—</td>"))
        }
    }

    @Test func aBrowserAskingForAMissingPageGetsAPage() async throws {
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        try await routerOnly(fixture).test(.router) { client in
            let page = try await client.execute(
                uri: "/no/such/<page>", method: .get, headers: [.accept: "text/html"]) { $0 }
            #expect(page.status == .notFound)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            let html = String(buffer: page.body)
            #expect(html.contains("No such page") && html.contains(#"href="/""#))
            #expect(html.contains("&lt;page&gt;") || !html.contains("<page>"))
            // The API keeps answering JSON, whatever the client accepts.
            let api = try await client.execute(
                uri: "/api/nothing", method: .get, headers: [.accept: "text/html"]) { $0 }
            #expect(api.status == .notFound)
            #expect(api.headers[.contentType] == "application/json; charset=utf-8")
        }
    }
}

@Suite struct FeedbackHeatmapTests {
    @Test func aFailingAttentionTestShowsTheReferenceTheMistakeAndTheirDifference() async throws {
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        let app = buildApplication(
            testConfiguration(), grader: AttentionFiguresGrader(), store: fixture.store,
            logger: quietLogger)
        try await app.test(.router) { client in
            let (id, alice) = try await WebPagesTests.gradedSubmission(client, fixture)
            let page = WebPagesTests.html(
                try await WebPagesTests.get(client, "/submissions/\(id)", session: alice))
            // One head: the reference, the mistake and the difference, 4 cells each.
            #expect(page.components(separatedBy: #"<svg xmlns="http://www.w3.org/2000/svg" class="heatmap""#).count - 1 == 3)
            #expect(page.components(separatedBy: #"<rect class="cell""#).count - 1 == 12)
            #expect(page.contains("query 0 → key 1: 0.000000</title>"))  // the reference, masked key
            #expect(page.contains("query 0 → key 1: 0.625000</title>"))  // the mistake's weight
            // Differences, mistake − reference, by hand: 0.375 − 1 and 0.625 − 0.
            #expect(page.contains("query 0 → key 0: -0.625000</title>"))
            #expect(page.contains("query 0 → key 1: 0.625000</title>"))
            #expect(page.contains("No causal mask"))
            // Expected vs got on the slice, the worst value (an overflow) marked.
            #expect(page.contains("Expected and yours on row [1], columns 0–2 of 3"))
            #expect(page.contains("<td>0.5</td><td>0.25</td><td class=\"worst\">0.125</td>"))
            #expect(page.contains("<td>0.5</td><td>0.25</td><td class=\"worst\">inf</td>"))
            #expect(!page.contains("0.4375") && !page.contains("9.75"))
            // The hidden test's maps are never on a student's page (0.9375 is only in them).
            #expect(!page.contains("0.937500") && !page.contains("mha_hidden"))
            // The JSON API carries the same figure, for the visible test only.
            try await client.execute(
                uri: "/api/submissions/\(id)", method: .get, headers: bearer(fixture.aliceToken)
            ) { response in
                // lmlab's JSON: the overflow arrives as a string, read back as inf.
                let feedback = try LMLabJSON.decoder().decode(
                    SubmissionFeedback.self, from: Data(buffer: response.body))
                #expect(feedback.tests.map(\.name) == ["mha_visible"])
                #expect(feedback.tests.first?.attention == AttentionFiguresGrader.visible)
                #expect(feedback.tests.first?.slice?.got == [0.5, 0.25, .infinity])
            }
            // The instructor sees both tests' maps.
            let prof = try #require(try await WebPagesTests.signIn(client, token: fixture.profToken))
            let full = WebPagesTests.html(
                try await WebPagesTests.get(client, "/submissions/\(id)", session: prof))
            #expect(full.contains("0.937500") && full.contains("mha_hidden") && full.contains("9.75"))
        }
    }

    @Test func theDifferenceScaleRunsBlueWhiteRed() {
        #expect(differenceColour(0) == "#ffffff")
        #expect(differenceColour(1) == "#b2182b")
        #expect(differenceColour(-1) == "#2166ac")
        #expect(differenceColour(5) == differenceColour(1))
    }
}
