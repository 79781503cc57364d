// The experiment-tracking API through Hummingbird's router test client (batches, each error
// status, details, search, leaderboard), and the Python client against a live loopback server
// and, with the server stopped, through its JSONL file and RunImport.
import Foundation
import Hummingbird
import HummingbirdTesting
import Store
import TestSupport
import Testing
import Tracking

@testable import Server

/// POSTs `json` to /api/runs/batch as `token`.
private func postBatch(
    _ client: any TestClientProtocol, _ token: String?, _ json: String,
    _ check: @escaping (TestResponse) throws -> Void
) async throws {
    try await client.execute(
        uri: "/api/runs/batch", method: .post, headers: token.map(bearer) ?? [:],
        body: ByteBuffer(string: json)
    ) { try check($0) }
}

/// Hand-computed summary of one metric, as GET /api/runs/:id returns it.
private func summary(
    last: Double?, lastIsNaN: Bool = false, lastStep: Int64, min: Double?, minStep: Int64?,
    max: Double?, maxStep: Int64?, count: Int64, nanCount: Int64
) -> (Double?, Bool, Int64, Double?, Int64?, Double?, Int64?, Int64, Int64) {
    (last, lastIsNaN, lastStep, min, minStep, max, maxStep, count, nanCount)
}

private func fields(_ s: MetricSummaryBody)
    -> (Double?, Bool, Int64, Double?, Int64?, Double?, Int64?, Int64, Int64)
{
    (s.last?.value, s.lastIsNaN, s.lastStep, s.min?.value, s.minStep, s.max?.value, s.maxStep,
     s.count, s.nanCount)
}

private func same(
    _ a: (Double?, Bool, Int64, Double?, Int64?, Double?, Int64?, Int64, Int64),
    _ b: (Double?, Bool, Int64, Double?, Int64?, Double?, Int64?, Int64, Int64)
) -> Bool {
    a.0 == b.0 && a.1 == b.1 && a.2 == b.2 && a.3 == b.3 && a.4 == b.4 && a.5 == b.5
        && a.6 == b.6 && a.7 == b.7 && a.8 == b.8
}

