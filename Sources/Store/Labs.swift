// Labs: the store's copy of each lab's deadlines and scoring policy.
import Foundation
import GRDB

extension LabStore {
    /// Inserts or replaces the lab's row, stamping `syncedAt` with `now`.
    public func syncLab(_ lab: LabRecord, now: Date = Date()) throws {
        var lab = lab
        lab.syncedAt = now
        try writer.write { db in try lab.save(db) }
    }

    public func lab(id: String) throws -> LabRecord? {
        try reader.read { db in try LabRecord.fetchOne(db, key: id) }
    }

    /// Every synced lab, by due date (undated last), then id.
    public func labs() throws -> [LabRecord] {
        try reader.read { db in
            try LabRecord.fetchAll(
                db, sql: "SELECT * FROM labs ORDER BY due IS NULL, due, id")
        }
    }
}
