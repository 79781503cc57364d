// A row of `labs`: the store's copy of a lab's deadlines and scoring policy, synced from its
// definition so that queries need not read lab files.
import Foundation
import GRDB
import LabConfig

public struct LabRecord: Sendable, Equatable, Codable {
    public var id: String
    /// The lab definition's version (changes when cases or scoring change).
    public var version: String
    public var title: String
    /// Submissions after `due` are late; nil means no deadline.
    public var due: Date?
    /// Submissions after `lateDue` are refused; nil means late submissions are always accepted.
    public var lateDue: Date?
    /// The fraction of the score deducted from a late submission, in 0...1.
    public var latePenalty: Double
    public var counting: Counting
    /// Submissions a student may make per hour; nil means no limit.
    public var rateLimitPerHour: Int?
    /// When the lab was last synced; `syncLab` sets it.
    public var syncedAt: Date
    /// When a sync found the lab gone from labs/ (or invalid); nil while the lab is live.
    public var retiredAt: Date?

    public init(
        id: String, version: String, title: String, due: Date? = nil, lateDue: Date? = nil,
        latePenalty: Double = 0, counting: Counting = .best, rateLimitPerHour: Int? = nil,
        syncedAt: Date = Date(), retiredAt: Date? = nil
    ) {
        self.id = id
        self.version = version
        self.title = title
        self.due = due
        self.lateDue = lateDue
        self.latePenalty = latePenalty
        self.counting = counting
        self.rateLimitPerHour = rateLimitPerHour
        self.syncedAt = syncedAt
        self.retiredAt = retiredAt
    }

    enum CodingKeys: String, CodingKey {
        case id, version, title, due, counting
        case lateDue = "late_due"
        case latePenalty = "late_penalty"
        case rateLimitPerHour = "rate_limit_per_hour"
        case syncedAt = "synced_at"
        case retiredAt = "retired_at"
    }
}

extension LabRecord {
    /// This lab's deadlines and late penalty: the one late rule, as the grader applies it.
    public var lateRule: LateRule { LateRule(due: due, lateDue: lateDue, penalty: latePenalty) }
}

extension Counting: DatabaseValueConvertible {}

extension LabRecord: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "labs"
}
