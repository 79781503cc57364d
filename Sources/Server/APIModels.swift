// The JSON bodies the HTTP API returns. Dates are ISO 8601 strings; names are camelCase.
import Foundation
import Hummingbird
import Store

// POST /api/submissions, GET /api/submissions/:id and GET /api/labs/:lab/leaderboard answer
// with Store's SubmissionReceipt, SubmissionFeedback and LabLeaderboard (the last two filtered
// for the viewer by Grading's Viewer).
extension SubmissionReceipt: ResponseEncodable {}
extension SubmissionFeedback: ResponseEncodable {}
extension LabLeaderboard: ResponseEncodable {}

/// Answer to GET /api/health.
public struct Health: ResponseCodable, Equatable {
    public var status: String
    public var queued: Int
    public var running: Int
    public var workers: Int
    public var busyWorkers: Int
}

extension Date {
    var iso8601: String { formatted(.iso8601) }
}
