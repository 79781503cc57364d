// Reports for instructors (a lab across the class, the class across labs) and for one student
// (across labs). Codable: the daemon sends them as they are and the CLI renders either copy.
import Foundation
import GRDB

/// Students whose counted score falls in [lowerPercent, upperPercent) of the maximum (the last
/// bucket includes 100%).
public struct ScoreBucket: Sendable, Equatable, Codable {
    public var lowerPercent: Int
    public var upperPercent: Int
    public var count: Int
}

/// How many counted submissions passed a test.
public struct TestPassRate: Sendable, Equatable, Codable {
    public var name: String
    public var component: String?
    public var passed: Int
    public var total: Int
    public var rate: Double { total == 0 ? 0 : Double(passed) / Double(total) }
}

/// How often a diagnosed mistake was seen in the lab's graded submissions.
public struct DiagnosisCount: Sendable, Equatable, Codable {
    public var diagnosis: String
    /// Test results carrying it (near misses excluded).
    public var occurrences: Int
    /// Distinct students who made it.
    public var students: Int
}

public struct ClassReport: Sendable, Equatable, Codable {
    public var labID: String
    /// Students on the roster (instructors left out).
    public var rosterSize: Int
    /// Students with at least one submission.
    public var submitters: Int
    /// Students with a graded submission that counts.
    public var graded: Int
    /// Ten buckets of 10% of the counted scores.
    public var histogram: [ScoreBucket]
    /// Per test, over each student's counted submission; by name.
    public var passRates: [TestPassRate]
    /// Over every graded submission (the mistakes made on the way); most students first.
    public var diagnoses: [DiagnosisCount]
    /// Students whose counted submission is late.
    public var lateCount: Int
    /// Roster students with no submission at all, by id.
    public var missingStudents: [String]
}

/// One lab as one student stands in it.
public struct StudentLabSummary: Sendable, Equatable, Codable {
    public var labID: String
    public var title: String
    public var submissions: Int
    /// The status of the latest submission, nil if none.
    public var latestStatus: SubmissionStatus?
    /// The submission that counts under the lab's rule, nil if none is graded.
    public var countedSubmissionID: Int64?
    /// Its score after late penalty.
    public var score: Double?
    public var maxScore: Double?
    public var late: Bool?
}

public struct StudentReport: Sendable, Equatable, Codable {
    /// Over HTTP its token hash is left out (see `withoutSecrets`).
    public var student: StudentRecord
    /// Every synced lab, in `labs()` order.
    public var labs: [StudentLabSummary]
}

extension StudentReport {
    /// The report with the student's token hash removed, for sending over the network.
    public var withoutSecrets: StudentReport {
        var copy = self
        copy.student.tokenHash = nil
        return copy
    }
}

/// One lab's line in the class overview (`lmlab report class`).
public struct ClassOverviewRow: Codable, Sendable, Equatable {
    public var lab: String
    public var title: String
    public var due: Date?
    public var submitters: Int
    public var graded: Int
    /// Mean of the counted scores as a fraction of the maximum; nil when nothing is graded.
    public var meanFraction: Double?
    public var late: Int
    public var missing: Int
    /// When a sync found the lab gone from labs/; nil for a live lab.
    public var retiredAt: Date?
}

/// A roster student's counted submission of a lab with the results of its current grade: what
/// a Gradescope results.json is made of.
public struct CountedSubmission: Codable, Sendable, Equatable {
    public var studentID: String
    public var submission: SubmissionRecord
    public var results: [TestResultRecord]
}

extension LabStore {
    /// One row per synced lab, in `labs()` order.
    public func classOverview() throws -> [ClassOverviewRow] {
        let labs = try labs()
        return try reader.read { db in
            try labs.map { lab in
                // The lab's leaderboard, read once for both the report and the mean.
                let board = try LabStore.standings(db, lab: lab.id, counting: lab.counting)
                let report = try LabStore.classReport(db, lab: lab, board: board)
                let fractions = board.compactMap {
                    $0.maxScore > 0 ? $0.score / $0.maxScore : nil
                }
                return ClassOverviewRow(
                    lab: lab.id, title: lab.title, due: lab.due, submitters: report.submitters,
                    graded: report.graded,
                    meanFraction: fractions.isEmpty
                        ? nil : fractions.reduce(0, +) / Double(fractions.count),
                    late: report.lateCount, missing: report.missingStudents.count,
                    retiredAt: lab.retiredAt)
            }
        }
    }

