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

let sessionCookie = "lmlab_session"
let signInCSRFCookie = "lmlab_signin"

struct WebController<Context: RequestContext>: Sendable {
    let web: WebResponder
    let submissions: SubmissionsController<Context>
    /// The labs' points (what GET /api/labs answers), or nil when the daemon has no checker.
    var checker: (any SubmissionChecker)? = nil
    var store: LabStore { web.store }

    func addRoutes(to router: Router<Context>) {
        router.get("/", use: home)
        router.get("sign-in", use: signInForm)
        router.post("sign-in", use: signIn)
        router.get("sign-in/link/:code", use: signInWithLink)
        router.post("sign-out", use: signOut)
        router.get("labs", use: labs)
        router.get("labs/:lab/submit", use: submitForm)
        router.post("labs/:lab/submit", use: submit)
        router.get("submissions/:id", use: feedback)
        router.get("submissions/:id/status", use: status)
        router.get("static/lmlab.css", use: stylesheet)
        router.get("static/lmlab.js", use: script)
    }

    // MARK: - Handlers

    @Sendable func home(_ request: Request, context: Context) async throws -> Response {
        try session(request) == nil ? web.redirect("/sign-in") : web.redirect("/labs")
    }

    @Sendable func signInForm(_ request: Request, context: Context) async throws -> Response {
        if try session(request) != nil { return web.redirect("/labs") }
        let expired = request.uri.queryParameters["expired"] == "1"
        return signInPage(
            request,
            problem: expired
                ? "Your session has ended (12 hours after you signed in, or when you signed "
                    + "out). Sign in again." : nil,
            status: .ok)
    }

