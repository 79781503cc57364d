// Logging: hand-computed summaries over several batches (NaN included), immutable params,
// batches rejected whole, lifecycle (resume, end, dead), soft delete and gc, and an oracle.
import Foundation
import GRDB
import Store
import TestSupport
import Testing

@testable import Tracking

struct RunsLoggingTests {
    @Test func summariesAcrossBatchesByHand() throws {
        // Given a run and two batches of "loss": steps 0..3 then 2..4, one NaN at step 3
        let store = try makeStore()
        try store.startRun(RunStart(experiment: "lora", runID: "r1", studentID: "alice"), now: t0)
        try store.logBatch(
            runID: "r1", metrics: series("loss", [3.0, 2.5, 2.0, .nan]), now: at(1))
        try store.logBatch(
            runID: "r1", metrics: series("loss", [1.5, 4.0, 1.75], firstStep: 2), now: at(2))
        // Then: 7 points, 1 NaN; min 1.5 at step 2; max 4.0 at step 3; last = step 4 → 1.75
        let s = try #require(try store.runDetails(id: "r1").summaries["loss"])
        #expect(s.count == 7)
        #expect(s.nanCount == 1)
        #expect(s.min == 1.5 && s.minStep == 2)
        #expect(s.max == 4.0 && s.maxStep == 3)
        #expect(s.last == 1.75 && s.lastStep == 4 && !s.lastIsNaN)
        #expect(s.bestStep(lowerIsBetter: true) == 2)
        // And the NaN is stored flagged, with a NULL value
        let history = try store.metricHistory(runID: "r1", key: "loss")
        #expect(history.count == 7)
        #expect(history.filter(\.isNaN).map(\.step) == [3])
        #expect(history.first(where: \.isNaN)?.value == nil)
        // And the default timestamp is the batch's time in milliseconds
        #expect(history[0].timestamp == Int64(1_700_000_001_000))
    }

    @Test func lastIsNaNWhenTheGreatestStepIsNaN() throws {
        let store = try makeStore()
        try loggedRun(store, "r1", metrics: series("loss", [2.0, .nan]))
        let s = try #require(try store.runDetails(id: "r1").summaries["loss"])
        #expect(s.lastIsNaN && s.last == nil && s.lastStep == 1)
        #expect(s.min == 2.0 && s.max == 2.0 && s.count == 2 && s.nanCount == 1)
        // A later point at the same step replaces it as last.
        try store.logBatch(runID: "r1", metrics: [MetricPoint(key: "loss", value: 1, step: 1)])
        let t = try #require(try store.runDetails(id: "r1").summaries["loss"])
        #expect(!t.lastIsNaN && t.last == 1 && t.min == 1 && t.minStep == 1)
    }