@Suite struct RunsAPITests {
    @Test func batchesAreStoredAndReadBack() async throws {
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        try await routerOnly(fixture).test(.router) { client in
            // A start, params, tags and metrics with NaN and Infinity in one batch
            try await postBatch(
                client, fixture.aliceToken,
                #"""
                {"run_id": "a-1", "start": {"experiment": "lora sweep", "name": "r8",
                 "student": "bob", "time": 1700000000000},
                 "params": {"lora_r": 8, "lr": "0.0003"}, "tags": {"note": "first"},
                 "metrics": [{"key": "loss", "value": 2.5, "step": 0},
                             {"key": "loss", "value": "NaN", "step": 1},
                             {"key": "loss", "value": 1.25, "step": 2},
                             {"key": "loss", "value": 3, "step": 3},
                             {"key": "grad", "value": "Infinity", "step": 0}]}
                """#
            ) { response in
                #expect(response.status == .ok)
                let receipt = try decode(RunBatchReceipt.self, response)
                #expect(receipt == RunBatchReceipt(
                    runID: "a-1", status: "RUNNING", params: 2, metrics: 5, tags: 1))
            }
            // Then a NaN last point and the end
            try await postBatch(
                client, fixture.aliceToken,
                #"""
                {"run_id": "a-1", "metrics": [{"key": "loss", "value": "NaN", "step": 4}],
                 "end": {"status": "finished", "time": 1700000100000}}
                """#
            ) { response in
                #expect(response.status == .ok)
                let receipt = try decode(RunBatchReceipt.self, response)
                #expect(receipt.status == "FINISHED")
            }
            try await client.execute(
                uri: "/api/runs/a-1", method: .get, headers: bearer(fixture.aliceToken)
            ) { response in
                #expect(response.status == .ok)
                let details = try decode(RunDetailsBody.self, response)
                // The token's owner owns the run, whatever start.student said
                #expect(details.run.student == "alice")
                #expect(details.run.experiment == "lora sweep")
                #expect(details.run.status == "FINISHED")
                #expect(details.run.name == "r8")
                #expect(details.run.startTime == "2023-11-14T22:13:20Z")
                #expect(details.run.endTime == "2023-11-14T22:15:00Z")
                #expect(details.params == ["lora_r": "8", "lr": "0.0003"])
                #expect(details.tags == ["note": "first"])
                // loss: 2.5, NaN, 1.25, 3, NaN at steps 0…4 → last NaN at step 4, min 1.25
                // at step 2, max 3 at step 3, 5 points of which 2 NaN.
                let loss = try #require(details.metrics["loss"])
                #expect(same(fields(loss), summary(
                    last: nil, lastIsNaN: true, lastStep: 4, min: 1.25, minStep: 2, max: 3,
                    maxStep: 3, count: 5, nanCount: 2)), "\(loss)")
                // grad: one +∞ point → it is last, min and max
                let grad = try #require(details.metrics["grad"])
                #expect(same(fields(grad), summary(
                    last: .infinity, lastStep: 0, min: .infinity, minStep: 0, max: .infinity,
                    maxStep: 0, count: 1, nanCount: 0)), "\(grad)")
            }
            // The JSON itself spells the infinity as the protocol does
            try await client.execute(
                uri: "/api/runs/a-1", method: .get, headers: bearer(fixture.profToken)
            ) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains(#""max":"Infinity""#))
            }
        }
    }

    @Test func eachErrorHasItsStatus() async throws {
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        try await routerOnly(fixture).test(.router) { client in
            let start = #"{"run_id": "a-1", "start": {"experiment": "lora"}, "params": {"r": "8"}}"#
            try await postBatch(client, fixture.aliceToken, start) { #expect($0.status == .ok) }
            try await postBatch(client, nil, start) { response in
                #expect(response.status == .unauthorized)
                #expect(errorMessage(response).contains("missing API token"))
            }
            try await postBatch(client, "nope", start) { #expect($0.status == .unauthorized) }
            // 400: not JSON; a bad entry, named; a missing run_id
            try await postBatch(client, fixture.aliceToken, "{") { response in
                #expect(response.status == .badRequest)
                #expect(errorMessage(response).contains("not valid JSON"))
            }
            try await postBatch(
                client, fixture.aliceToken,
                #"{"run_id": "a-1", "metrics": [{"key": "l", "value": 1}, {"key": "l", "value": "x"}]}"#
            ) { response in
                #expect(response.status == .badRequest)
                #expect(errorMessage(response).contains("metrics[1].value"), "\(errorMessage(response))")
            }
            try await postBatch(
                client, fixture.aliceToken, #"{"run_id": "a-1", "params": {"bad key!": "1"}}"#
            ) { response in
                #expect(response.status == .badRequest)
                #expect(errorMessage(response).contains("params['bad key!']"))
            }
            try await postBatch(client, fixture.aliceToken, #"{"params": {}}"#) { response in
                #expect(response.status == .badRequest)
                #expect(errorMessage(response).contains("run_id"))
            }
            // 403: bob writes to alice's run; the message does not name her
            try await postBatch(
                client, fixture.bobToken, #"{"run_id": "a-1", "tags": {"x": "y"}}"#
            ) { response in
                #expect(response.status == .forbidden)
                #expect(!errorMessage(response).contains("alice"))
            }
            // 404: an unknown run without a start
            try await postBatch(
                client, fixture.aliceToken, #"{"run_id": "ghost", "tags": {"x": "y"}}"#
            ) { response in
                #expect(response.status == .notFound)
                #expect(errorMessage(response).contains("ghost"))
            }
            // 409: a param changed; the run reused in another experiment; logging after the end
            try await postBatch(
                client, fixture.aliceToken, #"{"run_id": "a-1", "params": {"r": "16"}}"#
            ) { response in
                #expect(response.status == .conflict)
                #expect(errorMessage(response).contains("param 'r'"))
            }
            try await postBatch(
                client, fixture.aliceToken, #"{"run_id": "a-1", "start": {"experiment": "other"}}"#
            ) { #expect($0.status == .conflict) }
            try await postBatch(
                client, fixture.aliceToken, #"{"run_id": "a-1", "end": {"status": "KILLED"}}"#
            ) { #expect($0.status == .ok) }
            try await postBatch(
                client, fixture.aliceToken, #"{"run_id": "a-1", "tags": {"x": "y"}}"#
            ) { response in
                #expect(response.status == .conflict)
                #expect(errorMessage(response).contains("KILLED"))
            }
            // 413: a body over 4 MiB, announced or not
            let big = #"{"run_id": "a-1", "tags": {"x": ""# + String(repeating: "y", count: 4 << 20)
                + #""}}"#
            try await postBatch(client, fixture.aliceToken, big) { response in
                #expect(response.status == .contentTooLarge)
                #expect(errorMessage(response).contains("4194304 bytes"))
            }
            // Nothing the rejected batches carried was stored
            let details = try fixture.store.runDetails(id: "a-1")
            #expect(details.params == ["r": "8"] && details.tags.isEmpty)
            // GET: bob cannot see alice's run (404, as for a missing one); prof can
            try await client.execute(
                uri: "/api/runs/a-1", method: .get, headers: bearer(fixture.bobToken)
            ) { #expect($0.status == .notFound) }
            try await client.execute(
                uri: "/api/runs/a-1", method: .get, headers: bearer(fixture.profToken)
            ) { response in
                #expect(response.status == .ok)
                let details = try decode(RunDetailsBody.self, response)
                #expect(details.run.status == "KILLED")
            }
            try await client.execute(uri: "/api/runs/a-1", method: .get) {
                #expect($0.status == .unauthorized)
            }
        }
    }

    @Test func searchAndLeaderboard() async throws {
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        // alice: r4 min 1.0 (a1), r8 min 0.5 (a2); bob: r8 min 0.8 (b1), r16 min 0.2 (b2)
        let runs: [(String, String, Int, [Double])] = [
            ("a1", "alice", 4, [2, 1]), ("a2", "alice", 8, [0.5, 0.9]),
            ("b1", "bob", 8, [0.8]), ("b2", "bob", 16, [3, 0.2]),
        ]
        for (id, student, r, losses) in runs {
            try fixture.store.startRun(RunStart(experiment: "sweep", runID: id, studentID: student))
            try fixture.store.logBatch(
                runID: id, params: ["r": "\(r)"],
                metrics: losses.enumerated().map {
                    MetricPoint(key: "eval_loss", value: $1, step: Int64($0))
                })
        }
        let pseudonyms = Dictionary(
            uniqueKeysWithValues: try fixture.store.students().map { ($0.id, $0.pseudonym) })
        try await routerOnly(fixture).test(.router) { client in
            // A student finds only their own runs; `+` in the query is a space
            let query = "filter=params.r+%3E%3D+8&order_by=metrics.eval_loss.min"
            try await client.execute(
                uri: "/api/experiments/sweep/runs?\(query)", method: .get,
                headers: bearer(fixture.aliceToken)
            ) { response in
                #expect(response.status == .ok)
                let body = try decode(RunSearchBody.self, response)
                #expect(body.runs.map(\.run.id) == ["a2"])
                #expect(body.runs.map(\.orderValues) == [[.number(0.5)]])
                #expect(body.filter == "params.r >= 8")
            }
            try await client.execute(
                uri: "/api/experiments/sweep/runs?\(query)&limit=2", method: .get,
                headers: bearer(fixture.profToken)
            ) { response in
                #expect(response.status == .ok)
                let body = try decode(RunSearchBody.self, response)
                #expect(body.runs.map(\.run.id) == ["b2", "a2"])
            }
            try await client.execute(
                uri: "/api/experiments/sweep/runs?filter=metrics.eval_loss.median%3C1",
                method: .get, headers: bearer(fixture.aliceToken)
            ) { response in
                #expect(response.status == .badRequest)
                #expect(errorMessage(response).contains("column 1"), "\(errorMessage(response))")
            }
            try await client.execute(
                uri: "/api/experiments/sweep/runs?limit=0", method: .get,
                headers: bearer(fixture.aliceToken)
            ) { #expect($0.status == .badRequest) }
            try await client.execute(
                uri: "/api/experiments/nope/runs", method: .get, headers: bearer(fixture.aliceToken)
            ) { #expect($0.status == .notFound) }

            // Leaderboard: one row per student, best run; pseudonyms; the filter applies
            try await client.execute(
                uri: "/api/experiments/sweep/leaderboard?metric=eval_loss.min&order=asc",
                method: .get, headers: bearer(fixture.aliceToken)
            ) { response in
                #expect(response.status == .ok)
                let body = try decode(ExperimentLeaderboardBody.self, response)
                // Alice sees her own run id, not Bob's (which would open his run to her)
                #expect(body.rows.map(\.runID) == [nil, "a2"])
                #expect(!String(buffer: response.body).contains("b2"))
                #expect(body.rows.map(\.value) == [JSONNumber(0.2), JSONNumber(0.5)])
                #expect(body.rows.map(\.step) == [1, 0])
                #expect(body.rows.map(\.name) == [pseudonyms["bob"], pseudonyms["alice"]])
                #expect(body.rows.allSatisfy { $0.student == nil })
            }
            try await client.execute(
                uri: "/api/experiments/sweep/leaderboard?metric=eval_loss.min&where=params.r%3C%3D8"
                    + "&names=true",
                method: .get, headers: bearer(fixture.profToken)
            ) { response in
                #expect(response.status == .ok)
                let body = try decode(ExperimentLeaderboardBody.self, response)
                #expect(body.rows.map(\.runID) == ["a2", "b1"])
                #expect(body.rows.map(\.student) == ["alice", "bob"])
                #expect(body.rows.map(\.name) == ["Alice Liddell", "Bob Dylan"])
            }
            try await client.execute(
                uri: "/api/experiments/sweep/leaderboard?metric=eval_loss.min&names=true",
                method: .get, headers: bearer(fixture.aliceToken)
            ) { #expect($0.status == .forbidden) }
            try await client.execute(
                uri: "/api/experiments/sweep/leaderboard", method: .get,
                headers: bearer(fixture.aliceToken)
            ) { #expect($0.status == .badRequest) }
            try await client.execute(
                uri: "/api/experiments/sweep/leaderboard?metric=eval_loss.min&order=up",
                method: .get, headers: bearer(fixture.aliceToken)
            ) { #expect($0.status == .badRequest) }
            try await client.execute(
                uri: "/api/experiments/nope/leaderboard?metric=eval_loss.min",
                method: .get, headers: bearer(fixture.aliceToken)
            ) { #expect($0.status == .notFound) }
        }
    }

    @Test func pythonClientAgainstLiveServerThenOffline() async throws {
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        let app = Application(
            router: buildRouter(testConfiguration(), store: fixture.store, workers: nil),
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            logger: quietLogger)
        let offline = fixture.directory.appendingPathComponent("offline.jsonl")
        let port = try await app.test(.live) { client in
            let port = try #require(client.port)
            let output = try await runClient(
                fixture, server: "http://127.0.0.1:\(port)", runID: "live-1", offline: offline)
            #expect(output.status == 0, "client failed: \(output.stderr)")
            return port
        }
        // What the client sent, stored exactly: params as text, the NaN counted, not ranked
        let live = try fixture.store.runDetails(id: "live-1")
        #expect(live.run.status == .finished && live.run.studentID == "alice")
        #expect(live.experiment == "live")
        #expect(live.params == ["lora_r": "8", "lr": "0.0003"])
        #expect(live.tags == ["note": "live"])
        #expect(!FileManager.default.fileExists(atPath: offline.path))
        checkClientSummary(try #require(live.summaries["loss"]))

        // The server is gone: the client falls back to the JSONL file, which imports
        let output = try await runClient(
            fixture, server: "http://127.0.0.1:\(port)", runID: "offline-1", offline: offline)
        #expect(output.status == 0, "client failed: \(output.stderr)")
        #expect(output.stderr.contains("server unreachable"))
        #expect(try fixture.store.run(id: "offline-1") == nil)
        let summary = try RunImport.importJSONL(
            try Data(contentsOf: offline), into: fixture.store, student: "alice")
        #expect(summary.runs == ["offline-1"] && summary.metrics == 5)
        let imported = try fixture.store.runDetails(id: "offline-1")
        #expect(imported.run.status == .finished && imported.run.studentID == "alice")
        #expect(imported.params == ["lora_r": "8", "lr": "0.0003"])
        checkClientSummary(try #require(imported.summaries["loss"]))
    }

    /// The client logs loss = 2.5, NaN, 1.25, 3.0, 0.75 at steps 0…4: last 0.75 at step 4,
    /// min 0.75 at step 4, max 3.0 at step 3, 5 points, 1 NaN.
    private func checkClientSummary(_ s: MetricSummaryRecord) {
        #expect(s.last == 0.75 && !s.lastIsNaN && s.lastStep == 4, "\(s)")
        #expect(s.min == 0.75 && s.minStep == 4, "\(s)")
        #expect(s.max == 3.0 && s.maxStep == 3, "\(s)")
        #expect(s.count == 5 && s.nanCount == 1, "\(s)")
    }

    /// Runs labs/client/lmlab_client.py in a python3 process, waiting without blocking a
    /// cooperative thread (the server's handlers need them).
    private func runClient(_ fixture: Fixture, server: String, runID: String, offline: URL)
        async throws -> (status: Int32, stderr: String)
    {
        let script = fixture.directory.appendingPathComponent("client_run.py")
        try """
            import sys
            sys.path.insert(0, sys.argv[1])
            from lmlab_client import Run
            server, token, run_id, out = sys.argv[2:6]
            with Run(server=server, token=token, experiment="live", run_id=run_id,
                     offline_path=out, student="bob", flush_every=3, timeout=600) as run:
                run.log_params({"lora_r": 8, "lr": 3e-4})
                run.set_tag("note", "live")
                for step, value in enumerate([2.5, float("nan"), 1.25, 3.0, 0.75]):
                    run.log_metric("loss", value, step)
            """.write(to: script, atomically: true, encoding: .utf8)
        let stderrURL = fixture.directory.appendingPathComponent("client_stderr_\(runID).txt")
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", script.path,
            repositoryRoot.appendingPathComponent("labs/client").path, server,
            fixture.aliceToken, runID, offline.path,
        ]
        var environment = ProcessInfo.processInfo.environment
        for name in ["http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy",
                     "ALL_PROXY"] { environment[name] = nil }
        environment["NO_PROXY"] = "127.0.0.1,localhost"
        environment["no_proxy"] = "127.0.0.1,localhost"
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: stderrURL)
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        let stderr = (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? ""
        return (status, stderr)
    }
}
