// The parsed filter: comparisons of run fields (metric summaries, params, tags, attributes) with
// literals, combined with AND, OR, NOT and parentheses.

/// Which summary of a metric a field reads; a bare `metrics.k` means `.last`.
public enum MetricAggregate: String, Sendable, Hashable, CaseIterable {
    case last, min, max
}

/// A run's own columns that filters and orderings may name (`attributes.status`).
public enum RunAttribute: String, Sendable, Hashable, CaseIterable {
    case status
    case runName = "run_name"
    case student
    case source
    case runID = "run_id"
    case gitCommit = "git_commit"
    case host

    /// The `runs` column it reads.
    var column: String {
        switch self {
        case .status: return "status"
        case .runName: return "name"
        case .student: return "student_id"
        case .source: return "source"
        case .runID: return "id"
        case .gitCommit: return "git_commit"
        case .host: return "host"
        }
    }

    /// Other spellings accepted after `attributes.`.
    static let aliases: [String: RunAttribute] = [
        "name": .runName, "student_id": .student, "id": .runID, "commit": .gitCommit,
    ]
}

public enum FilterField: Sendable, Hashable, CustomStringConvertible {
    case metric(key: String, aggregate: MetricAggregate)
    case param(String)
    case tag(String)
    case attribute(RunAttribute)

    public var description: String {
        switch self {
        case .metric(let key, let aggregate): return "metrics.\(quote(key)).\(aggregate.rawValue)"
        case .param(let key): return "params.\(quote(key))"
        case .tag(let key): return "tags.\(quote(key))"
        case .attribute(let attribute): return "attributes.\(attribute.rawValue)"
        }
    }

    private func quote(_ key: String) -> String {
        key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) ? key : "`\(key)`"
    }
}

public enum FilterLiteral: Sendable, Hashable {
    case number(Double, text: String)
    case string(String)

    /// The literal's text as written (unquoted).
    public var text: String {
        switch self {
        case .number(_, let text): return text
        case .string(let s): return s
        }
    }

    /// Its value as a number, if it is one or a string that parses as one.
    public var number: Double? {
        switch self {
        case .number(let value, _): return value
        case .string(let s):
            guard let value = Double(s), value.isFinite, s.first.map({ !$0.isWhitespace }) ?? false
            else { return nil }
            return value
        }
    }
}

public enum FilterOperator: String, Sendable, Hashable {
    case equal = "=", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">"
    case greaterOrEqual = ">=", like = "LIKE", ilike = "ILIKE", in_ = "IN", notIn = "NOT IN"
}

public struct FilterComparison: Sendable, Hashable {
    public var field: FilterField
    public var op: FilterOperator
    /// One value, or several for IN / NOT IN.
    public var values: [FilterLiteral]
    /// 1-based column of the field in the filter text.
    public var column: Int
}

public indirect enum FilterExpression: Sendable, Hashable {
    case comparison(FilterComparison)
    case and(FilterExpression, FilterExpression)
    case or(FilterExpression, FilterExpression)
    case not(FilterExpression)
}

/// One key of an ordering: a field and its direction.
public struct FilterOrdering: Sendable, Hashable {
    public var field: FilterField
    public var ascending: Bool
}
