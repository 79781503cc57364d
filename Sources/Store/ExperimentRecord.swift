// A row of `experiments`: a named group of runs to search, compare and rank, optionally tied to
// a lab.
import Foundation
import GRDB

public struct ExperimentRecord: Sendable, Equatable, Codable {
    public var id: Int64?
    public var name: String
    public var labID: String?
    public var createdAt: Date

    public init(id: Int64? = nil, name: String, labID: String? = nil, createdAt: Date) {
        self.id = id
        self.name = name
        self.labID = labID
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id, name
        case labID = "lab_id"
        case createdAt = "created_at"
    }
}

extension ExperimentRecord: FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "experiments"

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
