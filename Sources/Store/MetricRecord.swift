// A row of `metrics`: one logged point (key, step, value, time); NaN is allowed and flagged.
import Foundation
import GRDB

/// A point as a caller logs it: the value may be NaN or infinite.
public struct MetricPoint: Sendable, Equatable {
    public var key: String
    public var value: Double
    public var step: Int64
    /// Unix milliseconds; nil means "when it is stored".
    public var timestamp: Int64?

    public init(key: String, value: Double, step: Int64, timestamp: Int64? = nil) {
        self.key = key
        self.value = value
        self.step = step
        self.timestamp = timestamp
    }

    // NaN != NaN, so equality compares NaN-ness instead.
    public static func == (a: MetricPoint, b: MetricPoint) -> Bool {
        a.key == b.key && a.step == b.step && a.timestamp == b.timestamp
            && (a.value == b.value || (a.value.isNaN && b.value.isNaN))
    }
}

public struct MetricRecord: Sendable, Equatable, Codable {
    public var runPK: Int64
    public var key: String
    public var step: Int64
    /// nil exactly when the logged value was NaN (SQLite cannot store NaN).
    public var value: Double?
    public var isNaN: Bool
    /// Unix milliseconds.
    public var timestamp: Int64

    public init(runPK: Int64, key: String, step: Int64, value: Double, timestamp: Int64) {
        self.runPK = runPK
        self.key = key
        self.step = step
        self.value = value.isNaN ? nil : value
        self.isNaN = value.isNaN
        self.timestamp = timestamp
    }

    /// The logged value, NaN included.
    public var loggedValue: Double { value ?? .nan }

    enum CodingKeys: String, CodingKey {
        case key, step, value, timestamp
        case runPK = "run_pk"
        case isNaN = "is_nan"
    }
}

extension MetricRecord: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "metrics"
}
