// An experiment's leaderboard: per student, their best run by one metric summary (optionally
// among runs matching a filter), ranked, under pseudonyms unless names are asked for.
import Foundation
import GRDB
import Store

#if canImport(GRDBSQLite)
    import GRDBSQLite
#else
    import SQLite3
#endif

public struct ExperimentLeaderboardRow: Sendable, Equatable {
    /// 1, 2, 3, … with no shared ranks: of equal values, the run created first ranks higher.
    public var rank: Int
    /// The student's pseudonym, or their name if names were asked for.
    public var displayName: String
    /// Only if names were asked for.
    public var studentID: String?
    public var runID: String
    public var value: Double
    /// The step the value was reached at.
    public var step: Int64?
}

extension LabStore {
    /// The leaderboard of `experiment` by `metric` (`eval_loss.min`, `accuracy.max`, `loss` =
    /// last), lower first if `ascending`. Runs without a student, deleted runs, runs lacking the
    /// metric and instructors' runs are left out.
    ///
    /// How it stays fast over 100,000 runs: it walks the summary index `(key, value, run_pk)`
    /// in rank order, so each student's first qualifying entry is their best run. Which student
    /// owns a run comes from one covering scan of the experiment's runs index; the filter is
    /// evaluated in chunks only for entries of students not yet placed (a placed student's
    /// other runs are never looked at), or over the whole experiment at once when many runs
    /// need it; the walk stops once every student is placed.
    public func experimentLeaderboard(
        experiment: String, metric: String, ascending: Bool, where filter: String? = nil,
        includeNames: Bool = false, now: Date = Date()
    ) throws -> [ExperimentLeaderboardRow] {
        let (key, aggregate) = try FilterParser.parseMetric(metric)
        let expression = try filter.map(FilterParser.parse)
        return try reader.read { db in
            guard
                let experimentID = try Int64.fetchOne(
                    db, sql: "SELECT id FROM experiments WHERE name = ?", arguments: [experiment])
            else { throw RunsError.unknownExperiment(experiment) }
            let owners = try RunOwners(db, experimentID: experimentID)
            var checker = try expression.map {
                try FilterChecker(
                    $0, deadBefore: now.addingTimeInterval(-RunRecord.heartbeatTimeout))
            }
            let winners = try LeaderboardWalk.run(
                db, experimentID: experimentID, key: key, aggregate: aggregate, ascending: ascending, owners: owners,
                checker: &checker)
            return try LeaderboardWalk.rows(
                db, winners: winners, owners: owners, key: key, aggregate: aggregate,
                includeNames: includeNames)
        }
    }
}

/// The experiment's runs that may rank (not deleted, with a student who is not an
/// instructor), as run pk → a small student index.
struct RunOwners {
    /// Student ids by index.
    private(set) var students: [String] = []
    /// pk − base → student index + 1 (0: not a candidate), when pks are dense enough;
    /// otherwise `sparse`.
    private var dense: [Int32] = []
    private var base: Int64 = 0
    private var sparse: [Int64: Int32] = [:]

