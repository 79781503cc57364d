// Derived tables that keep the leaderboard and class report cheap: `standings` (each student's
// counted submission per lab, under both rules) and `diagnosis_counts`, maintained by triggers.
import GRDB
import LabConfig

/// The SQL behind migration "v3-standings". The derived tables are kept up to date by SQLite
/// triggers, so every write path (`complete`, a regrade's completion, bulk inserts, deletes)
/// updates them in the same transaction as the rows they are derived from.
enum Standings {
    /// `score` is the current grade's score after the submission's late penalty, computed with
    /// the same expression the reports always used, so comparisons and ties are identical: SQL's
    /// copy of `LateRule.applying`, which SQLite cannot call.
    static let adjusted = "g.score * (1.0 - s.penalty)"

    /// The order that picks the counted submission of a (lab, student) under `counting`:
    /// best = highest adjusted score, then the earlier submission; latest = the most recent.
    static func pickOrder(_ counting: Counting) -> String {
        switch counting {
        case .best: return "\(adjusted) DESC, s.submitted_at ASC, s.id ASC"
        case .latest: return "s.submitted_at DESC, s.id DESC"
        }
    }

    /// Statements recomputing the standings and diagnosis counts of the (lab, student) given
    /// by the SQL expressions `lab` and `student`, from scratch (≤ one student's submissions).
    static func recompute(lab: String, student: String) -> String {
        var sql = """
            DELETE FROM standings WHERE lab_id = \(lab) AND student_id = \(student);
            DELETE FROM diagnosis_counts WHERE lab_id = \(lab) AND student_id = \(student);

            """
        for counting in Counting.allCases {
            sql += """
                INSERT INTO standings (lab_id, student_id, counting, submission_id, grade_id,
                                       score, max_score, submitted_at, late)
                SELECT s.lab_id, s.student_id, '\(counting.rawValue)', s.id, g.id, \(adjusted),
                       g.max_score, s.submitted_at, s.late
                FROM submissions s
                JOIN grades g ON g.submission_id = s.id AND g.is_current
                WHERE s.lab_id = \(lab) AND s.student_id = \(student)
                ORDER BY \(pickOrder(counting))
                LIMIT 1;

                """
        }
        sql += """
            INSERT INTO diagnosis_counts (lab_id, student_id, diagnosis, occurrences)
            SELECT s.lab_id, s.student_id, r.diagnosis, COUNT(*)
            FROM submissions s
            JOIN grades g ON g.submission_id = s.id AND g.is_current
            JOIN test_results r ON r.grade_id = g.id AND r.submission_id = s.id
            WHERE s.lab_id = \(lab) AND s.student_id = \(student)
              AND r.diagnosis IS NOT NULL AND NOT r.diagnosis_near_miss
            GROUP BY r.diagnosis;

            """
        return sql
    }

    /// The same, for the (lab, student) of the submission with id `submission`.
    static func recompute(submission: String) -> String {
        recompute(
            lab: "(SELECT lab_id FROM submissions WHERE id = \(submission))",
            student: "(SELECT student_id FROM submissions WHERE id = \(submission))")
    }

    /// Statements folding a grade that just became current (`NEW`) into the standings: under
    /// each rule it replaces the standing if it ranks before it (or is the same submission).
    /// Its already stored results (normally none yet) are added to the diagnosis counts.
    static let foldNewCurrentGrade = """
        INSERT INTO standings (lab_id, student_id, counting, submission_id, grade_id, score,
                               max_score, submitted_at, late)
        SELECT s.lab_id, s.student_id, c.counting, s.id, NEW.id, NEW.score * (1.0 - s.penalty),
               NEW.max_score, s.submitted_at, s.late
        FROM submissions s, (SELECT 'best' AS counting UNION ALL SELECT 'latest') c
        WHERE s.id = NEW.submission_id
        ON CONFLICT (lab_id, student_id, counting) DO UPDATE SET
            submission_id = excluded.submission_id, grade_id = excluded.grade_id,
            score = excluded.score, max_score = excluded.max_score,
            submitted_at = excluded.submitted_at, late = excluded.late
        WHERE (standings.counting = 'best'
               AND (excluded.score > standings.score
                    OR (excluded.score = standings.score
                        AND (excluded.submitted_at < standings.submitted_at
                             OR (excluded.submitted_at = standings.submitted_at
                                 AND excluded.submission_id <= standings.submission_id)))))
           OR (standings.counting = 'latest'
               AND (excluded.submitted_at > standings.submitted_at
                    OR (excluded.submitted_at = standings.submitted_at
                        AND excluded.submission_id >= standings.submission_id)));
        INSERT INTO diagnosis_counts (lab_id, student_id, diagnosis, occurrences)
        SELECT s.lab_id, s.student_id, r.diagnosis, COUNT(*)
        FROM test_results r JOIN submissions s ON s.id = r.submission_id
        WHERE r.grade_id = NEW.id AND r.diagnosis IS NOT NULL AND NOT r.diagnosis_near_miss
        GROUP BY s.lab_id, s.student_id, r.diagnosis
        ON CONFLICT (lab_id, student_id, diagnosis) DO UPDATE SET
            occurrences = occurrences + excluded.occurrences;
        """

