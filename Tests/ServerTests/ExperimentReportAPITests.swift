// GET /api/experiments/:name/report and /api/reports/experiments over a store where three runs
// are logged by hand (one NaN, one infinity): the JSON carries the logged values, the summaries'
// last and min with their steps and the leaderboard worked out by hand; 401/403/404/400.
import Foundation
import Hummingbird
import HummingbirdTesting
import Store
import Testing

@testable import Server

@Suite struct ExperimentReportAPITests {
    /// Experiment "E":
    /// - r-alice (alice, lr 0.1): loss 4, 2.5, 3 at steps 0, 1, 2; acc 0.5 at step 2.
    /// - r-bob (bob, lr 0.01): loss 3.5, 1.5, NaN at steps 0, 1, 2.
    /// - r-none (no student, lr 1): loss 5 at step 0, +infinity at step 3.
    /// Experiment "F": r-f (alice), loss 7 at step 5.
    static func logRuns(_ store: LabStore) throws {
        let runs: [(String, String?, String, [(String, Double, Int64)])] = [
            ("r-alice", "alice", "0.1",
             [("loss", 4, 0), ("loss", 2.5, 1), ("loss", 3, 2), ("acc", 0.5, 2)]),
            ("r-bob", "bob", "0.01", [("loss", 3.5, 0), ("loss", 1.5, 1), ("loss", .nan, 2)]),
            ("r-none", nil, "1", [("loss", 5, 0), ("loss", .infinity, 3)]),
        ]
        for (id, student, lr, points) in runs {
            try store.startRun(RunStart(experiment: "E", runID: id, studentID: student))
            try store.logBatch(
                runID: id, params: ["lr": lr, "seed": "1"],
                metrics: points.map { MetricPoint(key: $0.0, value: $0.1, step: $0.2) })
            if student != nil { try store.endRun(runID: id) }
        }
        try store.startRun(RunStart(experiment: "F", runID: "r-f", studentID: "alice"))
        try store.logBatch(runID: "r-f", metrics: [MetricPoint(key: "loss", value: 7, step: 5)])
    }

