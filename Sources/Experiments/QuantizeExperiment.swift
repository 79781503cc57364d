// `lmlab experiment quantize` and `study`: one scheme (or every scheme) on a model, measured by
// the Quantization module's report against the fp32 model, each recorded as a built-in run
// (bits per weight, size, weight error, perplexity and its change, decode speed); a study also
// writes its table as Markdown and perplexity against bits as an SVG.
import Foundation
import Quantization
import Store
import Transformer

/// The metrics one quantization report records, by key.
func metrics(of r: QuantizationReport) -> [(key: String, value: Double)] {
    [
        ("bits_per_weight", r.bitsPerWeight), ("model_bytes", Double(r.modelBytes)),
        ("quantized_weight_bytes", Double(r.quantizedWeightBytes)),
        ("fp32_weight_bytes", Double(r.fp32WeightBytes)),
        ("max_abs_weight_error", Double(r.maxAbsWeightError)),
        ("mean_abs_weight_error", Double(r.meanAbsWeightError)),
        ("eval_loss", Double(r.loss)), ("perplexity", Double(r.perplexity)),
        ("fp32_eval_loss", Double(r.fp32Loss)), ("fp32_perplexity", Double(r.fp32Perplexity)),
        ("perplexity_change", Double(r.perplexityChange)),
        ("decode_tokens_per_s", r.decodeTokensPerSecond),
        ("fp32_decode_tokens_per_s", r.fp32DecodeTokensPerSecond),
    ]
}

/// Records one report as a built-in run of `target`'s experiment.
func record(
    _ report: QuantizationReport, model: String, config: GPT2Config, evalFile: String,
    decodeTokens: Int, target: RunTarget
) throws -> String {
    let recorder = try RunRecorder(
        target: target, source: .builtIn,
        tags: ["kind": "quantize", "scheme": report.scheme.rawValue])
    return try recorder.recording { r in
        var params = modelParams(config)
        params["model"] = model
        params["scheme"] = report.scheme.rawValue
        params["embeddings"] = report.embeddingScheme.rawValue
        params["eval_file"] = evalFile
        params["eval_targets"] = "\(report.evalTargets)"
        params["decode_tokens"] = "\(decodeTokens)"
        try r.log(params: params)
        for (key, value) in metrics(of: report) { try r.log(key, value, step: 0) }
        return r.runID
    }
}

/// One scheme's report and the run that records it.
public struct QuantizeOutcome: Sendable {
    public var report: QuantizationReport
    public var runID: String?
}

/// Quantizes `model` (read from `modelPath`, for the record) in `scheme`, measures it on
/// `evalTokens` and records a run in `target` if given.
public func runQuantize(
    model: GPT2Model, modelPath: String, scheme: QuantScheme, evalTokens: [Int],
    evalFile: String, decodeTokens: Int = 32, target: RunTarget?
) throws -> QuantizeOutcome {
    let report = try quantizationReport(
        model: model, scheme: scheme, evalTokens: evalTokens, decodeTokens: decodeTokens)
    let runID = try target.map {
        try record(
            report, model: modelPath, config: model.config, evalFile: evalFile,
            decodeTokens: decodeTokens, target: $0)
    }
    return QuantizeOutcome(report: report, runID: runID)
}

/// A bits-against-perplexity study over several schemes.
public struct QuantizationStudy: Sendable {
    public var reports: [QuantizationReport]
    /// One run per scheme (empty when no store was given).
    public var runIDs: [String]

    /// A plain-text table: scheme, bits/weight, size, perplexity, Δ against fp32.
    public var table: String {
        var lines = [
            "scheme          bits/w     size (KiB)   perplexity          Δ   decode tok/s"
        ]
        if let first = reports.first {
            lines.append(
                "fp32".padding(toLength: 14, withPad: " ", startingAt: 0)
                    + String(
                        format: "%7.2f   %12.1f   %10.3f   %8.3f   %12.1f", 32.0,
                        Double(first.fp32WeightBytes) / 1024, first.fp32Perplexity, 0.0,
                        first.fp32DecodeTokensPerSecond))
        }
        for r in reports {
            lines.append(
                r.scheme.rawValue.padding(toLength: 14, withPad: " ", startingAt: 0)
                    + String(
                        format: "%7.2f   %12.1f   %10.3f   %+8.3f   %12.1f", r.bitsPerWeight,
                        Double(r.quantizedWeightBytes) / 1024, r.perplexity,
                        r.perplexityChange, r.decodeTokensPerSecond))
        }
        return lines.joined(separator: "\n")
    }

