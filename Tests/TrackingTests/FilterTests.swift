// The filter language: parse errors point at the column, unknown fields are named, and search
// results equal a brute-force evaluation over in-memory rows (written apart from the SQL path).
import Foundation
import Store
import Testing

@testable import Tracking

struct FilterTests {
    @Test func parsesTheIssueExample() throws {
        let e = try FilterParser.parse(
            "params.lora_r <= 8 and (metrics.eval_loss.min < 2.5 or tags.verified = 'true')")
        let lora = FilterComparison(
            field: .param("lora_r"), op: .lessOrEqual, values: [.number(8, text: "8")], column: 1)
        let loss = FilterComparison(
            field: .metric(key: "eval_loss", aggregate: .min), op: .less,
            values: [.number(2.5, text: "2.5")], column: 25)
        let tag = FilterComparison(
            field: .tag("verified"), op: .equal, values: [.string("true")], column: 56)
        #expect(e == .and(.comparison(lora), .or(.comparison(loss), .comparison(tag))))
        // AND binds tighter than OR; a bare metric means .last; backticks quote keys
        let f = try FilterParser.parse("metrics.`train.loss` > 1 OR metrics.a < 1 AND NOT params.b = 'x'")
        guard case .or(.comparison(let first), .and(_, .not)) = f else {
            Issue.record("wrong shape: \(f)")
            return
        }
        #expect(first.field == .metric(key: "train.loss", aggregate: .last))
    }

    @Test func errorsPointAtTheColumn() {
        let cases: [(String, Int, String)] = [
            ("params.lora_r 8", 15, "expected a comparison operator"),
            ("metrics.loss < ", 16, "expected a number"),
            ("(metrics.loss < 1", 18, "expected ')' to close the '(' at column 1"),
            ("metrics.loss < 1 metrics.acc > 2", 18, "join conditions with AND or OR"),
            ("params.x = 'abc", 12, "unterminated string"),
            ("params.x ! 3", 10, "'!' must be followed by '='"),
            ("foo.bar = 1", 1, "unknown field 'foo.bar'"),
            ("params.a = 1 and metrics.x.median < 2", 18, "unknown field 'metrics.x.median'"),
            ("attributes.colour = 'red'", 1, "unknown field 'attributes.colour'"),
            ("metrics.loss = 'low'", 1, "compared with the string 'low'"),
            ("metrics.loss LIKE '1%'", 1, "not LIKE"),
            ("attributes.status = 'DONE'", 1, "not 'DONE'"),
            ("= 3", 1, "expected a field"),
        ]
        for (text, column, message) in cases {
            do {
                _ = try FilterParser.parse(text)
                Issue.record("'\(text)' parsed but should not")
            } catch let error as TrackingError {
                let description = "\(error)"
                #expect(description.contains("at column \(column):"), "\(text) → \(description)")
                #expect(description.contains(message), "\(text) → \(description)")
                // The caret line puts ^ under that column (after the two-space indent).
                let caret = description.split(separator: "\n").last.map(String.init) ?? ""
                #expect(caret == String(repeating: " ", count: 2 + column - 1) + "^", "\(text)")
            } catch {
                Issue.record("unexpected \(error)")
            }
        }
    }

