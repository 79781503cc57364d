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
        let expression = try query.filter.map(FilterParser.parse)
        let orderings = try query.orderBy.map(FilterParser.parseOrdering) ?? []
        var sql = FilterSQL(deadBefore: now.addingTimeInterval(-query.heartbeatTimeout))
        var whereArguments: [any DatabaseValueConvertible] = []
        var conditions: [String] = []
        if let expression {
            conditions.append(sql.condition(expression, arguments: &whereArguments))
        }
        if !query.includeDeleted { conditions.append("r.deleted_at IS NULL") }
        var orderTerms: [String] = []
        var selected: [String] = []
        for (index, ordering) in orderings.enumerated() {
            let column = sql.column(ordering.field)
            selected.append("\(column) AS order\(index)")
            // Runs lacking the field go last in either direction.
            orderTerms.append("(\(column) IS NULL)")
            orderTerms.append("\(column) \(ordering.ascending ? "ASC" : "DESC")")
        }
        // Newest first among equals: pk grows with each new run. Not start_time, so that the
        // filtering pass reads only indexes and the joined rows, never the runs table.
        orderTerms.append("r.pk DESC")
        return try reader.read { db in
            var arguments: [any DatabaseValueConvertible] = sql.joinArguments
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
            let text = """
                SELECT r.pk AS hit_pk\
                \(selected.isEmpty ? "" : ", " + selected.joined(separator: ", "))
                FROM runs r
                \(sql.joins.joined(separator: "\n"))
                \(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "))
                ORDER BY \(orderTerms.joined(separator: ", "))
                \(query.limit.map { "LIMIT \(max(0, $0))" } ?? "")
                """
            let hits = try Row.fetchAll(
                db, sql: text, arguments: StatementArguments(arguments.map { $0.databaseValue }))
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