    /// The study as Markdown: what was measured and the table.
    public func markdown(model: String, evalFile: String) -> String {
        let embeddings = reports.first?.embeddingScheme.rawValue ?? "fp16"
        var md = """
            # Quantization study

            Model: `\(model)`. Evaluation text: `\(evalFile)` \
            (\(reports.first?.evalTargets ?? 0) predicted tokens).

            The linear layers (attn.c_attn, attn.c_proj, mlp.c_fc, mlp.c_proj) are quantized; \
            the tied embedding/head is kept in \(embeddings); layer norms, biases and wpe stay \
            fp32. Size is the linear weights' bytes (codes + scales).

            | scheme | bits/weight | size (KiB) | max weight error | perplexity | Δ vs fp32 | decode tokens/s |
            |---|---:|---:|---:|---:|---:|---:|

            """
        if let f = reports.first {
            md += String(
                format: "| fp32 | 32.00 | %.1f | 0 | %.3f | 0 | %.1f |\n",
                Double(f.fp32WeightBytes) / 1024, f.fp32Perplexity, f.fp32DecodeTokensPerSecond)
        }
        for r in reports {
            md += String(
                format: "| %@ | %.2f | %.1f | %.2e | %.3f | %+.3f | %.1f |\n", r.scheme.rawValue,
                r.bitsPerWeight, Double(r.quantizedWeightBytes) / 1024, r.maxAbsWeightError,
                r.perplexity, r.perplexityChange, r.decodeTokensPerSecond)
        }
        md += "\n![perplexity against bits per weight](study.svg)\n"
        return md
    }

    /// Perplexity against bits per weight, fp32 included, one labelled point per scheme.
    public var svg: String {
        var points = reports.map {
            ScatterPoint(x: $0.bitsPerWeight, y: Double($0.perplexity), label: $0.scheme.rawValue)
        }
        if let f = reports.first {
            points.insert(ScatterPoint(x: 32, y: Double(f.fp32Perplexity), label: "fp32"), at: 0)
        }
        return scatterSVG(
            points, title: "Perplexity against bits per weight", xLabel: "bits per weight",
            yLabel: "perplexity")
    }
}

/// Runs every scheme of `schemes` on `model`, records one run each in `target` if given, and
/// writes `out`/study.md and `out`/study.svg if `out` is given.
public func runQuantizationStudy(
    model: GPT2Model, modelPath: String, schemes: [QuantScheme], evalTokens: [Int],
    evalFile: String, decodeTokens: Int = 32, out: URL?, target: RunTarget?
) throws -> QuantizationStudy {
    let measured = schemes.filter { $0 != .fp32 }
    guard !measured.isEmpty else {
        throw ExperimentError.invalidOption(
            name: "--schemes", reason: "must name at least one scheme besides fp32")
    }
    let reports = try quantizationReports(
        model: model, schemes: measured, evalTokens: evalTokens, decodeTokens: decodeTokens)
    var runIDs: [String] = []
    if let target {
        for report in reports {
            runIDs.append(
                try record(
                    report, model: modelPath, config: model.config, evalFile: evalFile,
                    decodeTokens: decodeTokens, target: target))
        }
    }
    let study = QuantizationStudy(reports: reports, runIDs: runIDs)
    if let out {
        try write(study.markdown(model: modelPath, evalFile: evalFile), to: out, "study.md")
        try write(study.svg, to: out, "study.svg")
    }
    return study
}

/// Writes `text` to `folder`/`name`, creating the folder.
func write(_ text: String, to folder: URL, _ name: String) throws {
    let file = folder.appendingPathComponent(name)
    do {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: file)
    } catch {
        throw ExperimentError.io(file: file.path, reason: "cannot write: \(error)")
    }
}
