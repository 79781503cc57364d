// The schema: migrations on an empty database, and SQLite rejecting rows that break invariants.
import Foundation
import GRDB
import TestSupport
import Testing

@testable import Store

struct MigrationsTests {
    @Test func emptyDatabaseGetsEveryMigration() throws {
        // Given an empty in-memory database, when the store opens it
        let store = try LabStore.inMemory()
        // Then every migration is applied and the tables have the columns the brief lists (labs
        // gained retired_at in v4; v5 added the web's sessions and sign-in links)
        let applied = try store.reader.read { db in try LabStore.migrator.appliedIdentifiers(db) }
        #expect(applied == ["v1", "v2-tracking", "v3-standings", "v4-retired-labs", "v5-web-sessions",
                            "v6-feedback-figures"])
        let expected: [String: [String]] = [
            "students": [
                "id", "name", "email", "pseudonym", "token_hash", "is_instructor",
                "created_at",
            ],
            "labs": [
                "id", "version", "title", "due", "late_due", "late_penalty", "counting",
                "rate_limit_per_hour", "synced_at", "retired_at",
            ],
            "submissions": [
                "id", "student_id", "lab_id", "sha256", "filename", "size", "submitted_at",
                "status", "attempts", "lease_owner", "lease_expires_at", "grader_version",
                "seed", "score", "max_score", "late", "penalty", "error", "graded_at",
                "source",
            ],
            "test_results": [
                "id", "submission_id", "grade_id", "name", "component", "points",
                "max_points", "status", "visibility", "diagnosis", "diagnosis_near_miss",
                "message", "max_abs_error", "max_rel_error", "seconds", "slice", "attention",
            ],
            "grades": [
                "id", "submission_id", "grader_version", "seed", "score", "max_score",
                "graded_at", "is_current",
            ],
            "web_sessions": ["secret_hash", "student_id", "csrf_token", "created_at", "expires_at"],
            "sign_in_links": ["code_hash", "student_id", "expires_at"],
        ]
        for (table, columns) in expected {
            let found = try store.reader.read { db in try db.columns(in: table).map(\.name) }
            #expect(found == columns, "table \(table)")
        }
    }

    @Test func fileStoreIsWALAndReopens() throws {
        // Given a store opened on a fresh data directory, holding one student
        let directory = try makeScratchDirectory("lmlab-store")
        defer { try? FileManager.default.removeItem(at: directory) }
        do {
            let store = try LabStore.open(directory: directory)
            try store.addStudent(id: "alice", name: "Alice", now: t0)
        }
        // When it is opened again
        let store = try LabStore.open(directory: directory)
        // Then the journal is WAL, the writer's busy timeout is 5 s, and the student is still there
        let mode = try store.reader.read { db in
            try String.fetchOne(db, sql: "PRAGMA journal_mode")
        }
        // (GRDB gives pool readers their own 10 s timeout; the writer is what waits on locks.)
        let timeout = try store.writer.writeWithoutTransaction { db in
            try Int.fetchOne(db, sql: "PRAGMA busy_timeout")
        }
        #expect(mode == "wal")
        #expect(timeout == 5000)
        #expect(try store.student(id: "alice")?.name == "Alice")
        #expect(
            FileManager.default.fileExists(
                atPath: directory.appendingPathComponent("lmlab.sqlite").path))
    }

    @Test func dataDirectoryResolution() {
        let cwd = URL(fileURLWithPath: "/work/course")
        #expect(
            LabStore.dataDirectory(
                option: "/srv/lmlab", environment: ["LMLAB_HOME": "/x"], currentDirectory: cwd
            ).path == "/srv/lmlab")
        #expect(
            LabStore.dataDirectory(
                option: nil, environment: ["LMLAB_HOME": "/x"], currentDirectory: cwd
            ).path == "/x")
        #expect(
            LabStore.dataDirectory(option: nil, environment: [:], currentDirectory: cwd).path
                == "/work/course/.lmlab")
    }

    /// Runs `sql` in a write and expects SQLite to refuse it.
    private func expectRejected(
        _ store: LabStore, _ sql: String, _ arguments: StatementArguments = [],
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(throws: DatabaseError.self, sourceLocation: sourceLocation) {
            try store.writer.write { db in try db.execute(sql: sql, arguments: arguments) }
        }
    }

    @Test func constraintsRejectBadRows() throws {
        // Given a store with one graded submission
        let store = try makeStore()
        let id = try gradedSubmission(
            store, student: "alice", at: 10, score: 5,
            results: [TestResultRecord(name: "t1", points: 5, maxPoints: 10, status: .fail)])
        let hash = String(repeating: "a", count: 64)
        let insert = """
            INSERT INTO submissions (student_id, lab_id, sha256, filename, size, submitted_at,
                                     status, source, lease_owner, lease_expires_at)
            VALUES (?, ?, ?, 'f.py', 1, '2024-01-01 00:00:00.000', ?, ?, ?, ?)
            """
        // Then SQLite refuses: an unknown student or lab (foreign keys)
        expectRejected(store, insert, ["nobody", "attention", hash, "queued", "cli", nil, nil])
        expectRejected(store, insert, ["alice", "nolab", hash, "queued", "cli", nil, nil])
        // a status or source outside the enumeration, a bad hash
        expectRejected(store, insert, ["alice", "attention", hash, "done", "cli", nil, nil])
        expectRejected(store, insert, ["alice", "attention", hash, "queued", "email", nil, nil])
        expectRejected(store, insert, ["alice", "attention", "abc", "queued", "cli", nil, nil])
        // running without a lease, or queued with one
        expectRejected(store, insert, ["alice", "attention", hash, "running", "cli", nil, nil])
        expectRejected(
            store, insert,
            ["alice", "attention", hash, "queued", "cli", "w", "2024-01-01 00:00:00.000"])
        // a lab counting 'worst', a late penalty above 1
        expectRejected(
            store,
            """
            INSERT INTO labs (id, version, title, counting, synced_at)
            VALUES ('x', '1', 'X', 'worst', '2024-01-01')
            """)
        expectRejected(
            store,
            """
            INSERT INTO labs (id, version, title, late_penalty, synced_at)
            VALUES ('x', '1', 'X', 1.5, '2024-01-01')
            """)
        // a second current grade for the same submission
        expectRejected(
            store,
            """
            INSERT INTO grades (submission_id, grader_version, seed, score, max_score, graded_at,
                                is_current)
            VALUES (?, 'g', 1, 1, 10, '2024-01-01', 1)
            """, [id])
        // a score above the maximum
        expectRejected(
            store,
            """
            INSERT INTO grades (submission_id, grader_version, seed, score, max_score, graded_at,
                                is_current)
            VALUES (?, 'g', 1, 11, 10, '2024-01-01', 0)
            """, [id])
        // a test result whose grade belongs to another submission, or with a bad status
        let otherID = try gradedSubmission(store, student: "bob", at: 20, score: 5)
        let gradeID = try #require(try store.grades(submissionID: id).first?.id)
        let result = """
            INSERT INTO test_results (submission_id, grade_id, name, points, max_points, status,
                                      visibility)
            VALUES (?, ?, 't', 0, 1, ?, 'visible')
            """
        expectRejected(store, result, [otherID, gradeID, "pass"])
        expectRejected(store, result, [id, gradeID, "passed"])
        // a duplicate pseudonym
        let alice = try #require(try store.student(id: "alice"))
        expectRejected(
            store,
            """
            INSERT INTO students (id, name, pseudonym, created_at)
            VALUES ('zed', 'Z', ?, '2024-01-01')
            """,
            [alice.pseudonym])
        // And a valid result row is accepted (the checks are not simply rejecting everything)
        try store.writer.write { db in
            try db.execute(sql: result, arguments: [id, gradeID, "pass"])
        }
    }

    @Test func deletingASubmissionCascadesToGradesAndResults() throws {
        let store = try makeStore()
        let id = try gradedSubmission(
            store, student: "alice", at: 10, score: 5,
            results: [TestResultRecord(name: "t1", points: 5, maxPoints: 10, status: .fail)])
        try store.writer.write { db in
            try db.execute(sql: "DELETE FROM submissions WHERE id = ?", arguments: [id])
        }
        let counts = try store.reader.read { db in
            [
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM grades"),
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM test_results"),
            ]
        }
        #expect(counts == [0, 0])
    }
}
