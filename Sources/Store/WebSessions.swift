// Browser sessions for the web pages. A session is a random 256-bit secret in an HttpOnly
// cookie; the store keeps only its SHA-256 (as for API tokens), the student, a CSRF token the
// pages put in every form, and an expiry. Signing out deletes the row, so a copied cookie dies
// with it. One-time sign-in links work the same way: the code's hash, used once, expiring.
import Foundation
import GRDB

/// A signed-in browser: who, the CSRF token its forms must carry, and until when.
public struct WebSession: Sendable, Equatable {
    public var student: StudentRecord
    public var csrfToken: String
    public var expiresAt: Date
}

/// A one-time sign-in code, shown once, and when it stops working.
public struct NewSignInLink: Sendable, Equatable {
    public var code: String
    public var expiresAt: Date
}

/// The secret of a new session, shown once: the cookie's value and the CSRF token.
public struct NewWebSession: Sendable, Equatable {
    public var cookie: String
    public var csrfToken: String
    public var expiresAt: Date
}

enum WebSessions {
    static func migrate(_ db: Database) throws {
        try db.create(table: "web_sessions") { t in
            t.primaryKey("secret_hash", .text)
            t.column("student_id", .text).notNull()
                .references("students", onDelete: .cascade)
            t.column("csrf_token", .text).notNull()
            t.column("created_at", .datetime).notNull()
            t.column("expires_at", .datetime).notNull().indexed()
        }
        try db.create(table: "sign_in_links") { t in
            t.primaryKey("code_hash", .text)
            t.column("student_id", .text).notNull()
                .references("students", onDelete: .cascade)
            t.column("expires_at", .datetime).notNull()
        }
    }
}

/// Unguessable tokens for sessions, links and forms.
public enum RandomSecret {
    /// 32 bytes from the system's cryptographic generator (getrandom), as 64 hex digits.
    public static func hex() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in
            String(format: "%02x", UInt8.random(in: 0...255, using: &generator))
        }.joined()
    }
}

extension LabStore {
    /// Starts a session for `studentID`, valid for `lifetime` seconds from `now`.
    public func createWebSession(
        studentID: String, lifetime: TimeInterval, now: Date = Date()
    ) throws -> NewWebSession {
        let session = NewWebSession(
            cookie: RandomSecret.hex(), csrfToken: RandomSecret.hex(),
            expiresAt: now.addingTimeInterval(lifetime))
        try writer.write { db in
            // Expired sessions go whenever a new one starts: the table stays small.
            try db.execute(sql: "DELETE FROM web_sessions WHERE expires_at <= ?", arguments: [now])
            try db.execute(
                sql: """
                    INSERT INTO web_sessions (secret_hash, student_id, csrf_token, created_at, expires_at)
                    VALUES (?, ?, ?, ?, ?)
                    """,
                arguments: [
                    SHA256.hexDigest(Array(session.cookie.utf8)), studentID, session.csrfToken,
                    now, session.expiresAt,
                ])
        }
        return session
    }

    /// The live session behind a cookie's value, or nil (unknown, signed out or expired).
    public func webSession(cookie: String, now: Date = Date()) throws -> WebSession? {
        let hash = SHA256.hexDigest(Array(cookie.utf8))
        return try reader.read { db -> WebSession? in
            guard let row = try Row.fetchOne(
                db, sql: "SELECT student_id, csrf_token, expires_at FROM web_sessions WHERE secret_hash = ?",
                arguments: [hash]),
                let expires: Date = row["expires_at"], expires > now,
                let student = try StudentRecord.fetchOne(db, key: row["student_id"] as String)
            else { return nil }
            return WebSession(student: student, csrfToken: row["csrf_token"], expiresAt: expires)
        }
    }

    /// Ends the session behind a cookie's value (nothing if there is none).
    public func deleteWebSession(cookie: String) throws {
        let hash = SHA256.hexDigest(Array(cookie.utf8))
        try writer.write { db in
            try db.execute(sql: "DELETE FROM web_sessions WHERE secret_hash = ?", arguments: [hash])
        }
    }

    /// A one-time sign-in code for `studentID`, valid for `lifetime` seconds (nil: no such
    /// student).
    public func createSignInLink(
        studentID: String, lifetime: TimeInterval, now: Date = Date()
    ) throws -> NewSignInLink? {
        let link = NewSignInLink(code: RandomSecret.hex(), expiresAt: now.addingTimeInterval(lifetime))
        let created = try writer.write { db -> Bool in
            guard try StudentRecord.fetchOne(db, key: studentID) != nil else { return false }
            try db.execute(sql: "DELETE FROM sign_in_links WHERE expires_at <= ?", arguments: [now])
            try db.execute(
                sql: "INSERT INTO sign_in_links (code_hash, student_id, expires_at) VALUES (?, ?, ?)",
                arguments: [SHA256.hexDigest(Array(link.code.utf8)), studentID, link.expiresAt])
            return true
        }
        return created ? link : nil
    }

    /// The student a one-time code signs in, consuming it; nil if unknown, used or expired.
    public func redeemSignInLink(code: String, now: Date = Date()) throws -> StudentRecord? {
        let hash = SHA256.hexDigest(Array(code.utf8))
        return try writer.write { db -> StudentRecord? in
            guard let row = try Row.fetchOne(
                db, sql: "SELECT student_id, expires_at FROM sign_in_links WHERE code_hash = ?",
                arguments: [hash])
            else { return nil }
            try db.execute(sql: "DELETE FROM sign_in_links WHERE code_hash = ?", arguments: [hash])
            guard let expires: Date = row["expires_at"], expires > now else { return nil }
            return try StudentRecord.fetchOne(db, key: row["student_id"] as String)
        }
    }
}
