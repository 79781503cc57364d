// The experiment report over a hand-worked 2-run fixture: the Markdown embeds the SVG it wrote,
// the SVG is XML with one path per run at coordinates worked out by hand, the terminal shows a
// sparkline per run, and a run without a heartbeat shows as DEAD.
import Foundation
import Store
import TestSupport
import Testing

@testable import Service

#if canImport(FoundationXML)
    import FoundationXML
#endif

@Suite struct ExperimentReportTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    /// Run "run-a" (student a, lr 0.1, FINISHED): loss 4 at step 0, 2 at step 10.
    /// Run "run-b" (student b, lr 0.01, never ended, last heartbeat at start): loss 3, then 1.
    static func makeExperiment() throws -> LabStore {
        let store = try LabStore.inMemory()
        _ = try store.importRoster(csv: "id,name,email\na,Ann,a@x\nb,Bob,b@x\n")
        for (id, student, lr, values) in [
            ("run-a", "a", "0.1", [4.0, 2.0]), ("run-b", "b", "0.01", [3.0, 1.0]),
        ] {
            try store.startRun(
                RunStart(experiment: "E", runID: id, studentID: student), now: start)
            try store.logBatch(
                runID: id, params: ["lr": lr, "seed": "1"],
                metrics: values.enumerated().map {
                    MetricPoint(key: "loss", value: $0.element, step: Int64($0.offset * 10))
                }, now: start)
        }
        try store.endRun(runID: "run-a", now: start.addingTimeInterval(5))
        return store
    }

    @Test func markdownEmbedsTheSVGWithOnePathPerRun() throws {
        let store = try Self.makeExperiment()
        let report = try store.experimentReport(
            experiment: "E", now: Self.start.addingTimeInterval(3600))
        let directory = try makeScratchDirectory("lmlab-expreport")
        let written = try writeExperimentReport(report, to: directory)
        #expect(written.map(\.lastPathComponent) == ["loss.svg", "report.md"])

        let markdown = try String(
            contentsOf: directory.appendingPathComponent("report.md"), encoding: .utf8)
        #expect(markdown.contains("![loss](loss.svg)"))
        #expect(markdown.contains("| run-b | DEAD |"))
        #expect(markdown.contains("| run-a | FINISHED |"))

        let svg = try Data(contentsOf: directory.appendingPathComponent("loss.svg"))
        let parser = XMLParser(data: svg)
        let collector = PathData()
        parser.delegate = collector
        #expect(parser.parse(), "not well-formed XML: \(String(describing: parser.parserError))")
        let paths = collector.paths
        // Plot area: x 70…550 (720 wide, margins 70 and 170), y 40…390 (440 high, margins 40
        // and 50). Steps 0…10. Values 1…4 padded by 5% of 3 → 0.85…4.15 (3.3 tall), so
        // y(v) = 40 + (1 − (v − 0.85)/3.3)·350: y(1) = 374.09, y(2) = 268.03, y(3) = 161.97,
        // y(4) = 55.91. run-b (min 1) ranks before run-a (min 2) and is drawn first.
        let expected = ["M70.00,161.97 L550.00,374.09", "M70.00,55.91 L550.00,268.03"]
        #expect(paths == expected, "paths \(paths), expected \(expected)")
    }

    @Test func terminalShowsASparklinePerRunAndTheLeaderboard() throws {
        let store = try Self.makeExperiment()
        let report = try store.experimentReport(
            experiment: "E", now: Self.start.addingTimeInterval(3600))
        let text = try renderExperimentReport(report, format: .terminal(colour: false))
        let lines = text.split(separator: "\n").map(String.init)
        // Each curve falls from its maximum to its minimum: full block, then the lowest.
        for id in ["run-a", "run-b"] {
            let line = lines.first { $0.hasPrefix(id) }
            #expect(line?.hasSuffix("█▁") == true, "\(id): \(line ?? "no line")")
        }
        // Only lr differs between the runs, so it is the one key param shown.
        #expect(report.keyParams == ["lr"])
        let pseudonymB = try #require(try store.student(id: "b")).pseudonym
        #expect(report.leaderboard.map(\.runID) == ["run-b", "run-a"])
        #expect(report.leaderboard.first?.displayName == pseudonymB)
        #expect(report.leaderboard.map(\.value) == [1, 2])
        #expect(report.leaderboard.map(\.step) == [10, 10])
    }
}

/// The `d` attribute of every `<path>` element, in document order.
private final class PathData: NSObject, XMLParserDelegate {
    var paths: [String] = []

    func parser(
        _ parser: XMLParser, didStartElement element: String, namespaceURI: String?,
        qualifiedName: String?, attributes: [String: String] = [:]
    ) {
        if element == "path", let d = attributes["d"] { paths.append(d) }
    }
}
