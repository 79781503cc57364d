// Parses the filter language (MLflow's search syntax plus OR, NOT and parentheses) and
// orderings; every error points at the column where the text went wrong.
//
//   filter     := or
//   or         := and ("OR" and)*
//   and        := not ("AND" not)*
//   not        := "NOT" not | "(" or ")" | comparison
//   comparison := field op literal | field ["NOT"] "IN" "(" literal ("," literal)* ")"
//   field      := metrics.KEY[.min|.max|.last] | params.KEY | tags.KEY | attributes.NAME
public enum FilterParser {
    /// Parses `text` into an expression, refusing one larger than `limits` with
    /// TrackingError.tooComplex before it costs any work.
    public static func parse(
        _ text: String, limits: FilterLimits = .standard
    ) throws -> FilterExpression {
        guard text.utf8.count <= limits.maxLength else {
            throw TrackingError.tooComplex(
                "the filter is \(text.utf8.count) bytes long; at most \(limits.maxLength) are"
                    + " accepted: search with fewer conditions")
        }
        var parser = Parser(text: text, tokens: try FilterLexer.tokenize(text), limits: limits)
        let expression = try parser.parseOr()
        try parser.expectEnd()
        return expression
    }

    /// Parses `field [ASC|DESC] (, field [ASC|DESC])*`; the default direction is ASC.
    public static func parseOrdering(_ text: String) throws -> [FilterOrdering] {
        guard text.utf8.count <= FilterLimits.standard.maxLength else {
            throw TrackingError.tooComplex(
                "the ordering is \(text.utf8.count) bytes long; at most"
                    + " \(FilterLimits.standard.maxLength) are accepted")
        }
        var parser = Parser(text: text, tokens: try FilterLexer.tokenize(text))
        var orderings: [FilterOrdering] = []
        repeat {
            guard orderings.count < FilterLimits.maxOrderings else {
                throw TrackingError.tooComplex(
                    "at most \(FilterLimits.maxOrderings) fields can order a search")
            }
            let field = try parser.parseField()
            var ascending = true
            if case .keyword(let word) = parser.current.kind, word == "ASC" || word == "DESC" {
                ascending = word == "ASC"
                parser.advance()
            }
            orderings.append(FilterOrdering(field: field.field, ascending: ascending))
        } while parser.take(.comma)
        try parser.expectEnd()
        return orderings
    }

    /// Parses a bare metric spec such as `eval_loss.min` (leaderboards), or `eval_loss` (last).
    public static func parseMetric(_ text: String) throws -> (key: String, aggregate: MetricAggregate)
    {
        let full = "metrics." + text
        var parser = Parser(text: full, tokens: try FilterLexer.tokenize(full))
        let field = try parser.parseField()
        try parser.expectEnd()
        guard case .metric(let key, let aggregate) = field.field else {
            throw TrackingError.syntax(text: text, column: 1, message: "expected a metric name")
        }
        return (key, aggregate)
    }
}

private struct Parser {
    let text: String
    let tokens: [FilterToken]
    let limits: FilterLimits
    var position = 0
    /// How many parentheses and NOTs enclose the current token.
    var depth = 0
    var comparisons = 0
    var values = 0
    var fields: Set<FilterField> = []

    init(text: String, tokens: [FilterToken], limits: FilterLimits = .standard) {
        self.text = text
        self.tokens = tokens
        self.limits = limits
    }

    /// One level deeper into parentheses or NOT, refused past the limit before recursing.
    mutating func enter(_ token: FilterToken) throws {
        depth += 1
        guard depth <= limits.maxDepth else {
            throw TrackingError.tooComplex(
                "parentheses and NOTs nest more than \(limits.maxDepth) deep at column"
                    + " \(token.column); write the condition with fewer levels")
        }
    }