    @Test func orderingParses() throws {
        let o = try FilterParser.parseOrdering("metrics.eval_loss.min, params.lr DESC")
        #expect(o == [
            FilterOrdering(field: .metric(key: "eval_loss", aggregate: .min), ascending: true),
            FilterOrdering(field: .param("lr"), ascending: false),
        ])
        #expect(throws: TrackingError.self) { try FilterParser.parseOrdering("metrics.x.avg") }
    }

    @Test func issueExampleSearchByHand() throws {
        // r1: r=8, min 2.0 → yes; r2: r=16 → no; r3: r=4, min 3.0, verified → yes;
        // r4: r=4, min 3.0, not verified → no; r5: r="8.0" (numeric 8) min 2.4 → yes;
        // r6: no lora_r → no.
        let store = try makeStore()
        try loggedRun(store, "r1", params: ["lora_r": "8"], metrics: series("eval_loss", [3, 2]), start: 1)
        try loggedRun(store, "r2", params: ["lora_r": "16"], metrics: series("eval_loss", [1]), start: 2)
        try loggedRun(
            store, "r3", params: ["lora_r": "4"], metrics: series("eval_loss", [3]),
            tags: ["verified": "true"], start: 3)
        try loggedRun(store, "r4", params: ["lora_r": "4"], metrics: series("eval_loss", [3]), start: 4)
        try loggedRun(store, "r5", params: ["lora_r": "8.0"], metrics: series("eval_loss", [2.4]), start: 5)
        try loggedRun(store, "r6", metrics: series("eval_loss", [0.1]), start: 6)
        let found = try store.searchRuns(
            RunQuery(
                experiment: "lora",
                filter: "params.lora_r <= 8 and (metrics.eval_loss.min < 2.5 or tags.verified = 'true')",
                orderBy: "metrics.eval_loss.min", limit: 20))
        #expect(found.map(\.run.id) == ["r1", "r5", "r3"])
        #expect(found.map { $0.orderValues[0] } == [2.0, 2.4, 3.0].map { $0.databaseValue })
        // Numeric vs text: "10" > 9 numerically though "10" < "9" as text; strings compare as text
        try loggedRun(store, "r7", params: ["lora_r": "10", "opt": "adam"], start: 7)
        #expect(try store.searchRuns(RunQuery(filter: "params.lora_r > 9")).map(\.run.id) == ["r7", "r2"])
        #expect(try store.searchRuns(RunQuery(filter: "params.opt = 'adam'")).map(\.run.id) == ["r7"])
        #expect(try store.searchRuns(RunQuery(filter: "params.opt LIKE 'AD%'")).isEmpty)
        #expect(try store.searchRuns(RunQuery(filter: "params.opt ILIKE 'AD%'")).map(\.run.id) == ["r7"])
        // Ordering: runs lacking the field come after the others, newest first; the limit
        // spans both passes
        let ordered = try store.searchRuns(RunQuery(orderBy: "metrics.eval_loss.min DESC"))
        #expect(ordered.map(\.run.id) == ["r4", "r3", "r5", "r1", "r2", "r6", "r7"])
        let limited = try store.searchRuns(RunQuery(orderBy: "metrics.eval_loss.min", limit: 7))
        #expect(limited.map(\.run.id) == ["r6", "r2", "r1", "r5", "r3", "r4", "r7"])
        // Unknown experiment
        #expect(throws: RunsError.unknownExperiment("nope")) {
            try store.searchRuns(RunQuery(experiment: "nope"))
        }
    }

    @Test func orderingByAParamIsNumericThenText() throws {
        // By hand: lr 1e-4 < 0.001 < 0.01 < 0.1 < 2 as numbers (as text "0.001" < "0.01" <
        // "0.1" < "1e-4" < "2"); "auto" is not a number and comes after every number;
        // the run without lr comes last either way.
        let store = try makeStore()
        let values = ["r1": "0.01", "r2": "2", "r3": "1e-4", "r4": "auto", "r5": "0.1", "r6": "0.001"]
        for (i, id) in values.keys.sorted().enumerated() {
            try loggedRun(store, id, params: ["lr": values[id] ?? ""], start: Double(i))
        }
        try loggedRun(store, "r7", params: ["opt": "adam"], start: 7)
        let ascending = try store.searchRuns(RunQuery(orderBy: "params.lr"))
        #expect(ascending.map(\.run.id) == ["r3", "r6", "r1", "r5", "r2", "r4", "r7"])
        let descending = try store.searchRuns(RunQuery(orderBy: "params.lr DESC", limit: 3))
        #expect(descending.map(\.run.id) == ["r2", "r5", "r1"])
    }

    @Test func randomFiltersMatchBruteForce() throws {
        // Given 60 runs with random params, tags and metric series (some missing, some NaN)
        var rng = SplitMix(seed: 7)
        let store = try makeStore()
        var runs: [MemoryRun] = []
        for i in 0..<60 {
            var run = MemoryRun(id: String(format: "run%02d", i), student: ["alice", "bob", "carol"][i % 3])
            if rng.next() % 5 != 0 { run.params["lora_r"] = ["2", "4", "8", "16", "32", "8.0", "x"][Int(rng.next() % 7)] }
            if rng.next() % 3 != 0 { run.params["opt"] = ["adam", "sgd", "Adam"][Int(rng.next() % 3)] }
            if rng.next() % 2 == 0 { run.tags["verified"] = rng.next() % 2 == 0 ? "true" : "false" }
            for key in ["loss", "acc"] where rng.next() % 6 != 0 {
                let n = 1 + Int(rng.next() % 6)
                run.metrics[key] = (0..<n).map { _ in
                    rng.next() % 9 == 0 ? .nan : Double(rng.next() % 400) / 100
                }
            }
            runs.append(run)
            try loggedRun(
                store, run.id, student: run.student, params: run.params,
                metrics: run.metrics.flatMap { series($0.key, $0.value) }, tags: run.tags,
                start: Double(i))
        }
        let filters = [
            "metrics.loss.min < 1.5",
            "metrics.loss > 2 or metrics.acc.max >= 3",
            "params.lora_r <= 8 and (metrics.loss.min < 2.5 or tags.verified = 'true')",
            "not metrics.loss.last < 2",
            "not (params.opt = 'adam' or tags.verified != 'true')",
            "params.lora_r in ('8', '16') and metrics.acc.min > 1",
            "params.opt not in ('sgd') and params.lora_r > 4",
            "params.opt ILIKE 'a%' and not params.opt LIKE 'a%'",
            "attributes.student = 'bob' and metrics.loss.max <= 3",
            "params.lora_r = 8",
            "params.lora_r >= 'x'",
        ]
        for filter in filters {
            let expression = try FilterParser.parse(filter)
            let expected = Set(runs.filter { $0.matches(expression) }.map(\.id))
            let found = Set(try store.searchRuns(RunQuery(experiment: "lora", filter: filter)).map(\.run.id))
            #expect(found == expected, "\(filter): only SQL \(found.subtracting(expected)), only brute force \(expected.subtracting(found))")
        }
    }
}

