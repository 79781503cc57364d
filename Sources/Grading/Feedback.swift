// Renders a grade for people and programs: terminal text (ANSI colour only on a TTY), Markdown and
// JSON, filtered by what the viewer may see (hidden tests as a count and points for students;
// after_due tests, and their points in the total, not at all before the due date).
import Foundation
import Diagnosis
import LabConfig

/// How many bytes of the student's own prints a rendering shows.
public let feedbackOutputCap = 4096

/// The student's prints, capped for display.
func cappedOutput(_ output: String) -> String? {
    guard !output.isEmpty else { return nil }
    let bytes = Array(output.utf8)
    guard bytes.count > feedbackOutputCap else { return output }
    return String(decoding: bytes.prefix(feedbackOutputCap), as: UTF8.self)
        + "\n[… \(bytes.count - feedbackOutputCap) more bytes not shown]"
}

/// The report's tests as `viewer` sees them (Viewer.swift's rule).
func viewed(_ report: GradeReport, _ viewer: Viewer) -> ViewedTests<TestResult> {
    ViewedTests(report.results, visibility: \.visibility, due: report.due, viewer: viewer)
}

/// The tally of the tests a viewer does not see one by one.
func tally(_ tests: ViewedTests<TestResult>) -> TestTally {
    TestTally(tests, passed: \.passed, score: \.score, maxScore: \.points)
}

/// The score a viewer may see: before the due date a student's total leaves out the after_due
/// tests (their points would give their results away).
func visibleSummary(_ report: GradeReport, _ tests: ViewedTests<TestResult>) -> ScoreSummary {
    guard !tests.withheld.isEmpty else { return report.summary }
    return ScoreSummary(results: tests.shown + tests.tallied, penalty: report.summary.penalty)
}

/// "2 more tests (3 points) are shown after the due date", or nil.
public func withheldLine(_ tally: TestTally) -> String? {
    guard tally.afterDueTests > 0 else { return nil }
    let tests = tally.afterDueTests == 1 ? "1 more test" : "\(tally.afterDueTests) more tests"
    return "\(tests) (\(formatNumber(tally.afterDueMaxScore)) points) will be shown after the due date"
}

/// "hidden tests: 2 of 3 passed, 4/6 points", or nil when there are none.
public func hiddenLine(_ tally: TestTally) -> String? {
    guard tally.hiddenTests > 0 else { return nil }
    return "hidden tests: \(tally.hiddenPassed) of \(tally.hiddenTests) passed, "
        + "\(formatNumber(tally.hiddenScore))/\(formatNumber(tally.hiddenMaxScore)) points"
}

/// One hint and the failing tests it explains: a mistake made in ten tests gets its hint once.
public struct HintGroup: Sendable, Equatable {
    public var hint: String
    public var tests: [String]

    /// `(test, hint)` pairs grouped by hint, in the order each hint first appears.
    public static func group(_ pairs: [(test: String, hint: String)]) -> [HintGroup] {
        var groups: [HintGroup] = []
        for (test, hint) in pairs {
            if let index = groups.firstIndex(where: { $0.hint == hint }) {
                groups[index].tests.append(test)
            } else {
                groups.append(HintGroup(hint: hint, tests: [test]))
            }
        }
        return groups
    }

    /// "hint: …" then "  for: a, b" (terminal), indented by `indent`.
    public func terminalLines(indent: String = "") -> [String] {
        [indent + "hint: \(hint)", indent + "  for: " + tests.joined(separator: ", ")]
    }

    /// A Markdown quote of the hint, then the tests it explains.
    public var markdown: String {
        "> \(hint)\n\nFor " + tests.map { "`\($0)`" }.joined(separator: ", ") + ".\n\n"
    }
}

