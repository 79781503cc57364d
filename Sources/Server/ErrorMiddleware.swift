// Turns every error a handler throws into `{"error": "…"}` with its status: the one place
// where errors become HTTP responses.
import Foundation
import Hummingbird
import Logging
import Store
import Tracking

struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(
        _ request: Request, context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            var serverError = Self.serverError(for: error)
            if case .http(.notFound, _) = serverError {
                serverError = .http(.notFound, "no endpoint \(request.method) \(request.uri.path)")
            }
            if serverError.status == .internalServerError {
                context.logger.error(
                    "request failed",
                    metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            }
            // A browser asking for a page lmlab does not have gets a page, not JSON.
            if !request.uri.path.hasPrefix("/api/"), !request.uri.path.hasPrefix("/client/"),
                request.headers[.accept]?.contains("text/html") == true
            {
                return Self.page(for: serverError)
            }
            return Self.response(for: serverError)
        }
    }

    /// Maps any error to a ServerError; errors Hummingbird raises keep their status.
    static func serverError(for error: any Error) -> ServerError {
        switch error {
        case let error as ServerError:
            return error
        case let error as StoreError:
            switch error {
            case .unknownLab(let lab): return .unknownLab(lab)
            case .retiredLab(let lab): return .retiredLab(lab)
            case .unknownSubmission(let id): return .submissionNotFound(id)
            case .pastLateDeadline(let lab, let lateDue):
                return .pastLateDue(lab: lab, lateDue: lateDue)
            // A token whose student was removed, say: the client cannot act on more detail.
            case .unknownStudent: return .badToken
            case .roster: return .badRequest(error.description)
            case .studentExists: return .conflict(error.description)
            case .rateLimited(let lab, let limit, let retry):
                return .rateLimited(lab: lab, limit: limit, retryAfterSeconds: retry)
            default: return .internalError(error.description)
            }
        case let error as RunsError:
            switch error {
            case .unknownRun(let id): return .runNotFound(id)
            case .unknownExperiment(let name): return .experimentNotFound(name)
            case .notYourRun(let id, _): return .notYourRun(id)
            case .runNotActive, .runInOtherExperiment, .paramChanged:
                return .conflict(error.description)
            case .invalidBatch, .invalidRunID, .invalidExperimentName:
                return .badRequest(error.description)
            }
        case let error as TrackingError:
            switch error {
            case .syntax, .unknownField, .badComparison, .tooComplex, .batch, .unknownMetric:
                return .badRequest(error.description)
            case .nothingToPlot, .io:
                return .internalError(error.description)
            }
        case let error as HTTPError:
            return .http(error.status, error.body ?? error.status.reasonPhrase)
        case let error as any HTTPResponseError:
            return .http(error.status, "\(error)")
        default:
            return .internalError("\(error)")
        }
    }

    /// The error as a small page a browser shows: what went wrong and a way back. The message
    /// is escaped; the page needs nothing else from lmlab (it works when templates would not).
    static func page(for error: ServerError) -> Response {
        let message = SVGPlot.escape(error.clientMessage)
        let heading = error.status == .notFound ? "No such page" : "Something went wrong"
        let html = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(heading) · lmlab</title><link rel="stylesheet" href="/static/lmlab.css"></head>
            <body><main id="main"><h1>\(heading)</h1><p class="problem" role="alert">\(message)</p>
            <p><a href="/">Go to lmlab's start page</a> (My labs, or the sign-in page).</p>
            </main></body></html>
            """
        var headers = error.headers
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.contentSecurityPolicy] = "default-src 'none'; style-src 'self'"
        return Response(
            status: error.status, headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }

    static func response(for error: ServerError) -> Response {
        var headers = error.headers
        headers[.contentType] = "application/json; charset=utf-8"
        let body = (try? JSONEncoder().encode(["error": error.clientMessage])) ?? Data()
        return Response(
            status: error.status, headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }
}
