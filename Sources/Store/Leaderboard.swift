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
            guard try LabRecord.exists(db, key: labID) else { throw StoreError.unknownLab(labID) }
            let rows = try Row.fetchAll(
                db,
                sql: LabStore.countedSubmissionsSQL(filter: "s.lab_id = ?") + """
                    SELECT c.*, st.name, st.pseudonym FROM counted c
                    JOIN students st ON st.id = c.student_id
                    WHERE c.pick = 1
                    ORDER BY c.adjusted DESC, c.submitted_at ASC, c.submission_id ASC
                    """,
                arguments: [counting?.rawValue, labID])
            return rows.enumerated().map { index, row in
                LeaderboardRow(
                    rank: index + 1,
                    displayName: includeNames ? row["name"] : row["pseudonym"],
                    studentID: includeNames ? row["student_id"] : nil,
                    score: row["adjusted"], maxScore: row["max_score"], late: row["late"],
                    submittedAt: row["submitted_at"], submissionID: row["submission_id"])
            }
        }
    }

    /// A `WITH` clause defining `counted`: one row per current grade of the (non-instructor)
    /// submissions matching `filter` (over `submissions s`), with `adjusted` = score after the
    /// late penalty and `pick` = 1 on the submission that counts for its (lab, student).
    /// Its first argument is a counting override (NULL: each lab's own rule), then `filter`'s.
    static func countedSubmissionsSQL(filter: String) -> String {
        """
        WITH candidates AS (
            SELECT s.id AS submission_id, s.lab_id, s.student_id, s.submitted_at, s.late,
                   s.penalty, g.score, g.max_score, g.score * (1.0 - s.penalty) AS adjusted,
                   COALESCE(?, l.counting) AS counting
            FROM submissions s
            JOIN grades g ON g.submission_id = s.id AND g.is_current
            JOIN labs l ON l.id = s.lab_id
            JOIN students st ON st.id = s.student_id AND NOT st.is_instructor
            WHERE \(filter)
        ),
        counted AS (
            SELECT *, ROW_NUMBER() OVER (
                PARTITION BY lab_id, student_id
                ORDER BY CASE WHEN counting = 'best' THEN adjusted END DESC,
                         CASE WHEN counting = 'latest' THEN submitted_at END DESC,
                         CASE WHEN counting = 'latest' THEN submission_id END DESC,
                         submitted_at ASC, submission_id ASC
            ) AS pick
            FROM candidates
        )

        """
    }
}
