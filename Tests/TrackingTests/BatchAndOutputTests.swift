// The batch JSON contract (errors name the entry), experiment leaderboards by hand, the
// sparkline, the SVG plot (well-formed XML, curve coordinates by hand) and CSV export.
import Foundation
import Store
import TestSupport
import Testing

#if canImport(FoundationXML)
    import FoundationXML
#endif

@testable import Tracking

struct BatchAndOutputTests {
    @Test func batchDecodesAndApplies() throws {
        let json = """
            {"run_id": "r1", "start": {"experiment": "lora", "student": "bob", "time": 1700000000000},
             "params": {"lora_r": 8, "use_bias": true, "opt": "adam"},
             "metrics": [{"key": "loss", "value": 2.5, "step": 1, "timestamp": 1700000001000},
                         {"key": "loss", "value": "NaN", "step": 2}],
             "tags": {"note": "x"}, "end": {"status": "finished", "time": 1700000002000}}
            """
        let batch = try RunBatch.decode(Data(json.utf8))
        #expect(batch.params == ["lora_r": "8", "use_bias": "True", "opt": "adam"])
        #expect(batch.metrics[0] == MetricPoint(key: "loss", value: 2.5, step: 1, timestamp: 1_700_000_001_000))
        #expect(batch.metrics[1].value.isNaN && batch.metrics[1].timestamp == nil)
        let store = try makeStore()
        let outcome = try batch.apply(to: store, now: at(5))
        #expect(outcome == RunBatch.Outcome(runID: "r1", status: "FINISHED", params: 3, metrics: 2, tags: 1))
        let run = try #require(try store.run(id: "r1"))
        #expect(run.studentID == "bob" && run.startTime == t0 && run.endTime == at(2))
        #expect(try store.runDetails(id: "r1").summaries["loss"]?.nanCount == 1)
    }

