// The JSON bodies the HTTP API returns. Dates are ISO 8601 strings; names are camelCase.
import Foundation
import Hummingbird
import Store

// POST /api/submissions, GET /api/submissions/:id and GET /api/labs/:lab/leaderboard answer
// with Store's SubmissionReceipt, SubmissionFeedback and LabLeaderboard (the last two filtered
// for the viewer by LabConfig's Viewer).
extension SubmissionReceipt: ResponseEncodable {}
extension SubmissionFeedback: ResponseEncodable {}
extension LabLeaderboard: ResponseEncodable {}

/// Answer to POST /api/labs/:lab/check: the visible tests only, run in the sandbox; nothing is
/// stored and it is not a submission.
public struct CheckReport: ResponseCodable, Equatable {
    public var lab: String
    public var filename: String
    /// Over the visible tests.
    public var score: Double
    public var maxScore: Double
    public var tests: [TestFeedback]
    /// Wall-clock seconds the check took on the server.
    public var seconds: Double
}

/// One lab in GET /api/labs.
public struct LabSummary: Codable, Sendable, Equatable {
    public var id: String
    public var title: String
    public var due: String?
    public var lateDue: String?
    public var latePenalty: Double
    public var counting: String
    public var rateLimitPerHour: Int?
    /// All tests' points and the visible ones' (what a check can earn); nil when the daemon has
    /// no grader for the lab.
    public var points: Double?
    public var visiblePoints: Double?
    public var tests: Int?
    public var visibleTests: Int?
}

/// Answer to GET /api/labs.
public struct LabsBody: ResponseCodable, Equatable {
    public var labs: [LabSummary]
    /// Self-checks allowed per lab and hour.
    public var checkRateLimitPerHour: Int
}


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