    /// The counted submission of each roster student of `lab` who has one (by student id),
    /// with its current results.
    public func countedSubmissions(lab labID: String) throws -> [CountedSubmission] {
        var counted: [CountedSubmission] = []
        for row in try gradesExport(lab: labID) {
            guard let id = row.submissionID, let submission = try submission(id: id) else {
                continue
            }
            counted.append(
                CountedSubmission(
                    studentID: row.studentID, submission: submission,
                    results: try feedback(submissionID: id)))
        }
        return counted
    }

    public func classReport(lab labID: String) throws -> ClassReport {
        try reader.read { db in
            guard let lab = try LabRecord.fetchOne(db, key: labID) else {
                throw StoreError.unknownLab(labID)
            }
            let board = try LabStore.standings(db, lab: labID, counting: lab.counting)
            return try LabStore.classReport(db, lab: lab, board: board)
        }
    }

    /// The class report of `lab` whose leaderboard under its own rule is `board`. Everything
    /// reads `standings` and `diagnosis_counts` (kept by triggers) and index probes per roster
    /// student; no scan of the lab's submissions or results.
    static func classReport(_ db: Database, lab: LabRecord, board: [StandingRow]) throws
        -> ClassReport
    {
        let labID = lab.id
        let rosterSize =
            try Int.fetchOne(
                db, sql: "SELECT COUNT(*) FROM students WHERE NOT is_instructor") ?? 0
        let missing = try String.fetchAll(
            db,
            sql: """
                SELECT id FROM students st
                WHERE NOT is_instructor
                  AND NOT EXISTS (SELECT 1 FROM submissions s
                                  WHERE s.lab_id = ? AND s.student_id = st.id)
                ORDER BY id
                """,
            arguments: [labID])

        var histogram = (0..<10).map {
            ScoreBucket(lowerPercent: 10 * $0, upperPercent: 10 * $0 + 10, count: 0)
        }
        for row in board {
            let fraction = row.maxScore > 0 ? row.score / row.maxScore : 0
            histogram[min(max(Int((fraction * 10).rounded(.down)), 0), 9)].count += 1
        }

        // The results of each student's counted grade, through test_results_on_grade.
        let passRows = try Row.fetchAll(
            db,
            sql: """
                SELECT r.name, r.component, SUM(r.status = 'pass') AS passed,
                       COUNT(*) AS total
                FROM standings x CROSS JOIN students st CROSS JOIN test_results r
                WHERE x.lab_id = ? AND x.counting = ? AND st.id = x.student_id
                  AND NOT st.is_instructor AND r.grade_id = x.grade_id
                GROUP BY r.name, r.component
                ORDER BY r.name, r.component
                """,
            arguments: [labID, lab.counting.rawValue])
        let passRates = passRows.map {
            TestPassRate(
                name: $0["name"], component: $0["component"], passed: $0["passed"],
                total: $0["total"])
        }

        let diagnosisRows = try Row.fetchAll(
            db,
            sql: """
                SELECT d.diagnosis, SUM(d.occurrences) AS occurrences,
                       COUNT(*) AS students
                FROM diagnosis_counts d CROSS JOIN students st
                WHERE d.lab_id = ? AND st.id = d.student_id AND NOT st.is_instructor
                GROUP BY d.diagnosis
                ORDER BY students DESC, occurrences DESC, d.diagnosis
                """,
            arguments: [labID])
        let diagnoses = diagnosisRows.map {
            DiagnosisCount(
                diagnosis: $0["diagnosis"], occurrences: $0["occurrences"],
                students: $0["students"])
        }

        let submitters =
            try Int.fetchOne(
                db,
                sql: """
                    SELECT COUNT(*) FROM students st
                    WHERE NOT st.is_instructor
                      AND EXISTS (SELECT 1 FROM submissions s
                                  WHERE s.lab_id = ? AND s.student_id = st.id)
                    """,
                arguments: [labID]) ?? 0

        return ClassReport(
            labID: labID, rosterSize: rosterSize, submitters: submitters,
            graded: board.count, histogram: histogram, passRates: passRates,
            diagnoses: diagnoses, lateCount: board.filter(\.late).count,
            missingStudents: missing)
    }