/// A run as plain values, and a direct evaluation of a filter over it: a missing field or NaN
/// makes a comparison false (also under NOT, where false flips to true).
struct MemoryRun {
    var id: String
    var student: String
    var params: [String: String] = [:]
    var tags: [String: String] = [:]
    var metrics: [String: [Double]] = [:]

    func matches(_ e: FilterExpression) -> Bool {
        switch e {
        case .and(let a, let b): return matches(a) && matches(b)
        case .or(let a, let b): return matches(a) || matches(b)
        case .not(let a): return !matches(a)
        case .comparison(let c): return holds(c)
        }
    }

    func holds(_ c: FilterComparison) -> Bool {
        switch c.field {
        case .metric(let key, let aggregate):
            guard let values = metrics[key] else { return false }
            let finite = values.filter { !$0.isNaN }
            let value: Double?
            switch aggregate {
            case .last: value = values.last.flatMap { $0.isNaN ? nil : $0 }
            case .min: value = finite.min()
            case .max: value = finite.max()
            }
            guard let value else { return false }
            return evaluate(c) { compare(value, $0.number ?? .nan, $1) }
        case .param(let key):
            guard let text = params[key] else { return false }
            if c.op != .like, c.op != .ilike, let mine = Double(text), c.values.allSatisfy({ $0.number != nil }) {
                return evaluate(c) { compare(mine, $0.number ?? .nan, $1) }
            }
            return evaluate(c) { compare(text, $0.text, $1) }
        case .tag(let key):
            guard let text = tags[key] else { return false }
            return evaluate(c) { compare(text, $0.text, $1) }
        case .attribute(let attribute):
            guard attribute == .student else { return false }
            return evaluate(c) { compare(student, $0.text, $1) }
        }
    }

    func evaluate(_ c: FilterComparison, _ test: (FilterLiteral, FilterOperator) -> Bool) -> Bool {
        switch c.op {
        case .in_: return c.values.contains { test($0, .equal) }
        case .notIn: return !c.values.contains { test($0, .equal) }
        default: return test(c.values[0], c.op)
        }
    }

    func compare<T: Comparable>(_ a: T, _ b: T, _ op: FilterOperator) -> Bool {
        switch op {
        case .equal, .in_: return a == b
        case .notEqual, .notIn: return a != b
        case .less: return a < b
        case .lessOrEqual: return a <= b
        case .greater: return a > b
        case .greaterOrEqual: return a >= b
        case .like, .ilike:
            guard let s = a as? String, let p = b as? String else { return false }
            return like(s, p, ignoringCase: op == .ilike)
        }
    }

    /// LIKE by recursion over characters: % any run, _ one character.
    func like(_ s: String, _ p: String, ignoringCase: Bool) -> Bool {
        let s = Array(ignoringCase ? s.lowercased() : s)
        let p = Array(ignoringCase ? p.lowercased() : p)
        func go(_ i: Int, _ j: Int) -> Bool {
            if j == p.count { return i == s.count }
            if p[j] == "%" { return (i...s.count).contains { go($0, j + 1) } }
            return i < s.count && (p[j] == "_" || p[j] == s[i]) && go(i + 1, j + 1)
        }
        return go(0, 0)
    }
}
