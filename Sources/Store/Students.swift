// Students: roster import, instructors, API tokens (stored only as their hash) and lookups.
import Foundation
import GRDB

/// What a roster import changed.
public struct RosterImport: Sendable, Equatable {
    public var added: Int
    public var updated: Int
}

extension LabStore {
    /// Imports a roster CSV (see `Roster.parse`) in one transaction: all lines or none.
    /// New students get a pseudonym; known ones get the new name and email, keeping their
    /// pseudonym and token.
    @discardableResult
    public func importRoster(csv: String, now: Date = Date()) throws -> RosterImport {
        let entries = try Roster.parse(csv)
        return try writer.write { db in
            var result = RosterImport(added: 0, updated: 0)
            for entry in entries {
                if try upsertStudent(
                    db, id: entry.id, name: entry.name, email: entry.email, isInstructor: nil,
                    now: now)
                {
                    result.added += 1
                } else {
                    result.updated += 1
                }
            }
            return result
        }
    }

    /// Adds or updates one student (or instructor) and returns the stored row.
    @discardableResult
    public func addStudent(
        id: String, name: String, email: String? = nil, isInstructor: Bool = false,
        now: Date = Date()
    ) throws -> StudentRecord {
        try writer.write { db in
            _ = try upsertStudent(
                db, id: id, name: name, email: email, isInstructor: isInstructor, now: now)
            guard let student = try StudentRecord.fetchOne(db, key: id) else {
                throw StoreError.unknownStudent(id)
            }
            return student
        }
    }

    /// Adds a student, as an instructor asks one by one: an id already on the roster is
    /// refused (StoreError.studentExists) unless `update`, which changes the name and keeps the
    /// stored e-mail when none is given, so a typo cannot silently rename someone.
    public func addStudent(
        id: String, name: String, email: String?, isInstructor: Bool, update: Bool,
        now: Date = Date()
    ) throws -> StudentRecord {
        try writer.write { db in
            var email = email
            if let existing = try StudentRecord.fetchOne(db, key: id) {
                guard update else {
                    throw StoreError.studentExists(id: id, name: existing.name)
                }
                email = email ?? existing.email
            }
            _ = try upsertStudent(
                db, id: id, name: name, email: email, isInstructor: isInstructor, now: now)
            guard let student = try StudentRecord.fetchOne(db, key: id) else {
                throw StoreError.unknownStudent(id)
            }
            return student
        }
    }

    /// Inserts or updates a student; returns true if it was inserted. `isInstructor` nil keeps
    /// the stored flag (false for a new student).
    private func upsertStudent(
        _ db: Database, id: String, name: String, email: String?, isInstructor: Bool?, now: Date
    ) throws -> Bool {
        if var student = try StudentRecord.fetchOne(db, key: id) {
            student.name = name
            student.email = email
            if let isInstructor { student.isInstructor = isInstructor }
            try student.update(db)
            return false
        }
        // Pseudonyms are unique; on the rare collision take the id's next alternative.
        var attempt = 0
        var pseudonym = Pseudonym.make(id: id)
        while try StudentRecord.filter(Column("pseudonym") == pseudonym).fetchCount(db) > 0 {
            attempt += 1
            pseudonym = Pseudonym.make(id: id, attempt: attempt)
        }
        try StudentRecord(
            id: id, name: name, email: email, pseudonym: pseudonym,
            isInstructor: isInstructor ?? false, createdAt: now
        ).insert(db)
        return true
    }

    /// Issues a new API token for a student, replacing any earlier one. The token is returned
    /// once and only its SHA-256 is stored.
    public func issueToken(studentID: String) throws -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let token = SHA256.hex(bytes)
        try writer.write { db in
            try db.execute(
                sql: "UPDATE students SET token_hash = ? WHERE id = ?",
                arguments: [SHA256.hexDigest(token), studentID])
            guard db.changesCount == 1 else { throw StoreError.unknownStudent(studentID) }
        }
        return token
    }

    /// The student holding `token`, or nil if no student does.
    public func student(forToken token: String) throws -> StudentRecord? {
        let hash = SHA256.hexDigest(token)
        return try reader.read { db in
            try StudentRecord.filter(Column("token_hash") == hash).fetchOne(db)
        }
    }

    public func student(id: String) throws -> StudentRecord? {
        try reader.read { db in try StudentRecord.fetchOne(db, key: id) }
    }

    /// Everyone on the roster, instructors included, by id.
    public func students() throws -> [StudentRecord] {
        try reader.read { db in try StudentRecord.order(Column("id")).fetchAll(db) }
    }
}