    public func studentReport(student studentID: String) throws -> StudentReport {
        try reader.read { db in
            guard let student = try StudentRecord.fetchOne(db, key: studentID) else {
                throw StoreError.unknownStudent(studentID)
            }
            // `standings` keeps every student's counted submissions, instructors' too.
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT l.id, l.title,
                           (SELECT COUNT(*) FROM submissions x
                            WHERE x.student_id = ?1 AND x.lab_id = l.id) AS submissions,
                           (SELECT x.status FROM submissions x
                            WHERE x.student_id = ?1 AND x.lab_id = l.id
                            ORDER BY x.submitted_at DESC, x.id DESC LIMIT 1) AS latest_status,
                           c.submission_id, c.score AS adjusted, c.max_score, c.late
                    FROM labs l
                    LEFT JOIN standings c
                        ON c.lab_id = l.id AND c.student_id = ?1 AND c.counting = l.counting
                    ORDER BY l.due IS NULL, l.due, l.id
                    """,
                arguments: [studentID])
            let labs = rows.map { row in
                StudentLabSummary(
                    labID: row["id"], title: row["title"], submissions: row["submissions"],
                    latestStatus: row["latest_status"], countedSubmissionID: row["submission_id"],
                    score: row["adjusted"], maxScore: row["max_score"], late: row["late"])
            }
            return StudentReport(student: student, labs: labs)
        }
    }
}

/// A roster student who made a diagnosed mistake in a lab (the class report counts them).
public struct DiagnosisStudent: Sendable, Equatable, Codable {
    public var diagnosis: String
    public var studentID: String
    public var name: String
    /// Test results of theirs carrying it.
    public var occurrences: Int
}

extension LabStore {
    /// The roster students whose counted submission to `lab` is late, by id: at most `limit`
    /// of them, and how many there are.
    public func lateStudents(lab labID: String, limit: Int) throws
        -> (students: [(id: String, name: String)], count: Int)
    {
        try reader.read { db in
            guard let lab = try LabRecord.fetchOne(db, key: labID) else { return ([], 0) }
            let from = """
                FROM standings c JOIN students st ON st.id = c.student_id
                WHERE c.lab_id = ? AND c.counting = ? AND c.late AND NOT st.is_instructor
                """
            let arguments: StatementArguments = [labID, lab.counting.rawValue]
            let count = try Int.fetchOne(db, sql: "SELECT COUNT(*) " + from, arguments: arguments)
            let rows = try Row.fetchAll(
                db, sql: "SELECT st.id, st.name " + from + " ORDER BY st.id LIMIT ?",
                arguments: arguments + [limit])
            return (rows.map { (id: $0["id"], name: $0["name"]) }, count ?? 0)
        }
    }

    /// The students behind each of `lab`'s diagnoses in the class report (`diagnoses`), by
    /// diagnosis, then most occurrences first, then id; instructors left out as there. With
    /// `perDiagnosis`, only the first that many of each (the class report has the counts).
    public func diagnosisStudents(lab labID: String, perDiagnosis: Int? = nil) throws
        -> [DiagnosisStudent]
    {
        try reader.read { db in
            // One walk of diagnosis_counts_by_diagnosis per diagnosis, stopping at the limit.
            let diagnoses = try String.fetchAll(
                db,
                sql: """
                    SELECT DISTINCT diagnosis FROM diagnosis_counts WHERE lab_id = ?
                    ORDER BY diagnosis
                    """,
                arguments: [labID])
            return try diagnoses.flatMap { diagnosis in
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT d.diagnosis, st.id, st.name, d.occurrences
                        FROM diagnosis_counts d JOIN students st ON st.id = d.student_id
                        WHERE d.lab_id = ? AND d.diagnosis = ? AND NOT st.is_instructor
                        ORDER BY d.occurrences DESC, d.student_id
                        LIMIT ?
                        """,
                    arguments: [labID, diagnosis, perDiagnosis ?? -1]
                ).map {
                    DiagnosisStudent(
                        diagnosis: $0["diagnosis"], studentID: $0["id"], name: $0["name"],
                        occurrences: $0["occurrences"])
                }
            }
        }
    }
}
