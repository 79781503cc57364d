// Reading runs back: one run with its params, tags and metric summaries, a metric's history,
// experiments by name.
import Foundation
import GRDB

/// A run with everything `runs show` and `runs compare` print.
public struct RunDetails: Sendable, Equatable {
    public var run: RunRecord
    public var experiment: String
    public var params: [String: String]
    public var tags: [String: String]
    /// By metric key.
    public var summaries: [String: MetricSummaryRecord]
}

extension LabStore {
    /// The experiment called `name`, if any.
    public func experiment(named name: String) throws -> ExperimentRecord? {
        try reader.read { db in
            try ExperimentRecord.filter(Column("name") == name).fetchOne(db)
        }
    }

    /// Every experiment, by name.
    public func experiments() throws -> [ExperimentRecord] {
        try reader.read { db in try ExperimentRecord.order(Column("name")).fetchAll(db) }
    }

    /// The metric keys the live runs of experiment `name` have logged, sorted.
    public func metricKeys(experiment name: String) throws -> [String] {
        try reader.read { db in
            try String.fetchAll(
                db,
                sql: """
                    SELECT DISTINCT s.key FROM metric_summaries s
                    JOIN runs r ON r.pk = s.run_pk
                    JOIN experiments e ON e.id = r.experiment_id
                    WHERE e.name = ? AND r.deleted_at IS NULL
                    ORDER BY s.key
                    """, arguments: [name])
        }
    }

    /// The run with id `id` (deleted or not), if any.
    public func run(id: String) throws -> RunRecord? {
        try reader.read { db in try RunRecord.filter(Column("id") == id).fetchOne(db) }
    }

    /// The run with id `id` and its params, tags and summaries.
    public func runDetails(id: String) throws -> RunDetails {
        try reader.read { db in
            guard let run = try RunRecord.filter(Column("id") == id).fetchOne(db) else {
                throw RunsError.unknownRun(id)
            }
            return try Self.details(db, of: run)
        }
    }

    /// `run` with its experiment's name, params, tags and summaries, read in `db`.
    static func details(_ db: Database, of run: RunRecord) throws -> RunDetails {
        guard let pk = run.pk else { throw RunsError.unknownRun(run.id) }
        let experiment =
            try String.fetchOne(
                db, sql: "SELECT name FROM experiments WHERE id = ?",
                arguments: [run.experimentID]) ?? ""
        let params = try ParamRecord.filter(Column("run_pk") == pk).fetchAll(db)
        let tags = try RunTagRecord.filter(Column("run_pk") == pk).fetchAll(db)
        let summaries = try MetricSummaryRecord.filter(Column("run_pk") == pk).fetchAll(db)
        return RunDetails(
            run: run, experiment: experiment,
            params: Dictionary(params.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a }),
            tags: Dictionary(tags.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a }),
            summaries: Dictionary(summaries.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a }))
    }

    /// Every point of metric `key` in run `id`, by step then logging order.
    public func metricHistory(runID id: String, key: String) throws -> [MetricRecord] {
        try reader.read { db in
            guard let pk = try Int64.fetchOne(
                db, sql: "SELECT pk FROM runs WHERE id = ?", arguments: [id])
            else { throw RunsError.unknownRun(id) }
            return try MetricRecord.fetchAll(
                db,
                sql: """
                    SELECT * FROM metrics WHERE run_pk = ? AND key = ? ORDER BY step, rowid
                    """,
                arguments: [pk, key])
        }
    }
}
