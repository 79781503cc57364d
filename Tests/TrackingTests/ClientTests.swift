// The Python client against a stub server: batching, NaN, token, end on exit, and falling back
// to JSONL when the server is unreachable; then its offline file imports into the store.
import Foundation
import Store
import TestSupport
import Testing

@testable import Tracking

struct ClientTests {
    @Test func clientBatchesAndFallsBackToJSONL() throws {
        let output = try runOracle("tracking_client_check.py")
        #expect(String(decoding: output, as: UTF8.self).hasPrefix("ok"))
    }

    @Test func offlineFileImports() throws {
        let directory = try makeScratchDirectory("lmlab-client")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("runs.jsonl")
        // 2 runs × 250 points (loss = 1000 − step, NaN at step 0), params and an end each
        try runOracle("tracking_client_offline.py", [file.path, "nb", "2", "250", "0"])
        let store = try makeStore()
        let summary = try RunImport.importJSONL(
            try Data(contentsOf: file), into: store, student: "carol")
        #expect(summary.runs == ["nb-0", "nb-1"] && summary.metrics == 500)
        let run = try store.runDetails(id: "nb-1")
        #expect(run.run.status == .finished && run.run.studentID == "carol")
        #expect(run.params == ["lora_r": "1", "worker": "nb"])
        let s = try #require(run.summaries["loss"])
        #expect(s.count == 250 && s.nanCount == 1 && s.min == 751 && s.max == 999 && s.last == 751)
    }
}
