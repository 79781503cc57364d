// A row of `grades`: one grading of a submission. A regrade adds a row and makes it current;
// the old rows stay as history.
import Foundation
import GRDB

public struct GradeRecord: Sendable, Equatable, Codable {
    public var id: Int64?
    /// Set by `LabStore.complete`; callers building a grade leave it at its default.
    public var submissionID: Int64
    public var graderVersion: String
    public var seed: Int64
    /// Points before any late penalty.
    public var score: Double
    public var maxScore: Double
    public var gradedAt: Date
    /// Set by `LabStore.complete`: exactly one grade per submission is current.
    public var isCurrent: Bool

    /// A grade as a worker reports it; `complete` fills in the submission and currency.
    public init(
        graderVersion: String, seed: Int64, score: Double, maxScore: Double,
        gradedAt: Date = Date()
    ) {
        self.id = nil
        self.submissionID = 0
        self.graderVersion = graderVersion
        self.seed = seed
        self.score = score
        self.maxScore = maxScore
        self.gradedAt = gradedAt
        self.isCurrent = false
    }

    enum CodingKeys: String, CodingKey {
        case id, seed, score
        case submissionID = "submission_id"
        case graderVersion = "grader_version"
        case maxScore = "max_score"
        case gradedAt = "graded_at"
        case isCurrent = "is_current"
    }
}

extension GradeRecord: FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "grades"

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