    /// Counts a comparison against the limits once it is parsed.
    mutating func count(_ comparison: FilterComparison) throws {
        comparisons += 1
        values += comparison.values.count
        fields.insert(FilterSQL.joinKey(comparison.field))
        if comparisons > limits.maxComparisons {
            throw TrackingError.tooComplex(
                "the filter has more than \(limits.maxComparisons) comparisons; at most"
                    + " \(limits.maxComparisons) are accepted (an IN list counts as one)")
        }
        if values > limits.maxValues {
            throw TrackingError.tooComplex(
                "the filter has more than \(limits.maxValues) values; at most"
                    + " \(limits.maxValues) are accepted")
        }
        let distinct = fields.filter { if case .attribute = $0 { false } else { true } }.count
        if distinct > limits.maxFields {
            throw TrackingError.tooComplex(
                "the filter names more than \(limits.maxFields) different metrics, params and"
                    + " tags; at most \(limits.maxFields) are accepted")
        }
    }

    var current: FilterToken { tokens[position] }

    mutating func advance() {
        if position < tokens.count - 1 { position += 1 }
    }

    mutating func take(_ kind: FilterToken.Kind) -> Bool {
        guard current.kind == kind else { return false }
        advance()
        return true
    }

    mutating func takeKeyword(_ word: String) -> Bool {
        guard case .keyword(word) = current.kind else { return false }
        advance()
        return true
    }

    func describe(_ token: FilterToken) -> String {
        token.kind == .end ? "the end of the filter" : "'\(token.text)'"
    }

    func syntax(_ message: String, at token: FilterToken? = nil) -> TrackingError {
        .syntax(text: text, column: (token ?? current).column, message: message)
    }

    mutating func expectEnd() throws {
        guard current.kind == .end else {
            throw syntax(
                "unexpected \(describe(current)) after a complete condition; join conditions"
                    + " with AND or OR")
        }
    }

    mutating func parseOr() throws -> FilterExpression {
        var left = try parseAnd()
        while takeKeyword("OR") { left = .or(left, try parseAnd()) }
        return left
    }

    mutating func parseAnd() throws -> FilterExpression {
        var left = try parseNot()
        while takeKeyword("AND") { left = .and(left, try parseNot()) }
        return left
    }

    mutating func parseNot() throws -> FilterExpression {
        if case .keyword("NOT") = current.kind {
            try enter(current)
            defer { depth -= 1 }
            advance()
            return .not(try parseNot())
        }
        if current.kind == .leftParen {
            let open = current
            try enter(open)
            defer { depth -= 1 }
            advance()
            let inner = try parseOr()
            guard take(.rightParen) else {
                throw syntax(
                    "expected ')' to close the '(' at column \(open.column), found"
                        + " \(describe(current))")
            }
            return inner
        }
        return .comparison(try parseComparison())
    }

    mutating func parseComparison() throws -> FilterComparison {
        let field = try parseField()
        let opToken = current
        var op: FilterOperator
        switch current.kind {
        case .op(let symbol):
            guard let parsed = FilterOperator(rawValue: symbol) else {
                throw syntax("unknown operator '\(symbol)'")
            }
            op = parsed
        case .keyword("LIKE"): op = .like
        case .keyword("ILIKE"): op = .ilike
        case .keyword("IN"): op = .in_
        case .keyword("NOT"):
            advance()
            guard case .keyword("IN") = current.kind else {
                throw syntax("expected IN after NOT in a comparison, found \(describe(current))")
            }
            op = .notIn
        default:
            throw syntax(
                "expected a comparison operator (= != < <= > >= LIKE ILIKE IN) after"
                    + " '\(field.text)', found \(describe(current))")
        }
        advance()
        var values: [FilterLiteral] = []
        if op == .in_ || op == .notIn {
            guard take(.leftParen) else {
                throw syntax("expected '(' and a list of values after \(op.rawValue)")
            }
            repeat { values.append(try parseLiteral(after: opToken)) } while take(.comma)
            guard take(.rightParen) else {
                throw syntax("expected ',' or ')' in the IN list, found \(describe(current))")
            }
        } else {
            values.append(try parseLiteral(after: opToken))
        }
        let comparison = FilterComparison(
            field: field.field, op: op, values: values, column: field.column)
        try check(comparison)
        try count(comparison)
        return comparison
    }

