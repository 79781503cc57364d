// Logging runs: experiments, start/resume, batches of params, metrics and tags (validated whole,
// one transaction, summaries upserted once per key), end, soft delete, restore and gc.
import Foundation
import GRDB

#if canImport(GRDBSQLite)
    import GRDBSQLite
#else
    import SQLite3
#endif

/// SQLite copies bound text at once (its SQLITE_TRANSIENT).
private let sqliteTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// What a caller says when a run starts (or resumes: same id, same experiment).
public struct RunStart: Sendable, Equatable {
    public var experiment: String
    /// nil: a fresh id is generated.
    public var runID: String?
    public var studentID: String?
    public var name: String?
    public var source: RunSource
    public var gitCommit: String?
    public var host: String?
    public var environment: String?
    /// The lab a new experiment is tied to (ignored when the experiment exists).
    public var labID: String?

    public init(
        experiment: String, runID: String? = nil, studentID: String? = nil, name: String? = nil,
        source: RunSource = .logged, gitCommit: String? = nil, host: String? = nil,
        environment: String? = nil, labID: String? = nil
    ) {
        self.experiment = experiment
        self.runID = runID
        self.studentID = studentID
        self.name = name
        self.source = source
        self.gitCommit = gitCommit
        self.host = host
        self.environment = environment
        self.labID = labID
    }
}

extension LabStore {
    /// The experiment called `name`, created (tied to `lab`) if it does not exist.
    @discardableResult
    public func createExperiment(name: String, lab: String? = nil, now: Date = Date()) throws
        -> ExperimentRecord
    {
        try writer.write { db in try LabStore.experiment(db, named: name, lab: lab, now: now) }
    }

    static func experiment(_ db: Database, named name: String, lab: String?, now: Date) throws
        -> ExperimentRecord
    {
        guard !name.isEmpty, name.count <= 250,
            !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else { throw RunsError.invalidExperimentName(name) }
        if let found = try ExperimentRecord.filter(Column("name") == name).fetchOne(db) {
            return found
        }
        if let lab, try !LabRecord.exists(db, key: lab) { throw StoreError.unknownLab(lab) }
        var experiment = ExperimentRecord(name: name, labID: lab, createdAt: now)
        try experiment.insert(db)
        return experiment
    }

    /// Starts a run, or resumes the run with `start.runID` (back to RUNNING, end time cleared).
    @discardableResult
    public func startRun(_ start: RunStart, now: Date = Date()) throws -> RunRecord {
        if let id = start.runID, !RunsLimits.isValidRunID(id) { throw RunsError.invalidRunID(id) }
        return try writer.write { db in
            let experiment = try LabStore.experiment(
                db, named: start.experiment, lab: start.labID, now: now)
            let id = start.runID ?? LabStore.newRunID()
            if var run = try RunRecord.filter(Column("id") == id).fetchOne(db) {
                guard run.experimentID == experiment.id else {
                    let name = try String.fetchOne(
                        db, sql: "SELECT name FROM experiments WHERE id = ?",
                        arguments: [run.experimentID])
                    throw RunsError.runInOtherExperiment(id: id, experiment: name ?? "?")
                }
                if let owner = run.studentID, let student = start.studentID, owner != student {
                    throw RunsError.notYourRun(id: id, student: owner)
                }
                run.status = .running
                run.endTime = nil
                run.heartbeatAt = now
                run.name = start.name ?? run.name
                run.gitCommit = start.gitCommit ?? run.gitCommit
                run.host = start.host ?? run.host
                run.environment = start.environment ?? run.environment
                try run.update(db)
                return run
            }
            var run = RunRecord(
                id: id, experimentID: experiment.id ?? 0, studentID: start.studentID,
                name: start.name, startTime: now, source: start.source,
                gitCommit: start.gitCommit, host: start.host, environment: start.environment)
            try run.insert(db)
            return run
        }
    }

