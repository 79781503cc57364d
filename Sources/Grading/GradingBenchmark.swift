// The grading benchmark: one correct sample of each lab graded end to end `runs` times, with the
// wall time per lab (p50, p90) and where it went (staging, sandbox start, calls, reference,
// comparison). Issue 3's budget is p50 ≤ 1.5 s per lab.
import Foundation
import Harness
import Diagnosis
import LabConfig

/// Timings of one lab's sample over all runs; the breakdown parts are medians over the runs.
public struct LabBenchmark: Sendable, Equatable {
    public var lab: String
    /// The sample graded, relative to the submissions root (e.g. "s01-ada/01-attention").
    public var submission: String
    public var tests: Int
    /// Whether every run gave full marks (a benchmark of a failing grade would mean little).
    public var fullMarks: Bool
    /// Wall time of each run's whole grade call, in seconds.
    public var totals: [Double]
    public var p50Seconds: Double
    public var p90Seconds: Double
    public var stageSeconds: Double
    /// Spawn → ready: the sandbox, Python, NumPy and the student module importing.
    public var sandboxStartSeconds: Double
    /// Send → reply over every call of one grade.
    public var callSeconds: Double
    /// Generating the cases and computing the reference answers.
    public var referenceSeconds: Double
    /// Comparison and diagnosis.
    public var compareSeconds: Double
    /// Whether expected values come from the instructor's reference.py (its own sandboxed
    /// session, started once and reused) rather than a built-in Swift reference.
    public var pythonReference = false
    /// With `--warm`: each run graded again in a warm sandbox (the pool refilled in between, as
    /// on an idle worker), interleaved with the cold runs.
    public var warmTotals: [Double] = []
    public var warmSandboxStartSeconds = 0.0
    /// p50 minus the parts: shutting the runner down, removing the staging folder, bookkeeping.
    public var otherSeconds: Double { max(0, p50Seconds - parts) }

    var parts: Double {
        stageSeconds + sandboxStartSeconds + callSeconds + referenceSeconds + compareSeconds
    }
}

public struct GradingBenchmarkResult: Sendable, Equatable, CustomStringConvertible {
    public var isolation: Isolation
    public var runs: Int
    public var labs: [LabBenchmark]

    /// A table, one row per lab, times in milliseconds.
    public var description: String {
        let mode = isolation == .sandbox ? "sandbox" : "no sandbox"
        var lines = [
            "grading one correct sample per lab, \(runs) runs each (\(mode)); ms, "
                + "breakdown = medians"
        ]
        let warm = labs.contains { !$0.warmTotals.isEmpty }
        let header =
            [
                "lab", "tests", "p50", "p90", "stage", "start", "calls", "reference",
                "compare", "other", "full marks",
            ] + (warm ? ["warm p50", "warm p90", "warm start", "cold/warm"] : [])
        var rows = [header]
        for lab in labs {
            func ms(_ s: Double) -> String { String(format: "%.0f", s * 1000) }
            var row = [
                lab.lab, String(lab.tests), ms(lab.p50Seconds), ms(lab.p90Seconds),
                ms(lab.stageSeconds), ms(lab.sandboxStartSeconds), ms(lab.callSeconds),
                ms(lab.referenceSeconds), ms(lab.compareSeconds), ms(lab.otherSeconds),
                lab.fullMarks ? "yes" : "NO",
            ]
            if warm {
                let p50 = quantile(lab.warmTotals, 0.5)
                row += [
                    ms(p50), ms(quantile(lab.warmTotals, 0.9)), ms(lab.warmSandboxStartSeconds),
                    p50 > 0 ? String(format: "%.1f×", lab.p50Seconds / p50) : "-",
                ]
            }
            rows.append(row)
        }
        let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        for row in rows {
            lines.append(
                row.enumerated().map { column, cell in
                    column == 0
                        ? cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
                        : String(repeating: " ", count: widths[column] - cell.count) + cell
                }.joined(separator: "  "))
        }
        if let line = pythonReferenceCost { lines.append(line) }
        return lines.joined(separator: "\n")
    }

    /// What an instructor's Python reference costs per submission, against the built-in labs of
    /// the same run (medians of the labs' medians).
    public var pythonReferenceCost: String? {
        let python = labs.filter(\.pythonReference)
        let builtIn = labs.filter { !$0.pythonReference }
        guard !python.isEmpty, !builtIn.isEmpty else { return nil }
        func ms(_ s: Double) -> String { String(format: "%.0f", s * 1000) }
        let reference = quantile(python.map(\.referenceSeconds), 0.5)
        let builtInReference = quantile(builtIn.map(\.referenceSeconds), 0.5)
        let p50 = quantile(python.map(\.p50Seconds), 0.5)
        let builtInP50 = quantile(builtIn.map(\.p50Seconds), 0.5)
        return "Python reference (\(python.map(\.lab).joined(separator: ", "))): reference "
            + "\(ms(reference)) ms per submission against \(ms(builtInReference)) ms for the built-in "
            + "labs; p50 \(ms(p50)) ms against \(ms(builtInP50)) ms ("
            + String(format: "%.2f", builtInP50 > 0 ? p50 / builtInP50 : 0) + "×)"
    }
}

/// The q-quantile (0…1) of `values` with linear interpolation between order statistics.
public func quantile(_ values: [Double], _ q: Double) -> Double {
    guard !values.isEmpty else { return 0 }
    let sorted = values.sorted()
    let position = q * Double(sorted.count - 1)
    let lower = Int(position.rounded(.down))
    let upper = min(lower + 1, sorted.count - 1)
    return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - Double(lower))
}