    @Test func malformedBatchesNameTheEntry() throws {
        let cases: [(String, String)] = [
            (#"{"run_id": "r1", "metrics": [{"key": "a", "value": 1}, {"key": "a", "value": "x"}]}"#, "metrics[1].value"),
            (#"{"run_id": "r1", "metrics": [{"key": "a", "value": 1}, {"value": 2}]}"#, "metrics[1].key"),
            (#"{"run_id": "r1", "metrics": [{"key": "a", "value": 1, "step": 1.5}]}"#, "metrics[0].step"),
            (#"{"run_id": "r1", "params": {"lr": [1]}}"#, "params.lr"),
            (#"{"metrics": []}"#, "run_id"),
            (#"{"run_id": "a b"}"#, "run_id"),
            (#"{"run_id": "r1", "end": {"status": "DONE"}}"#, "end.status"),
            (#"{"run_id": "r1", "start": {"name": "x"}}"#, "start.experiment"),
            (#"{"run_id": "r1", "metrics": [{"key": "a", "value": 1}"#, "body"),
        ]
        for (json, entry) in cases {
            do {
                _ = try RunBatch.decode(Data(json.utf8), line: 3)
                Issue.record("accepted: \(json)")
            } catch let error as TrackingError {
                #expect("\(error)".hasPrefix("line 3, \(entry):"), "\(json) → \(error)")
            }
        }
        // A bad key is caught by the store's validation before the start creates the run
        let store = try makeStore()
        let bad = try RunBatch.decode(Data(#"""
            {"run_id": "r9", "start": {"experiment": "lora"},
             "metrics": [{"key": "ok", "value": 1}, {"key": "no!", "value": 1}]}
            """#.utf8))
        #expect(throws: RunsError.invalidBatch(
            entry: "metrics[1]",
            reason: "key 'no!' must be 1 to 250 letters, digits, spaces or '_ - . / :'")) {
            try bad.apply(to: store)
        }
        #expect(try store.run(id: "r9") == nil)
        // An import with a bad third line imports nothing
        let file = """
            {"run_id": "r1", "start": {"experiment": "lora"}}

            {"run_id": "r1", "metrics": [{"key": "a", "value": {}}]}
            """
        #expect(throws: TrackingError.self) { try RunImport.importJSONL(Data(file.utf8), into: store) }
        #expect(try store.run(id: "r1") == nil)
    }

    @Test func leaderboardBestRunPerStudentByHand() throws {
        // alice: runs with min 2.0 and 1.0 → 1.0 (run a2, step 1); bob: 1.5 (b1, step 2);
        // carol: 1.0 at a later start than alice → ranked after her; prof: instructor, left
        // out; a run without student, left out.
        let store = try makeStore()
        try loggedRun(store, "a1", student: "alice", metrics: series("eval_loss", [3, 2]), start: 1)
        try loggedRun(store, "a2", student: "alice", params: ["r": "4"], metrics: series("eval_loss", [3, 1]), start: 2)
        try loggedRun(store, "b1", student: "bob", params: ["r": "8"], metrics: series("eval_loss", [3, 2, 1.5]), start: 3)
        try loggedRun(store, "c1", student: "carol", params: ["r": "8"], metrics: series("eval_loss", [1]), start: 4)
        try loggedRun(store, "p1", student: "prof", metrics: series("eval_loss", [0.1]), start: 5)
        try loggedRun(store, "n1", student: nil, metrics: series("eval_loss", [0.2]), start: 6)
        let rows = try store.experimentLeaderboard(
            experiment: "lora", metric: "eval_loss.min", ascending: true, includeNames: true)
        #expect(rows.map(\.runID) == ["a2", "c1", "b1"])
        #expect(rows.map(\.value) == [1.0, 1.0, 1.5])
        #expect(rows.map(\.step) == [1, 0, 2])
        #expect(rows.map(\.displayName) == ["Alice Martin", "Carol Diaz", "Bob Chen"])
        // Pseudonyms by default; a filter restricts the candidate runs
        let filtered = try store.experimentLeaderboard(
            experiment: "lora", metric: "eval_loss.min", ascending: true, where: "params.r >= 8")
        #expect(filtered.map(\.runID) == ["c1", "b1"])
        #expect(filtered.map(\.displayName) == [Pseudonym.make(id: "carol"), Pseudonym.make(id: "bob")])
        #expect(filtered.allSatisfy { $0.studentID == nil })
        // Descending by the last value: b1 1.5, a1 2 is alice's best last (a2's is 1)
        let desc = try store.experimentLeaderboard(
            experiment: "lora", metric: "eval_loss", ascending: false)
        #expect(desc.map(\.runID) == ["a1", "b1", "c1"])
    }

    @Test func sparklineByHand() {
        // 0, 7 → lowest and highest blocks; the middle value 3.5 → level 3.5 → rounds to 4
        #expect(Sparkline.render([0, 3.5, 7]) == "▁▅█")
        #expect(Sparkline.render([1, .nan, 3]) == "▁ █")
        #expect(Sparkline.render([2, 2]) == "▄▄")
        // 8 values into 4 buckets: means 0.5, 2.5, 4.5, 6.5 → levels 0, 7/3, 14/3, 7
        #expect(Sparkline.render([0, 1, 2, 3, 4, 5, 6, 7], width: 4) == "▁▃▆█")
        #expect(Sparkline.render([]) == "")
    }

    @Test func svgIsWellFormedWithCurvesWhereExpected() throws {
        let series = [
            PlotSeries(label: "a <1>", points: [(0, 1), (10, 100)]),
            PlotSeries(label: "b", points: [(0, 10), (5, .nan), (10, 10)]),
        ]
        let svg = try SVGPlot.render(series, title: "loss", yLabel: "loss", logScale: true)
        let parser = XMLParser(data: Data(svg.utf8))
        let collector = PathCollector()
        parser.delegate = collector
        #expect(parser.parse(), "SVG is not well-formed XML: \(String(describing: parser.parserError))")
        // Plot box: x from 70 to 550 (720 − 70 − 170), y from 40 to 390 (440 − 40 − 50).
        // log10 range [0, 2] padded by 5% → [−0.1, 2.1]: y(1) = 40 + 2.1/2.2·350 = 374.09,
        // y(100) = 40 + 0.1/2.2·350 = 55.91, y(10) = 40 + 1.1/2.2·350 = 215.00.
        #expect(collector.paths == ["M70.00,374.09 L550.00,55.91", "M70.00,215.00 M550.00,215.00"])
        #expect(svg.contains("a &lt;1&gt;"))
        #expect(svg.contains("(log scale)"))
        #expect(throws: TrackingError.self) {
            try SVGPlot.render([PlotSeries(label: "x", points: [(0, -1)])], title: "t", yLabel: "y", logScale: true)
        }
    }

    @Test func csvExportQuotesAndUnionsColumns() throws {
        let store = try makeStore()
        try loggedRun(store, "r1", params: ["note": "a,\"b\""], metrics: series("loss", [2, 1]), start: 1)
        try loggedRun(store, "r2", student: "bob", metrics: series("acc", [.nan]), start: 2)
        let csv = try RunsCSV.export(try store.searchRuns(RunQuery(orderBy: "attributes.run_id")), store: store)
        let lines = csv.components(separatedBy: "\r\n")
        #expect(lines[0] == "run_id,experiment,student,name,status,start_time,end_time,source,params.note,"
            + "metrics.acc.last,metrics.acc.min,metrics.acc.max,metrics.loss.last,metrics.loss.min,metrics.loss.max")
        #expect(lines[1] == "r1,lora,alice,,RUNNING,2023-11-14T22:13:21Z,,logged,\"a,\"\"b\"\"\",,,,1.0,1.0,2.0")
        #expect(lines[2] == "r2,lora,bob,,RUNNING,2023-11-14T22:13:22Z,,logged,,NaN,,,,,")
    }
}

/// Collects the `d` attribute of every <path>.
final class PathCollector: NSObject, XMLParserDelegate {
    var paths: [String] = []
    func parser(
        _ parser: XMLParser, didStartElement name: String, namespaceURI: String?,
        qualifiedName: String?, attributes: [String: String] = [:]
    ) {
        if name == "path", let d = attributes["d"] { paths.append(d) }
    }
}

@Test func aRunPlotsLegendLeadsWithTheRunsName() {
    let id = "3438d48a7edb4f0c9d1e2f3a4b5c6d7e"
    #expect(
        PlotSeries.runLabel(id: id, name: "lora-r8", student: "s01")
            == "lora-r8 (3438d48a)")
    #expect(PlotSeries.runLabel(id: id, name: nil, student: "s01") == "s01 (3438d48a)")
    #expect(PlotSeries.runLabel(id: id, name: nil, student: nil) == id)
}
