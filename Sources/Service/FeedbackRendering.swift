// A stored submission's feedback for a terminal, as Markdown or as JSON: each test's verdict,
// the named mistake with the lecture's hint (looked up in Diagnosis's catalogue by id), the score.
import Foundation
import Diagnosis
import Grading
import Store

public func renderFeedback(_ view: SubmissionFeedback, format: OutputFormat) throws -> String {
    if format == .json { return try jsonString(view) }
    let md = format == .markdown
    var out = format.heading("Submission #\(view.id): \(view.student), lab \(view.lab)") + "\n"
    if md { out += "\n" }
    out += "\(view.filename), handed in \(view.submittedAt)" + (view.late ? " (late)" : "")
        + ", \(view.status)" + (view.gradedAt.map { " at \($0)" } ?? "") + "\n"
    if md { out += "\n" }
    switch view.status {
    case "queued", "running":
        return out + "Not graded yet: it is \(view.status). Check again shortly.\n"
    case "error":
        return out + format.paint("Grading failed: ", "31") + (view.error ?? "unknown error") + "\n"
    default:
        break
    }
    if md { out += "| test | points | result |\n|---|---:|---|\n" }
    var details: [String] = []
    // A hint is said once, after the tests, with the tests it explains listed under it.
    var hints: [(test: String, hint: String)] = []
    // Only the tests the viewer may see are here (LabConfig's Viewer); the others are tallied.
    for test in view.tests {
        let passed = test.passed
        let message = test.message ?? ""
        let points = "\(formatPoints(test.points))/\(formatPoints(test.maxPoints))"
        let firstLine = message.split(separator: "\n", omittingEmptySubsequences: false)
            .first.map(String.init) ?? ""
        let hidden = test.visibility == "visible" ? "" : " [\(test.visibility)]"
        if md {
            let cell = (passed ? "✅ " : "❌ " + test.status.rawValue + ": ") + firstLine
            out += "| `\(test.name)`\(hidden) | \(points) | "
                + cell.replacingOccurrences(of: "|", with: "\\|") + " |\n"
        } else {
            let mark = passed ? format.paint("PASS", "32") : format.paint(
                test.status.rawValue.uppercased(), "31")
            out += "\(mark) \(test.name)\(hidden) (\(points)) — \(firstLine)\n"
        }
        guard !passed else { continue }
        var detail = message.split(separator: "\n", omittingEmptySubsequences: false)
            .dropFirst().map(String.init)
        if let info = mistakeInfo(test.diagnosis) {
            let label = test.nearMiss ? "possibly: " : "mistake: "
            detail.append(label + info.title + " [\(test.diagnosis ?? "")]")
            hints.append((test.name, info.hint))
        }
        if md {
            if !detail.isEmpty {
                details.append(
                    "### \(test.name)\n\n" + detail.joined(separator: "\n\n") + "\n")
            }
        } else {
            for line in detail {
                let text = line.hasPrefix("mistake: ") || line.hasPrefix("possibly: ")
                    ? format.paint(line, "33") : line
                out += "     \(text)\n"
            }
        }
    }
    let groups = HintGroup.group(hints)
    if md {
        out += "\n" + details.joined(separator: "\n")
        if !details.isEmpty { out += "\n" }
        if !groups.isEmpty { out += "### Hints\n\n" + groups.map(\.markdown).joined() }
    } else {
        for group in groups { out += group.terminalLines(indent: "     ").joined(separator: "\n") + "\n" }
    }
    if let line = hiddenLine(view.tally) { out += line + (md ? "\n\n" : "\n") }
    if let line = withheldLine(view.tally) { out += line + (md ? "\n\n" : "\n") }
    if let score = view.score, let max = view.maxScore {
        var total = "score \(formatPoints(view.finalScore ?? score))/\(formatPoints(max))"
        if let penalty = view.penalty, penalty > 0 {
            total += " (late penalty \(formatPercent(penalty)) on \(formatPoints(score)))"
        }
        out += md ? "\n**\(total)**\n" : format.paint(total, "1") + "\n"
    }
    return out + renderVerification(view, format: format)
}

/// The "Verified run" section: what lmlab measured itself from the submission on the course's
/// base model (it does not change the score), or why it could not.
func renderVerification(_ view: SubmissionFeedback, format: OutputFormat) -> String {
    let runs = view.verifiedRuns ?? []
    guard !runs.isEmpty || view.verification != nil else { return "" }
    let md = format == .markdown
    var out = md ? "\n### Verified run\n\n" : "\n" + format.paint("Verified run", "1") + "\n"
    if !runs.isEmpty {
        out += (md ? "" : "  ") + "lmlab re-ran your submission on the course's base model and "
            + "measured (not part of the score):\n"
        if md { out += "\n| what | perplexity | base | bits/weight | run |\n|---|---:|---:|---:|---|\n" }
    }
    for run in runs {
        let what = run.scheme.map { "\($0) quantizer" } ?? "adapter \(run.adapter ?? ".")"
        let perplexity = run.perplexity.map { String(format: "%.4f", $0) } ?? "-"
        let base = run.basePerplexity.map { String(format: "%.4f", $0) } ?? "-"
        let bits = run.bitsPerWeight.map { String(format: "%.2f", $0) }
        let run = "\(run.experiment)/\(run.runID)"
        if md {
            out += "| \(what) | \(perplexity) | \(base) | \(bits ?? "-") | `\(run)` |\n"
        } else {
            out += "  \(what): perplexity \(perplexity) (base \(base))"
                + (bits.map { ", \($0) bits/weight" } ?? "") + " — run \(run)\n"
        }
    }
    if let note = view.verification {
        let lines = note.split(separator: "\n").map(String.init)
        if md {
            out += (runs.isEmpty ? "" : "\n") + lines.map { "> \($0)" }.joined(separator: "\n\n") + "\n"
        } else {
            for line in lines { out += "  " + format.paint(line, "33") + "\n" }
        }
    }
    return out
}
