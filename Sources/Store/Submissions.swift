// Reading submissions back: one by id, a student's latest, recent counts for the rate limit,
// grade history, feedback rows, and the grades export.
import Foundation
import GRDB

/// One roster student's line in a lab's grades export.
public struct GradeExportRow: Sendable, Equatable, Codable {
    public var studentID: String
    public var name: String
    public var email: String?
    /// How many submissions they made (graded or not).
    public var submissions: Int
    /// The counted submission's score after late penalty; nil if nothing was graded.
    public var score: Double?
    public var maxScore: Double?
    public var late: Bool?
    public var submittedAt: Date?
    public var submissionID: Int64?
}

extension LabStore {
    public func submission(id: Int64) throws -> SubmissionRecord? {
        try reader.read { db in try SubmissionRecord.fetchOne(db, key: id) }
    }

    /// The student's most recent submission to the lab, in any status.
    public func latestSubmission(student studentID: String, lab labID: String) throws
        -> SubmissionRecord?
    {
        try reader.read { db in
            try SubmissionRecord.fetchOne(
                db,
                sql: """
                    SELECT * FROM submissions WHERE student_id = ? AND lab_id = ?
                    ORDER BY submitted_at DESC, id DESC LIMIT 1
                    """,
                arguments: [studentID, labID])
        }
    }

    /// How many submissions the student made to the lab at or after `since` (the rate limit).
    public func submissionsSince(student studentID: String, lab labID: String, since: Date)
        throws -> Int
    {
        try reader.read { db in
            try Int.fetchOne(
                db,
                sql: """
                    SELECT COUNT(*) FROM submissions
                    WHERE student_id = ? AND lab_id = ? AND submitted_at >= ?
                    """,
                arguments: [studentID, labID, since]) ?? 0
        }
    }

    /// Every grade of a submission, oldest first; the last current one is in force.
    public func grades(submissionID: Int64) throws -> [GradeRecord] {
        try reader.read { db in
            try GradeRecord.fetchAll(
                db, sql: "SELECT * FROM grades WHERE submission_id = ? ORDER BY id",
                arguments: [submissionID])
        }
    }

    /// The test results of a submission's current grade, in the order they were recorded.
    /// Empty while it has never been graded.
    public func feedback(submissionID: Int64) throws -> [TestResultRecord] {
        try reader.read { db in
            guard try SubmissionRecord.exists(db, key: submissionID) else {
                throw StoreError.unknownSubmission(submissionID)
            }
            return try TestResultRecord.fetchAll(
                db,
                sql: """
                    SELECT r.* FROM test_results r
                    JOIN grades g ON g.id = r.grade_id AND g.is_current
                    WHERE r.submission_id = ? ORDER BY r.id
                    """,
                arguments: [submissionID])
        }
    }

    /// One row per roster student (instructors left out), by id, with the submission that
    /// counts under the lab's rule (its `standings` row, as the leaderboard reads it).
    public func gradesExport(lab labID: String) throws -> [GradeExportRow] {
        try reader.read { db in
            guard let lab = try LabRecord.fetchOne(db, key: labID) else {
                throw StoreError.unknownLab(labID)
            }
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT st.id, st.name, st.email,
                           (SELECT COUNT(*) FROM submissions x
                            WHERE x.student_id = st.id AND x.lab_id = ?1) AS submissions,
                           c.score AS adjusted, c.max_score, c.late, c.submitted_at,
                           c.submission_id
                    FROM students st
                    LEFT JOIN standings c
                        ON c.lab_id = ?1 AND c.student_id = st.id AND c.counting = ?2
                    WHERE NOT st.is_instructor
                    ORDER BY st.id
                    """,
                arguments: [labID, lab.counting.rawValue])
            return rows.map { row in
                GradeExportRow(
                    studentID: row["id"], name: row["name"], email: row["email"],
                    submissions: row["submissions"], score: row["adjusted"],
                    maxScore: row["max_score"], late: row["late"],
                    submittedAt: row["submitted_at"], submissionID: row["submission_id"])
            }
        }
    }
}
