// The "Experiments" part of `lmlab report class`: every quantization study in the store as a
// table of perplexity against bits, every training/LoRA run's loss curve as a sparkline.
import Experiments
import Foundation
import Store
import Tracking

/// A quantization study as recorded by `lmlab experiment study` (one run per scheme, each with
/// the metrics bits_per_weight and perplexity; fp32_perplexity gives the reference row).
public struct StudyTable: Sendable, Equatable, Codable {
    public struct Row: Sendable, Equatable, Codable {
        public var scheme: String
        public var bitsPerWeight: Double
        /// Bytes of the quantized linear weights (codes + scales), if recorded.
        public var bytes: Double?
        public var perplexity: Double
        /// perplexity − the fp32 model's perplexity (nil when fp32's was not recorded).
        public var change: Double?
    }

    public var experiment: String
    /// The model the study measured (its `model` param), if recorded.
    public var model: String?
    /// By bits per weight, most first (fp32 at the top); equal bits by scheme name.
    public var rows: [Row]
}

/// One run's loss curve.
public struct CurveSummary: Sendable, Equatable, Codable {
    public var experiment: String
    public var run: String
    public var name: String?
    /// The student's pseudonym; nil for an instructor's or built-in run.
    public var pseudonym: String?
    /// The loss points, by step.
    public var losses: [Double]
    public var firstStep: Int64
    public var lastStep: Int64
    /// eval_loss_before / eval_loss_after (a LoRA run), else nil.
    public var evalLossBefore: Double?
    public var evalLossAfter: Double?
    /// The last point of an `eval_loss` curve (what training runs and the Python client log),
    /// else nil.
    public var evalLoss: Double?
}

/// Every study and every drawn loss curve of the store's experiments.
public struct ClassExperiments: Sendable, Equatable, Codable {
    public var studies: [StudyTable]
    public var curves: [CurveSummary]

    public var isEmpty: Bool { studies.isEmpty && curves.isEmpty }
}

extension StudyTable {
    /// The study in `report`, or nil if no run has both bits_per_weight and perplexity. Where
    /// several runs measured the same scheme, the newest counts. Students' runs (verified
    /// quantizers, say) are a leaderboard, not a study: only runs without a student count.
    public init?(_ report: ExperimentReport) {
        var rows: [Row] = []
        var fp32: (perplexity: Double, bytes: Double?)?
        var model: String?
        // report.runs is newest first.
        for run in report.runs where run.pseudonym == nil {
            guard let bits = run.summaries["bits_per_weight"]?.last,
                let perplexity = run.summaries["perplexity"]?.last
            else { continue }
            let scheme = run.params["scheme"] ?? run.name ?? run.id
            guard !rows.contains(where: { $0.scheme == scheme }) else { continue }
            let reference = run.summaries["fp32_perplexity"]?.last
            if fp32 == nil, let reference {
                fp32 = (reference, run.summaries["fp32_weight_bytes"]?.last)
                model = run.params["model"]
            }
            rows.append(
                Row(
                    scheme: scheme, bitsPerWeight: bits,
                    bytes: run.summaries["quantized_weight_bytes"]?.last, perplexity: perplexity,
                    change: reference.map { perplexity - $0 }))
        }
        guard !rows.isEmpty else { return nil }
        if let fp32, !rows.contains(where: { $0.scheme == "fp32" }) {
            rows.append(
                Row(
                    scheme: "fp32", bitsPerWeight: 32, bytes: fp32.bytes,
                    perplexity: fp32.perplexity, change: 0))
        }
        rows.sort {
            $0.bitsPerWeight != $1.bitsPerWeight
                ? $0.bitsPerWeight > $1.bitsPerWeight : $0.scheme < $1.scheme
        }
        self.init(experiment: report.experiment, model: model, rows: rows)
    }

    /// Perplexity against bits per weight (Experiments' scatter plot).
    public var svg: String {
        scatterSVG(
            rows.map { ScatterPoint(x: $0.bitsPerWeight, y: $0.perplexity, label: $0.scheme) },
            title: "\(experiment): perplexity against bits per weight",
            xLabel: "bits per weight", yLabel: "perplexity")
    }
}

