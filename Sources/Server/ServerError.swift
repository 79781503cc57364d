// The daemon's errors, each with the HTTP status it becomes and a message that says what was
// wrong and what to do. Every error reaching a client is turned into one of these by
// ErrorMiddleware, so this file is the one place where errors meet HTTP.
import Foundation
import Hummingbird

public enum ServerError: Error, CustomStringConvertible, Sendable, Equatable {
    case missingToken
    case badToken
    case notInstructor(String)
    case unknownLab(String)
    case submissionNotFound(Int64)
    case studentNotFound(String)
    /// The student has handed nothing in to the lab yet.
    case noSubmission(student: String, lab: String)
    case badRequest(String)
    case tooLarge(limit: Int)
    case rateLimited(lab: String, limit: Int, retryAfterSeconds: Int)
    /// Over the self-check's own limit (POST /api/labs/:lab/check).
    case checkRateLimited(lab: String, limit: Int, retryAfterSeconds: Int)
    case pastLateDue(lab: String, lateDue: Date)
    /// The lab was retired (gone from labs/ at the last sync): no new submissions.
    case retiredLab(String)
    case unavailable(String)
    case internalError(String)
    /// An error Hummingbird raised with its own status (a malformed request, say).
    case http(HTTPResponse.Status, String)
    // Experiment tracking (RunsController).
    case runNotFound(String)
    case experimentNotFound(String)
    /// Another student's run; the owner is not named.
    case notYourRun(String)
    case batchTooLarge(limit: Int)
    /// A param changed, a run id reused in another experiment, logging to an ended run.
    case conflict(String)

    public var status: HTTPResponse.Status {
        switch self {
        case .missingToken, .badToken: .unauthorized
        case .notInstructor: .forbidden
        case .unknownLab, .submissionNotFound, .studentNotFound, .noSubmission: .notFound
        case .badRequest: .badRequest
        case .tooLarge: .contentTooLarge
        case .rateLimited, .checkRateLimited: .tooManyRequests
        case .pastLateDue: .forbidden
        case .retiredLab: .gone
        case .unavailable: .serviceUnavailable
        case .internalError: .internalServerError
        case .http(let status, _): status
        case .runNotFound, .experimentNotFound: .notFound
        case .notYourRun: .forbidden
        case .batchTooLarge: .contentTooLarge
        case .conflict: .conflict
        }
    }

    public var description: String {
        switch self {
        case .missingToken:
            "missing API token: send it as the header 'Authorization: Bearer <token>'"
        case .badToken:
            "unknown API token: check it, or ask your instructor for a new one"
        case .notInstructor(let what):
            "\(what) is for instructors only"
        case .unknownLab(let lab):
            "no lab '\(lab)': check the lab id (as in labs/<lab>/)"
        case .submissionNotFound(let id):
            "no submission \(id) of yours: check the id the submission returned"
        case .studentNotFound(let id):
            "no student '\(id)' on the roster: check the id (GET /api/students lists them)"
        case .noSubmission(let student, let lab):
            "no submission yet: \(student) has handed nothing in to lab '\(lab)'"
        case .badRequest(let message):
            message
        case .tooLarge(let limit):
            "submission too large: at most \(limit) bytes are accepted"
        case .rateLimited(let lab, let limit, let retry):
            "at most \(limit) submissions per hour for lab '\(lab)': try again in \(retry) s"
        case .checkRateLimited(let lab, let limit, let retry):
            "at most \(limit) checks per hour for lab '\(lab)': try again in \(retry) s"
                + " (checks do not count as submissions)"
        case .retiredLab(let lab):
            "lab '\(lab)' was retired (it is no longer in the course's labs/ folder) and accepts"
                + " no new submissions: ask your instructor which lab replaces it"
        case .pastLateDue(let lab, let lateDue):
            "lab '\(lab)' closed on \(lateDue.formatted(.iso8601)): no more submissions"
        case .unavailable(let message):
            message
        case .internalError(let message):
            "internal error: \(message)"
        case .http(let status, let message):
            "\(status.reasonPhrase): \(message)"
        case .runNotFound(let id):
            "no run '\(id)' of yours: check the run id (start it with a batch holding 'start')"
        case .experimentNotFound(let name):
            "no experiment '\(name)': check its name (a run's start creates it)"
        case .notYourRun(let id):
            "run '\(id)' belongs to another student: log to a run of your own (a new run_id)"
        case .batchTooLarge(let limit):
            "batch too large: at most \(limit) bytes per request; send fewer points per batch"
        case .conflict(let message):
            message
        }
    }

    /// What the client reads: the description, except for an internal error, whose detail
    /// (SQL text, server paths) stays in the daemon's log.
    public var clientMessage: String {
        if case .internalError = self {
            return "internal error: the daemon could not answer and logged why; try again, or"
                + " tell your instructor the time of the request"
        }
        return description
    }

    /// Headers the status calls for: Retry-After on 429, WWW-Authenticate on 401.
    var headers: HTTPFields {
        switch self {
        case .rateLimited(_, _, let retry), .checkRateLimited(_, _, let retry):
            [.retryAfter: String(retry)]
        case .missingToken, .badToken:
            [.wwwAuthenticate: "Bearer"]
        default:
            [:]
        }
    }
}
