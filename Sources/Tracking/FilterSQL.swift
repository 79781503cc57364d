// Turns a parsed filter and ordering into SQL over `runs r`: one LEFT JOIN per distinct field
// (a metric summary, param or tag row), comparisons with bound arguments.
import Foundation
import GRDB

/// SQL fragments for a search: joins, a WHERE condition and ORDER BY terms, with their
/// arguments in text order (joins first, then the condition, then the ordering).
struct FilterSQL {
    /// One joined row per field: which field, the JOIN's text after its kind, and the key.
    private var joinList: [(field: FilterField, clause: String, key: String)] = []
    private var aliases: [FilterField: String] = [:]

    /// The joins, all LEFT JOINs (a run may lack any field).
    var joins: [String] { joinList.map { "LEFT JOIN " + $0.clause } }
    var joinArguments: [any DatabaseValueConvertible] { joinList.map(\.key) }

    /// The FROM clause with `field`'s table first, CROSS JOINed to `runs r` (SQLite keeps a
    /// CROSS JOIN's order), then the other joins: the query walks that table's index (in
    /// order, for an ORDER BY on it) instead of scanning runs. Only for runs known to have
    /// `field`; bound parameters alone leave SQLite's planner blind to that.
    func from(drivenBy field: FilterField) -> (sql: String, arguments: [any DatabaseValueConvertible]) {
        let key = FilterSQL.joinKey(field)
        guard let first = joinList.first(where: { $0.field == key }), let alias = aliases[key]
        else { return (fromRuns, joinArguments) }
        let table = first.clause.split(separator: " ")[0]
        let rest = joinList.filter { $0.field != key }
        let text = "FROM \(table) \(alias) CROSS JOIN runs r ON r.pk = \(alias).run_pk"
            + " AND \(alias).key = ?\n" + rest.map { "LEFT JOIN " + $0.clause }.joined(separator: "\n")
        return (text, [first.key] + rest.map(\.key))
    }

    /// The FROM clause starting from `runs r`, every field LEFT JOINed.
    var fromRuns: String { "FROM runs r\n" + joins.joined(separator: "\n") }

    /// All aggregates of a metric share the join of its `.last`.
    static func joinKey(_ field: FilterField) -> FilterField {
        if case .metric(let key, _) = field { return .metric(key: key, aggregate: .last) }
        return field
    }
    /// When a RUNNING run counts as dead (for `attributes.status = 'DEAD'`).
    let deadBefore: Date

    init(deadBefore: Date) {
        self.deadBefore = deadBefore
    }

    /// The SQL expression reading `field`, joining its table on first use.
    mutating func column(_ field: FilterField) -> String {
        switch field {
        case .attribute(let attribute):
            return "r.\(attribute.column)"
        case .metric(let key, let aggregate):
            return "\(alias(for: .metric(key: key, aggregate: .last), key: key))."
                + "\"\(aggregate.rawValue)\""
        case .param(let key):
            return "\(alias(for: field, key: key)).value"
        case .tag(let key):
            return "\(alias(for: field, key: key)).value"
        }
    }

    /// ORDER BY terms for `field` in `direction`: a param orders numerically where its value
    /// parses as a number (its `num` column: lr 0.0001 before 0.001 before 0.01), then as text
    /// after every number; everything else by its column.
    mutating func orderTerms(_ field: FilterField, direction: String) -> [String] {
        if case .param(let key) = field {
            let alias = alias(for: field, key: key)
            return ["(\(alias).num IS NULL)", "\(alias).num \(direction)", "\(alias).value \(direction)"]
        }
        return ["\(column(field)) \(direction)"]
    }

    /// The step at which `aggregate` of metric `key` was reached (`min_step`, …).
    mutating func metricStep(key: String, aggregate: MetricAggregate) -> String {
        "\(alias(for: .metric(key: key, aggregate: .last), key: key)).\(aggregate.rawValue)_step"
    }

    /// All aggregates of a metric share one join (keyed by its `.last` field).
    private mutating func alias(for field: FilterField, key: String) -> String {
        if let alias = aliases[field] { return alias }
        let alias: String
        let table: String
        switch field {
        case .metric:
            alias = "m\(aliases.count)"
            table = "metric_summaries"
        case .param:
            alias = "p\(aliases.count)"
            table = "params"
        default:
            alias = "t\(aliases.count)"
            table = "run_tags"
        }
        aliases[field] = alias
        joinList.append((field, "\(table) \(alias) ON \(alias).run_pk = r.pk AND \(alias).key = ?", key))
        return alias
    }

    /// The condition for `expression`. Outside any NOT, a comparison on a missing field is
    /// NULL, which acts as false; under NOT it is made false explicitly (COALESCE) so that
    /// `NOT metrics.x < 1` keeps runs without x. Keeping positive comparisons bare lets SQLite
    /// turn the LEFT JOINs into inner joins that start from the summary indexes.
    mutating func condition(
        _ expression: FilterExpression, negated: Bool = false,
        arguments: inout [any DatabaseValueConvertible]
    ) -> String {
        // A chain `a OR b OR c …` is one parenthesised list, not a nesting per term: SQLite's
        // parser overflows its stack on about a hundred nested parentheses.
        func chain(_ e: FilterExpression, _ isAnd: Bool) -> [FilterExpression] {
            switch (e, isAnd) {
            case (.and(let a, let b), true), (.or(let a, let b), false):
                return chain(a, isAnd) + chain(b, isAnd)
            default:
                return [e]
            }
        }
        switch expression {
        case .and, .or:
            var isAnd = false
            if case .and = expression { isAnd = true }
            var terms: [String] = []
            for term in chain(expression, isAnd) {
                terms.append(condition(term, negated: negated, arguments: &arguments))
            }
            return "(" + terms.joined(separator: isAnd ? " AND " : " OR ") + ")"
        case .not(let inner):
            return "(NOT \(condition(inner, negated: true, arguments: &arguments)))"
        case .comparison(let comparison):
            let sql = self.comparison(comparison, arguments: &arguments)
            return negated ? "COALESCE(\(sql), 0)" : sql
        }
    }

