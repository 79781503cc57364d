// The leaderboard: per student, the submission that counts (best or latest current grade, late
// penalty applied), ranked by score with ties going to the earlier submission — with only the
// points the viewer may see (LabConfig's Viewer): before the due date a student's board leaves
// every after_due test out, both of the scores and of which submission counts.
import Foundation
import GRDB
import LabConfig

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

/// A lab's ranking as a viewer may see it: what the HTTP API answers and the CLI renders.
public struct LabLeaderboard: Sendable, Codable, Equatable {
    public struct Row: Sendable, Codable, Equatable {
        public var rank: Int
        /// The pseudonym, or the real name for an instructor who asked for names.
        public var name: String
        /// Points after the late penalty, of the tests counted for this viewer.
        public var score: Double
        public var maxScore: Double
        public var submittedAt: String
    }

    public var lab: String
    public var counting: String
    public var rows: [Row]

    public init(lab: String, counting: Counting, rows: [LeaderboardRow]) {
        self.lab = lab
        self.counting = counting.rawValue
        self.rows = rows.map {
            Row(
                rank: $0.rank, name: $0.displayName, score: $0.score, maxScore: $0.maxScore,
                submittedAt: $0.submittedAt.formatted(.iso8601))
        }
    }
}

extension LabStore {
    /// The leaderboard of `lab` as `viewer` may see it, counting each student's best or latest
    /// graded submission (`counting` nil: the lab's own rule). Instructors are left out.
    public func leaderboard(
        lab labID: String, counting: Counting? = nil, includeNames: Bool = false,
        viewer: Viewer = .instructor
    ) throws -> [LeaderboardRow] {
        try reader.read { db in
            guard let lab = try LabRecord.fetchOne(db, key: labID) else {
                throw StoreError.unknownLab(labID)
            }
            let counting = counting ?? lab.counting
            // The stored standings hold whole totals: right for whoever may see every point.
            let rows =
                viewer.seesWholeTotals(due: lab.due)
                ? try LabStore.standings(db, lab: labID, counting: counting)
                : try LabStore.standings(db, lab: lab, counting: counting, viewer: viewer)
            return rows.enumerated().map { index, row in
                LeaderboardRow(
                    rank: index + 1,
                    displayName: includeNames ? row.name : row.pseudonym,
                    studentID: includeNames ? row.studentID : nil,
                    score: row.score, maxScore: row.maxScore, late: row.late,
                    submittedAt: row.submittedAt, submissionID: row.submissionID)
            }
        }
    }

    /// The same as `standings`, computed from the current grades with only the tests `viewer`
    /// may count: each submission's score without the others' points, late penalty applied,
    /// then the counted submission per student and the order exactly as `Standings` picks them.
    static func standings(_ db: Database, lab: LabRecord, counting: Counting, viewer: Viewer)
        throws -> [StandingRow]
    {
        var uncounted: [Int64: (score: Double, max: Double)] = [:]
        let results = try Row.fetchCursor(
            db,
            sql: """
                SELECT g.id, r.visibility, r.points, r.max_points
                FROM submissions s
                JOIN grades g ON g.submission_id = s.id AND g.is_current
                JOIN test_results r ON r.grade_id = g.id
                WHERE s.lab_id = ?
                """,
            arguments: [lab.id])
        while let row = try results.next() {
            let visibility: String = row[1]
            guard !viewer.counts(visibility, due: lab.due) else { continue }
            let points: Double = row[2]
            let maxPoints: Double = row[3]
            let gradeID: Int64 = row[0]
            uncounted[gradeID, default: (0, 0)].score += points
            uncounted[gradeID, default: (0, 0)].max += maxPoints
        }
        let cursor = try Row.fetchCursor(
            db,
            sql: """
                SELECT s.student_id, st.name, st.pseudonym, s.id, g.id, g.score, g.max_score,
                       s.penalty, s.late, s.submitted_at
                FROM submissions s
                JOIN grades g ON g.submission_id = s.id AND g.is_current
                JOIN students st ON st.id = s.student_id AND NOT st.is_instructor
                WHERE s.lab_id = ?
                """,
            arguments: [lab.id])
        var counted: [String: StandingRow] = [:]
        while let row = try cursor.next() {
            let gradeID: Int64 = row[4]
            let score: Double = row[5]
            let maxScore: Double = row[6]
            let penalty: Double = row[7]
            let left = uncounted[gradeID] ?? (0, 0)
            let candidate = StandingRow(
                studentID: row[0], name: row[1], pseudonym: row[2], submissionID: row[3],
                score: LateRule.applying(penalty, to: score - left.score),
                maxScore: maxScore - left.max, late: row[8], submittedAt: row[9])
            if let current = counted[candidate.studentID],
                !candidate.ranksBefore(current, under: counting)
            {
                continue
            }
            counted[candidate.studentID] = candidate
        }
        return counted.values.sorted {
            ($0.score, $1.submittedAt, $1.submissionID) > ($1.score, $0.submittedAt, $0.submissionID)
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

        /// Whether this submission is counted instead of `other` (same student) under
        /// `counting`, as `Standings.pickOrder` decides.
        func ranksBefore(_ other: StandingRow, under counting: Counting) -> Bool {
            switch counting {
            case .best:
                return (score, other.submittedAt, other.submissionID)
                    > (other.score, submittedAt, submissionID)
            case .latest:
                return (submittedAt, submissionID) > (other.submittedAt, other.submissionID)
            }
        }
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