    /// Creates the tables, fills them from the existing grades, and installs the triggers.
    /// This is the body of the shipped migration "v3-standings": like every migration it is
    /// never edited; a change to the derived tables or triggers is a new migration.
    static func migrate(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE standings (
                    lab_id TEXT NOT NULL REFERENCES labs(id),
                    student_id TEXT NOT NULL REFERENCES students(id),
                    counting TEXT NOT NULL CHECK (counting IN ('best', 'latest')),
                    submission_id INTEGER NOT NULL,
                    grade_id INTEGER NOT NULL,
                    score REAL NOT NULL,
                    max_score REAL NOT NULL,
                    submitted_at DATETIME NOT NULL,
                    late BOOLEAN NOT NULL,
                    PRIMARY KEY (lab_id, student_id, counting),
                    FOREIGN KEY (grade_id, submission_id) REFERENCES grades(id, submission_id)
                        ON DELETE CASCADE
                ) WITHOUT ROWID;
                CREATE TABLE diagnosis_counts (
                    lab_id TEXT NOT NULL REFERENCES labs(id),
                    student_id TEXT NOT NULL REFERENCES students(id),
                    diagnosis TEXT NOT NULL,
                    occurrences INTEGER NOT NULL CHECK (occurrences > 0),
                    PRIMARY KEY (lab_id, student_id, diagnosis)
                ) WITHOUT ROWID;
                """)
        // Backfill: the counted submission per (lab, student) under each rule, exactly as the
        // window function of the reports picks it, and the diagnoses of the current grades.
        for counting in Counting.allCases {
            try db.execute(
                sql: """
                    INSERT INTO standings (lab_id, student_id, counting, submission_id, grade_id,
                                           score, max_score, submitted_at, late)
                    SELECT lab_id, student_id, '\(counting.rawValue)', submission_id, grade_id,
                           adjusted, max_score, submitted_at, late
                    FROM (
                        SELECT s.lab_id, s.student_id, s.id AS submission_id, g.id AS grade_id,
                               \(adjusted) AS adjusted, g.max_score, s.submitted_at, s.late,
                               ROW_NUMBER() OVER (
                                   PARTITION BY s.lab_id, s.student_id
                                   ORDER BY \(pickOrder(counting))) AS pick
                        FROM submissions s
                        JOIN grades g ON g.submission_id = s.id AND g.is_current
                    )
                    WHERE pick = 1
                    """)
        }
        try db.execute(
            sql: """
                INSERT INTO diagnosis_counts (lab_id, student_id, diagnosis, occurrences)
                SELECT s.lab_id, s.student_id, r.diagnosis, COUNT(*)
                FROM test_results r
                JOIN grades g ON g.id = r.grade_id AND g.is_current
                JOIN submissions s ON s.id = r.submission_id
                WHERE r.diagnosis IS NOT NULL AND NOT r.diagnosis_near_miss
                GROUP BY s.lab_id, s.student_id, r.diagnosis
                """)
        // The leaderboard is a walk of this index (covering: no lookups into the table).
        try db.execute(
            sql: """
                CREATE INDEX standings_on_rank ON standings(
                    lab_id, counting, score DESC, submitted_at, submission_id, max_score, late);
                CREATE INDEX standings_on_grade ON standings(grade_id, submission_id);
                """)

        // A grade that becomes current by insertion (what `complete` does) is folded in.
        try db.execute(
            sql: """
                CREATE TRIGGER grades_insert_standings AFTER INSERT ON grades
                WHEN NEW.is_current
                BEGIN
                \(foldNewCurrentGrade)
                END;
                """)
        // A grade losing (or gaining) currency, as a regrade's completion does, or changing:
        // the affected (lab, student) pairs are recomputed from scratch.
        try db.execute(
            sql: """
                CREATE TRIGGER grades_update_standings
                AFTER UPDATE OF is_current, score, max_score, submission_id ON grades
                WHEN OLD.is_current OR NEW.is_current
                BEGIN
                \(recompute(submission: "OLD.submission_id"))
                \(recompute(submission: "NEW.submission_id"))
                END;
                CREATE TRIGGER grades_delete_standings AFTER DELETE ON grades
                WHEN OLD.is_current
                BEGIN
                \(recompute(submission: "OLD.submission_id"))
                END;
                """)
        // A stored result of a current grade counts its diagnosis.
        try db.execute(
            sql: """
                CREATE TRIGGER test_results_insert_diagnosis AFTER INSERT ON test_results
                WHEN NEW.diagnosis IS NOT NULL AND NOT NEW.diagnosis_near_miss
                BEGIN
                    INSERT INTO diagnosis_counts (lab_id, student_id, diagnosis, occurrences)
                    SELECT s.lab_id, s.student_id, NEW.diagnosis, 1
                    FROM submissions s
                    WHERE s.id = NEW.submission_id
                      AND EXISTS (SELECT 1 FROM grades g WHERE g.id = NEW.grade_id AND g.is_current)
                    ON CONFLICT (lab_id, student_id, diagnosis) DO UPDATE SET
                        occurrences = occurrences + 1;
                END;
                CREATE TRIGGER test_results_update_diagnosis
                AFTER UPDATE OF diagnosis, diagnosis_near_miss, grade_id, submission_id
                ON test_results
                BEGIN
                \(recompute(submission: "OLD.submission_id"))
                \(recompute(submission: "NEW.submission_id"))
                END;
                CREATE TRIGGER test_results_delete_diagnosis AFTER DELETE ON test_results
                WHEN OLD.diagnosis IS NOT NULL AND NOT OLD.diagnosis_near_miss
                BEGIN
                \(recompute(submission: "OLD.submission_id"))
                END;
                """)
        // What a submission contributes depends on its lab, student, time and penalty.
        try db.execute(
            sql: """
                CREATE TRIGGER submissions_update_standings
                AFTER UPDATE OF lab_id, student_id, submitted_at, late, penalty ON submissions
                BEGIN
                \(recompute(lab: "OLD.lab_id", student: "OLD.student_id"))
                \(recompute(lab: "NEW.lab_id", student: "NEW.student_id"))
                END;
                CREATE TRIGGER submissions_delete_standings AFTER DELETE ON submissions
                BEGIN
                \(recompute(lab: "OLD.lab_id", student: "OLD.student_id"))
                END;
                """)
    }
}