extension ClassExperiments {
    /// The studies and the loss curves of `reports` (the curves of each experiment whose
    /// report plots `loss`: its drawn runs, at most `ExperimentReport.plotCap`).
    public init(_ reports: [ExperimentReport]) {
        studies = reports.compactMap(StudyTable.init)
        curves = reports.filter { $0.plotMetric == "loss" }.flatMap { report in
            report.plottedRuns.filter { $0.curve.count > 1 }.map { run in
                CurveSummary(
                    experiment: report.experiment, run: run.id, name: run.name,
                    pseudonym: run.pseudonym, losses: run.curve.map(\.value),
                    firstStep: run.curve.first?.step ?? 0, lastStep: run.curve.last?.step ?? 0,
                    evalLossBefore: run.summaries["eval_loss_before"]?.last,
                    evalLossAfter: run.summaries["eval_loss_after"]?.last,
                    evalLoss: run.summaries["eval_loss"]?.last)
            }
        }
    }
}

/// One study's table: scheme, bits/weight, size, perplexity, Δ vs fp32.
public func renderStudyTable(_ study: StudyTable, format: OutputFormat) -> String {
    var table = TextTable(
        ["scheme", "bits/weight", "size (KiB)", "perplexity", "Δ vs fp32"],
        alignments: [.left, .right, .right, .right, .right])
    for row in study.rows {
        table.append([
            row.scheme, String(format: "%.2f", row.bitsPerWeight),
            row.bytes.map { String(format: "%.1f", $0 / 1024) } ?? "—",
            String(format: "%.3f", row.perplexity),
            row.change.map { String(format: "%+.3f", $0) } ?? "—",
        ])
    }
    return table.render(format)
}

/// The loss curves as a table, one sparkline per run (terminal) or first → last (Markdown).
func renderCurves(_ curves: [CurveSummary], format: OutputFormat) -> String {
    let markdown = format == .markdown
    var headers = ["experiment", "run", "student", "steps", "loss first → last", "eval loss"]
    var alignments: [TextTable.Alignment] = [.left, .left, .left, .right, .right, .right]
    if !markdown {
        headers.append("loss curve")
        alignments.append(.left)
    }
    var table = TextTable(headers, alignments: alignments)
    for curve in curves {
        let loss = [curve.losses.first, curve.losses.last].map { $0.map(lossText) ?? "—" }
        var eval = "—"
        if let before = curve.evalLossBefore, let after = curve.evalLossAfter {
            eval = "\(lossText(before)) → \(lossText(after))"
        } else if let last = curve.evalLoss {
            eval = lossText(last)
        }
        var row = [
            curve.experiment, curve.name.map { "\($0) (\(curve.run.prefix(8)))" } ?? curve.run,
            curve.pseudonym ?? "—", "\(curve.firstStep)–\(curve.lastStep)",
            "\(loss[0]) → \(loss[1])", eval,
        ]
        if !markdown { row.append(Sparkline.render(curve.losses, width: 32)) }
        table.append(row)
    }
    return table.render(format)
}

/// The Experiments part: each study's table (with `![…](file)` after it in Markdown when
/// `studySVGs` names its SVG file, by experiment), then the loss curves.
public func renderClassExperiments(
    _ experiments: ClassExperiments, format: OutputFormat, studySVGs: [String: String] = [:]
) throws -> String {
    if format == .json { return try jsonString(experiments) }
    let gap = format == .markdown ? "\n" : ""
    var out = format.heading("Experiments", level: 2) + "\n"
    if experiments.isEmpty { return out + gap + "no quantization study or training run yet\n" }
    for study in experiments.studies {
        out += "\n" + format.heading("Quantization study: \(study.experiment)", level: 3) + "\n"
            + gap
        if let model = study.model { out += "Model: \(model)\n" + gap }
        out += renderStudyTable(study, format: format)
        if let file = studySVGs[study.experiment] {
            out += "\n![perplexity against bits per weight](\(file))\n"
        }
    }
    if !experiments.curves.isEmpty {
        out += "\n" + format.heading("Training and LoRA runs: loss", level: 3) + "\n" + gap
        out += renderCurves(experiments.curves, format: format)
    }
    return out
}

/// `lmlab report class` in the terminal or as JSON: the overview of every lab, then the
/// Experiments part (left out when nil). JSON is
/// `{"labs": [overview rows], "experiments": {studies, curves}}`.
public func renderClassReport(
    overview rows: [ClassOverviewRow], rosterSize: Int, experiments: ClassExperiments?,
    format: OutputFormat
) throws -> String {
    if format == .json {
        struct Shape: Encodable {
            var labs: [ClassOverviewRow]
            var experiments: ClassExperiments?
        }
        return try jsonString(Shape(labs: rows, experiments: experiments))
    }
    let overview = try renderClassOverview(rows, rosterSize: rosterSize, format: format)
    guard let experiments else { return overview }
    return overview + "\n" + (try renderClassExperiments(experiments, format: format))
}

private func lossText(_ value: Double) -> String { String(format: "%.3f", value) }