    @Sendable func signIn(_ request: Request, context: Context) async throws -> Response {
        let form = try await web.form(SignInForm.self, request)
        guard let expected = request.cookies[signInCSRFCookie]?.value, !expected.isEmpty,
            form?.csrf == expected
        else {
            return signInPage(
                request, problem: "This form had expired. Enter your token again.", status: .forbidden)
        }
        let token = (form?.token ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
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
            return web.page(
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
        if let (cookie, session) = try web.sessionWithCookie(request) {
            let form = try await web.form(CSRFForm.self, request)
            guard web.checkCSRF(form?.csrf, session) else { return web.csrfRefused(session, request) }
            try store.deleteWebSession(cookie: cookie)
        }
        var response = web.redirect("/sign-in")
        response.setCookie(web.expiredCookie(sessionCookie, path: "/", request))
        return response
    }

    @Sendable func labs(_ request: Request, context: Context) async throws -> Response {
        guard let session = try session(request) else { return web.redirect("/sign-in") }
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
            let points = checker?.points(lab: lab.id).map {
                "\(formatNumber($0.total)) (\($0.tests) tests, \(formatNumber($0.visible)) visible)"
            }
            rows.append(LabsPage.Row(
                id: lab.id, title: lab.title, points: points,
                due: lab.due.map(webDate) ?? "no due date",
                lateDue: lab.lateDue.map(webDate), retired: lab.retiredAt != nil,
                counted: try link(counted), latest: try link(latest), left: left))
        }
        return web.page(
            LabsPage(session: web.view(session), labs: rows), "labs", status: .ok, request: request)
    }

    @Sendable func feedback(_ request: Request, context: Context) async throws -> Response {
        guard let session = try session(request) else { return web.redirect("/sign-in") }
        guard let id = context.parameters.get("id", as: Int64.self),
            let feedback = try? submissions.feedback(id: id, viewer: session.student)
        else {
            // Someone else's submission looks exactly like a missing one.
            return web.page(
                ErrorPage(
                    session: web.view(session), heading: "No such submission",
                    message: "There is no submission \(context.parameters.get("id") ?? "") of yours.",
                    advice: "Open your submissions from My labs."),
                "error", status: .notFound, request: request)
        }
        return web.page(
            FeedbackPage(feedback, session: web.view(session)), "feedback", status: .ok,
            request: request)
    }

    @Sendable func submitForm(_ request: Request, context: Context) async throws -> Response {
        guard let session = try session(request) else { return web.signInFirst(request) }
        guard let page = try submitPage(context, session, problem: nil) else {
            return unknownLab(context, session, request)
        }
        return web.page(page, "submit", status: .ok, request: request)
    }

    /// The upload: a .py, an .ipynb or a zipped folder, handed in exactly as the API hands in
    /// (SubmissionsController.admit/enqueue: the same deadlines, limits and checks), then the
    /// submission's page, which follows its grading live.
    @Sendable func submit(_ request: Request, context: Context) async throws -> Response {
        guard let session = try session(request) else { return web.signInFirst(request) }
        guard let labID = context.parameters.get("lab"), try store.lab(id: labID) != nil else {
            return unknownLab(context, session, request)
        }
        func refuse(_ status: HTTPResponse.Status, _ problem: String) throws -> Response {
            guard let page = try submitPage(context, session, problem: problem) else {
                return unknownLab(context, session, request)
            }
            return web.page(page, "submit", status: status, request: request)
        }
        let limit = submissions.configuration.maxSubmissionBytes
        let form: UploadForm
        do {
            // Room for the form's own bytes around the file.
            form = try await UploadForm.read(request, limit: limit + 16 << 10)
        } catch .tooLarge {
            return try refuse(
                .contentTooLarge,
                "The file is larger than \(limit >> 20) MiB. Hand in only your code (no data or "
                    + "checkpoints).")
        } catch {
            return try refuse(.badRequest, "The form did not arrive whole. Choose the file again.")
        }
        guard web.checkCSRF(form.csrf, session) else { return web.csrfRefused(session, request) }
        guard let name = form.filename, !name.isEmpty, let content = form.content,
            !content.isEmpty
        else {
            return try refuse(.badRequest, "Choose a file to hand in (it was missing or empty).")
        }
        let now = Date()
        do {
            try submissions.admit(student: session.student, labID: labID, now: now)
            var filename = name
            var bytes = content
            if name.lowercased().hasSuffix(".zip") {
                (filename, bytes) = try ZippedFolder.bundle(content, filename: name).packed()
            } else {
                try SubmissionCheck.filename(name)
                guard !SubmissionBundle.isBundle(filename: name) else {
                    throw ServerError.badRequest(
                        "\(name) is lmlab's packed folder; upload the folder as a .zip instead")
                }
            }
            let id = try submissions.enqueue(
                student: session.student, labID: labID, filename: filename, content: bytes,
                now: now)
            context.logger.info(
                "submission received",
                metadata: [
                    "submission": "\(id)", "student": "\(session.student.id)", "lab": "\(labID)",
                    "bytes": "\(bytes.count)", "via": "web",
                ])
            return web.redirect("/submissions/\(id)")
        } catch {
            let refusal = ErrorMiddleware<Context>.serverError(for: error)
            if refusal.status == .internalServerError { throw error }
            return try refuse(refusal.status, refusal.clientMessage)
        }
    }

    /// A submission's status for the page's script: `{"status": …, "finished": …}`; the same
    /// rule as the feedback page (someone else's submission is missing).
    @Sendable func status(_ request: Request, context: Context) async throws -> Response {
        guard let session = try session(request),
            let id = context.parameters.get("id", as: Int64.self),
            let feedback = try? submissions.feedback(id: id, viewer: session.student)
        else {
            return Response(
                status: .notFound,
                headers: [.contentType: "application/json", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(string: #"{"error":"no such submission"}"#)))
        }
        let body = #"{"status":"\#(feedback.status)","finished":\#(feedback.isFinished)}"#
        return Response(
            status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    private func submitPage(_ context: Context, _ session: WebSession, problem: String?) throws
        -> SubmitPage?
    {
        guard let labID = context.parameters.get("lab"), let lab = try store.lab(id: labID) else {
            return nil
        }
        let now = Date()
        let used = try store.submissionsSince(
            student: session.student.id, lab: lab.id, since: now.addingTimeInterval(-3600))
        var closed: String?
        if lab.retiredAt != nil {
            closed = "This lab is closed: it takes no more submissions."
        } else if case .closed(let lateDue) = lab.lateRule.standing(at: now) {
            closed = "The late due date (\(webDate(lateDue))) has passed: this lab takes no more "
                + "submissions."
        }
        return SubmitPage(
            session: web.view(session), lab: lab.id, title: lab.title,
            due: lab.due.map(webDate) ?? "no due date", lateDue: lab.lateDue.map(webDate),
            left: lab.rateLimitPerHour.map { "\(max(0, $0 - used)) of \($0)" },
            maxMiB: submissions.configuration.maxSubmissionBytes >> 20, closed: closed,
            problem: problem)
    }

    private func unknownLab(_ context: Context, _ session: WebSession, _ request: Request)
        -> Response
    {
        web.unknownLab(
            context.parameters.get("lab") ?? "", session, advice: "Choose a lab from My labs.",
            request)
    }

    @Sendable func script(_ request: Request, context: Context) async throws -> Response {
        Response(
            status: .ok,
            headers: [
                .contentType: "text/javascript; charset=utf-8", .cacheControl: "max-age=3600",
            ],
            body: .init(byteBuffer: ByteBuffer(string: WebTemplates.script)))
    }

    @Sendable func stylesheet(_ request: Request, context: Context) async throws -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "max-age=3600"],
            body: .init(byteBuffer: ByteBuffer(string: WebTemplates.stylesheet)))
    }

    // MARK: - Sessions

    func session(_ request: Request) throws -> WebSession? { try web.session(request) }

    private func startSession(for student: StudentRecord, _ request: Request) throws -> Response {
        let session = try store.createWebSession(studentID: student.id, lifetime: webSessionLifetime)
        var response = web.redirect("/labs")
        response.setCookie(Cookie(
            name: sessionCookie, value: session.cookie, maxAge: Int(webSessionLifetime),
            path: "/", secure: WebResponder.isSecure(request), httpOnly: true, sameSite: .strict))
        response.setCookie(web.expiredCookie(signInCSRFCookie, path: "/sign-in", request))
        return response
    }

    private func signInPage(_ request: Request, problem: String?, status: HTTPResponse.Status)
        -> Response
    {
        // A fresh double-submit token for every form shown.
        let csrf = RandomSecret.hex()
        var response = web.page(
            SignInPage(csrf: csrf, problem: problem), "sign-in", status: status, request: request)
        response.setCookie(Cookie(
            name: signInCSRFCookie, value: csrf, maxAge: 3600, path: "/sign-in",
            secure: WebResponder.isSecure(request), httpOnly: true, sameSite: .strict))
        return response
    }
}

/// The sign-in form's fields.
struct SignInForm: Decodable {
    var csrf: String?
    var token: String?
}

/// "Mon 7 Dec 2026, 23:59 UTC": dates as people read them (the API keeps ISO 8601).
func webDate(_ date: Date) -> String { date.formatted(webDateStyle) }

/// Made once: a style's locale and calendar cost more to build than a date costs to format.
private let webDateStyle = Date.VerbatimFormatStyle(
    format: "\(weekday: .abbreviated) \(day: .defaultDigits) \(month: .abbreviated) \(year: .defaultDigits), \(hour: .twoDigits(clock: .twentyFourHour, hourCycle: .zeroBased)):\(minute: .twoDigits) UTC",
    locale: Locale(identifier: "en_US_POSIX"), timeZone: .gmt,
    calendar: Calendar(identifier: .gregorian))
