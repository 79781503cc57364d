// Filtered experiment leaderboards against a brute force over the test's own data, both ways
// the filter is evaluated: per run (chunks of pks) and for the whole experiment at once (a
// bitmap from index scans), on random runs with params, tags, metrics, NaN and missing fields.
import Foundation
import Store
import Testing

@testable import Tracking

struct LeaderboardFilterCrossCheckTests {
    /// One logged run: its fields (as `MemoryRun`, whose `matches` is the test's own filter
    /// evaluation) and where it belongs.
    struct Logged {
        var run: MemoryRun
        var experiment: String
        var owner: String?
        var deleted: Bool
    }

    /// The brute force: per student, the best run matching `filter` by `aggregate` of loss
    /// (ties: created first; NaN ignored by min/max, a NaN last has no value), ranked.
    static func expected(
        _ runs: [Logged], filter: FilterExpression, aggregate: String, ascending: Bool
    ) -> [(id: String, student: String, value: Double)] {
        var best: [String: (index: Int, value: Double)] = [:]
        for (index, logged) in runs.enumerated() {
            guard logged.experiment == "lora", !logged.deleted, let student = logged.owner,
                student != "prof", logged.run.matches(filter),
                let values = logged.run.metrics["loss"]
            else { continue }
            let finite = values.filter { !$0.isNaN }
            let value: Double?
            switch aggregate {
            case "min": value = finite.min()
            case "max": value = finite.max()
            default: value = values.last.flatMap { $0.isNaN ? nil : $0 }
            }
            guard let value else { continue }
            if let current = best[student] {
                let better = ascending ? value < current.value : value > current.value
                if !better { continue }
            }
            best[student] = (index, value)
        }
        return best.sorted { a, b in
            if a.value.value != b.value.value {
                return ascending ? a.value.value < b.value.value : a.value.value > b.value.value
            }
            return a.value.index < b.value.index
        }.map { (runs[$0.value.index].run.id, $0.key, $0.value.value) }
    }