    private mutating func comparison(
        _ c: FilterComparison, arguments: inout [any DatabaseValueConvertible]
    ) -> String {
        if case .attribute(.status) = c.field { return statusComparison(c, arguments: &arguments) }
        switch c.field {
        case .metric:
            let column = self.column(c.field)
            return compare(column, c, arguments: &arguments) { $0.number ?? 0 }
        case .param(let key):
            // Numerically when the stored value and the literal are both numbers, else as text.
            let alias = self.alias(for: c.field, key: key)
            if c.op != .like, c.op != .ilike, c.values.allSatisfy({ $0.number != nil }) {
                var numeric: [any DatabaseValueConvertible] = []
                var textual: [any DatabaseValueConvertible] = []
                let byNumber = compare("\(alias).num", c, arguments: &numeric) { $0.number ?? 0 }
                let byText = compare("\(alias).value", c, arguments: &textual) { $0.text }
                arguments += numeric + textual
                return "(CASE WHEN \(alias).num IS NOT NULL THEN \(byNumber) ELSE \(byText) END)"
            }
            return compare("\(alias).value", c, arguments: &arguments) { $0.text }
        case .tag, .attribute:
            let column = self.column(c.field)
            return compare(column, c, arguments: &arguments) { $0.text }
        }
    }

    /// `column op ?` (or an IN list, or a LIKE), binding each literal through `value`.
    private func compare(
        _ column: String, _ c: FilterComparison, arguments: inout [any DatabaseValueConvertible],
        value: (FilterLiteral) -> any DatabaseValueConvertible
    ) -> String {
        switch c.op {
        case .in_, .notIn:
            arguments += c.values.map(value)
            let marks = Array(repeating: "?", count: c.values.count).joined(separator: ", ")
            return "(\(column) \(c.op == .in_ ? "IN" : "NOT IN") (\(marks)))"
        case .like:
            // SQLite's LIKE ignores case; MLflow's does not, so LIKE becomes a GLOB.
            arguments.append(FilterSQL.globPattern(like: c.values[0].text))
            return "(\(column) GLOB ?)"
        case .ilike:
            arguments.append(c.values[0].text)
            return "(\(column) LIKE ?)"
        default:
            arguments.append(value(c.values[0]))
            return "(\(column) \(c.op.rawValue) ?)"
        }
    }

    /// Status comparisons understand DEAD: RUNNING with a heartbeat older than `deadBefore`.
    private func statusComparison(
        _ c: FilterComparison, arguments: inout [any DatabaseValueConvertible]
    ) -> String {
        let shown = "(CASE WHEN r.status = 'RUNNING' AND r.heartbeat_at < ? THEN 'DEAD'"
            + " ELSE r.status END)"
        arguments.append(deadBefore)
        return compare(shown, c, arguments: &arguments) { $0.text }
    }

    /// A LIKE pattern (% any run, _ one character) as a case-sensitive GLOB pattern.
    static func globPattern(like pattern: String) -> String {
        var glob = ""
        for c in pattern {
            switch c {
            case "%": glob += "*"
            case "_": glob += "?"
            case "*", "?", "[": glob += "[\(c)]"
            default: glob.append(c)
            }
        }
        return glob
    }
}

extension FilterSQL {
    /// Queries whose results together are the pks of every run (of any experiment) for which
    /// comparison `c` is true, each reading only the field's own table and driven by its index
    /// (`params_on_key_num`, `run_tags_on_key_value`, `metric_summaries_on_key_…`): the same
    /// comparison as `condition`, so the same runs. Nil for attributes, which live in `runs`.
    /// A param compared with numbers is split as `condition`'s CASE is: numerically where `num`
    /// is set (an index range), as text where it is not.
    func drivenQueries(_ c: FilterComparison) -> [(sql: String, arguments: [DatabaseValue])]? {
        var queries: [(sql: String, arguments: [DatabaseValue])] = []
        func add(
            _ table: String, _ index: String?, _ key: String, _ extra: String, _ column: String,
            value: (FilterLiteral) -> any DatabaseValueConvertible
        ) {
            var arguments: [any DatabaseValueConvertible] = [key]
            let test = compare(column, c, arguments: &arguments, value: value)
            let from = table + " x" + (index.map { " INDEXED BY " + $0 } ?? "")
            queries.append(
                ("SELECT x.run_pk FROM \(from) WHERE x.key = ?\(extra) AND \(test)",
                 arguments.map(\.databaseValue)))
        }
        switch c.field {
        case .attribute:
            return nil
        case .metric(let key, let aggregate):
            add(
                "metric_summaries", "metric_summaries_on_key_\(aggregate.rawValue)", key, "",
                "x.\"\(aggregate.rawValue)\"") { $0.number ?? 0 }
        case .param(let key):
            if c.op != .like, c.op != .ilike, c.values.allSatisfy({ $0.number != nil }) {
                add("params", "params_on_key_num", key, " AND x.num IS NOT NULL", "x.num") {
                    $0.number ?? 0
                }
                add("params", "params_on_key_num", key, " AND x.num IS NULL", "x.value") {
                    $0.text
                }
            } else {
                add("params", nil, key, "", "x.value") { $0.text }
            }
        case .tag(let key):
            add("run_tags", nil, key, "", "x.value") { $0.text }
        }
        return queries
    }
}
