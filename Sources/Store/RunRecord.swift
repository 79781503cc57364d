// A row of `runs`: one training or evaluation run, its lifecycle (status, heartbeat) and where
// it came from.
import Foundation
import GRDB

public enum RunStatus: String, Sendable, Codable, CaseIterable {
    case running = "RUNNING"
    case finished = "FINISHED"
    case failed = "FAILED"
    case killed = "KILLED"
}

/// Who vouches for a run's numbers: the student's own logging, lmlab's built-in runner, or a
/// result the grader re-computed.
public enum RunSource: String, Sendable, Codable, CaseIterable {
    case logged
    case builtIn = "built-in"
    case verified
}

public struct RunRecord: Sendable, Equatable, Codable {
    /// The compact key child tables use; nil before insertion.
    public var pk: Int64?
    /// The run id: the caller's (so a run can be resumed) or a generated one.
    public var id: String
    public var experimentID: Int64
    public var studentID: String?
    public var name: String?
    public var status: RunStatus
    public var startTime: Date
    public var endTime: Date?
    /// The last time the run logged anything; a RUNNING run whose heartbeat stops is dead.
    public var heartbeatAt: Date
    public var source: RunSource
    public var gitCommit: String?
    public var host: String?
    public var environment: String?
    /// Set by a soft delete; `runs gc` removes such runs for good.
    public var deletedAt: Date?

    public init(
        pk: Int64? = nil, id: String, experimentID: Int64, studentID: String? = nil,
        name: String? = nil, status: RunStatus = .running, startTime: Date, endTime: Date? = nil,
        heartbeatAt: Date? = nil, source: RunSource = .logged, gitCommit: String? = nil,
        host: String? = nil, environment: String? = nil, deletedAt: Date? = nil
    ) {
        self.pk = pk
        self.id = id
        self.experimentID = experimentID
        self.studentID = studentID
        self.name = name
        self.status = status
        self.startTime = startTime
        self.endTime = endTime
        self.heartbeatAt = heartbeatAt ?? startTime
        self.source = source
        self.gitCommit = gitCommit
        self.host = host
        self.environment = environment
        self.deletedAt = deletedAt
    }

    /// Whether the run claims to be running but has not logged for `timeout` seconds.
    public func isDead(now: Date = Date(), timeout: TimeInterval = RunRecord.heartbeatTimeout)
        -> Bool
    {
        status == .running && now.timeIntervalSince(heartbeatAt) > timeout
    }

    /// The status as every output shows it: RUNNING, FINISHED, FAILED, KILLED, or DEAD for a
    /// running run silent past the heartbeat timeout.
    public func displayStatus(now: Date = Date()) -> String {
        isDead(now: now) ? "DEAD" : status.rawValue
    }

    /// How long a RUNNING run may stay silent before it is shown as dead.
    public static let heartbeatTimeout: TimeInterval = 600

    enum CodingKeys: String, CodingKey {
        case pk, id, name, status, source, host, environment
        case experimentID = "experiment_id"
        case studentID = "student_id"
        case startTime = "start_time"
        case endTime = "end_time"
        case heartbeatAt = "heartbeat_at"
        case gitCommit = "git_commit"
        case deletedAt = "deleted_at"
    }
}

extension RunStatus: DatabaseValueConvertible {}
extension RunSource: DatabaseValueConvertible {}

extension RunRecord: FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "runs"

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        pk = inserted.rowID
    }
}
