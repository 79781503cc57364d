// The web pages: sign-in with a token or a one-time link, a session cookie, "My labs" and a
// submission's feedback. Pages are rendered on the server from the same values the JSON API
// answers; the API's bearer tokens work as before, beside the cookie.
//
// Security: the session cookie is HttpOnly, SameSite=Strict, Secure behind TLS (the request
// came as https, or a proxy says X-Forwarded-Proto: https), and expires; the store keeps only its
// hash. Every form carries a CSRF token: the session's for signed-in forms, a double-submit
// cookie for the sign-in form. Mustache escapes every value.
import Diagnosis
import Foundation
import Grading
import Hummingbird
import Store

/// How long a browser stays signed in.
let webSessionLifetime: TimeInterval = 12 * 3600
/// How long a one-time sign-in link works.
public let signInLinkLifetime: TimeInterval = 7 * 24 * 3600

private let sessionCookie = "lmlab_session"
private let signInCSRFCookie = "lmlab_signin"

struct WebController<Context: RequestContext>: Sendable {
    let store: LabStore
    let submissions: SubmissionsController<Context>
    let renderer: WebRenderer

    func addRoutes(to router: Router<Context>) {
        router.get("/", use: home)
        router.get("sign-in", use: signInForm)
        router.post("sign-in", use: signIn)
        router.get("sign-in/link/:code", use: signInWithLink)
        router.post("sign-out", use: signOut)
        router.get("labs", use: labs)
        router.get("submissions/:id", use: feedback)
        router.get("static/lmlab.css", use: stylesheet)
    }

    // MARK: - Handlers

    @Sendable func home(_ request: Request, context: Context) async throws -> Response {
        try session(request) == nil ? redirect("/sign-in") : redirect("/labs")
    }

    @Sendable func signInForm(_ request: Request, context: Context) async throws -> Response {
        if try session(request) != nil { return redirect("/labs") }
        return signInPage(request, problem: nil, status: .ok)
    }

