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
    /// The student whose run it is, whatever was asked for: the daemon shows a student the run
    /// ids of their own rows only, and never puts this in a response.
    public var ownerID: String
    public var runID: String
    public var value: Double
    /// The step the value was reached at.
    public var step: Int64?

    public init(
        rank: Int, displayName: String, studentID: String?, ownerID: String = "", runID: String,
        value: Double, step: Int64?
    ) {
        self.rank = rank
        self.displayName = displayName
        self.studentID = studentID
        self.ownerID = ownerID
        self.runID = runID
        self.value = value
        self.step = step
    }

    /// Rows are equal when everything a viewer is shown is: `ownerID` is bookkeeping for the
    /// visibility rule, never sent or printed, so a row read back from the daemon (which lacks
    /// it) equals the store's.
    public static func == (a: Self, b: Self) -> Bool {
        a.rank == b.rank && a.displayName == b.displayName && a.studentID == b.studentID
            && a.runID == b.runID && a.value == b.value && a.step == b.step
    }
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
    /// other runs are never looked at), or, when that would cost more, for the whole
    /// experiment at once as a bitmap read from the filtered fields' indexes, which also tells
    /// which students have no matching run at all; the walk stops once every student is
    /// placed or known to have none.
    public func experimentLeaderboard(
        experiment: String, metric: String, ascending: Bool, where filter: String? = nil,
        includeNames: Bool = false, now: Date = Date()
    ) throws -> [ExperimentLeaderboardRow] {
        try experimentLeaderboard(
            experiment: experiment, metric: metric, ascending: ascending, where: filter,
            includeNames: includeNames, now: now, bulkAfter: nil)
    }

    /// The same, computing every match of the filter at once after `bulkAfter` per-run checks
    /// (nil: when `FilterChecker`'s cost estimate says so; tests force either path).
    func experimentLeaderboard(
        experiment: String, metric: String, ascending: Bool, where filter: String?,
        includeNames: Bool, now: Date, bulkAfter: Int?
    ) throws -> [ExperimentLeaderboardRow] {
        let (key, aggregate) = try FilterParser.parseMetric(metric)
        let expression = try filter.map { try FilterParser.parse($0, limits: .scoped) }
        return try reader.read { db in
            guard
                let experimentID = try Int64.fetchOne(
                    db, sql: "SELECT id FROM experiments WHERE name = ?", arguments: [experiment])
            else { throw RunsError.unknownExperiment(experiment) }
            let owners = try RunOwners(db, experimentID: experimentID)
            var checker = try expression.map {
                try FilterChecker(
                    $0, deadBefore: now.addingTimeInterval(-RunRecord.heartbeatTimeout),
                    bulkAfter: bulkAfter)
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
    /// Sparse pks: pk → slot (0..<slotCount), for bitmaps over the candidate runs.
    private var sparseSlots: [Int64: Int32] = [:]
    /// Bitmaps of runs (`RunBitmap`) have this many slots.
    private(set) var slotCount = 0
    /// How many runs may rank.
    private(set) var candidates = 0

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
        candidates = pks.count
        guard let low = pks.min(), let high = pks.max() else { return }
        if high - low < Int64(4 * pks.count + 1024) {
            base = low
            dense = Array(repeating: 0, count: Int(high - low) + 1)
            for (pk, owner) in zip(pks, owners) { dense[Int(pk - low)] = owner + 1 }
            slotCount = dense.count
        } else {
            sparse = Dictionary(zip(pks, owners), uniquingKeysWith: { a, _ in a })
            sparseSlots = Dictionary(
                zip(pks, (0..<Int32(pks.count))), uniquingKeysWith: { a, _ in a })
            slotCount = pks.count
        }
    }

    /// Run `pk`'s slot in a `RunBitmap`, if the run may rank (dense: any pk in the range).
    @inline(__always) func slot(_ pk: Int64) -> Int? {
        if !dense.isEmpty {
            let i = pk - base
            guard i >= 0, i < Int64(dense.count) else { return nil }
            return Int(i)
        }
        return sparseSlots[pk].map(Int.init)
    }

    /// Which students own at least one run in `bitmap`.
    func studentsOwningAny(of bitmap: RunBitmap) -> [Bool] {
        var owning = [Bool](repeating: false, count: students.count)
        if !dense.isEmpty {
            for i in 0..<dense.count where dense[i] != 0 && bitmap.contains(i) {
                owning[Int(dense[i] - 1)] = true
            }
        } else {
            for (pk, slot) in sparseSlots where bitmap.contains(Int(slot)) {
                if let owner = sparse[pk] { owning[Int(owner)] = true }
            }
        }
        return owning
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

/// A set of runs as one bit per `RunOwners` slot (the dense pk range, usually): cheap to
/// fill from an index scan, to combine for AND / OR / NOT, and to test.
struct RunBitmap {
    private var words: [UInt64]
    let count: Int

    init(count: Int) {
        self.count = count
        words = [UInt64](repeating: 0, count: (count + 63) / 64)
    }

    @inline(__always) func contains(_ slot: Int) -> Bool {
        words[slot >> 6] & (1 << UInt64(slot & 63)) != 0
    }
    @inline(__always) mutating func insert(_ slot: Int) {
        words[slot >> 6] |= 1 << UInt64(slot & 63)
    }
    mutating func formIntersection(_ other: RunBitmap) {
        for i in words.indices { words[i] &= other.words[i] }
    }
    mutating func formUnion(_ other: RunBitmap) {
        for i in words.indices { words[i] |= other.words[i] }
    }
    /// Every slot not in the set (bits past `count` stay clear).
    mutating func invert() {
        for i in words.indices { words[i] = ~words[i] }
        if count % 64 != 0, !words.isEmpty {
            words[words.count - 1] &= (1 << UInt64(count % 64)) - 1
        }
    }
}

/// Evaluates a filter for a list of runs at once (`SELECT pk … WHERE pk IN (…) AND filter`),
/// or, once checking runs would cost more than that, for the whole experiment as a bitmap read
/// from index scans (`FilterSQL.drivenQueries`: one range of `params_on_key_num` for
/// `params.r <= 8`).
struct FilterChecker {
    private let expression: FilterExpression
    private let deadBefore: Date
    private let sql: String
    /// Every matching run of the experiment, once `checked` made computing it worth it.
    private(set) var everyMatch: RunBitmap?
    private var checked = 0
    /// Per-run checks after which the bitmap is built; nil until the first check estimates it.
    private var bulkAfter: Int?
    /// Measured (release, 100,000 runs): a run checked in a chunk query costs ~2.2 µs, an
    /// index entry read for the bitmap ~0.08 µs.
    static let entriesPerCheck = 25
    private let joinArguments: [DatabaseValue]
    private let filterArguments: [DatabaseValue]
    /// Largest IN list one query carries (well under SQLite's variable limit).
    static let chunk = 2_000

    init(_ expression: FilterExpression, deadBefore: Date, bulkAfter: Int? = nil) throws {
        self.bulkAfter = bulkAfter
        self.expression = expression
        self.deadBefore = deadBefore
        var builder = FilterSQL(deadBefore: deadBefore)
        var arguments: [any DatabaseValueConvertible] = []
        let condition = builder.condition(expression, arguments: &arguments)
        sql = builder.fromRuns + "\nWHERE r.pk IN (SELECT value FROM json_each(?)) AND "
            + condition
        joinArguments = builder.joinArguments.map(\.databaseValue)
        filterArguments = arguments.map(\.databaseValue)
    }

    /// Whether each of `pks` (runs of experiment `experimentID`) matches the filter.
    mutating func matching(
        _ db: Database, _ pks: [Int64], experimentID: Int64, owners: RunOwners
    ) throws -> [Bool] {
        if bulkAfter == nil {
            bulkAfter = try Self.bulkAfter(db, expression, owners: owners)
        }
        checked += pks.count
        if everyMatch == nil, checked > bulkAfter ?? 0 {
            everyMatch = try bitmap(db, expression, experimentID: experimentID, owners: owners)
        }
        if let everyMatch {
            return pks.map { pk in owners.slot(pk).map(everyMatch.contains) ?? false }
        }
        var matched = Set<Int64>()
        for start in stride(from: 0, to: pks.count, by: Self.chunk) {
            let slice = pks[start..<min(start + Self.chunk, pks.count)]
            let list = "[" + slice.map(String.init).joined(separator: ",") + "]"
            let arguments = joinArguments + [list.databaseValue] + filterArguments
            let found = try Int64.fetchAll(
                db, sql: "SELECT r.pk " + sql, arguments: StatementArguments(arguments))
            matched.formUnion(found)
        }
        return pks.map(matched.contains)
    }

    /// When to stop checking runs and build the bitmap. Its cost is about the index entries
    /// it reads: per comparison at most one per run in the store (a field has one row per
    /// run), or per candidate for an attribute. When that is within twice the candidates
    /// (the experiment is most of the store and the filter small), build it at once: it costs
    /// less than the run → student scan already made, and students without a match then stop
    /// the walk early. Otherwise check runs until their cost reaches the bitmap's.
    static func bulkAfter(_ db: Database, _ expression: FilterExpression, owners: RunOwners)
        throws -> Int
    {
        let runs = try Int.fetchOne(db, sql: "SELECT MAX(pk) FROM runs") ?? 0
        var entries = 0
        func count(_ e: FilterExpression) {
            switch e {
            case .and(let a, let b), .or(let a, let b):
                count(a)
                count(b)
            case .not(let inner): count(inner)
            case .comparison(let c):
                if case .attribute = c.field { entries += owners.candidates } else { entries += runs }
            }
        }
        count(expression)
        return entries <= 2 * owners.candidates ? 0 : entries / entriesPerCheck
    }

    /// The runs of the experiment for which `expression` is true. A comparison outside NOT is
    /// NULL (false) where the run lacks the field, and under NOT `FilterSQL` makes it false
    /// explicitly, so AND, OR and NOT are exactly ∩, ∪ and the complement.
    func bitmap(
        _ db: Database, _ expression: FilterExpression, experimentID: Int64, owners: RunOwners
    ) throws -> RunBitmap {
        switch expression {
        case .and(let a, let b):
            var set = try bitmap(db, a, experimentID: experimentID, owners: owners)
            set.formIntersection(try bitmap(db, b, experimentID: experimentID, owners: owners))
            return set
        case .or(let a, let b):
            var set = try bitmap(db, a, experimentID: experimentID, owners: owners)
            set.formUnion(try bitmap(db, b, experimentID: experimentID, owners: owners))
            return set
        case .not(let inner):
            var set = try bitmap(db, inner, experimentID: experimentID, owners: owners)
            set.invert()
            return set
        case .comparison(let c):
            var set = RunBitmap(count: owners.slotCount)
            var builder = FilterSQL(deadBefore: deadBefore)
            var queries = builder.drivenQueries(c) ?? []
            if queries.isEmpty {
                // An attribute: a column of the experiment's own runs.
                var arguments: [any DatabaseValueConvertible] = [experimentID]
                let condition = builder.condition(.comparison(c), arguments: &arguments)
                queries = [
                    ("SELECT r.pk FROM runs r WHERE r.experiment_id = ? AND r.deleted_at IS NULL"
                        + " AND " + condition, arguments.map(\.databaseValue))
                ]
            }
            for query in queries {
                try forEachPK(db, sql: query.sql, arguments: query.arguments) { pk in
                    if let slot = owners.slot(pk) { set.insert(slot) }
                }
            }
            return set
        }
    }

    /// Steps `sql` (its first column an integer pk) without decoding rows through GRDB.
    private func forEachPK(
        _ db: Database, sql: String, arguments: [DatabaseValue], _ body: (Int64) -> Void
    ) throws {
        let statement = try db.makeStatement(sql: sql)
        try statement.setArguments(StatementArguments(arguments))
        let handle = statement.sqliteStatement
        defer { sqlite3_reset(handle) }
        while true {
            let code = sqlite3_step(handle)
            if code == SQLITE_DONE { return }
            guard code == SQLITE_ROW else {
                throw DatabaseError(
                    resultCode: ResultCode(rawValue: code),
                    message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
            }
            body(sqlite3_column_int64(handle, 0))
        }
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

        var excluded = false
        func settle() throws {
            guard !pending.isEmpty else { return }
            var matched: [Bool]? = nil
            if checker != nil {
                matched = try checker?.matching(
                    db, pending.map(\.pk), experimentID: experimentID, owners: owners)
            }
            for (index, entry) in pending.enumerated() where !placed[entry.student] {
                if let matched, !matched[index] { continue }
                placed[entry.student] = true
                remaining -= 1
                winners.append(Winner(student: entry.student, pk: entry.pk, value: entry.value))
            }
            pending.removeAll(keepingCapacity: true)
            batch = min(batch * 2, FilterChecker.chunk)
            // Once every match is known, students without one are done: without this the
            // walk would read the whole index looking for them.
            if !excluded, let everyMatch = checker?.everyMatch {
                excluded = true
                for (student, owning) in owners.studentsOwningAny(of: everyMatch).enumerated()
                where !owning && !placed[student] {
                    placed[student] = true
                    remaining -= 1
                }
            }
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
                studentID: includeNames ? student : nil, ownerID: student,
                runID: details[winner.pk]?.id ?? "", value: winner.value,
                step: details[winner.pk]?.step)
        }
    }
}

/// SQLite copies bound text at once (its SQLITE_TRANSIENT).
private let sqliteTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
