// Seeded fuzzing of the filter language (Tests/Fuzz/Corpus/filter): every mutated filter is
// refused with a TrackingError or runs as a search over a small store; SQLite never sees a
// query it refuses (too many joins, too deep), which would reach a student as a 500.
import Foundation
import Store
import TestSupport
import Testing

@testable import Tracking

@Suite struct FilterFuzzTests {
    @Test func everyMutatedFilterParsesAndRunsOrIsRefused() throws {
        let store = try makeStore()
        try loggedRun(
            store, "a1", params: ["lora_r": "8", "lr": "0.001", "r": "2"],
            metrics: series("eval_loss", [2.0, 1.5]) + series("loss", [0.001]),
            tags: ["note": "base run"])
        let report = Fuzz.run(
            corpus: try Fuzz.corpus("filter"), seed: 0x6669_6C74, iterations: 2_000,
            expected: { $0 is TrackingError || $0 is RunsError }
        ) { data in
            let text = String(decoding: data, as: UTF8.self)
            _ = try store.searchRuns(
                RunQuery(experiment: "lora", filter: text, orderBy: nil, limit: 10), now: at(10))
        }
        #expect(report.findings.isEmpty, "\(report.findings.prefix(3))")
        #expect(report.accepted >= 4 && report.inputs > 100)
    }
}
