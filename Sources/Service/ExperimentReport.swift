// Renders `lmlab report experiment E` (the data, ExperimentReport, is gathered in Tracking):
// terminal text with sparklines, Markdown with the curves' SVG, or JSON.
import Foundation
import Store
import Tracking

/// The JSON shape of `lmlab report experiment E --json` (camelCase keys).
public struct ExperimentReportJSON: Codable, Sendable {
    public struct Run: Codable, Sendable {
        public var id: String
        public var name: String?
        public var status: String
        public var pseudonym: String?
        public var params: [String: String]
        public var metrics: [String: ExperimentReport.Summary]
    }
    public struct Rank: Codable, Sendable {
        public var rank: Int
        public var pseudonym: String
        public var run: String
        public var value: Double
        public var step: Int64?
    }
    public var experiment: String
    public var rankBy: String
    public var runs: [Run]
    public var leaderboard: [Rank]

    public init(_ report: ExperimentReport) {
        experiment = report.experiment
        rankBy = report.rankBy
        runs = report.runs.map {
            Run(
                id: $0.id, name: $0.name, status: $0.status, pseudonym: $0.pseudonym,
                params: $0.params, metrics: $0.summaries)
        }
        leaderboard = report.leaderboard.map {
            Rank(rank: $0.rank, pseudonym: $0.displayName, run: $0.runID, value: $0.value, step: $0.step)
        }
    }
}

/// A metric key as a file name: anything but letters, digits, `.`, `-` and `_` becomes `_`
/// (`train/loss` → `train_loss.svg`).
public func svgFileName(metric: String) -> String {
    let safe = metric.unicodeScalars.map { scalar -> String in
        let ok = (scalar.isASCII && CharacterSet.alphanumerics.contains(scalar))
            || "._-".unicodeScalars.contains(scalar)
        return ok ? String(scalar) : "_"
    }.joined()
    return (safe.isEmpty || safe.hasPrefix(".") ? "metric" + safe : safe) + ".svg"
}

extension ExperimentReport {
    /// The SVG of the plotted runs' curves (Tracking's SVGPlot), or nil if no run has two or
    /// more points of the metric.
    public func curvesSVG(logScale: Bool = false) throws -> String? {
        let plotted = plottedRuns
        // One point a run (a study's or a verified run's metrics) is a table, not a curve.
        guard plotted.contains(where: { $0.curve.count > 1 }) else { return nil }
        // The legend names a run by its student's pseudonym, led by the start of the run id
        // where a student has several runs drawn (the legend cuts labels at ~17 characters,
        // so the part that tells such runs apart comes first).
        let owners = plotted.map { $0.pseudonym ?? $0.name ?? $0.id }
        let series = plotted.enumerated().map { index, run in
            let owner = owners[index]
            let shared = owners.filter { $0 == owner }.count > 1 && owner != run.id
            return PlotSeries(
                label: shared ? "\(run.id.prefix(6)) \(owner)" : owner,
                points: run.curve.map { (Double($0.step), $0.value) })
        }
        return try SVGPlot.render(
            series, title: "\(experiment): \(plotMetric)", yLabel: plotMetric, logScale: logScale)
    }

    /// What the curves show, e.g. "the 8 best of 12 runs by eval_loss.min".
    var plotCaption: String {
        let shown = plottedRuns.count
        let order = "by \(rankBy) (\(ascending ? "lower" : "higher") first)"
        return shown < runsWithCurve
            ? "\(plotMetric): the \(shown) best of \(runsWithCurve) runs \(order); at most "
                + "\(Self.plotCap) are drawn"
            : "\(plotMetric): all \(shown) run\(shown == 1 ? "" : "s") with this metric"
    }
}