    /// Logs params, metric points and tags to a RUNNING run, all or nothing. The batch is
    /// validated before anything is written (an error names the bad entry); params already set
    /// must keep their value. `student`, if given, must own the run. Refreshes the heartbeat.
    public func logBatch(
        runID: String, params: [String: String] = [:], metrics: [MetricPoint] = [],
        tags: [String: String] = [:], student: String? = nil, now: Date = Date()
    ) throws {
        try LabStore.validateBatch(params: params, metrics: metrics, tags: tags)
        let nowMillis = Int64((now.timeIntervalSince1970 * 1000).rounded())
        try writer.write { db in
            let run = try LabStore.activeRun(db, id: runID, student: student)
            let pk = run.pk ?? 0
            try LabStore.insertParams(db, runPK: pk, params: params)
            if !tags.isEmpty {
                let upsertTag = try db.cachedStatement(
                    sql: """
                        INSERT INTO run_tags (run_pk, key, value) VALUES (?, ?, ?)
                        ON CONFLICT (run_pk, key) DO UPDATE SET value = excluded.value
                        """)
                for (key, value) in tags.sorted(by: { $0.key < $1.key }) {
                    try upsertTag.execute(arguments: [pk, key, value])
                }
            }
            if !metrics.isEmpty {
                try LabStore.insertMetrics(db, runPK: pk, points: metrics, now: nowMillis)
            }
            try db.execute(
                sql: "UPDATE runs SET heartbeat_at = ? WHERE pk = ?", arguments: [now, pk])
        }
    }

    /// Marks a run as alive without logging anything.
    public func heartbeat(runID: String, student: String? = nil, now: Date = Date()) throws {
        try writer.write { db in
            let run = try LabStore.activeRun(db, id: runID, student: student)
            try db.execute(
                sql: "UPDATE runs SET heartbeat_at = ? WHERE pk = ?", arguments: [now, run.pk])
        }
    }

    /// Ends a run with `status` (not RUNNING). Ending an ended run again is allowed and updates
    /// its status and end time.
    @discardableResult
    public func endRun(
        runID: String, status: RunStatus = .finished, student: String? = nil, now: Date = Date()
    ) throws -> RunRecord {
        precondition(status != .running, "endRun needs a final status")
        return try writer.write { db in
            guard var run = try RunRecord.filter(Column("id") == runID).fetchOne(db) else {
                throw RunsError.unknownRun(runID)
            }
            if let student, let owner = run.studentID, owner != student {
                throw RunsError.notYourRun(id: runID, student: owner)
            }
            run.status = status
            run.endTime = now
            run.heartbeatAt = now
            try run.update(db)
            return run
        }
    }

    /// Soft-deletes a run: it leaves lists, searches and leaderboards until restored.
    public func deleteRun(id: String, now: Date = Date()) throws {
        try setDeleted(id: id, at: now)
    }

    /// Undoes `deleteRun`.
    public func restoreRun(id: String) throws {
        try setDeleted(id: id, at: nil)
    }

    private func setDeleted(id: String, at date: Date?) throws {
        try writer.write { db in
            try db.execute(
                sql: "UPDATE runs SET deleted_at = ? WHERE id = ?", arguments: [date, id])
            if db.changesCount == 0 { throw RunsError.unknownRun(id) }
        }
    }

    /// Removes for good the runs soft-deleted before `before` (all deleted runs if nil), with
    /// their params, metrics, tags and summaries. Returns how many runs went.
    @discardableResult
    public func collectDeletedRuns(before: Date? = nil) throws -> Int {
        try writer.write { db in
            try db.execute(
                sql: """
                    DELETE FROM runs WHERE deleted_at IS NOT NULL
                        AND (? IS NULL OR deleted_at < ?)
                    """,
                arguments: [before, before])
            return db.changesCount
        }
    }

    // MARK: - Inside the transaction

    static func newRunID() -> String {
        UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
    }

    static func activeRun(_ db: Database, id: String, student: String?) throws -> RunRecord {
        guard let run = try RunRecord.filter(Column("id") == id).fetchOne(db) else {
            throw RunsError.unknownRun(id)
        }
        if let student, let owner = run.studentID, owner != student {
            throw RunsError.notYourRun(id: id, student: owner)
        }
        guard run.status == .running else {
            throw RunsError.runNotActive(id: id, status: run.status)
        }
        return run
    }

