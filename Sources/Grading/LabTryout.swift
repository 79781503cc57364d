// `lmlab labs try`: what students will see before the lab is released. A solution (the given
// file, else reference.py) is graded for real; every mistake that can show in the lab is graded
// as if a submission made only that mistake — its output where it applies, the reference's
// elsewhere — through the same comparison and diagnosis as a real grade.
import Foundation
import Harness
import Diagnosis
import LabConfig

/// One row of the try-out table.
public struct TryoutRow: Sendable, Equatable {
    public enum Cell: Sendable, Equatable {
        case passed
        /// Failed, diagnosed as this mistake id (nil: no mistake named).
        case failed(named: String?)
    }

    /// "solution", "reference.py" or a mistake id.
    public var name: String
    public var cells: [Cell]
    public var score: Double
    /// Whether the row is a mistake (then it should fail somewhere, named as itself).
    public var isMistake: Bool

    /// A mistake row whose failures all name it, and which fails at least once.
    public var recognised: Bool {
        let failures = cells.compactMap { cell -> String?? in
            if case .failed(let named) = cell { return named }
            return nil
        }
        return !failures.isEmpty && failures.allSatisfy { $0 == name }
    }
}

/// The table: one column per test, one row per solution or mistake.
public struct Tryout: Sendable, Equatable {
    public var lab: String
    public var tests: [LabTest]
    public var maxScore: Double
    public var rows: [TryoutRow]
}

/// Grades `solution` (else the lab's reference.py, if it has one) and simulates every mistake.
/// With a `pool` (one sandbox that does not refill, as `lmlab labs try` makes), the solution's
/// sandbox starts warm while the mistakes are simulated, and the solution is loaded into it.
public func tryLab(grader: Grader, solution: URL?, pool: SandboxPool? = nil) throws -> Tryout {
    let lab = grader.lab
    let solutionFile = try solution ?? stagedReferenceSolution(lab)
    defer {
        if solution == nil, let file = solutionFile {
            try? FileManager.default.removeItem(at: file.deletingLastPathComponent())
        }
    }
    if let pool, pool.size > 0, solutionFile != nil { pool.prewarm(configuration: grader.configuration) }
    var rows = try simulatedMistakes(grader: grader)
    if let file = solutionFile {
        var grader = grader
        grader.pool = pool
        pool?.waitUntilFull(timeout: 60)  // else the grade starts cold, as without a pool
        let report = try grader.grade(submission: file, seed: authoringSubmissionSeeds[0],
                                      mode: .instructor)
        rows.insert(TryoutRow(
            name: solution == nil ? lab.python?.reference ?? "reference.py" : file.lastPathComponent,
            cells: report.results.map { result -> TryoutRow.Cell in
                result.status == .passed ? .passed : .failed(named: result.diagnosis?.mistakeID)
            },
            score: report.summary.score, isMistake: false), at: 0)
    }
    return Tryout(lab: lab.id, tests: lab.tests, maxScore: lab.tests.reduce(0) { $0 + $1.points },
                  rows: rows)
}

/// One row per catalogued mistake that can show in the lab: each graded as a submission that
/// makes only that mistake.
private func simulatedMistakes(grader: Grader) throws -> [TryoutRow] {
    let lab = grader.lab
    var rows: [TryoutRow] = []
    let catalogue = grader.diagnosisCatalogue()
    let names = Set(lab.components.map(\.name))
    let mistakes = catalogue.filter { !Set($0.components).isDisjoint(with: names) }
    var cases: [(test: LabTest, args: CaseArguments, expected: GradedValue)] = []
    for (index, test) in lab.tests.enumerated() {
        let seed = caseSeed(test: test, index: index, submissionSeed: authoringSubmissionSeeds[0])
        let args = try makeArguments(test: test, lab: lab, seed: seed)
        cases.append((test, args, try grader.expectedValue(test, args: args, seed: seed)))
    }
    for mistake in mistakes {
        var cells: [TryoutRow.Cell] = []
        var score = 0.0
        for c in cases {
            guard let component = lab.component(named: c.test.component) else { continue }
            let got = mistake.outputs(component: c.test.component, args: c.args).first ?? c.expected
            let tolerance = Tolerance(atol: component.atol, rtol: component.rtol)
            let comparison = compare(got: got, expected: c.expected, as: component.returns,
                                     tolerance: tolerance)
            if comparison.passed {
                cells.append(.passed)
                score += c.test.points
            } else {
                let diagnosis = diagnose(
                    component: c.test.component, args: c.args, got: got, expected: c.expected,
                    returns: component.returns, tolerance: tolerance, comparison: comparison,
                    catalogue: catalogue)
                cells.append(.failed(named: diagnosis?.kind == .mistake ? diagnosis?.mistakeID : nil))
            }
        }
        rows.append(TryoutRow(name: mistake.id, cells: cells, score: score, isMistake: true))
    }
    return rows
}

/// reference.py copied under the lab's entry name into a folder of its own, or nil.
private func stagedReferenceSolution(_ lab: Lab) throws -> URL? {
    guard let reference = lab.python?.reference else { return nil }
    let folder = FileManager.default.temporaryDirectory
        .appendingPathComponent("lmlab-try-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let file = folder.appendingPathComponent(lab.entry)
    try FileManager.default.copyItem(at: lab.folder.appendingPathComponent(reference), to: file)
    return file
}

/// The table for a terminal: one column per test (numbered, listed below), a row per solution
/// or mistake, then what each symbol means.
public func renderTryout(_ t: Tryout) -> String {
    let width = max(12, t.rows.map(\.name.count).max() ?? 0)
    func pad(_ s: String, _ n: Int) -> String { s + String(repeating: " ", count: max(0, n - s.count)) }
    var lines = ["\(t.lab): \(t.tests.count) tests × \(t.rows.count) rows"]
    let header = t.tests.indices.map { pad(String($0 + 1), 3) }.joined()
    lines.append(pad("", width) + "  " + header + "score")
    var others: [String] = []
    for row in t.rows {
        let cells = row.cells.map { cell -> String in
            switch cell {
            case .passed: return "·  "
            case .failed(let named?) where named == row.name: return "✓  "
            case .failed(nil): return "✗  "
            case .failed(let named?):
                others.append("\(row.name) is named \(named)")
                return "≠  "
            }
        }.joined()
        var line = pad(row.name, width) + "  " + cells
            + "\(formatNumber(row.score))/\(formatNumber(t.maxScore))"
        if row.isMistake { line += row.recognised ? "  recognised" : "  NOT recognised" }
        lines.append(line)
    }
    lines.append("")
    lines.append("· passed   ✓ failed, this mistake named   ✗ failed, no mistake named   "
        + "≠ failed, another mistake named")
    lines += others.map { "  ≠ \($0)" }
    for (i, test) in t.tests.enumerated() {
        lines.append("\(pad(String(i + 1), 3)) \(test.name) (\(test.component), "
            + "\(test.visibility.rawValue), \(formatNumber(test.points)) pts)")
    }
    return lines.joined(separator: "\n") + "\n"
}
