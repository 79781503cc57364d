// Shared fixtures for the tracking tests: fixed instants and a store with a roster.
import Foundation
import Store
import Testing

/// A fixed instant; tests add whole seconds.
let t0 = Date(timeIntervalSince1970: 1_700_000_000)

func at(_ seconds: TimeInterval) -> Date { t0.addingTimeInterval(seconds) }

/// An in-memory store with students alice, bob, carol and an instructor, prof.
func makeStore() throws -> LabStore {
    let store = try LabStore.inMemory()
    try store.importRoster(
        csv: """
            id,name,email
            alice,Alice Martin,alice@uni.example
            bob,Bob Chen,bob@uni.example
            carol,Carol Diaz,carol@uni.example
            """, now: t0)
    try store.addStudent(id: "prof", name: "Prof. Ada", isInstructor: true, now: t0)
    return store
}

/// Starts run `id` in `experiment` for `student` and logs `params`, `metrics` and `tags`.
@discardableResult
func loggedRun(
    _ store: LabStore, _ id: String, experiment: String = "lora", student: String? = "alice",
    params: [String: String] = [:], metrics: [MetricPoint] = [], tags: [String: String] = [:],
    start: TimeInterval = 0
) throws -> RunRecord {
    let run = try store.startRun(
        RunStart(experiment: experiment, runID: id, studentID: student), now: at(start))
    try store.logBatch(runID: id, params: params, metrics: metrics, tags: tags, now: at(start + 1))
    return run
}

/// Points of one metric at steps 0, 1, 2, …
func series(_ key: String, _ values: [Double], firstStep: Int64 = 0) -> [MetricPoint] {
    values.enumerated().map { MetricPoint(key: key, value: $1, step: firstStep + Int64($0)) }
}