/// The first sample with verdict "full" for each lab in `<submissionsRoot>/MANIFEST.toml`:
/// lab id → the file (single-file sample) or folder to hand in, and its manifest path.
public func correctSamples(submissionsRoot: URL) throws -> [String: (url: URL, path: String)] {
    let file = submissionsRoot.appendingPathComponent("MANIFEST.toml")
    let text: String
    do {
        text = try String(contentsOf: file, encoding: .utf8)
    } catch {
        throw GradingError.benchmark(
            "cannot read \(file.path) (\(error.localizedDescription)); "
                + "pass the submissions folder that holds MANIFEST.toml")
    }
    let root: TOMLNode
    do {
        root = try TOMLNode.parse(text)
    } catch let problem as TOMLSyntaxProblem {
        throw GradingError.benchmark(
            "\(file.path) is not valid TOML at line \(problem.line), column \(problem.column): "
                + problem.reason)
    } catch {
        throw GradingError.benchmark("\(file.path) is not valid TOML: \(error)")
    }
    guard case .table(let top) = root, case .array(let samples)? = top["samples"] else {
        throw GradingError.benchmark("\(file.path) has no [[samples]] tables")
    }
    var found: [String: (url: URL, path: String)] = [:]
    for sample in samples {
        guard case .table(let s) = sample, case .string(let lab)? = s["lab"],
            case .string(let path)? = s["path"], case .string("full")? = s["verdict"],
            found[lab] == nil
        else { continue }
        var url = submissionsRoot.appendingPathComponent(path)
        if case .array(let files)? = s["files"], files.count == 1,
            case .string(let name) = files[0]
        {
            url = url.appendingPathComponent(name)
        }
        found[lab] = (url, path)
    }
    return found
}

/// Grades one correct sample of every lab under `labsRoot` `runs` times (instructor mode, all
/// tests, a fresh submission seed each run) and reports the timings per lab. With `warm`, each
/// run also grades the sample in a warm sandbox from a pool of one, refilled before the next
/// run as an idle worker's would be.
public func gradingBenchmark(
    labsRoot: URL, submissionsRoot: URL, runs: Int,
    isolation: Isolation, warm: Bool = false, only: Set<String>? = nil
) throws -> GradingBenchmarkResult {
    guard runs > 0 else { throw GradingError.benchmark("runs must be at least 1, not \(runs)") }
    let labs = try Lab.loadAll(labsRoot: labsRoot)
    let samples = try correctSamples(submissionsRoot: submissionsRoot)
    let harness = labsRoot.appendingPathComponent("harness")
    var results: [LabBenchmark] = []
    for lab in labs where only?.contains(lab.id) ?? true {
        guard let sample = samples[lab.id] else {
            throw GradingError.benchmark(
                "MANIFEST.toml has no correct (verdict = \"full\") "
                    + "sample of lab \(lab.id)")
        }
        let grader = try Grader(lab: lab, harnessDirectory: harness, isolation: isolation)
        var warmGrader = grader
        let pool = warm ? SandboxPool(size: 1) : nil
        defer { pool?.close() }
        warmGrader.pool = pool
        pool?.prewarm(configuration: grader.configuration)
        var timings: [GradeTimings] = []
        var totals: [Double] = []
        var warmTotals: [Double] = []
        var warmStarts: [Double] = []
        var fullMarks = true
        for run in 0..<runs {
            // Wall time around the whole call: GradeTimings.totalSeconds stops before the
            // runner is shut down and the staging folder removed, which a grade also pays for.
            let start = Date()
            let report = try grader.grade(
                submission: sample.url, seed: UInt64(run) &+ 1,
                mode: .instructor)
            totals.append(Date().timeIntervalSince(start))
            fullMarks =
                fullMarks && report.summary.score == report.summary.maxScore
                && report.importError == nil
            timings.append(report.timings)
            guard let pool else { continue }
            // An idle worker: its warm sandbox is ready when the submission comes.
            let deadline = Date().addingTimeInterval(120)
            while pool.readyCount == 0 && Date() < deadline { usleep(2_000) }
            let warmStart = Date()
            let warmReport = try warmGrader.grade(
                submission: sample.url, seed: UInt64(run) &+ 1, mode: .instructor)
            warmTotals.append(Date().timeIntervalSince(warmStart))
            warmStarts.append(warmReport.timings.sandboxStartSeconds)
            fullMarks =
                fullMarks && warmReport.summary == report.summary
                && warmReport.importError == nil
        }
        if let pool, pool.counts.taken < runs {
            throw GradingError.benchmark(
                "\(lab.id): only \(pool.counts.taken) of \(runs) warm runs found a warm sandbox")
        }
        results.append(
            LabBenchmark(
                lab: lab.id, submission: sample.path, tests: lab.tests.count, fullMarks: fullMarks,
                totals: totals, p50Seconds: quantile(totals, 0.5),
                p90Seconds: quantile(totals, 0.9),
                stageSeconds: quantile(timings.map(\.stageSeconds), 0.5),
                sandboxStartSeconds: quantile(timings.map(\.sandboxStartSeconds), 0.5),
                callSeconds: quantile(timings.map(\.callSeconds), 0.5),
                referenceSeconds: quantile(timings.map(\.referenceSeconds), 0.5),
                compareSeconds: quantile(timings.map(\.compareSeconds), 0.5),
                pythonReference: !(lab.python?.components.isEmpty ?? true),
                warmTotals: warmTotals, warmSandboxStartSeconds: quantile(warmStarts, 0.5)))
    }
    return GradingBenchmarkResult(isolation: isolation, runs: runs, labs: results)
}
