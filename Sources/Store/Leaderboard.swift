// The leaderboard: per student, the submission that counts (best or latest current grade, late
// penalty applied), ranked by score with ties going to the earlier submission.
import Foundation
import GRDB

public struct LeaderboardRow: Sendable, Equatable {
    /// 1, 2, 3, … with no shared ranks: of equal scores, the earlier submission ranks higher.
    public var rank: Int
    /// The student's pseudonym, or their name if names were asked for.
    public var displayName: String
    /// The student's id, only if names were asked for.
    public var studentID: String?
    /// Points after the late penalty.
    public var score: Double
    public var maxScore: Double
    public var late: Bool
    public var submittedAt: Date
    public var submissionID: Int64
}

extension LabStore {
    /// The leaderboard of `lab`, counting each student's best or latest graded submission
    /// (`counting` nil: the lab's own rule). Instructors are left out.
    public func leaderboard(
        lab labID: String, counting: Counting? = nil, includeNames: Bool = false
    ) throws -> [LeaderboardRow] {
        try reader.read { db in
            guard let lab = try LabRecord.fetchOne(db, key: labID) else {
                throw StoreError.unknownLab(labID)
            }
            return try LabStore.standings(db, lab: labID, counting: counting ?? lab.counting)
                .enumerated().map { index, row in
                    LeaderboardRow(
                        rank: index + 1,
                        displayName: includeNames ? row.name : row.pseudonym,
                        studentID: includeNames ? row.studentID : nil,
                        score: row.score, maxScore: row.maxScore, late: row.late,
                        submittedAt: row.submittedAt, submissionID: row.submissionID)
                }
        }
    }

    /// One (non-instructor) student's counted submission, as `standings` keeps it.
    struct StandingRow {
        var studentID: String
        var name: String
        var pseudonym: String
        var submissionID: Int64
        var score: Double
        var maxScore: Double
        var late: Bool
        var submittedAt: Date
    }

    /// The counted submissions of `lab` under `counting`, in leaderboard order: a walk of the
    /// `standings_on_rank` index, each row joined to its student.
    static func standings(_ db: Database, lab labID: String, counting: Counting) throws
        -> [StandingRow]
    {
        // CROSS JOIN keeps standings as the outer loop, so the index gives the order.
        let cursor = try Row.fetchCursor(
            db,
            sql: """
                SELECT x.student_id, st.name, st.pseudonym, x.submission_id, x.score,
                       x.max_score, x.late, x.submitted_at
                FROM standings x CROSS JOIN students st
                WHERE x.lab_id = ? AND x.counting = ? AND st.id = x.student_id
                  AND NOT st.is_instructor
                ORDER BY x.score DESC, x.submitted_at ASC, x.submission_id ASC
                """,
            arguments: [labID, counting.rawValue])
        var rows: [StandingRow] = []
        while let row = try cursor.next() {
            rows.append(
                StandingRow(
                    studentID: row[0], name: row[1], pseudonym: row[2], submissionID: row[3],
                    score: row[4], maxScore: row[5], late: row[6], submittedAt: row[7]))
        }
        return rows
    }
}
