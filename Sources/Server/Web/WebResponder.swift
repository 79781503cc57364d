// What every web controller shares: the session behind a request's cookie, rendering a page
// with the security headers, redirects, refusals and forms. Student, instructor and lecture
// pages each have their own controller; all of them answer through this one responder, so a
// header, a cookie attribute or the CSRF check is written once.
import Foundation
import Hummingbird
import Store

struct WebResponder: Sendable {
    let store: LabStore
    let renderer: WebRenderer

    /// The signed-in session behind the request's cookie, or nil (none, unknown or expired).
    func session(_ request: Request) throws -> WebSession? { try sessionWithCookie(request)?.1 }

    func sessionWithCookie(_ request: Request) throws -> (String, WebSession)? {
        guard let cookie = request.cookies[sessionCookie]?.value, !cookie.isEmpty,
            let session = try store.webSession(cookie: cookie)
        else { return nil }
        return (cookie, session)
    }

    /// The layout's view of the signed-in person.
    func view(_ session: WebSession) -> SessionView {
        SessionView(
            name: session.student.name, csrf: session.csrfToken,
            instructor: session.student.isInstructor)
    }

    /// An HTML page: `model` rendered with `template`, never cached, under a strict CSP (styles
    /// and scripts only from lmlab itself, no inline script, forms only to lmlab).
    func page(_ model: Any, _ template: String, status: HTTPResponse.Status, request: Request)
        -> Response
    {
        Response(
            status: status,
            headers: [
                .contentType: "text/html; charset=utf-8",
                .cacheControl: "no-store",
                .contentSecurityPolicy:
                    "default-src 'none'; style-src 'self'; script-src 'self'; connect-src 'self'; "
                    + "img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; "
                    + "base-uri 'none'",
                .xContentTypeOptions: "nosniff",
                .init("Referrer-Policy")!: "same-origin",
            ],
            body: .init(byteBuffer: ByteBuffer(string: renderer.render(model, template))))
    }

    /// A page saying what went wrong and what to do, with its status code.
    func problem(
        _ session: WebSession?, status: HTTPResponse.Status, heading: String, message: String,
        advice: String, request: Request
    ) -> Response {
        page(
            ErrorPage(
                session: session.map(view), heading: heading, message: message, advice: advice),
            "error", status: status, request: request)
    }

    /// 404 for a lab that is not in the course; `advice` says where the viewer finds the labs.
    func unknownLab(_ id: String, _ session: WebSession, advice: String, _ request: Request)
        -> Response
    {
        problem(
            session, status: .notFound, heading: "No such lab",
            message: "There is no lab '\(id)' in this course.",
            advice: advice + " A lab appears once lmlab serve has synced it from the labs folder.",
            request: request)
    }

    /// 403 for a signed-in form that did not carry the session's CSRF token.
    func csrfRefused(_ session: WebSession, _ request: Request) -> Response {
        problem(
            session, status: .forbidden, heading: "This form was refused",
            message: "It did not carry this page's security token (CSRF), so lmlab could not "
                + "tell it came from you.",
            advice: "Go back, reload the page and send the form again.", request: request)
    }

    /// 403 for a student opening an instructor's page.
    func instructorsOnly(_ session: WebSession, _ request: Request) -> Response {
        problem(
            session, status: .forbidden, heading: "For instructors only",
            message: "This page is for the course's instructors.",
            advice: "Your own labs, feedback and runs are under My labs.", request: request)
    }

    func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
    }

    /// Sends a browser without a session to the sign-in page; one whose cookie no longer
    /// names a session (expired, or ended at sign-out elsewhere) is told so there.
    func signInFirst(_ request: Request) -> Response {
        let stale = !(request.cookies[sessionCookie]?.value ?? "").isEmpty
        return redirect(stale ? "/sign-in?expired=1" : "/sign-in")
    }

    func expiredCookie(_ name: String, path: String, _ request: Request) -> Cookie {
        Cookie(
            name: name, value: "", maxAge: 0, path: path, secure: Self.isSecure(request),
            httpOnly: true, sameSite: .strict)
    }

    /// The request's urlencoded form (at most 64 KiB) as `T`; nil when it does not decode (so a
    /// CSRF check on it fails).
    func form<T: Decodable>(_ type: T.Type, _ request: Request) async throws -> T? {
        let buffer = try await request.body.collect(upTo: 64 << 10)
        return try? URLEncodedFormDecoder().decode(T.self, from: String(buffer: buffer))
    }

    /// Whether a signed-in form carries the session's CSRF token.
    func checkCSRF(_ csrf: String?, _ session: WebSession) -> Bool {
        guard let csrf, !csrf.isEmpty else { return false }
        return csrf == session.csrfToken
    }

    static func isSecure(_ request: Request) -> Bool {
        request.uri.scheme == .https
            || request.headers[.init("X-Forwarded-Proto")!]?.lowercased() == "https"
    }
}

/// A form that carries only its CSRF token (sign-out, buttons).
struct CSRFForm: Decodable {
    var csrf: String?
}
