// An experiment's leaderboard: per student, their best run by one metric summary (optionally
// among runs matching a filter), ranked, under pseudonyms unless names are asked for.
import Foundation
import GRDB
import Store

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
    public func experimentLeaderboard(
        experiment: String, metric: String, ascending: Bool, where filter: String? = nil,
        includeNames: Bool = false, now: Date = Date()
    ) throws -> [ExperimentLeaderboardRow] {
        let (key, aggregate) = try FilterParser.parseMetric(metric)
        let expression = try filter.map(FilterParser.parse)
        var sql = FilterSQL(deadBefore: now.addingTimeInterval(-RunRecord.heartbeatTimeout))
        let value = sql.column(.metric(key: key, aggregate: aggregate))
        let step = sql.metricStep(key: key, aggregate: aggregate)
        var filterArguments: [any DatabaseValueConvertible] = []
        let condition = expression.map { sql.condition($0, arguments: &filterArguments) }
        let direction = ascending ? "ASC" : "DESC"
        // Every candidate has the metric: start from its summaries.
        let from = sql.from(drivenBy: .metric(key: key, aggregate: aggregate))
        return try reader.read { db in
            guard
                let experimentID = try Int64.fetchOne(
                    db, sql: "SELECT id FROM experiments WHERE name = ?", arguments: [experiment])
            else { throw RunsError.unknownExperiment(experiment) }
            let text = """
                WITH candidates AS (
                    SELECT r.pk, r.student_id, \(value) AS value,
                           \(step) AS step
                    \(from.sql)
                    WHERE r.experiment_id = ? AND r.deleted_at IS NULL
                      AND r.student_id IS NOT NULL AND \(value) IS NOT NULL
                      \(condition.map { "AND \($0)" } ?? "")
                ),
                picked AS (
                    SELECT *, ROW_NUMBER() OVER (
                        PARTITION BY student_id ORDER BY value \(direction), pk
                    ) AS pick
                    FROM candidates
                )
                SELECT p.*, r.id, st.name AS student_name, st.pseudonym
                FROM picked p JOIN runs r ON r.pk = p.pk
                LEFT JOIN students st ON st.id = p.student_id
                WHERE p.pick = 1 AND NOT COALESCE(st.is_instructor, 0)
                ORDER BY p.value \(direction), p.pk
                """
            let arguments = from.arguments + [experimentID] + filterArguments
            let rows = try Row.fetchAll(
                db, sql: text, arguments: StatementArguments(arguments.map { $0.databaseValue }))
            return rows.enumerated().map { index, row in
                let student: String = row["student_id"]
                let pseudonym: String? = row["pseudonym"]
                let name: String? = row["student_name"]
                return ExperimentLeaderboardRow(
                    rank: index + 1,
                    displayName: includeNames
                        ? (name ?? student) : (pseudonym ?? Pseudonym.make(id: student)),
                    studentID: includeNames ? student : nil, runID: row["id"],
                    value: row["value"], step: row["step"])
            }
        }
    }
}