    static func json(_ response: TestResponse) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(
            with: Data(response.body.readableBytesView), options: [.fragmentsAllowed])
        return try #require(object as? [String: Any], "not a JSON object: \(object)")
    }

    static func run(_ report: [String: Any], _ id: String) throws -> [String: Any] {
        let runs = try #require(report["runs"] as? [[String: Any]])
        return try #require(runs.first { $0["id"] as? String == id }, "no run \(id)")
    }

    static func lossSummary(_ run: [String: Any]) throws -> [String: Any] {
        let summaries = try #require(run["summaries"] as? [String: Any])
        return try #require(summaries["loss"] as? [String: Any])
    }

    @Test func reportCarriesTheLoggedValues() async throws {
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        try Self.logRuns(fixture.store)
        let bobPseudonym = try #require(try fixture.store.student(id: "bob")).pseudonym
        let alicePseudonym = try #require(try fixture.store.student(id: "alice")).pseudonym
        try await routerOnly(fixture).test(.router) { client in
            try await client.execute(
                uri: "/api/experiments/E/report", method: .get,
                headers: bearer(fixture.profToken)
            ) { response in
                #expect(response.status == .ok, "\(String(buffer: response.body))")
                let report = try #require(try Self.json(response)["report"] as? [String: Any])
                #expect(report["experiment"] as? String == "E")
                #expect(report["metrics"] as? [String] == ["acc", "loss"])
                #expect(report["plotMetric"] as? String == "loss")
                #expect(report["rankBy"] as? String == "loss.min")
                #expect(report["keyParams"] as? [String] == ["lr"])

                // alice: last 3 at step 2, min 2.5 at step 1.
                let alice = try Self.lossSummary(try Self.run(report, "r-alice"))
                #expect(alice["last"] as? Double == 3 && alice["lastStep"] as? Int == 2)
                #expect(alice["min"] as? Double == 2.5 && alice["minStep"] as? Int == 1)
                // bob: the last point was NaN (no last), min 1.5 at step 1; the curve keeps
                // the NaN as the string "NaN".
                let bobRun = try Self.run(report, "r-bob")
                let bob = try Self.lossSummary(bobRun)
                #expect(bob["last"] == nil && bob["lastStep"] as? Int == 2)
                #expect(bob["min"] as? Double == 1.5 && bob["minStep"] as? Int == 1)
                let curve = try #require(bobRun["curve"] as? [[String: Any]])
                #expect(curve.map { $0["step"] as? Int } == [0, 1, 2])
                #expect(curve[0]["value"] as? Double == 3.5 && curve[1]["value"] as? Double == 1.5)
                #expect(curve[2]["value"] as? String == "NaN")
                #expect(bobRun["pseudonym"] as? String == bobPseudonym)
                // r-none: last +infinity at step 3, min 5 at step 0.
                let none = try Self.lossSummary(try Self.run(report, "r-none"))
                #expect(none["last"] as? String == "Infinity" && none["lastStep"] as? Int == 3)
                #expect(none["min"] as? Double == 5 && none["minStep"] as? Int == 0)

                // Leaderboard by loss.min, lower first: bob 1.5, alice 2.5 (r-none has no
                // student, so it is not ranked).
                let board = try #require(report["leaderboard"] as? [[String: Any]])
                #expect(board.map { $0["runID"] as? String } == ["r-bob", "r-alice"])
                #expect(board.map { $0["value"] as? Double } == [1.5, 2.5])
                #expect(board.map { $0["step"] as? Int } == [1, 1])
                #expect(board.map { $0["displayName"] as? String } == [bobPseudonym, alicePseudonym])

                // Decoded, the NaN and the infinity come back as such.
                let body = try decode(ExperimentReportBody.self, response)
                let bobCurve = try #require(body.report.runs.first { $0.id == "r-bob" }?.curve)
                #expect(bobCurve.map(\.step) == [0, 1, 2])
                #expect(bobCurve.last?.value.isNaN == true)
                let noneLast = body.report.runs.first { $0.id == "r-none" }?.summaries["loss"]?.last
                #expect(noneLast == .infinity)
            }

            // Another metric, ranked by its max: only alice logged acc (0.5 at step 2).
            try await client.execute(
                uri: "/api/experiments/E/report?metric=acc&rank_by=acc.max", method: .get,
                headers: bearer(fixture.profToken)
            ) { response in
                #expect(response.status == .ok, "\(String(buffer: response.body))")
                let report = try #require(try Self.json(response)["report"] as? [String: Any])
                #expect(report["plotMetric"] as? String == "acc")
                #expect(report["rankBy"] as? String == "acc.max")
                #expect(report["ascending"] as? Bool == false)
                let board = try #require(report["leaderboard"] as? [[String: Any]])
                #expect(board.map { $0["runID"] as? String } == ["r-alice"])
                #expect(board.map { $0["value"] as? Double } == [0.5])
                let aliceCurve = try #require(
                    try Self.run(report, "r-alice")["curve"] as? [[String: Any]])
                #expect(aliceCurve.map { $0["value"] as? Double } == [0.5])
            }

            // Every experiment: E and F, by name; F's single run by hand.
            try await client.execute(
                uri: "/api/reports/experiments", method: .get, headers: bearer(fixture.profToken)
            ) { response in
                #expect(response.status == .ok, "\(String(buffer: response.body))")
                let reports = try #require(try Self.json(response)["experiments"] as? [[String: Any]])
                #expect(reports.map { $0["experiment"] as? String } == ["E", "F"])
                let f = try Self.lossSummary(try Self.run(reports[1], "r-f"))
                #expect(f["last"] as? Double == 7 && f["lastStep"] as? Int == 5)
                #expect(f["min"] as? Double == 7 && f["minStep"] as? Int == 5)
                let e = try Self.lossSummary(try Self.run(reports[0], "r-alice"))
                #expect(e["min"] as? Double == 2.5 && e["minStep"] as? Int == 1)
            }
        }
    }

    @Test func refusalsAndBadRequests() async throws {
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        try Self.logRuns(fixture.store)
        try await routerOnly(fixture).test(.router) { client in
            for uri in ["/api/experiments/E/report", "/api/reports/experiments"] {
                try await client.execute(
                    uri: uri, method: .get, headers: bearer("not-a-token")
                ) { response in
                    #expect(response.status == .unauthorized, "\(uri)")
                }
                try await client.execute(
                    uri: uri, method: .get, headers: bearer(fixture.aliceToken)
                ) { response in
                    #expect(response.status == .forbidden, "\(uri)")
                    #expect(errorMessage(response).contains("for instructors only"))
                }
            }
            let prof = bearer(fixture.profToken)
            try await client.execute(
                uri: "/api/experiments/nope/report", method: .get, headers: prof
            ) { response in
                #expect(response.status == .notFound)
                #expect(errorMessage(response).contains("nope"), "\(errorMessage(response))")
            }
            try await client.execute(
                uri: "/api/experiments/E/report?metric=ppl", method: .get, headers: prof
            ) { response in
                #expect(response.status == .badRequest)
                #expect(
                    errorMessage(response)
                        == "experiment 'E' has no metric 'ppl'; its metrics are acc, loss")
            }
            try await client.execute(
                uri: "/api/experiments/E/report?rank_by=loss.median", method: .get, headers: prof
            ) { response in
                #expect(response.status == .badRequest, "\(errorMessage(response))")
            }
        }
    }
}
