// The schema, as named migrations. A migration is never edited once shipped: change the schema
// by appending a new one. Invariants live in SQLite itself (NOT NULL, CHECK, foreign keys).
import GRDB

extension LabStore {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.create(table: "students") { t in
                t.primaryKey("id", .text).check(sql: "length(id) > 0")
                t.column("name", .text).notNull()
                t.column("email", .text)
                t.column("pseudonym", .text).notNull().unique()
                t.column("token_hash", .text).unique().check(sql: "length(token_hash) = 64")
                t.column("is_instructor", .boolean).notNull().defaults(to: false)
                t.column("created_at", .datetime).notNull()
            }

            try db.create(table: "labs") { t in
                t.primaryKey("id", .text).check(sql: "length(id) > 0")
                t.column("version", .text).notNull()
                t.column("title", .text).notNull()
                t.column("due", .datetime)
                t.column("late_due", .datetime)
                t.column("late_penalty", .double).notNull().defaults(to: 0)
                    .check(sql: "late_penalty BETWEEN 0 AND 1")
                t.column("counting", .text).notNull().defaults(to: "best")
                    .check(sql: "counting IN ('best', 'latest')")
                t.column("rate_limit_per_hour", .integer).check(sql: "rate_limit_per_hour > 0")
                t.column("synced_at", .datetime).notNull()
                t.check(sql: "late_due IS NULL OR (due IS NOT NULL AND late_due >= due)")
            }