    init(_ db: Database, experimentID: Int64) throws {
        let instructors = Set(
            try String.fetchAll(db, sql: "SELECT id FROM students WHERE is_instructor"))
        // Covering scan of runs_on_experiment (experiment_id, deleted_at, student_id; pk):
        // rows come grouped by student, so a student's id is only decoded when it changes.
        let statement = try db.makeStatement(
            sql: """
                SELECT pk, student_id FROM runs INDEXED BY runs_on_experiment
                WHERE experiment_id = ? AND deleted_at IS NULL AND student_id IS NOT NULL
                """)
        let handle = statement.sqliteStatement
        sqlite3_reset(handle)
        sqlite3_bind_int64(handle, 1, experimentID)
        defer { sqlite3_reset(handle) }
        var pks: [Int64] = []
        var owners: [Int32] = []
        var previous: [UInt8] = []
        var current: Int32 = -1
        while true {
            let code = sqlite3_step(handle)
            if code == SQLITE_DONE { break }
            guard code == SQLITE_ROW else {
                throw DatabaseError(
                    resultCode: ResultCode(rawValue: code),
                    message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
            }
            let length = Int(sqlite3_column_bytes(handle, 1))
            let bytes = UnsafeRawBufferPointer(
                start: sqlite3_column_text(handle, 1), count: length)
            if current < 0 || !previous.elementsEqual(bytes) {
                previous = Array(bytes)
                let id = String(decoding: previous, as: UTF8.self)
                if instructors.contains(id) {
                    current = Int32.max  // skipped below
                } else {
                    students.append(id)
                    current = Int32(students.count - 1)
                }
            }
            if current != Int32.max {
                pks.append(sqlite3_column_int64(handle, 0))
                owners.append(current)
            }
        }
        guard let low = pks.min(), let high = pks.max() else { return }
        if high - low < Int64(4 * pks.count + 1024) {
            base = low
            dense = Array(repeating: 0, count: Int(high - low) + 1)
            for (pk, owner) in zip(pks, owners) { dense[Int(pk - low)] = owner + 1 }
        } else {
            sparse = Dictionary(zip(pks, owners), uniquingKeysWith: { a, _ in a })
        }
    }

    /// The student index owning run `pk`, if the run may rank.
    @inline(__always) func owner(_ pk: Int64) -> Int? {
        if !dense.isEmpty {
            let i = pk - base
            guard i >= 0, i < Int64(dense.count) else { return nil }
            let owner = dense[Int(i)]
            return owner == 0 ? nil : Int(owner - 1)
        }
        return sparse[pk].map(Int.init)
    }
}

/// Evaluates a filter for a list of runs at once (`SELECT pk … WHERE pk IN (…) AND filter`),
/// or, once many runs have needed it, for the whole experiment in one query.
struct FilterChecker {
    private let sql: String
    private let bulkSQL: String
    /// Every matching run of the experiment, once `checked` made the bulk query worth it.
    private var everyMatch: Set<Int64>?
    private var checked = 0
    /// Per-run checks after which one query over the whole experiment is cheaper.
    static let bulkAfter = 6_000
    private let joinArguments: [DatabaseValue]
    private let filterArguments: [DatabaseValue]
    /// Largest IN list one query carries (well under SQLite's variable limit).
    static let chunk = 2_000

    init(_ expression: FilterExpression, deadBefore: Date) throws {
        var builder = FilterSQL(deadBefore: deadBefore)
        var arguments: [any DatabaseValueConvertible] = []
        let condition = builder.condition(expression, arguments: &arguments)
        sql = builder.fromRuns + "\nWHERE r.pk IN (SELECT value FROM json_each(?)) AND "
            + condition
        bulkSQL = builder.fromRuns + "\nWHERE r.experiment_id = ? AND r.deleted_at IS NULL AND "
            + condition
        joinArguments = builder.joinArguments.map(\.databaseValue)
        filterArguments = arguments.map(\.databaseValue)
    }

    /// Which of `pks` (runs of experiment `experimentID`) match the filter.
    mutating func matching(_ db: Database, _ pks: [Int64], experimentID: Int64) throws
        -> Set<Int64>
    {
        checked += pks.count
        if everyMatch == nil, checked > Self.bulkAfter {
            let arguments = joinArguments + [experimentID.databaseValue] + filterArguments
            everyMatch = Set(
                try Int64.fetchAll(
                    db, sql: "SELECT r.pk " + bulkSQL, arguments: StatementArguments(arguments)))
        }
        if let everyMatch { return everyMatch.intersection(pks) }
        var matched = Set<Int64>()
        for start in stride(from: 0, to: pks.count, by: Self.chunk) {
            let slice = pks[start..<min(start + Self.chunk, pks.count)]
            let list = "[" + slice.map(String.init).joined(separator: ",") + "]"
            let arguments = joinArguments + [list.databaseValue] + filterArguments
            let found = try Int64.fetchAll(
                db, sql: "SELECT r.pk " + sql, arguments: StatementArguments(arguments))
            matched.formUnion(found)
        }
        return matched
    }
}

/// The walk over one metric summary's index in rank order.
enum LeaderboardWalk {
    struct Winner {
        var student: Int
        var pk: Int64
        var value: Double
    }

