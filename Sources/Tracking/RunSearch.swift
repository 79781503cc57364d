// Searching runs: an experiment, a filter, an ordering and a limit, answered from the summary
// table (and its indexes) in one query.
import Foundation
import GRDB
import Store

/// What to search for.
public struct RunQuery: Sendable, Equatable {
    /// The experiment's name; nil searches every experiment.
    public var experiment: String?
    /// A filter in the filter language, or nil for every run.
    public var filter: String?
    /// `field [ASC|DESC], …`; nil: newest first.
    public var orderBy: String?
    public var limit: Int?
    /// Also list soft-deleted runs.
    public var includeDeleted: Bool
    /// Heartbeats older than this many seconds make a RUNNING run DEAD.
    public var heartbeatTimeout: TimeInterval

    public init(
        experiment: String? = nil, filter: String? = nil, orderBy: String? = nil,
        limit: Int? = nil, includeDeleted: Bool = false,
        heartbeatTimeout: TimeInterval = RunRecord.heartbeatTimeout
    ) {
        self.experiment = experiment
        self.filter = filter
        self.orderBy = orderBy
        self.limit = limit
        self.includeDeleted = includeDeleted
        self.heartbeatTimeout = heartbeatTimeout
    }
}

/// One run found, with the values of the ordering's fields (nil where the run lacks them).
public struct RunSearchRow: Sendable, Equatable {
    public var run: RunRecord
    public var experiment: String
    public var orderValues: [DatabaseValue]
}

extension LabStore {
    /// The runs matching `query`, in its order. Throws `TrackingError` for a bad filter or
    /// ordering, `RunsError.unknownExperiment` for an unknown experiment.
    public func searchRuns(_ query: RunQuery, now: Date = Date()) throws -> [RunSearchRow] {
        let expression = try query.filter.map { try FilterParser.parse($0, limits: .scoped) }
        let orderings = try query.orderBy.map(FilterParser.parseOrdering) ?? []
        var sql = FilterSQL(deadBefore: now.addingTimeInterval(-query.heartbeatTimeout))
        var whereArguments: [any DatabaseValueConvertible] = []
        var conditions: [String] = []
        if let expression {
            conditions.append(sql.condition(expression, arguments: &whereArguments))
        }
        if !query.includeDeleted { conditions.append("r.deleted_at IS NULL") }
        var selected: [String] = []
        var columns: [String] = []
        var orderTerms: [[String]] = []
        for (index, ordering) in orderings.enumerated() {
            let column = sql.column(ordering.field)
            columns.append(column)
            selected.append("\(column) AS order\(index)")
            orderTerms.append(
                sql.orderTerms(ordering.field, direction: ordering.ascending ? "ASC" : "DESC"))
        }
        /// ORDER BY terms for orderings `from…`: runs lacking a field go last either way.
        func terms(from first: Int) -> [String] {
            (first..<orderings.count).flatMap { i in ["(\(columns[i]) IS NULL)"] + orderTerms[i] }
        }
        // Two passes when ordering: runs having the first field, ordered by it (SQLite then
        // walks that summary's or param's index and stops at the limit), then, if the limit is
        // not reached, runs lacking it. Equals: by pk, which grows with each new run. Without
        // an ordering, newest first; `+r.pk` stops SQLite from scanning runs in pk order when
        // an index on the filtered summary finds the few matches faster.
        var passes: [(condition: String?, order: [String], inner: FilterField?)] = []
        if let first = columns.first {
            let direction = orderings[0].ascending ? "ASC" : "DESC"
            // Attributes live in `runs` itself: no join to make inner.
            var inner: FilterField? = orderings[0].field
            if case .attribute = orderings[0].field { inner = nil }
            passes.append(
                ("\(first) IS NOT NULL",
                 orderTerms[0] + terms(from: 1) + ["r.pk \(direction)"], inner))
            passes.append(("\(first) IS NULL", terms(from: 1) + ["r.pk DESC"], nil))
        } else {
            passes.append((nil, ["+r.pk DESC"], nil))
        }
        return try reader.read { db in
            var arguments: [any DatabaseValueConvertible] = []
            if let name = query.experiment {
                guard
                    let id = try Int64.fetchOne(
                        db, sql: "SELECT id FROM experiments WHERE name = ?", arguments: [name])
                else { throw RunsError.unknownExperiment(name) }
                conditions.insert("r.experiment_id = ?", at: 0)
                arguments.append(id)
            }
            arguments += whereArguments
            // Pass 1: the matching runs' keys and order values, sorted and limited.
            var hits: [Row] = []
            for pass in passes {
                let remaining = query.limit.map { max(0, $0 - hits.count) }
                if remaining == 0 { break }
                let all = conditions + (pass.condition.map { [$0] } ?? [])
                let from = pass.inner.map { sql.from(drivenBy: $0) }
                    ?? (sql: sql.fromRuns, arguments: sql.joinArguments)
                let text = """
                    SELECT r.pk AS hit_pk\
                    \(selected.isEmpty ? "" : ", " + selected.joined(separator: ", "))
                    \(from.sql)
                    \(all.isEmpty ? "" : "WHERE " + all.joined(separator: " AND "))
                    ORDER BY \(pass.order.joined(separator: ", "))
                    \(remaining.map { "LIMIT \($0)" } ?? "")
                    """
                hits += try Row.fetchAll(
                    db, sql: text,
                    arguments: StatementArguments((from.arguments + arguments).map { $0.databaseValue }))
            }
            // Pass 2: the runs themselves, only for the hits.
            let keys = hits.map { $0["hit_pk"] as Int64 }
            var runs: [Int64: (RunRecord, String)] = [:]
            for start in stride(from: 0, to: keys.count, by: 500) {
                let slice = Array(keys[start..<min(start + 500, keys.count)])
                let rows = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT r.*, e.name AS experiment_name FROM runs r
                        JOIN experiments e ON e.id = r.experiment_id
                        WHERE r.pk IN (\(slice.map { _ in "?" }.joined(separator: ",")))
                        """,
                    arguments: StatementArguments(slice))
                for row in rows {
                    runs[row["pk"]] = (try RunRecord(row: row), row["experiment_name"])
                }
            }
            return hits.compactMap { hit in
                guard let (run, experiment) = runs[hit["hit_pk"]] else { return nil }
                return RunSearchRow(
                    run: run, experiment: experiment,
                    orderValues: (0..<orderings.count).map { hit["order\($0)"] })
            }
        }
    }
}