            try db.create(table: "submissions") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("student_id", .text).notNull().references("students")
                t.column("lab_id", .text).notNull().references("labs")
                t.column("sha256", .text).notNull().check(sql: "length(sha256) = 64")
                t.column("filename", .text).notNull().check(sql: "length(filename) > 0")
                t.column("size", .integer).notNull().check(sql: "size >= 0")
                t.column("submitted_at", .datetime).notNull()
                t.column("status", .text).notNull().defaults(to: "queued")
                    .check(sql: "status IN ('queued', 'running', 'graded', 'error')")
                t.column("attempts", .integer).notNull().defaults(to: 0)
                    .check(sql: "attempts >= 0")
                t.column("lease_owner", .text)
                t.column("lease_expires_at", .datetime)
                t.column("grader_version", .text)
                t.column("seed", .integer)
                t.column("score", .double)
                t.column("max_score", .double)
                t.column("late", .boolean).notNull().defaults(to: false)
                t.column("penalty", .double).notNull().defaults(to: 0)
                    .check(sql: "penalty BETWEEN 0 AND 1")
                t.column("error", .text)
                t.column("graded_at", .datetime)
                t.column("source", .text).notNull()
                    .check(sql: "source IN ('cli', 'http', 'drop', 'demo', 'regrade')")
                // A running submission has a lease; nothing else does.
                t.check(
                    sql: "(status = 'running') = "
                        + "(lease_owner IS NOT NULL AND lease_expires_at IS NOT NULL)")
                t.check(sql: "status <> 'graded' OR (score IS NOT NULL AND max_score IS NOT NULL)")
                t.check(sql: "status <> 'error' OR error IS NOT NULL")
            }
            // The queue: the oldest queued row, and running rows by lease expiry.
            try db.execute(sql: "CREATE INDEX submissions_on_status ON submissions(status, id)")
            // Leaderboards, reports, rate limits: by lab, then student, then time.
            try db.execute(
                sql: """
                    CREATE INDEX submissions_on_lab_student
                        ON submissions(lab_id, student_id, submitted_at)
                    """)
            try db.execute(
                sql: "CREATE INDEX submissions_on_student ON submissions(student_id, lab_id)")

            try db.create(table: "grades") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("submission_id", .integer).notNull()
                    .references("submissions", onDelete: .cascade)
                t.column("grader_version", .text).notNull()
                t.column("seed", .integer).notNull()
                t.column("score", .double).notNull()
                t.column("max_score", .double).notNull().check(sql: "max_score >= 0")
                t.column("graded_at", .datetime).notNull()
                t.column("is_current", .boolean).notNull()
                t.check(sql: "score BETWEEN 0 AND max_score")
                // Lets test_results reference (grade, submission) pairs, so a result can never
                // belong to a grade of another submission.
                t.uniqueKey(["id", "submission_id"])
            }
            try db.execute(sql: "CREATE INDEX grades_on_submission ON grades(submission_id)")
            // At most one current grade per submission.
            try db.execute(
                sql: """
                    CREATE UNIQUE INDEX grades_current_on_submission
                        ON grades(submission_id) WHERE is_current
                    """)

            try db.create(table: "test_results") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("submission_id", .integer).notNull()
                    .references("submissions", onDelete: .cascade)
                t.column("grade_id", .integer).notNull()
                t.column("name", .text).notNull()
                t.column("component", .text)
                t.column("points", .double).notNull()
                t.column("max_points", .double).notNull()
                t.column("status", .text).notNull()
                    .check(sql: "status IN ('pass', 'fail', 'error', 'timeout', 'crash')")
                t.column("visibility", .text).notNull()
                t.column("diagnosis", .text)
                t.column("diagnosis_near_miss", .boolean).notNull().defaults(to: false)
                t.column("message", .text)
                t.column("max_abs_error", .double)
                t.column("max_rel_error", .double)
                t.column("seconds", .double)
                t.check(sql: "max_points >= 0 AND points BETWEEN 0 AND max_points")
                t.foreignKey(
                    ["grade_id", "submission_id"], references: "grades",
                    columns: ["id", "submission_id"], onDelete: .cascade)
            }
            try db.execute(sql: "CREATE INDEX test_results_on_grade ON test_results(grade_id)")
            try db.execute(
                sql: "CREATE INDEX test_results_on_submission ON test_results(submission_id)")
        }

        migrator.registerMigration("v2-tracking") { db in
            try db.create(table: "experiments") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("name", .text).notNull().unique().check(sql: "length(name) > 0")
                t.column("lab_id", .text).references("labs")
                t.column("created_at", .datetime).notNull()
            }

            // `pk` is the compact key the (large) metric tables use; `id` is the caller's.
            try db.create(table: "runs") { t in
                t.primaryKey("pk", .integer)
                t.column("id", .text).notNull().unique().check(sql: "length(id) BETWEEN 1 AND 64")
                t.column("experiment_id", .integer).notNull()
                    .references("experiments", onDelete: .cascade)
                t.column("student_id", .text)
                t.column("name", .text)
                t.column("status", .text).notNull().defaults(to: "RUNNING")
                    .check(sql: "status IN ('RUNNING', 'FINISHED', 'FAILED', 'KILLED')")
                t.column("start_time", .datetime).notNull()
                t.column("end_time", .datetime)
                t.column("heartbeat_at", .datetime).notNull()
                t.column("source", .text).notNull().defaults(to: "logged")
                    .check(sql: "source IN ('logged', 'built-in', 'verified')")
                t.column("git_commit", .text)
                t.column("host", .text)
                t.column("environment", .text)
                t.column("deleted_at", .datetime)
                t.check(sql: "(status = 'RUNNING') = (end_time IS NULL)")
            }
            // Covers search and leaderboards (the rowid pk is in every index).
            try db.execute(
                sql: """
                    CREATE INDEX runs_on_experiment ON runs(experiment_id, deleted_at, student_id)
                    """)
            try db.execute(sql: "CREATE INDEX runs_on_student ON runs(student_id, experiment_id)")

            // `num` is the value as a number when it parses as one, so filters compare
            // numerically without re-parsing text on every row.
            try db.create(table: "params", options: .withoutRowID) { t in
                t.column("run_pk", .integer).notNull().references("runs", onDelete: .cascade)
                t.column("key", .text).notNull().check(sql: "length(key) BETWEEN 1 AND 250")
                t.column("value", .text).notNull()
                t.column("num", .double)
                t.primaryKey(["run_pk", "key"])
            }
            try db.execute(sql: "CREATE INDEX params_on_key_num ON params(key, num)")

            try db.create(table: "run_tags", options: .withoutRowID) { t in
                t.column("run_pk", .integer).notNull().references("runs", onDelete: .cascade)
                t.column("key", .text).notNull().check(sql: "length(key) BETWEEN 1 AND 250")
                t.column("value", .text).notNull()
                t.primaryKey(["run_pk", "key"])
            }
            try db.execute(sql: "CREATE INDEX run_tags_on_key_value ON run_tags(key, value)")

            // One row per logged point. SQLite turns NaN into NULL, so a NaN is stored as
            // value NULL with is_nan = 1. Timestamps are Unix milliseconds (compact, fast).
            try db.create(table: "metrics") { t in
                t.column("run_pk", .integer).notNull().references("runs", onDelete: .cascade)
                t.column("key", .text).notNull().check(sql: "length(key) BETWEEN 1 AND 250")
                t.column("step", .integer).notNull()
                t.column("value", .double)
                t.column("is_nan", .boolean).notNull().defaults(to: false)
                t.column("timestamp", .integer).notNull()
                t.check(sql: "(value IS NULL) = is_nan")
            }
            try db.execute(sql: "CREATE INDEX metrics_on_run_key_step ON metrics(run_pk, key, step)")

            // Kept up to date on every write: what search, ranking and `show` read.
            try db.create(table: "metric_summaries", options: .withoutRowID) { t in
                t.column("run_pk", .integer).notNull().references("runs", onDelete: .cascade)
                t.column("key", .text).notNull()
                t.column("last", .double)
                t.column("last_is_nan", .boolean).notNull()
                t.column("last_step", .integer).notNull()
                t.column("last_timestamp", .integer).notNull()
                t.column("min", .double)
                t.column("min_step", .integer)
                t.column("max", .double)
                t.column("max_step", .integer)
                t.column("count", .integer).notNull().check(sql: "count > 0")
                t.column("nan_count", .integer).notNull().check(sql: "nan_count >= 0")
                t.primaryKey(["run_pk", "key"])
            }
            // Search and ranking by a metric's summary go through these.
            for column in ["min", "max", "last"] {
                try db.execute(
                    sql: """
                        CREATE INDEX metric_summaries_on_key_\(column)
                            ON metric_summaries(key, "\(column)", run_pk)
                        """)
            }
        }

        // Each student's counted submission per lab (both rules) and per-lab diagnosis counts,
        // kept by triggers, so the leaderboard and class report read small indexed tables.
        migrator.registerMigration("v3-standings") { db in
            try Standings.migrate(db)
        }

        // A lab no longer in labs/ (or no longer valid) is retired by the sync, not deleted:
        // its submissions stay, reports list it apart and it accepts no new submissions.
        migrator.registerMigration("v4-retired-labs") { db in
            try db.alter(table: "labs") { t in t.add(column: "retired_at", .datetime) }
        }

        // Web sign-in: sessions (the cookie's hash, never the cookie) and one-time sign-in
        // links an instructor hands a student.
        migrator.registerMigration("v5-web-sessions") { db in
            try WebSessions.migrate(db)
        }

        // What the feedback draws of a failing test, as JSON: expected vs got on a small
        // slice (Diagnosis's ValueSlice) and an attention test's weights beside the diagnosed
        // mistake's, per head (AttentionFigure, the heatmaps).
        // And the students behind a mistake, most occurrences first, read from an index
        // (the instructor's lab page lists the first few of thousands).
        migrator.registerMigration("v6-feedback-figures") { db in
            try db.alter(table: "test_results") { t in
                t.add(column: "slice", .text)
                t.add(column: "attention", .text)
            }
            try db.execute(
                sql: """
                    CREATE INDEX diagnosis_counts_by_diagnosis
                    ON diagnosis_counts(lab_id, diagnosis, occurrences DESC, student_id)
                    """)
        }
        return migrator
    }
}
