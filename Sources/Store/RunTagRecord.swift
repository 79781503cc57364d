// A row of `run_tags`: a free-form label on a run (mutable, unlike params).
import Foundation
import GRDB

public struct RunTagRecord: Sendable, Equatable, Codable {
    public var runPK: Int64
    public var key: String
    public var value: String

    public init(runPK: Int64, key: String, value: String) {
        self.runPK = runPK
        self.key = key
        self.value = value
    }

    enum CodingKeys: String, CodingKey {
        case key, value
        case runPK = "run_pk"
    }
}

extension RunTagRecord: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "run_tags"
}