    @Test func paramsAreImmutable() throws {
        let store = try makeStore()
        try loggedRun(store, "r1", params: ["lora_r": "8", "lr": "3e-4"])
        // Logging the same value again is fine
        try store.logBatch(runID: "r1", params: ["lora_r": "8"])
        // Another value is an error naming the key, and the whole batch is dropped
        #expect(throws: RunsError.paramChanged(key: "lora_r", old: "8", new: "16")) {
            try store.logBatch(
                runID: "r1", params: ["lora_r": "16", "alpha": "32"],
                metrics: series("loss", [1]))
        }
        let details = try store.runDetails(id: "r1")
        #expect(details.params == ["lora_r": "8", "lr": "3e-4"])
        #expect(details.summaries.isEmpty)
        // The numeric shadow column is set only for numbers
        let nums = try store.reader.read { db in
            try Row.fetchAll(db, sql: "SELECT key, num FROM params ORDER BY key")
                .map { ($0["key"] as String, $0["num"] as Double?) }
        }
        #expect(nums.map(\.0) == ["lora_r", "lr"])
        #expect(nums.map(\.1) == [8, 3e-4])
    }

    @Test func malformedBatchIsRejectedWholeNamingTheEntry() throws {
        let store = try makeStore()
        try loggedRun(store, "r1")
        var points = series("loss", [1, 2, 3])
        points.append(MetricPoint(key: "bad key!", value: 1, step: 0))
        #expect(throws: RunsError.self) {
            try store.logBatch(runID: "r1", metrics: points)
        }
        do {
            try store.logBatch(runID: "r1", metrics: points)
        } catch {
            #expect("\(error)".contains("metrics[3]"), "\(error)")
        }
        let tooMany = series("x", Array(repeating: 1, count: RunsLimits.maxMetricsPerBatch + 1))
        #expect(throws: RunsError.self) { try store.logBatch(runID: "r1", metrics: tooMany) }
        let count = try store.reader.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM metrics")
        }
        #expect(count == 0)
    }

    @Test func lifecycleResumeEndDead() throws {
        let store = try makeStore()
        try loggedRun(store, "r1", metrics: series("loss", [1]))
        let ended = try store.endRun(runID: "r1", status: .failed, now: at(10))
        #expect(ended.status == .failed && ended.endTime == at(10))
        #expect(throws: RunsError.runNotActive(id: "r1", status: .failed)) {
            try store.logBatch(runID: "r1", metrics: series("loss", [2]))
        }
        // Resuming with the same id makes it RUNNING again and keeps its history
        let resumed = try store.startRun(RunStart(experiment: "lora", runID: "r1"), now: at(20))
        #expect(resumed.status == .running && resumed.endTime == nil)
        #expect(resumed.startTime == t0)
        try store.logBatch(runID: "r1", metrics: series("loss", [0.5], firstStep: 1), now: at(30))
        #expect(try store.runDetails(id: "r1").summaries["loss"]?.count == 2)
        // Another experiment or another student cannot take it over
        #expect(throws: RunsError.runInOtherExperiment(id: "r1", experiment: "lora")) {
            try store.startRun(RunStart(experiment: "other", runID: "r1"))
        }
        #expect(throws: RunsError.notYourRun(id: "r1", student: "alice")) {
            try store.logBatch(runID: "r1", metrics: series("loss", [1]), student: "bob")
        }
        // Dead: RUNNING with a heartbeat older than the timeout
        let run = try #require(try store.run(id: "r1"))
        #expect(run.heartbeatAt == at(30))
        #expect(!run.isDead(now: at(30 + 600)))
        #expect(run.isDead(now: at(30 + 601)))
        #expect(throws: RunsError.invalidRunID("no spaces")) {
            try store.startRun(RunStart(experiment: "lora", runID: "no spaces"))
        }
    }

    @Test func softDeleteRestoreAndGC() throws {
        let store = try makeStore()
        try loggedRun(store, "r1", params: ["a": "1"], metrics: series("loss", [1, 2]))
        try loggedRun(store, "r2", metrics: series("loss", [3]))
        try store.deleteRun(id: "r1", now: at(5))
        #expect(try store.searchRuns(RunQuery(experiment: "lora")).map(\.run.id) == ["r2"])
        try store.restoreRun(id: "r1")
        #expect(Set(try store.searchRuns(RunQuery(experiment: "lora")).map(\.run.id)) == ["r1", "r2"])
        try store.deleteRun(id: "r1", now: at(5))
        #expect(try store.collectDeletedRuns() == 1)
        let left = try store.reader.read { db in
            try [
                "runs", "params", "metrics", "metric_summaries",
            ].map { try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \($0)") ?? -1 }
        }
        #expect(left == [1, 0, 1, 1])
        #expect(throws: RunsError.unknownRun("r1")) { try store.restoreRun(id: "r1") }
    }

    @Test func randomBatchesMatchThePythonOracle() throws {
        // Given 3 keys × random steps (repeats, out of order) and ~10% NaN, in 6 batches
        var rng = SplitMix(seed: 42)
        var points: [MetricPoint] = []
        for _ in 0..<600 {
            let key = ["loss", "acc", "eval_loss"][Int(rng.next() % 3)]
            let value = rng.next() % 10 == 0 ? Double.nan : Double(rng.next() % 1000) / 100
            points.append(MetricPoint(key: key, value: value, step: Int64(rng.next() % 50)))
        }
        let store = try makeStore()
        try loggedRun(store, "r1")
        for chunk in stride(from: 0, to: points.count, by: 100) {
            try store.logBatch(runID: "r1", metrics: Array(points[chunk..<chunk + 100]))
        }
        // When the oracle folds the same points in the same order
        let input = try JSONSerialization.data(withJSONObject: [
            "points": points.map {
                ["key": $0.key, "step": $0.step, "value": $0.value.isNaN ? "NaN" : $0.value] as [String: Any]
            }
        ])
        let output = try runOracle("tracking_summaries.py", input: input)
        let expected = try #require(
            try JSONSerialization.jsonObject(with: output) as? [String: [String: Any]])
        // Then every summary field agrees
        let summaries = try store.runDetails(id: "r1").summaries
        #expect(Set(summaries.keys) == Set(expected.keys))
        for (key, e) in expected {
            let s = try #require(summaries[key])
            #expect(s.count == e["count"] as? Int64 ?? Int64(e["count"] as? Int ?? -1), "\(key)")
            #expect(s.nanCount == Int64(e["nan_count"] as? Int ?? -1), "\(key)")
            #expect(s.min == e["min"] as? Double && s.max == e["max"] as? Double, "\(key)")
            #expect(s.minStep == Int64(e["min_step"] as? Int ?? -1), "\(key)")
            #expect(s.maxStep == Int64(e["max_step"] as? Int ?? -1), "\(key)")
            #expect(s.lastStep == Int64(e["last_step"] as? Int ?? -1), "\(key)")
            if e["last"] as? String == "NaN" {
                #expect(s.lastIsNaN, "\(key)")
            } else {
                #expect(s.last == e["last"] as? Double, "\(key): \(String(describing: s.last))")
            }
        }
    }
}

/// A small deterministic generator (SplitMix64) for reproducible random fixtures.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