    /// Each student's best qualifying run, best first (ties: smaller pk first).
    static func run(
        _ db: Database, experimentID: Int64, key: String, aggregate: MetricAggregate,
        ascending: Bool, owners: RunOwners, checker: inout FilterChecker?
    ) throws -> [Winner] {
        let column = "\"\(aggregate.rawValue)\""
        let direction = ascending ? "ASC" : "DESC"
        // The summary index (key, value, run_pk) in rank order; for DESC, equal values come
        // with larger pks first, so they are reordered by pk below.
        let statement = try db.makeStatement(
            sql: """
                SELECT run_pk, \(column) FROM metric_summaries
                INDEXED BY metric_summaries_on_key_\(aggregate.rawValue)
                WHERE key = ? AND \(column) IS NOT NULL
                ORDER BY \(column) \(direction), run_pk \(direction)
                """)
        let handle = statement.sqliteStatement
        sqlite3_reset(handle)
        defer { sqlite3_reset(handle) }
        let bound = key.withCString { sqlite3_bind_text(handle, 1, $0, -1, sqliteTransient) }
        guard bound == SQLITE_OK else {
            throw DatabaseError(resultCode: ResultCode(rawValue: bound), message: "bind")
        }

        var placed = [Bool](repeating: false, count: owners.students.count)
        var remaining = owners.students.count
        var winners: [Winner] = []
        // Entries waiting for the filter, in rank order; the batch grows as the walk goes on
        // (few checks when the best runs match, few queries when many do not).
        var pending: [(pk: Int64, student: Int, value: Double)] = []
        var batch = 64

        func settle() throws {
            guard !pending.isEmpty else { return }
            var matched: Set<Int64>? = nil
            if checker != nil {
                matched = try checker?.matching(
                    db, pending.map(\.pk), experimentID: experimentID)
            }
            for entry in pending where !placed[entry.student] {
                if let matched, !matched.contains(entry.pk) { continue }
                placed[entry.student] = true
                remaining -= 1
                winners.append(Winner(student: entry.student, pk: entry.pk, value: entry.value))
            }
            pending.removeAll(keepingCapacity: true)
            batch = min(batch * 2, FilterChecker.chunk)
        }

        /// Entries of one value, reordered to ascending pk (the earlier run wins a tie).
        var group: [(pk: Int64, student: Int, value: Double)] = []
        func flushGroup() throws {
            if !ascending { group.reverse() }
            for entry in group where !placed[entry.student] {
                pending.append(entry)
                if checker == nil || pending.count >= batch { try settle() }
            }
            group.removeAll(keepingCapacity: true)
        }

        while remaining > 0 {
            let code = sqlite3_step(handle)
            if code == SQLITE_DONE { break }
            guard code == SQLITE_ROW else {
                throw DatabaseError(
                    resultCode: ResultCode(rawValue: code),
                    message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
            }
            let pk = sqlite3_column_int64(handle, 0)
            guard let student = owners.owner(pk), !placed[student] else { continue }
            let value = sqlite3_column_double(handle, 1)
            if let last = group.last, last.value != value { try flushGroup() }
            group.append((pk, student, value))
        }
        try flushGroup()
        try settle()
        return winners
    }

    /// The ranked rows: run ids, steps and names for the winners only.
    static func rows(
        _ db: Database, winners: [Winner], owners: RunOwners, key: String,
        aggregate: MetricAggregate, includeNames: Bool
    ) throws -> [ExperimentLeaderboardRow] {
        guard !winners.isEmpty else { return [] }
        let list = "[" + winners.map { String($0.pk) }.joined(separator: ",") + "]"
        var details: [Int64: (id: String, step: Int64?)] = [:]
        for row in try Row.fetchAll(
            db,
            sql: """
                SELECT r.pk, r.id, m.\(aggregate.rawValue)_step AS step FROM runs r
                JOIN metric_summaries m ON m.run_pk = r.pk AND m.key = ?
                WHERE r.pk IN (SELECT value FROM json_each(?))
                """,
            arguments: [key, list])
        {
            details[row["pk"]] = (row["id"], row["step"])
        }
        var people: [String: (name: String, pseudonym: String)] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT id, name, pseudonym FROM students") {
            people[row["id"]] = (row["name"], row["pseudonym"])
        }
        return winners.enumerated().map { index, winner in
            let student = owners.students[winner.student]
            let person = people[student]
            return ExperimentLeaderboardRow(
                rank: index + 1,
                displayName: includeNames
                    ? (person?.name ?? student)
                    : (person?.pseudonym ?? Pseudonym.make(id: student)),
                studentID: includeNames ? student : nil,
                runID: details[winner.pk]?.id ?? "", value: winner.value,
                step: details[winner.pk]?.step)
        }
    }
}

/// SQLite copies bound text at once (its SQLITE_TRANSIENT).
private let sqliteTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
