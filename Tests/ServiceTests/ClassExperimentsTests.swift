// The class report's Experiments part on a hand-built store: a study logged by hand (rows in
// bits order, Δ worked out by hand), a training run's sparkline, the JSON shape, and the
// Markdown report with the study's SVG.
import Foundation
import Store
import TestSupport
import Testing

@testable import Service

#if canImport(FoundationXML)
    import FoundationXML
#endif

@Suite struct ClassExperimentsTests {
    /// Experiment "S": q4_0 (4.5 bits, ppl 23.75), fp16 (16, 20.125), int8 (8.0625, 20.5), each
    /// with fp32_perplexity 20. Experiment "T": one run, loss 4, 3, 2, 1 at steps 1…4.
    static func makeStore() throws -> LabStore {
        let store = try LabStore.inMemory()
        for (scheme, bits, perplexity) in [
            ("q4_0", 4.5, 23.75), ("fp16", 16.0, 20.125), ("int8", 8.0625, 20.5),
        ] {
            let run = try store.startRun(RunStart(experiment: "S", name: scheme))
            try store.logBatch(
                runID: run.id, params: ["scheme": scheme, "model": "tiny"],
                metrics: [
                    MetricPoint(key: "bits_per_weight", value: bits, step: 0),
                    MetricPoint(key: "perplexity", value: perplexity, step: 0),
                    MetricPoint(key: "fp32_perplexity", value: 20, step: 0),
                ])
            try store.endRun(runID: run.id)
        }
        let run = try store.startRun(RunStart(experiment: "T", runID: "train-1"))
        try store.logBatch(
            runID: run.id,
            metrics: [4.0, 3, 2, 1].enumerated().map {
                MetricPoint(key: "loss", value: $0.element, step: Int64($0.offset + 1))
            })
        try store.endRun(runID: run.id)
        return store
    }

    @Test func studyRowsAreInBitsOrderWithTheLoggedValuesAndHandWorkedDeltas() throws {
        let store = try Self.makeStore()
        // A student's verified quantizer logs the same metrics: a leaderboard entry, no study.
        try store.addStudent(id: "s1", name: "Student One")
        let verified = try store.startRun(
            RunStart(experiment: "V", studentID: "s1", name: "q8_0", source: .verified))
        try store.logBatch(
            runID: verified.id, params: ["scheme": "q8_0"],
            metrics: [
                MetricPoint(key: "bits_per_weight", value: 8.5, step: 0),
                MetricPoint(key: "perplexity", value: 20.01, step: 0),
                MetricPoint(key: "fp32_perplexity", value: 20, step: 0),
            ])
        let part = ClassExperiments(try store.experimentReports())
        #expect(part.studies.map(\.experiment) == ["S"])
        let study = try #require(part.studies.first)
        #expect(study.experiment == "S" && study.model == "tiny")
        #expect(study.rows.map(\.scheme) == ["fp32", "fp16", "int8", "q4_0"])
        #expect(study.rows.map(\.bitsPerWeight) == [32, 16, 8.0625, 4.5])
        #expect(study.rows.map(\.perplexity) == [20, 20.125, 20.5, 23.75])
        #expect(study.rows.map(\.change) == [0, 0.125, 0.5, 3.75])

        let text = try renderClassExperiments(part, format: .terminal(colour: false))
        let lines = text.split(separator: "\n").map { $0.split(separator: " ").joined(separator: " ") }
        #expect(lines.contains("fp16 16.00 — 20.125 +0.125"), "\(text)")
        #expect(lines.contains("q4_0 4.50 — 23.750 +3.750"), "\(text)")
        // Loss 4, 3, 2, 1 scaled to 8 levels: (v − 1)/3·7 → 7, 4.67, 2.33, 0 → █ ▆ ▃ ▁.
        let curve = try #require(lines.first { $0.hasPrefix("T train-1") })
        #expect(curve.hasSuffix("1–4 4.000 → 1.000 — █▆▃▁"), "\(curve)")
    }

    @Test func theEvalLossColumnReadsAnEvalLossCurve() throws {
        // A training run logging eval_loss (as the Python client and `lmlab experiment train`
        // do) rather than a LoRA run's eval_loss_before/after: its last point, 2.5, is shown.
        let store = try LabStore.inMemory()
        let run = try store.startRun(RunStart(experiment: "E", runID: "eval-1"))
        try store.logBatch(
            runID: run.id,
            metrics: [4.0, 3, 2].enumerated().flatMap { index, loss in
                [
                    MetricPoint(key: "loss", value: loss, step: Int64(index + 1)),
                    MetricPoint(key: "eval_loss", value: loss + 0.5, step: Int64(index + 1)),
                ]
            })
        try store.endRun(runID: run.id)
        let part = ClassExperiments(try store.experimentReports())
        #expect(part.curves.first?.evalLoss == 2.5)
        let text = try renderClassExperiments(part, format: .terminal(colour: false))
        let lines = text.split(separator: "\n").map { $0.split(separator: " ").joined(separator: " ") }
        let line = try #require(lines.first { $0.hasPrefix("E eval-1") }, "\(text)")
        #expect(line.contains("1–3 4.000 → 2.000 2.500"), "\(line)")
    }

    @Test func jsonHasTheLabsAndTheExperiments() throws {
        let store = try Self.makeStore()
        let json = try renderClassReport(
            overview: store.classOverview(), rosterSize: 0,
            experiments: ClassExperiments(try store.experimentReports()), format: .json)
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object["labs"] is [Any])
        let experiments = try #require(object["experiments"] as? [String: Any])
        let studies = try #require(experiments["studies"] as? [[String: Any]])
        let rows = try #require(studies.first?["rows"] as? [[String: Any]])
        #expect(rows.compactMap { $0["change"] as? Double } == [0, 0.125, 0.5, 3.75])
    }

    @Test func markdownReportEmbedsTheStudyPlot() throws {
        let store = try Self.makeStore()
        let directory = try makeScratchDirectory("lmlab-class-experiments")
        let written = try writeClassReport(
            overview: "# Class report\n", experiments: try store.experimentReports(), to: directory)
        #expect(written.map(\.lastPathComponent).contains("S-study.svg"))
        let markdown = try String(
            contentsOf: directory.appendingPathComponent("report.md"), encoding: .utf8)
        #expect(markdown.contains("| int8 | 8.06 | — | 20.500 | +0.500 |"), "\(markdown)")
        #expect(markdown.contains("![perplexity against bits per weight](S-study.svg)"))
        let svg = try Data(contentsOf: directory.appendingPathComponent("S-study.svg"))
        let parser = XMLParser(data: svg)
        #expect(parser.parse(), "S-study.svg: \(String(describing: parser.parserError))")
        #expect(String(decoding: svg, as: UTF8.self).contains(">q4_0</text>"))
    }
}
