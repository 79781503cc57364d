// The JSON bodies of the experiment-tracking API (/api/runs, /api/experiments). Unlike the
// submissions API these use snake_case, as the batch protocol (labs/client/PROTOCOL.md) does:
// their main reader is Python. Dates are ISO 8601 strings.
import Foundation
import Hummingbird
import Store
import Tracking

/// Answer to POST /api/runs/batch (PROTOCOL.md): what the batch did.
public struct RunBatchReceipt: ResponseCodable, Equatable {
    public var runID: String
    /// The run's status after the batch: RUNNING, or the end's status.
    public var status: String
    public var params: Int
    public var metrics: Int
    public var tags: Int

    enum CodingKeys: String, CodingKey {
        case status, params, metrics, tags
        case runID = "run_id"
    }
}

/// A metric value in JSON: a number, or "Infinity" / "-Infinity" / "NaN" as the batch
/// protocol writes them (JSON has no such numbers).
public struct JSONNumber: Codable, Sendable, Equatable {
    public var value: Double

    public init(_ value: Double) { self.value = value }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let x = try? container.decode(Double.self) {
            value = x
            return
        }
        switch try container.decode(String.self) {
        case "Infinity": value = .infinity
        case "-Infinity": value = -.infinity
        default: value = .nan
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if value.isFinite {
            try container.encode(value)
        } else {
            try container.encode(value.isNaN ? "NaN" : value > 0 ? "Infinity" : "-Infinity")
        }
    }

    public static func == (a: JSONNumber, b: JSONNumber) -> Bool {
        a.value == b.value || (a.value.isNaN && b.value.isNaN)
    }
}

/// One metric's summary in a run's details. `last` is null when the last point was NaN
/// (`last_is_nan` says so); `min`/`max` are null when every point was NaN.
public struct MetricSummaryBody: Codable, Sendable, Equatable {
    public var last: JSONNumber?
    public var lastIsNaN: Bool
    public var lastStep: Int64
    public var lastTimestamp: Int64
    public var min: JSONNumber?
    public var minStep: Int64?
    public var max: JSONNumber?
    public var maxStep: Int64?
    public var count: Int64
    public var nanCount: Int64

    enum CodingKeys: String, CodingKey {
        case last, min, max, count
        case lastIsNaN = "last_is_nan"
        case lastStep = "last_step"
        case lastTimestamp = "last_timestamp"
        case minStep = "min_step"
        case maxStep = "max_step"
        case nanCount = "nan_count"
    }

    init(_ s: MetricSummaryRecord) {
        // The store keeps NaN as null (SQLite has no NaN); infinities are kept.
        func finite(_ x: Double?) -> JSONNumber? { x.flatMap { $0.isNaN ? nil : JSONNumber($0) } }
        last = finite(s.last)
        lastIsNaN = s.lastIsNaN
        lastStep = s.lastStep
        lastTimestamp = s.lastTimestamp
        min = finite(s.min)
        minStep = s.minStep
        max = finite(s.max)
        maxStep = s.maxStep
        count = s.count
        nanCount = s.nanCount
    }
}

/// A run's own attributes, as search lists them.
public struct RunAttributesBody: Codable, Sendable, Equatable {
    public var id: String
    public var experiment: String
    public var name: String?
    public var student: String?
    /// RUNNING, FINISHED, FAILED, KILLED, or DEAD (RUNNING but silent past the heartbeat
    /// timeout).
    public var status: String
    public var source: String
    public var startTime: String
    public var endTime: String?
    public var heartbeatAt: String
    public var gitCommit: String?
    public var host: String?
    public var environment: String?
    public var deleted: Bool

    enum CodingKeys: String, CodingKey {
        case id, experiment, name, student, status, source, host, environment, deleted
        case startTime = "start_time"
        case endTime = "end_time"
        case heartbeatAt = "heartbeat_at"
        case gitCommit = "git_commit"
    }

    init(_ run: RunRecord, experiment: String, now: Date) {
        id = run.id
        self.experiment = experiment
        name = run.name
        student = run.studentID
        status = run.displayStatus(now: now)
        source = run.source.rawValue
        startTime = run.startTime.iso8601
        endTime = run.endTime?.iso8601
        heartbeatAt = run.heartbeatAt.iso8601
        gitCommit = run.gitCommit
        host = run.host
        environment = run.environment
        deleted = run.deletedAt != nil
    }
}

/// Answer to GET /api/runs/:id.
public struct RunDetailsBody: ResponseCodable, Equatable {
    public var run: RunAttributesBody
    public var params: [String: String]
    public var tags: [String: String]
    /// By metric key.
    public var metrics: [String: MetricSummaryBody]
}

/// A JSON scalar: an ordering's value in search results (a number, a string, or null).
public enum JSONScalar: Codable, Sendable, Equatable {
    case number(Double)
    case string(String)
    case null

    init(_ value: DatabaseValueLike) {
        switch value {
        case .number(let x) where x.isFinite: self = .number(x)
        case .number(let x) where x.isInfinite: self = .string(x > 0 ? "Infinity" : "-Infinity")
        case .text(let s): self = .string(s)
        default: self = .null
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let x = try? container.decode(Double.self) {
            self = .number(x)
        } else {
            self = .string(try container.decode(String.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .number(let x): try container.encode(x)
        case .string(let s): try container.encode(s)
        case .null: try container.encodeNil()
        }
    }
}

/// A database value reduced to what JSON can say (keeps GRDB out of the public models).
enum DatabaseValueLike {
    case number(Double)
    case text(String)
    case null
}

/// Answer to GET /api/experiments/:name/runs.
public struct RunSearchBody: ResponseCodable, Equatable {
    public struct Hit: Codable, Sendable, Equatable {
        public var run: RunAttributesBody
        /// The values of the `order_by` fields, in order (null where the run lacks one).
        public var orderValues: [JSONScalar]

        enum CodingKeys: String, CodingKey {
            case run
            case orderValues = "order_values"
        }
    }

    public var experiment: String
    public var filter: String?
    public var orderBy: String?
    public var limit: Int
    public var runs: [Hit]

    enum CodingKeys: String, CodingKey {
        case experiment, filter, limit, runs
        case orderBy = "order_by"
    }
}

/// Answer to GET /api/experiments/:name/leaderboard.
public struct ExperimentLeaderboardBody: ResponseCodable, Equatable {
    public struct Row: Codable, Sendable, Equatable {
        public var rank: Int
        /// The pseudonym, or the real name for an instructor who asked with ?names=true.
        public var name: String
        /// Only with ?names=true.
        public var student: String?
        /// Only on the viewer's own rows (every row for an instructor): another student's run
        /// id would let them read that run's params and curves.
        public var runID: String?
        public var value: JSONNumber
        public var step: Int64?

        enum CodingKeys: String, CodingKey {
            case rank, name, student, value, step
            case runID = "run_id"
        }
    }

    public var experiment: String
    public var metric: String
    public var order: String
    public var whereFilter: String?
    public var rows: [Row]

    enum CodingKeys: String, CodingKey {
        case experiment, metric, order, rows
        case whereFilter = "where"
    }
}
