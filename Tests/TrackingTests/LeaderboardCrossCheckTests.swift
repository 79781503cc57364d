// The experiment leaderboard against a brute force over the data the test itself generated:
// random runs (ties, NaN, deleted runs, runs lacking the metric, instructors, runs without a
// student, a second experiment), every aggregate, both orders, with and without a filter.
import Foundation
import Store
import Testing

@testable import Tracking

struct LeaderboardCrossCheckTests {
    /// What the test logged for one run, in creation order.
    struct Logged {
        var id: String
        var experiment: String
        var student: String?
        var r: Int
        var values: [Double]  // at steps 0, 1, 2, …
        var deleted: Bool
    }

    /// SplitMix64: a seeded generator, so a failure can be replayed.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// The brute force: per student, the best qualifying run (ties: created first), ranked.
    static func expected(
        _ runs: [Logged], experiment: String, aggregate: String, ascending: Bool,
        rAtMost: Int?
    ) -> [(id: String, student: String, value: Double, step: Int64)] {
        var best: [String: (index: Int, value: Double, step: Int64)] = [:]
        for (index, run) in runs.enumerated() {
            guard run.experiment == experiment, !run.deleted, let student = run.student,
                student != "prof", run.r <= (rAtMost ?? .max), !run.values.isEmpty
            else { continue }
            var value: Double? = nil
            var step: Int64 = 0
            switch aggregate {
            case "last":
                let last = run.values[run.values.count - 1]
                if !last.isNaN {
                    value = last
                    step = Int64(run.values.count - 1)
                }
            default:
                // The first step reaching the extreme, NaN ignored.
                for (s, x) in run.values.enumerated() where !x.isNaN {
                    if let v = value, aggregate == "min" ? x >= v : x <= v { continue }
                    value = x
                    step = Int64(s)
                }
            }
            guard let value else { continue }
            if let current = best[student] {
                let better = ascending ? value < current.value : value > current.value
                if !better { continue }  // equal: the earlier run stays
            }
            best[student] = (index, value, step)
        }
        struct Entry {
            var id: String
            var student: String
            var value: Double
            var step: Int64
            var index: Int
        }
        var entries: [Entry] = []
        for (student, b) in best {
            entries.append(
                Entry(id: runs[b.index].id, student: student, value: b.value, step: b.step,
                      index: b.index))
        }
        entries.sort { a, b in
            if a.value != b.value { return ascending ? a.value < b.value : a.value > b.value }
            return a.index < b.index
        }
        return entries.map { ($0.id, $0.student, $0.value, $0.step) }
    }

    @Test(arguments: [1, 2, 3])
    func matchesBruteForce(seed: UInt64) throws {
        var rng = SplitMix(state: seed)
        let store = try makeStore()
        // dave is not on the roster: he still ranks, under his derived pseudonym.
        let students: [String?] = ["alice", "bob", "carol", "dave", "prof", nil]
        // Few distinct values, so ties are common; NaN now and then.
        let palette: [Double] = [0.5, 1, 1.5, 2, 2.5, 3, -1, .nan]
        var runs: [Logged] = []
        for i in 0..<240 {
            let run = Logged(
                id: "run\(i)", experiment: Int.random(in: 0..<5, using: &rng) == 0 ? "other" : "lora",
                student: students.randomElement(using: &rng)!,
                r: [2, 4, 8, 16].randomElement(using: &rng)!,
                values: (0..<Int.random(in: 0...4, using: &rng)).map { _ in
                    palette.randomElement(using: &rng)!
                },
                deleted: Int.random(in: 0..<12, using: &rng) == 0)
            try store.startRun(
                RunStart(experiment: run.experiment, runID: run.id, studentID: run.student),
                now: at(Double(i)))
            try store.logBatch(
                runID: run.id, params: ["r": "\(run.r)"], metrics: series("loss", run.values),
                now: at(Double(i)))
            if run.deleted { try store.deleteRun(id: run.id, now: at(Double(i))) }
            runs.append(run)
        }
        var checked = 0
        for aggregate in ["min", "max", "last"] {
            for ascending in [true, false] {
                for rAtMost in [nil, 4] as [Int?] {
                    let want = Self.expected(
                        runs, experiment: "lora", aggregate: aggregate, ascending: ascending,
                        rAtMost: rAtMost)
                    let got = try store.experimentLeaderboard(
                        experiment: "lora", metric: "loss.\(aggregate)", ascending: ascending,
                        where: rAtMost.map { "params.r <= \($0)" }, includeNames: true,
                        now: at(0))
                    let label = "loss.\(aggregate) \(ascending ? "asc" : "desc") r<=\(rAtMost ?? 0)"
                    #expect(got.map(\.runID) == want.map(\.id), "\(label): run ids")
                    #expect(got.map(\.studentID) == want.map(\.student), "\(label): students")
                    #expect(got.map(\.value) == want.map(\.value), "\(label): values")
                    #expect(got.map(\.step) == want.map(\.step), "\(label): steps")
                    #expect(got.map(\.rank) == (0..<want.count).map { $0 + 1 }, "\(label): ranks")
                    checked += want.count
                }
            }
        }
        #expect(checked > 40, "too few rows compared (\(checked)): the data is degenerate")
        // Pseudonyms by default: the roster's for alice, the derived one for dave.
        let plain = try store.experimentLeaderboard(
            experiment: "lora", metric: "loss.min", ascending: true, now: at(0))
        let pseudonyms = Dictionary(
            uniqueKeysWithValues: try store.students().map { ($0.id, $0.pseudonym) })
        let named = try store.experimentLeaderboard(
            experiment: "lora", metric: "loss.min", ascending: true, includeNames: true,
            now: at(0))
        #expect(
            plain.map(\.displayName)
                == named.map { pseudonyms[$0.studentID ?? ""] ?? Pseudonym.make(id: $0.studentID ?? "") })
        #expect(plain.allSatisfy { $0.studentID == nil })
    }

    @Test func unknownExperimentAndBadMetric() throws {
        let store = try makeStore()
        try loggedRun(store, "a1", metrics: series("loss", [1]))
        #expect(throws: RunsError.unknownExperiment("nope")) {
            try store.experimentLeaderboard(experiment: "nope", metric: "loss", ascending: true)
        }
        #expect(throws: TrackingError.self) {
            try store.experimentLeaderboard(
                experiment: "lora", metric: "loss.median", ascending: true)
        }
        #expect(
            try store.experimentLeaderboard(experiment: "lora", metric: "acc", ascending: true)
                .isEmpty)
    }
}