/// Terminal feedback. `colour` should be true only when stdout is a TTY.
public func renderTerminal(_ report: GradeReport, viewer: Viewer, colour: Bool) -> String {
    func paint(_ text: String, _ code: String) -> String {
        colour ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }
    var lines: [String] = []
    lines.append(paint("\(report.lab) — \(report.labTitle)", "1"))
    lines.append("submission \(report.submission), seed \(report.seed), grader \(report.graderVersion)")
    if let error = report.importError {
        lines.append(paint("Your module did not import:", "31"))
        lines.append("  " + error.replacingOccurrences(of: "\n", with: "\n  "))
    }
    let tests = viewed(report, viewer)
    let counts = tally(tests)
    for r in tests.shown {
        let mark = r.passed ? paint("PASS", "32") : paint("FAIL", "31")
        lines.append("\(mark) \(r.name) (\(formatNumber(r.score))/\(formatNumber(r.points))) — \(r.message)")
        if let location = r.errorLocation { lines.append("     at \(location)") }
        if let text = r.errorText, !text.isEmpty { lines.append("       \(text)") }
        if let d = r.diagnosis { lines.append("     " + paint(d.message, "33")) }
    }
    let hints = HintGroup.group(
        tests.shown.compactMap { r in r.diagnosis?.hint.map { (r.name, $0) } })
    for group in hints { lines += group.terminalLines() }
    if let line = hiddenLine(counts) { lines.append(line) }
    if let line = withheldLine(counts) { lines.append(line) }
    let s = visibleSummary(report, tests)
    var total = "score \(formatNumber(s.finalScore))/\(formatNumber(s.maxScore))"
    if s.penalty > 0 { total += " (late penalty \(Int(s.penalty * 100))% on \(formatNumber(s.score)))" }
    lines.append(paint(total, "1"))
    for note in report.notes { lines.append("note: \(note)") }
    if let output = cappedOutput(report.output) {
        lines.append("your code printed:")
        lines.append(output)
    }
    return lines.joined(separator: "\n") + "\n"
}

/// Markdown feedback (for the web page and e-mails).
public func renderMarkdown(_ report: GradeReport, viewer: Viewer) -> String {
    var md = "# \(report.lab): \(report.labTitle)\n\n"
    let tests = viewed(report, viewer)
    let counts = tally(tests)
    let s = visibleSummary(report, tests)
    md += "**Score: \(formatNumber(s.finalScore)) / \(formatNumber(s.maxScore))**"
    if s.penalty > 0 { md += " (late penalty \(Int(s.penalty * 100))%)" }
    md += "  \nSeed \(report.seed) · grader \(report.graderVersion)\n\n"
    if let error = report.importError {
        md += "## Your module did not import\n\n```\n\(error)\n```\n\n"
    }
    let shown = tests.shown
    if !shown.isEmpty {
        md += "| test | points | result |\n|---|---|---|\n"
        for r in shown {
            let result = (r.passed ? "✅ " : "❌ ") + r.message.replacingOccurrences(of: "|", with: "\\|")
            md += "| `\(r.name)` | \(formatNumber(r.score))/\(formatNumber(r.points)) | \(result) |\n"
        }
        md += "\n"
    }
    for r in shown where !r.passed && (r.diagnosis != nil || r.errorLocation != nil) {
        md += "### \(r.name)\n\n"
        if let location = r.errorLocation { md += "Error at \(location)" }
        if let text = r.errorText, !text.isEmpty { md += ": `\(text)`" }
        if r.errorLocation != nil { md += "\n\n" }
        if let d = r.diagnosis { md += "\(d.message)\n\n" }
    }
    let hints = HintGroup.group(
        shown.compactMap { r in r.passed ? nil : r.diagnosis?.hint.map { (r.name, $0) } })
    if !hints.isEmpty { md += "### Hints\n\n" + hints.map(\.markdown).joined() }
    if counts.hiddenTests > 0 {
        md += "Hidden tests: \(counts.hiddenPassed) of \(counts.hiddenTests) passed "
            + "(\(formatNumber(counts.hiddenScore))/\(formatNumber(counts.hiddenMaxScore)) points).\n\n"
    }
    if let line = withheldLine(counts) { md += "\(line).\n\n" }
    for note in report.notes { md += "- \(note)\n" }
    if let output = cappedOutput(report.output) { md += "\n## Your code printed\n\n```\n\(output)\n```\n" }
    return md
}

/// JSON feedback: the report with only the tests the viewer may see in full, plus the tally of
/// the others. Non-finite numbers are written as "Infinity", "-Infinity" and "NaN" (LMLabJSON).
public func renderJSON(_ report: GradeReport, viewer: Viewer) throws -> Data {
    var visible = report
    let tests = viewed(report, viewer)
    visible.results = tests.shown
    visible.summary = visibleSummary(report, tests)
    if viewer != .instructor { visible.output = cappedOutput(report.output) ?? "" }
    struct Envelope: Encodable {
        var report: GradeReport
        var tally: TestTally
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(report, forKey: .report)
            try tally.encode(to: encoder)
        }
        enum CodingKeys: String, CodingKey { case report }
    }
    return try LMLabJSON.encoder(pretty: true).encode(
        Envelope(report: visible, tally: tally(tests)))
}
