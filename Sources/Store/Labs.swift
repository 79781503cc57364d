// Labs: the store's copy of each lab's deadlines and scoring policy.
import Foundation
import GRDB

extension LabStore {
    /// Inserts or replaces the lab's row, stamping `syncedAt` with `now`; a retired lab synced
    /// again is live again.
    public func syncLab(_ lab: LabRecord, now: Date = Date()) throws {
        var lab = lab
        lab.syncedAt = now
        lab.retiredAt = nil
        try writer.write { db in try lab.save(db) }
    }

    /// Marks every live lab whose id is not in `live` as retired at `now` (a lab gone from
    /// labs/ or no longer valid); its rows stay. Returns the ids newly retired.
    @discardableResult
    public func retireLabs(except live: Set<String>, now: Date = Date()) throws -> [String] {
        try writer.write { db in
            let ids = try String.fetchAll(
                db, sql: "SELECT id FROM labs WHERE retired_at IS NULL ORDER BY id"
            ).filter { !live.contains($0) }
            for id in ids {
                try db.execute(
                    sql: "UPDATE labs SET retired_at = ? WHERE id = ?", arguments: [now, id])
            }
            return ids
        }
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