    static func insertParams(_ db: Database, runPK: Int64, params: [String: String]) throws {
        guard !params.isEmpty else { return }
        let lookup = try db.cachedStatement(
            sql: "SELECT value FROM params WHERE run_pk = ? AND key = ?")
        let insert = try db.cachedStatement(
            sql: "INSERT INTO params (run_pk, key, value, num) VALUES (?, ?, ?, ?)")
        for (key, value) in params.sorted(by: { $0.key < $1.key }) {
            if let old = try String.fetchOne(lookup, arguments: [runPK, key]) {
                if old != value { throw RunsError.paramChanged(key: key, old: old, new: value) }
            } else {
                try insert.execute(arguments: [runPK, key, value, ParamRecord.number(value)])
            }
        }
    }

    /// Inserts the points with one reused statement, bound directly through SQLite's C API
    /// (building GRDB arguments per row would cost more than the insert), then upserts one
    /// summary per key.
    static func insertMetrics(_ db: Database, runPK: Int64, points: [MetricPoint], now: Int64)
        throws
    {
        let insert = try db.cachedStatement(
            sql: """
                INSERT INTO metrics (run_pk, key, step, value, is_nan, timestamp)
                VALUES (?, ?, ?, ?, ?, ?)
                """)
        let handle = insert.sqliteStatement
        // Few distinct keys per batch: a linear search with a last-hit shortcut beats hashing.
        var keys: [String] = []
        var folds: [BatchSummary] = []
        var hit = 0
        for point in points {
            let timestamp = point.timestamp ?? now
            let isNaN = point.value.isNaN
            sqlite3_reset(handle)
            sqlite3_bind_int64(handle, 1, runPK)
            _ = point.key.utf8.withContiguousStorageIfAvailable { bytes in
                bytes.withMemoryRebound(to: CChar.self) { text in
                    sqlite3_bind_text(handle, 2, text.baseAddress, CInt(text.count), sqliteTransient)
                }
            } ?? point.key.withCString { text in
                sqlite3_bind_text(handle, 2, text, -1, sqliteTransient)
            }
            sqlite3_bind_int64(handle, 3, point.step)
            if isNaN {
                sqlite3_bind_null(handle, 4)
            } else {
                sqlite3_bind_double(handle, 4, point.value)
            }
            sqlite3_bind_int(handle, 5, isNaN ? 1 : 0)
            sqlite3_bind_int64(handle, 6, timestamp)
            let code = sqlite3_step(handle)
            guard code == SQLITE_DONE else {
                let message = String(cString: sqlite3_errmsg(db.sqliteConnection))
                sqlite3_reset(handle)
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message)
            }
            if hit >= keys.count || keys[hit] != point.key {
                if let found = keys.firstIndex(of: point.key) {
                    hit = found
                } else {
                    keys.append(point.key)
                    folds.append(BatchSummary())
                    hit = keys.count - 1
                }
            }
            folds[hit].add(point, timestamp: timestamp)
        }
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        let upsert = try db.cachedStatement(sql: summaryUpsertSQL)
        for (key, s) in zip(keys, folds) {
            try upsert.execute(arguments: [
                runPK, key, s.lastIsNaN ? nil : s.last, s.lastIsNaN, s.lastStep, s.lastTimestamp,
                s.min, s.minStep, s.max, s.maxStep, s.count, s.nanCount,
            ])
        }
    }

    /// Merges a batch's summary into the stored one. In an UPDATE every right-hand side sees
    /// the old row, so the order of the assignments does not matter. Ties: a later batch's
    /// point at the same last step wins; an extreme only moves when strictly beaten.
    static let summaryUpsertSQL = """
        INSERT INTO metric_summaries (run_pk, key, last, last_is_nan, last_step,
            last_timestamp, "min", min_step, "max", max_step, count, nan_count)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (run_pk, key) DO UPDATE SET
            last = CASE WHEN excluded.last_step >= last_step THEN excluded.last ELSE last END,
            last_is_nan = CASE WHEN excluded.last_step >= last_step
                THEN excluded.last_is_nan ELSE last_is_nan END,
            last_timestamp = CASE WHEN excluded.last_step >= last_step
                THEN excluded.last_timestamp ELSE last_timestamp END,
            last_step = MAX(last_step, excluded.last_step),
            "min" = CASE WHEN excluded."min" < "min" OR "min" IS NULL
                THEN excluded."min" ELSE "min" END,
            min_step = CASE WHEN excluded."min" < "min" OR "min" IS NULL
                THEN excluded.min_step ELSE min_step END,
            "max" = CASE WHEN excluded."max" > "max" OR "max" IS NULL
                THEN excluded."max" ELSE "max" END,
            max_step = CASE WHEN excluded."max" > "max" OR "max" IS NULL
                THEN excluded.max_step ELSE max_step END,
            count = count + excluded.count,
            nan_count = nan_count + excluded.nan_count
        """

    /// Checks every entry before anything is written; the first bad one is named.
    public static func validateBatch(
        params: [String: String], metrics: [MetricPoint], tags: [String: String]
    ) throws {
        if metrics.count > RunsLimits.maxMetricsPerBatch {
            throw RunsError.invalidBatch(
                entry: "metrics",
                reason: "\(metrics.count) points, more than the \(RunsLimits.maxMetricsPerBatch)"
                    + " a batch may hold; split it")
        }
        if params.count > RunsLimits.maxParamsPerBatch {
            throw RunsError.invalidBatch(
                entry: "params",
                reason: "\(params.count) params, more than \(RunsLimits.maxParamsPerBatch)")
        }
        if tags.count > RunsLimits.maxTagsPerBatch {
            throw RunsError.invalidBatch(
                entry: "tags", reason: "\(tags.count) tags, more than \(RunsLimits.maxTagsPerBatch)")
        }
        for (key, value) in params.sorted(by: { $0.key < $1.key }) {
            try checkKey(key, entry: "params['\(key)']")
            if value.utf8.count > RunsLimits.maxParamValueLength {
                throw RunsError.invalidBatch(
                    entry: "params['\(key)']",
                    reason: "value longer than \(RunsLimits.maxParamValueLength) bytes")
            }
        }
        for (key, value) in tags.sorted(by: { $0.key < $1.key }) {
            try checkKey(key, entry: "tags['\(key)']")
            if value.utf8.count > RunsLimits.maxTagValueLength {
                throw RunsError.invalidBatch(
                    entry: "tags['\(key)']",
                    reason: "value longer than \(RunsLimits.maxTagValueLength) bytes")
            }
        }
        var lastKey = ""
        for (index, point) in metrics.enumerated() {
            // Consecutive points usually share a key: check each distinct run of keys once.
            if point.key != lastKey || index == 0 {
                try checkKey(point.key, entry: "metrics[\(index)]")
                lastKey = point.key
            }
            if let timestamp = point.timestamp, timestamp < 0 {
                throw RunsError.invalidBatch(
                    entry: "metrics[\(index)]", reason: "negative timestamp \(timestamp)")
            }
        }
    }

    private static func checkKey(_ key: String, entry: String) throws {
        guard RunsLimits.isValidKey(key) else {
            throw RunsError.invalidBatch(
                entry: entry,
                reason: "key '\(key)' must be 1 to \(RunsLimits.maxKeyLength) letters, digits,"
                    + " spaces or '_ - . / :'")
        }
    }
}

/// One metric's points within a batch, folded as they are inserted.
struct BatchSummary {
    var last: Double = .nan
    var lastIsNaN = true
    var lastStep: Int64 = .min
    var lastTimestamp: Int64 = 0
    var min: Double? = nil
    var minStep: Int64? = nil
    var max: Double? = nil
    var maxStep: Int64? = nil
    var count: Int64 = 0
    var nanCount: Int64 = 0

    mutating func add(_ point: MetricPoint, timestamp: Int64) {
        count += 1
        if point.step >= lastStep {
            lastStep = point.step
            last = point.value
            lastIsNaN = point.value.isNaN
            lastTimestamp = timestamp
        }
        if point.value.isNaN {
            nanCount += 1
            return
        }
        if min.map({ point.value < $0 }) ?? true {
            min = point.value
            minStep = point.step
        }
        if max.map({ point.value > $0 }) ?? true {
            max = point.value
            maxStep = point.step
        }
    }
}
