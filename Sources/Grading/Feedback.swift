// Renders a grade for people and programs: terminal text (ANSI colour only on a TTY), Markdown and
// JSON, filtered by what the viewer may see (hidden tests as a count and points for students;
// after_due tests, and their points in the total, not at all before the due date).
import Foundation

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

/// The tests a viewer sees in full, and the ones they only see counted.
func partition(_ report: GradeReport, _ viewer: Viewer)
    -> (shown: [TestResult], hidden: [TestResult])
{
    var shown: [TestResult] = []
    var hidden: [TestResult] = []
    for result in report.results {
        switch view(of: result, due: report.due, by: viewer) {
        case .full: shown.append(result)
        case .summary: hidden.append(result)
        case .none: break
        }
    }
    return (shown, hidden)
}

/// The score a viewer may see and the tests withheld from them: before the due date a student's
/// total leaves out the after_due tests (their points would give their results away).
func visibleSummary(_ report: GradeReport, _ viewer: Viewer)
    -> (summary: ScoreSummary, withheld: [TestResult])
{
    let withheld = report.results.filter { view(of: $0, due: report.due, by: viewer) == .none }
    guard !withheld.isEmpty else { return (report.summary, []) }
    let counted = report.results.filter { view(of: $0, due: report.due, by: viewer) != .none }
    return (ScoreSummary(results: counted, penalty: report.summary.penalty), withheld)
}

/// "2 more tests (3 points) are shown after the due date", or nil.
func withheldLine(_ withheld: [TestResult]) -> String? {
    guard !withheld.isEmpty else { return nil }
    let points = withheld.reduce(0) { $0 + $1.points }
    let tests = withheld.count == 1 ? "1 more test" : "\(withheld.count) more tests"
    return "\(tests) (\(formatNumber(points)) points) will be shown after the due date"
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
    let (shown, hidden) = partition(report, viewer)
    for r in shown {
        let mark = r.passed ? paint("PASS", "32") : paint("FAIL", "31")
        lines.append("\(mark) \(r.name) (\(formatNumber(r.score))/\(formatNumber(r.points))) — \(r.message)")
        if let location = r.errorLocation { lines.append("     at \(location)") }
        if let text = r.errorText, !text.isEmpty { lines.append("       \(text)") }
        if let d = r.diagnosis {
            lines.append("     " + paint(d.message, "33"))
            if let hint = d.hint { lines.append("     hint: \(hint)") }
        }
    }
    if !hidden.isEmpty {
        let passed = hidden.filter(\.passed).count
        let points = hidden.reduce(0) { $0 + $1.score }
        let max = hidden.reduce(0) { $0 + $1.points }
        lines.append("hidden tests: \(passed) of \(hidden.count) passed, "
            + "\(formatNumber(points))/\(formatNumber(max)) points")
    }
    let (s, withheld) = visibleSummary(report, viewer)
    if let line = withheldLine(withheld) { lines.append(line) }
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
    let (s, withheld) = visibleSummary(report, viewer)
    md += "**Score: \(formatNumber(s.finalScore)) / \(formatNumber(s.maxScore))**"
    if s.penalty > 0 { md += " (late penalty \(Int(s.penalty * 100))%)" }
    md += "  \nSeed \(report.seed) · grader \(report.graderVersion)\n\n"
    if let error = report.importError {
        md += "## Your module did not import\n\n```\n\(error)\n```\n\n"
    }
    let (shown, hidden) = partition(report, viewer)
    if !shown.isEmpty {
        md += "| Test | Points | Result |\n|---|---|---|\n"
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
        if let d = r.diagnosis {
            md += "\(d.message)\n\n"
            if let hint = d.hint { md += "> \(hint)\n\n" }
        }
    }
    if !hidden.isEmpty {
        let points = hidden.reduce(0) { $0 + $1.score }
        let max = hidden.reduce(0) { $0 + $1.points }
        md += "Hidden tests: \(hidden.filter(\.passed).count) of \(hidden.count) passed "
            + "(\(formatNumber(points))/\(formatNumber(max)) points).\n\n"
    }
    if let line = withheldLine(withheld) { md += "\(line).\n\n" }
    for note in report.notes { md += "- \(note)\n" }
    if let output = cappedOutput(report.output) { md += "\n## Your code printed\n\n```\n\(output)\n```\n" }
    return md
}

/// JSON feedback: the report with only the tests the viewer may see in full, plus counts.
public func renderJSON(_ report: GradeReport, viewer: Viewer) throws -> Data {
    var visible = report
    let (shown, hidden) = partition(report, viewer)
    let (summary, withheld) = visibleSummary(report, viewer)
    visible.results = shown
    visible.summary = summary
    if case .student = viewer { visible.output = cappedOutput(report.output) ?? "" }
    struct Envelope: Encodable {
        var report: GradeReport
        var hiddenTests: Int
        var hiddenPassed: Int
        var hiddenScore: Double
        var hiddenMaxScore: Double
        /// Tests shown (and counted) only after the due date.
        var afterDueTests: Int
        var afterDueMaxScore: Double
    }
    let envelope = Envelope(
        report: visible, hiddenTests: hidden.count, hiddenPassed: hidden.filter(\.passed).count,
        hiddenScore: hidden.reduce(0) { $0 + $1.score },
        hiddenMaxScore: hidden.reduce(0) { $0 + $1.points },
        afterDueTests: withheld.count, afterDueMaxScore: withheld.reduce(0) { $0 + $1.points })
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    encoder.dateEncodingStrategy = .iso8601
    return try encoder.encode(envelope)
}