    @Test(arguments: [11, 12])
    func bothFilterPathsMatchBruteForce(seed: UInt64) throws {
        var rng = SplitMix(seed: seed)
        let store = try makeStore()
        // Many students, so whole students fail a filter; prof is an instructor, nil no one.
        let owners: [String?] = (0..<14).map { "s\($0)" } + ["prof", nil]
        var runs: [Logged] = []
        for i in 0..<400 {
            let owner = owners[Int(rng.next() % UInt64(owners.count))]
            var run = MemoryRun(id: String(format: "run%03d", i), student: owner ?? "")
            // Students s0–s4 only ever use small ranks, s5–s9 large ones: filters on lora_r
            // leave some students with no matching run at all.
            let index = Int(owner.flatMap { Int($0.dropFirst()) } ?? 0)
            let ranks = index < 5 ? ["2", "4", "8", "8.0"] : index < 10 ? ["16", "32", "x"] : ["4", "32"]
            if rng.next() % 7 != 0 { run.params["lora_r"] = ranks[Int(rng.next() % UInt64(ranks.count))] }
            if rng.next() % 3 != 0 { run.params["opt"] = ["adam", "sgd", "Adam"][Int(rng.next() % 3)] }
            if rng.next() % 2 == 0 { run.tags["verified"] = rng.next() % 3 == 0 ? "true" : "false" }
            for key in ["loss", "acc"] where rng.next() % 8 != 0 {
                run.metrics[key] = (0..<(1 + Int(rng.next() % 4))).map { _ in
                    rng.next() % 9 == 0 ? .nan : Double(rng.next() % 12) / 4  // ties are common
                }
            }
            let logged = Logged(
                run: run, experiment: rng.next() % 6 == 0 ? "other" : "lora", owner: owner,
                deleted: rng.next() % 15 == 0)
            try store.startRun(
                RunStart(experiment: logged.experiment, runID: run.id, studentID: owner),
                now: at(Double(i)))
            try store.logBatch(
                runID: run.id, params: run.params,
                metrics: run.metrics.sorted { $0.key < $1.key }.flatMap { series($0.key, $0.value) },
                tags: run.tags, now: at(Double(i)))
            if logged.deleted { try store.deleteRun(id: run.id, now: at(Double(i))) }
            runs.append(logged)
        }
        let filters = [
            "params.lora_r <= 8",
            "params.lora_r >= 32",
            "params.lora_r = 8",
            "params.lora_r != 4",
            "params.lora_r in (2, 32) or tags.verified = 'true'",
            "params.lora_r not in ('4') and metrics.acc.min > 1",
            "params.lora_r >= 'x'",
            "params.lora_r like '1%'",
            "not params.lora_r <= 8",
            "not (params.opt = 'adam' or tags.verified != 'true')",
            "params.opt ILIKE 'a%' and not params.opt LIKE 'a%'",
            "metrics.loss.min < 1 and params.lora_r > 4",
            "not metrics.loss.last < 2",
            "attributes.student in ('s1', 's6', 'prof') or metrics.acc.max >= 2.5",
            "tags.verified = 'true'",
        ]
        var compared = 0
        for filter in filters {
            let expression = try FilterParser.parse(filter)
            for aggregate in ["min", "max", "last"] {
                for ascending in [true, false] {
                    let want = Self.expected(
                        runs, filter: expression, aggregate: aggregate, ascending: ascending)
                    for bulkAfter in [0, Int.max] {
                        let got = try store.experimentLeaderboard(
                            experiment: "lora", metric: "loss.\(aggregate)", ascending: ascending,
                            where: filter, includeNames: true, now: at(0), bulkAfter: bulkAfter)
                        let label = "\(filter) | loss.\(aggregate) \(ascending ? "asc" : "desc")"
                            + " | \(bulkAfter == 0 ? "bitmap" : "per run")"
                        #expect(
                            got.map(\.runID) == want.map(\.id),
                            "\(label): got \(got.map(\.runID)), want \(want.map(\.id))")
                        #expect(got.map(\.studentID) == want.map(\.student), "\(label): students")
                        #expect(got.map(\.value) == want.map(\.value), "\(label): values")
                    }
                    compared += want.count
                }
            }
        }
        #expect(compared > 300, "too few rows compared (\(compared)): the data is degenerate")
    }

    @Test func sparseRunsOfAnExperimentMatchBruteForce() throws {
        // 33 runs of "lora" spread over 1,300 runs: its pk range is too sparse for the dense
        // run map, so the bitmap's slots come from the dictionary instead.
        var rng = SplitMix(seed: 5)
        let store = try makeStore()
        var runs: [Logged] = []
        for i in 0..<1_300 {
            let id = String(format: "run%04d", i)
            guard i % 40 == 0 else {
                try store.startRun(RunStart(experiment: "other", runID: id), now: at(Double(i)))
                continue
            }
            let owner = ["s1", "s2", "s3", "s4"][Int(rng.next() % 4)]
            var run = MemoryRun(id: id, student: owner)
            run.params["lora_r"] = ["2", "8", "32"][Int(rng.next() % 3)]
            run.metrics["loss"] = [Double(rng.next() % 8) / 2]
            try loggedRun(
                store, id, student: owner, params: run.params,
                metrics: series("loss", run.metrics["loss"] ?? []), start: Double(i))
            runs.append(Logged(run: run, experiment: "lora", owner: owner, deleted: false))
        }
        for filter in ["params.lora_r <= 8", "not params.lora_r = 8", "params.lora_r > 100"] {
            let want = Self.expected(
                runs, filter: try FilterParser.parse(filter), aggregate: "min", ascending: true)
            for bulkAfter in [0, Int.max] {
                let got = try store.experimentLeaderboard(
                    experiment: "lora", metric: "loss.min", ascending: true, where: filter,
                    includeNames: true, now: at(0), bulkAfter: bulkAfter)
                let path = bulkAfter == 0 ? "bitmap" : "per run"
                #expect(
                    got.map(\.runID) == want.map(\.id),
                    "\(filter) | \(path): got \(got.map(\.runID)), want \(want.map(\.id))")
            }
        }
    }
}