    mutating func parseLiteral(after opToken: FilterToken) throws -> FilterLiteral {
        switch current.kind {
        case .number(let value, let text):
            advance()
            return .number(value, text: text)
        case .string(let value):
            advance()
            return .string(value)
        default:
            throw syntax(
                "expected a number or a 'quoted string' after '\(opToken.text)', found"
                    + " \(describe(current))")
        }
    }

    /// Rejects comparisons that cannot mean anything, naming the field's column.
    func check(_ c: FilterComparison) throws {
        func bad(_ message: String) -> TrackingError {
            .badComparison(text: text, column: c.column, message: message)
        }
        switch c.field {
        case .metric:
            if c.op == .like || c.op == .ilike {
                throw bad("\(c.field) is a number: compare it with = != < <= > >=, not \(c.op.rawValue)")
            }
            for value in c.values {
                if case .string(let s) = value {
                    throw bad("\(c.field) is a number, but is compared with the string '\(s)'")
                }
            }
        case .attribute(.status):
            for value in c.values where c.op != .like && c.op != .ilike {
                if !["RUNNING", "FINISHED", "FAILED", "KILLED", "DEAD"].contains(value.text) {
                    throw bad(
                        "a run's status is RUNNING, FINISHED, FAILED or KILLED, not"
                            + " '\(value.text)'")
                }
            }
        default:
            break
        }
    }

    mutating func parseField() throws -> (field: FilterField, column: Int, text: String) {
        let token = current
        guard case .field(let parts, let quoted) = token.kind else {
            throw syntax(
                "expected a field such as metrics.loss.min, params.lr, tags.note or"
                    + " attributes.status, found \(describe(token))")
        }
        advance()
        func unknown(_ hint: String) -> TrackingError {
            .unknownField(text: text, column: token.column, field: token.text, hint: hint)
        }
        let entity = parts[0].lowercased()
        let rest = Array(parts.dropFirst())
        let restQuoted = Array(quoted.dropFirst())
        guard !rest.isEmpty else {
            throw unknown(
                "name a field as metrics.KEY[.min|.max|.last], params.KEY, tags.KEY or"
                    + " attributes.NAME")
        }
        switch entity {
        case "metrics", "metric":
            if rest.count == 1 {
                return (.metric(key: rest[0], aggregate: .last), token.column, token.text)
            }
            if rest.count == 2, !restQuoted[1],
                let aggregate = MetricAggregate(rawValue: rest[1].lowercased())
            {
                return (.metric(key: rest[0], aggregate: aggregate), token.column, token.text)
            }
            if rest.count == 2 {
                throw unknown(
                    "a metric has .min, .max or .last, not '.\(rest[1])' (a key with dots goes"
                        + " in backticks: metrics.`\(rest.joined(separator: "."))`)")
            }
            throw unknown(
                "a metric key with dots goes in backticks, e.g. metrics.`\(rest[0]).\(rest[1])`.min")
        case "params", "param":
            return (.param(rest.joined(separator: ".")), token.column, token.text)
        case "tags", "tag":
            return (.tag(rest.joined(separator: ".")), token.column, token.text)
        case "attributes", "attribute", "attr", "run":
            let name = rest.joined(separator: ".").lowercased()
            guard let attribute = RunAttribute(rawValue: name) ?? RunAttribute.aliases[name] else {
                throw unknown(
                    "a run's attributes are "
                        + RunAttribute.allCases.map(\.rawValue).joined(separator: ", "))
            }
            return (.attribute(attribute), token.column, token.text)
        default:
            throw unknown(
                "fields start with metrics., params., tags. or attributes. (e.g."
                    + " metrics.eval_loss.min < 2.5)")
        }
    }
}
