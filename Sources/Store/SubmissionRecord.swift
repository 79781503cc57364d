// A row of `submissions`: one uploaded file, its place in the grading queue, and (once graded)
// a copy of its current grade.
import Foundation
import GRDB

public enum SubmissionStatus: String, Sendable, Codable, CaseIterable {
    case queued, running, graded, error
}

/// Where a submission came from.
public enum SubmissionSource: String, Sendable, Codable, CaseIterable {
    case cli, http, drop, demo, regrade
}

public struct SubmissionRecord: Sendable, Equatable, Codable {
    public var id: Int64?
    public var studentID: String
    public var labID: String
    /// The SHA-256 hex of the content, which names its blob.
    public var sha256: String
    public var filename: String
    public var size: Int
    public var submittedAt: Date
    public var status: SubmissionStatus
    /// How many times a worker has claimed it (crash recovery gives up after a limit).
    public var attempts: Int
    public var leaseOwner: String?
    public var leaseExpiresAt: Date?
    // The current grade, copied here so the queue and simple views need no join.
    public var graderVersion: String?
    public var seed: Int64?
    public var score: Double?
    public var maxScore: Double?
    /// Whether it arrived after the lab's due date (decided when it is enqueued).
    public var late: Bool
    /// The fraction deducted from its score: the lab's late penalty if late, else 0.
    public var penalty: Double
    public var error: String?
    public var gradedAt: Date?
    public var source: SubmissionSource

    public init(
        id: Int64? = nil, studentID: String, labID: String, sha256: String, filename: String,
        size: Int, submittedAt: Date, status: SubmissionStatus = .queued, attempts: Int = 0,
        leaseOwner: String? = nil, leaseExpiresAt: Date? = nil, graderVersion: String? = nil,
        seed: Int64? = nil, score: Double? = nil, maxScore: Double? = nil, late: Bool = false,
        penalty: Double = 0, error: String? = nil, gradedAt: Date? = nil,
        source: SubmissionSource
    ) {
        self.id = id
        self.studentID = studentID
        self.labID = labID
        self.sha256 = sha256
        self.filename = filename
        self.size = size
        self.submittedAt = submittedAt
        self.status = status
        self.attempts = attempts
        self.leaseOwner = leaseOwner
        self.leaseExpiresAt = leaseExpiresAt
        self.graderVersion = graderVersion
        self.seed = seed
        self.score = score
        self.maxScore = maxScore
        self.late = late
        self.penalty = penalty
        self.error = error
        self.gradedAt = gradedAt
        self.source = source
    }

    enum CodingKeys: String, CodingKey {
        case id, sha256, filename, size, status, attempts, seed, score, late, penalty, error
        case source
        case studentID = "student_id"
        case labID = "lab_id"
        case submittedAt = "submitted_at"
        case leaseOwner = "lease_owner"
        case leaseExpiresAt = "lease_expires_at"
        case graderVersion = "grader_version"
        case maxScore = "max_score"
        case gradedAt = "graded_at"
    }
}

extension SubmissionStatus: DatabaseValueConvertible {}
extension SubmissionSource: DatabaseValueConvertible {}

extension SubmissionRecord: FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "submissions"

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