    @Sendable func signIn(_ request: Request, context: Context) async throws -> Response {
        let form = try await self.form(request)
        guard let expected = request.cookies[signInCSRFCookie]?.value, !expected.isEmpty,
            form.csrf == expected
        else {
            return signInPage(
                request, problem: "This form had expired. Enter your token again.", status: .forbidden)
        }
        let token = (form.token ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty, let student = try store.student(forToken: token) else {
            return signInPage(
                request,
                problem: "That token is not known here. Check it with your instructor, or use "
                    + "the sign-in link they sent.",
                status: .unauthorized)
        }
        return try startSession(for: student, request)
    }

    @Sendable func signInWithLink(_ request: Request, context: Context) async throws -> Response {
        guard let code = context.parameters.get("code"),
            let student = try store.redeemSignInLink(code: code)
        else {
            return page(
                ErrorPage(
                    session: nil, heading: "This sign-in link does not work",
                    message: "The link is unknown, was already used, or has expired.",
                    advice: "Ask your instructor for a new link (lmlab students link ID), or sign "
                        + "in with your token on the sign-in page."),
                "error", status: .notFound, request: request)
        }
        return try startSession(for: student, request)
    }

    @Sendable func signOut(_ request: Request, context: Context) async throws -> Response {
        if let (cookie, session) = try sessionWithCookie(request) {
            let form = try await self.form(request)
            guard form.csrf == session.csrfToken else { return csrfRefused(session, request) }
            try store.deleteWebSession(cookie: cookie)
        }
        var response = redirect("/sign-in")
        response.setCookie(expiredCookie(sessionCookie, request))
        return response
    }

    @Sendable func labs(_ request: Request, context: Context) async throws -> Response {
        guard let session = try session(request) else { return redirect("/sign-in") }
        let student = session.student
        let now = Date()
        let viewer = student.viewer(now: now)
        let standings = try store.studentReport(student: student.id).labs
        var rows: [LabsPage.Row] = []
        var seen: [Int64: SubmissionFeedback] = [:]  // the counted submission is often the latest
        for lab in try store.labs() {
            func link(_ id: Int64?) throws -> LabsPage.Row.Link? {
                guard let id,
                    let f = try seen[id] ?? store.submissionFeedback(id: id, viewer: viewer)
                else { return nil }
                seen[id] = f
                var score: String?
                if let final = f.finalScore, let max = f.maxScore {
                    score = "\(formatNumber(final))/\(formatNumber(max))"
                }
                return LabsPage.Row.Link(id: id, status: f.status, score: score)
            }
            let counted = standings.first { $0.labID == lab.id }?.countedSubmissionID
            let latest = try store.latestSubmission(student: student.id, lab: lab.id)?.id
            let used = try store.submissionsSince(
                student: student.id, lab: lab.id, since: now.addingTimeInterval(-3600))
            let left = lab.retiredAt != nil ? "closed"
                : lab.rateLimitPerHour.map { String(max(0, $0 - used)) } ?? "no limit"
            rows.append(LabsPage.Row(
                id: lab.id, title: lab.title, due: lab.due.map(webDate) ?? "no due date",
                lateDue: lab.lateDue.map(webDate), retired: lab.retiredAt != nil,
                counted: try link(counted), latest: try link(latest), left: left))
        }
        return page(
            LabsPage(session: view(session), labs: rows), "labs", status: .ok, request: request)
    }

    @Sendable func feedback(_ request: Request, context: Context) async throws -> Response {
        guard let session = try session(request) else { return redirect("/sign-in") }
        guard let id = context.parameters.get("id", as: Int64.self),
            let feedback = try? submissions.feedback(id: id, viewer: session.student)
        else {
            // Someone else's submission looks exactly like a missing one.
            return page(
                ErrorPage(
                    session: view(session), heading: "No such submission",
                    message: "There is no submission \(context.parameters.get("id") ?? "") of yours.",
                    advice: "Open your submissions from My labs."),
                "error", status: .notFound, request: request)
        }
        return page(
            FeedbackPage(feedback, session: view(session)), "feedback", status: .ok,
            request: request)
    }

    @Sendable func stylesheet(_ request: Request, context: Context) async throws -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "max-age=3600"],
            body: .init(byteBuffer: ByteBuffer(string: WebTemplates.css)))
    }

    // MARK: - Sessions

    /// The signed-in session behind the request's cookie, or nil.
    func session(_ request: Request) throws -> WebSession? { try sessionWithCookie(request)?.1 }

    private func sessionWithCookie(_ request: Request) throws -> (String, WebSession)? {
        guard let cookie = request.cookies[sessionCookie]?.value, !cookie.isEmpty,
            let session = try store.webSession(cookie: cookie)
        else { return nil }
        return (cookie, session)
    }

    private func startSession(for student: StudentRecord, _ request: Request) throws -> Response {
        let session = try store.createWebSession(studentID: student.id, lifetime: webSessionLifetime)
        var response = redirect("/labs")
        response.setCookie(Cookie(
            name: sessionCookie, value: session.cookie, maxAge: Int(webSessionLifetime),
            path: "/", secure: Self.isSecure(request), httpOnly: true, sameSite: .strict))
        response.setCookie(expiredCookie(signInCSRFCookie, request))
        return response
    }

    private func view(_ session: WebSession) -> SessionView {
        SessionView(name: session.student.name, csrf: session.csrfToken)
    }

    private func csrfRefused(_ session: WebSession, _ request: Request) -> Response {
        page(
            ErrorPage(
                session: view(session), heading: "This form was refused",
                message: "It did not carry this page's security token (CSRF), so lmlab could not "
                    + "tell it came from you.",
                advice: "Go back, reload the page and send the form again."),
            "error", status: .forbidden, request: request)
    }

    // MARK: - Responses

    private func signInPage(_ request: Request, problem: String?, status: HTTPResponse.Status)
        -> Response
    {
        // A fresh double-submit token for every form shown.
        let csrf = RandomSecret.hex()
        var response = page(
            SignInPage(csrf: csrf, problem: problem), "sign-in", status: status, request: request)
        response.setCookie(Cookie(
            name: signInCSRFCookie, value: csrf, maxAge: 3600, path: "/sign-in",
            secure: Self.isSecure(request), httpOnly: true, sameSite: .strict))
        return response
    }

    func page(_ model: Any, _ template: String, status: HTTPResponse.Status, request: Request)
        -> Response
    {
        Response(
            status: status,
            headers: [
                .contentType: "text/html; charset=utf-8",
                .cacheControl: "no-store",
                .contentSecurityPolicy:
                    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
                    + "frame-ancestors 'none'; base-uri 'none'",
                .xContentTypeOptions: "nosniff",
                .init("Referrer-Policy")!: "same-origin",
            ],
            body: .init(byteBuffer: ByteBuffer(string: renderer.render(model, template))))
    }

    private func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
    }

    private func expiredCookie(_ name: String, _ request: Request) -> Cookie {
        Cookie(
            name: name, value: "", maxAge: 0, path: name == signInCSRFCookie ? "/sign-in" : "/",
            secure: Self.isSecure(request), httpOnly: true, sameSite: .strict)
    }

    /// The fields the pages' forms post (application/x-www-form-urlencoded, at most 64 KiB).
    struct Form: Decodable {
        var csrf: String?
        var token: String?
    }

    /// The request's form; one that does not decode has no fields (so its CSRF check fails).
    private func form(_ request: Request) async throws -> Form {
        let buffer = try await request.body.collect(upTo: 64 << 10)
        return (try? URLEncodedFormDecoder().decode(Form.self, from: String(buffer: buffer)))
            ?? Form()
    }

    static func isSecure(_ request: Request) -> Bool {
        request.uri.scheme == .https
            || request.headers[.init("X-Forwarded-Proto")!]?.lowercased() == "https"
    }
}

/// "Mon 7 Dec 2026, 23:59 UTC": dates as people read them (the API keeps ISO 8601).
func webDate(_ date: Date) -> String {
    date.formatted(Date.VerbatimFormatStyle(
        format: "\(weekday: .abbreviated) \(day: .defaultDigits) \(month: .abbreviated) \(year: .defaultDigits), \(hour: .twoDigits(clock: .twentyFourHour, hourCycle: .zeroBased)):\(minute: .twoDigits) UTC",
        locale: Locale(identifier: "en_US_POSIX"), timeZone: .gmt, calendar: Calendar(identifier: .gregorian)))
}