/// The report as terminal text (a sparkline of the plotted metric per run), Markdown (the SVG
/// embedded as `![metric](file)` when `svgFile` is given) or JSON.
public func renderExperimentReport(
    _ report: ExperimentReport, format: OutputFormat, svgFile: String? = nil,
    headingLevel: Int = 1
) throws -> String {
    if format == .json { return try jsonString(ExperimentReportJSON(report)) }
    let markdown = format == .markdown
    let gap = markdown ? "\n" : ""
    let dead = report.runs.filter { $0.status == "DEAD" }.count
    var out = format.heading("Experiment \(report.experiment)", level: headingLevel) + "\n" + gap
    out += "\(report.runs.count) run\(report.runs.count == 1 ? "" : "s")"
        + (dead > 0 ? " (\(dead) dead)" : "") + " · metrics: "
        + (report.metrics.isEmpty ? "none" : report.metrics.joined(separator: ", ")) + "\n\n"

    out += format.heading("Runs", level: headingLevel + 1) + "\n" + gap
    if report.runs.isEmpty {
        out += "no runs yet\n\n"
    } else {
        var headers = ["run", "status", "student"] + report.keyParams
        var alignments: [TextTable.Alignment] =
            [.left, .left, .left] + report.keyParams.map { _ in .left }
        for metric in report.metrics {
            headers += ["\(metric) last (step)", "\(metric) min (step)"]
            alignments += [.right, .right]
        }
        if !markdown {
            headers.append("\(report.plotMetric) curve")
            alignments.append(.left)
        }
        var table = TextTable(headers, alignments: alignments)
        for run in report.runs {
            var row = [run.id, run.status, run.pseudonym ?? "—"]
            row += report.keyParams.map { run.params[$0] ?? "—" }
            for metric in report.metrics {
                guard let s = run.summaries[metric] else {
                    row += ["—", "—"]
                    continue
                }
                row.append("\(valueText(s.last)) (\(s.lastStep))")
                row.append("\(valueText(s.min)) (\(s.minStep.map(String.init) ?? "—"))")
            }
            if !markdown { row.append(Sparkline.render(run.curve.map(\.value), width: 24)) }
            table.append(row)
        }
        out += table.render(format) { _, column, cell in
            guard column == 1 else { return nil }
            switch cell.trimmingCharacters(in: .whitespaces) {
            case "DEAD", "FAILED", "KILLED": return format.paint(cell, "31")
            case "RUNNING": return format.paint(cell, "33")
            default: return nil
            }
        } + "\n"
    }

    out += format.heading(
        "Leaderboard by \(report.rankBy) (\(report.ascending ? "lower" : "higher") is better)",
        level: headingLevel + 1) + "\n" + gap
    if report.leaderboard.isEmpty {
        out += "no student runs with \(report.rankBy) yet\n\n"
    } else {
        var table = TextTable(
            ["rank", "student", report.rankBy, "step", "run"],
            alignments: [.right, .left, .right, .right, .left])
        for row in report.leaderboard {
            table.append([
                "\(row.rank)", row.displayName, valueText(row.value),
                row.step.map(String.init) ?? "—", row.runID,
            ])
        }
        out += table.render(format) + "\n"
    }

    if markdown {
        out += format.heading("Curves", level: headingLevel + 1) + "\n\n"
        if let svgFile, report.runsWithCurve > 0 {
            out += "![\(report.plotMetric)](\(svgFile))\n\n\(report.plotCaption).\n"
        } else {
            out += "no run has logged \(report.plotMetric)\n"
        }
    }
    return out
}

/// Writes `report.md` and the curves' SVG into `directory` (created if needed); returns the
/// files written.
@discardableResult
public func writeExperimentReport(
    _ report: ExperimentReport, to directory: URL, logScale: Bool = false
) throws -> [URL] {
    try createDirectory(directory)
    var written: [URL] = []
    let svgName = svgFileName(metric: report.plotMetric)
    var embedded: String? = nil
    if let svg = try report.curvesSVG(logScale: logScale) {
        let url = directory.appendingPathComponent(svgName)
        try write(svg, to: url)
        written.append(url)
        embedded = svgName
    }
    let markdown = try renderExperimentReport(report, format: .markdown, svgFile: embedded)
    let url = directory.appendingPathComponent("report.md")
    try write(markdown, to: url)
    written.append(url)
    return written
}

/// The class overview, the Experiments part (each quantization study's table and its
/// perplexity-against-bits plot `<experiment>-study.svg`, every loss curve), then one section
/// per experiment with its curves embedded, as `report.md` plus `<experiment>-<metric>.svg`
/// files in `directory`.
@discardableResult
public func writeClassReport(
    overview: String, experiments: [ExperimentReport], to directory: URL
) throws -> [URL] {
    try createDirectory(directory)
    var written: [URL] = []
    var markdown = overview
    let part = ClassExperiments(experiments)
    var studySVGs: [String: String] = [:]
    for study in part.studies {
        let name = svgFileName(metric: study.experiment + "-study")
        let url = directory.appendingPathComponent(name)
        try write(study.svg, to: url)
        written.append(url)
        studySVGs[study.experiment] = name
    }
    markdown += "\n" + (try renderClassExperiments(part, format: .markdown, studySVGs: studySVGs))
    for report in experiments {
        let svgName = svgFileName(metric: report.experiment + "-" + report.plotMetric)
        var embedded: String? = nil
        if let svg = try report.curvesSVG() {
            let url = directory.appendingPathComponent(svgName)
            try write(svg, to: url)
            written.append(url)
            embedded = svgName
        }
        markdown += "\n"
            + (try renderExperimentReport(
                report, format: .markdown, svgFile: embedded, headingLevel: 2))
    }
    let url = directory.appendingPathComponent("report.md")
    try write(markdown, to: url)
    written.append(url)
    return written
}

private func createDirectory(_ directory: URL) throws {
    do {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    } catch {
        throw ServiceError.usage("cannot create \(directory.path): \(error.localizedDescription)")
    }
}

private func write(_ text: String, to url: URL) throws {
    do {
        try Data(text.utf8).write(to: url, options: .atomic)
    } catch {
        throw ServiceError.usage("cannot write \(url.path): \(error.localizedDescription)")
    }
}

private func valueText(_ value: Double?) -> String {
    guard let value else { return "NaN" }
    return String(format: "%.4g", value)
}
