// `report experiment` and `report class --markdown --out` over a live daemon: the remote report
// renders (terminal, Markdown, JSON) and writes (report.md, SVGs) exactly as the local one of
// the same store (the point is transport, NaN included); a few cells are checked by hand.
import Foundation
import Store
import TestSupport
import Testing

@testable import Service

@Suite struct RemoteExperimentReportTests {
    /// ClassExperimentsTests' store (study "S", training run "T") plus experiment "E":
    /// e-alice (alice): loss 1 at step 0, NaN at 1, 1.5 at 2 → last 1.5 (2), min 1 (0);
    /// e-none (no student): loss 3 at step 0, NaN at 1 → last NaN (1), min 3 (0).
    /// Returns the store and an instructor's token.
    static func makeStore() throws -> (LabStore, String) {
        let store = try ClassExperimentsTests.makeStore()
        try store.importRoster(csv: "id,name,email\nalice,Alice Liddell,alice@example.org\n")
        try store.addStudent(id: "prof", name: "Ada Lovelace", isInstructor: true)
        for (id, student, values) in [
            ("e-alice", "alice" as String?, [1, Double.nan, 1.5]), ("e-none", nil, [3, .nan]),
        ] {
            try store.startRun(RunStart(experiment: "E", runID: id, studentID: student))
            try store.logBatch(
                runID: id,
                metrics: values.enumerated().map {
                    MetricPoint(key: "loss", value: $0.element, step: Int64($0.offset))
                })
            try store.endRun(runID: id)
        }
        return (store, try store.issueToken(studentID: "prof"))
    }

    /// The files in `directory`, by name.
    static func files(_ directory: URL) throws -> [String: Data] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        return try Dictionary(
            uniqueKeysWithValues: names.map {
                ($0, try Data(contentsOf: directory.appendingPathComponent($0)))
            })
    }

    @Test func remoteExperimentReportRendersLikeTheLocalOne() async throws {
        let (store, token) = try Self.makeStore()
        let local = LocalClient(store: store)
        let alice = try #require(try store.student(id: "alice")).pseudonym
        try await withLiveServer(store: store) { url in
            let remote = try RemoteClient(server: url, token: token, timeout: liveServerTimeout)
            for (metric, rankBy) in [(nil, nil), ("loss", "loss.last")] as [(String?, String?)] {
                let remoteReport = try await remote.experimentReport(
                    name: "E", metric: metric, rankBy: rankBy)
                let localReport = try await local.experimentReport(
                    name: "E", metric: metric, rankBy: rankBy)
                #expect(remoteReport == localReport)
                for format in [OutputFormat.terminal(colour: false), .markdown, .json] {
                    let remoteText = try renderExperimentReport(remoteReport, format: format)
                    let localText = try renderExperimentReport(localReport, format: format)
                    #expect(remoteText == localText, "\(format): remote\n\(remoteText)")
                }
            }

            // The logged NaN came through: e-alice's curve is 1, NaN, 1.5.
            let report = try await remote.experimentReport(name: "E", metric: nil, rankBy: nil)
            let curve = try #require(report.runs.first { $0.id == "e-alice" }?.curve)
            #expect(curve.map(\.step) == [0, 1, 2])
            #expect(curve[0].value == 1 && curve[1].value.isNaN && curve[2].value == 1.5)

            // Markdown cells worked out by hand from the logged points.
            let markdown = try renderExperimentReport(report, format: .markdown)
            #expect(markdown.contains("| e-alice | FINISHED | \(alice) | 1.5 (2) | 1 (0) |"),
                "\(markdown)")
            #expect(markdown.contains("| e-none | FINISHED | — | NaN (1) | 3 (0) |"), "\(markdown)")
            #expect(markdown.contains("| 1 | \(alice) | 1 | 0 | e-alice |"), "\(markdown)")

            // --markdown --out: the same files with the same bytes.
            let remoteDirectory = try makeScratchDirectory("expreport-remote")
            let localDirectory = try makeScratchDirectory("expreport-local")
            try writeExperimentReport(report, to: remoteDirectory)
            try writeExperimentReport(
                try await local.experimentReport(name: "E", metric: nil, rankBy: nil),
                to: localDirectory)
            let remoteFiles = try Self.files(remoteDirectory)
            #expect(remoteFiles.keys.sorted() == ["loss.svg", "report.md"])
            #expect(remoteFiles == (try Self.files(localDirectory)))

            // Unknown experiment and metric come back as the server's 404 and 400.
            let unknown = await #expect(throws: ServiceError.self) {
                try await remote.experimentReport(name: "nope", metric: nil, rankBy: nil)
            }
            #expect(unknown?.description.contains("HTTP 404") == true, "\(String(describing: unknown))")
            let badMetric = await #expect(throws: ServiceError.self) {
                try await remote.experimentReport(name: "E", metric: "ppl", rankBy: nil)
            }
            #expect(
                badMetric?.description.contains(
                    "experiment 'E' has no metric 'ppl'; its metrics are loss") == true,
                "\(String(describing: badMetric))")
        }
    }

    @Test func remoteClassReportWritesTheSameFiles() async throws {
        let (store, token) = try Self.makeStore()
        let local = LocalClient(store: store)
        try await withLiveServer(store: store) { url in
            let remote = try RemoteClient(server: url, token: token, timeout: liveServerTimeout)
            var written: [[String: Data]] = []
            for client in [remote, local] as [any InstructorClient] {
                let overview = try await client.classOverview()
                let directory = try makeScratchDirectory("classreport")
                try writeClassReport(
                    overview: try renderClassOverview(
                        overview.labs, rosterSize: overview.rosterSize, format: .markdown),
                    experiments: try await client.experimentReports(), to: directory)
                written.append(try Self.files(directory))
            }
            let (remoteFiles, localFiles) = (written[0], written[1])
            // S (the study) logs one point per run: its table and its perplexity-against-bits
            // plot, no curves.
            #expect(
                remoteFiles.keys.sorted()
                    == ["E-loss.svg", "S-study.svg", "T-loss.svg", "report.md"])
            #expect(remoteFiles.keys.sorted() == localFiles.keys.sorted())
            for name in remoteFiles.keys.sorted() {
                #expect(remoteFiles[name] == localFiles[name], "\(name) differs")
            }
            // The study row worked out by hand in ClassExperimentsTests: int8 at 8.0625 bits,
            // perplexity 20.5, 0.5 above fp32's 20.
            let markdown = String(decoding: remoteFiles["report.md"] ?? Data(), as: UTF8.self)
            #expect(markdown.contains("| int8 | 8.06 | — | 20.500 | +0.500 |"), "\(markdown)")

            // The terminal form has the Experiments part remotely too.
            let text = try renderClassReport(
                overview: try await remote.classOverview().labs, rosterSize: 1,
                experiments: ClassExperiments(try await remote.experimentReports()),
                format: .terminal(colour: false))
            #expect(text.contains("Quantization study: S"), "\(text)")
        }
    }
}
