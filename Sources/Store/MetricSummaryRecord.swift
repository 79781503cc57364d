// A row of `metric_summaries`: per run and metric, the last value, min, max (NaN ignored),
// counts and the steps of the extremes, kept up to date on every write.
import Foundation
import GRDB

public struct MetricSummaryRecord: Sendable, Equatable, Codable {
    public var runPK: Int64
    public var key: String
    /// The value at the greatest step (of equal steps, the one logged later); nil if NaN.
    public var last: Double?
    public var lastIsNaN: Bool
    public var lastStep: Int64
    public var lastTimestamp: Int64
    /// The smallest non-NaN value and the step it was first reached at; nil if all were NaN.
    public var min: Double?
    public var minStep: Int64?
    public var max: Double?
    public var maxStep: Int64?
    /// Points logged, NaN included.
    public var count: Int64
    public var nanCount: Int64

    public init(
        runPK: Int64, key: String, last: Double?, lastIsNaN: Bool, lastStep: Int64,
        lastTimestamp: Int64, min: Double?, minStep: Int64?, max: Double?, maxStep: Int64?,
        count: Int64, nanCount: Int64
    ) {
        self.runPK = runPK
        self.key = key
        self.last = last
        self.lastIsNaN = lastIsNaN
        self.lastStep = lastStep
        self.lastTimestamp = lastTimestamp
        self.min = min
        self.minStep = minStep
        self.max = max
        self.maxStep = maxStep
        self.count = count
        self.nanCount = nanCount
    }

    /// The step of the best value: the minimum's for a metric to lower, else the maximum's.
    public func bestStep(lowerIsBetter: Bool) -> Int64? { lowerIsBetter ? minStep : maxStep }

    enum CodingKeys: String, CodingKey {
        case key, last, min, max, count
        case runPK = "run_pk"
        case lastIsNaN = "last_is_nan"
        case lastStep = "last_step"
        case lastTimestamp = "last_timestamp"
        case minStep = "min_step"
        case maxStep = "max_step"
        case nanCount = "nan_count"
    }
}

extension MetricSummaryRecord: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "metric_summaries"
}
