// The verified quantizer leaderboard ranks each scheme on its own board: hand-built runs where
// a mixed board would rank students by their best scheme.
import Foundation
import Store
import TestSupport
import Testing
import Tracking

@testable import Service

@Suite struct SchemeLeaderboardTests {
    /// Verified perplexities: ada q8_0 10.0, q4_0 12.0; bob q8_0 11.0, q4_0 11.5.
    /// A mixed board (each student's best) would be ada 10.0, bob 11.0 and hide q4_0 entirely.
    /// By hand: q8_0 ada 10.0, bob 11.0; q4_0 bob 11.5, ada 12.0.
    func store() throws -> LabStore {
        let store = try LabStore.inMemory()
        try store.importRoster(csv: "id,name,email\nada,Ada,a@x.org\nbob,Bob,b@x.org\n")
        for (id, student, scheme, value) in [
            ("ada-q8", "ada", "q8_0", 10.0), ("ada-q4", "ada", "q4_0", 12.0),
            ("bob-q8", "bob", "q8_0", 11.0), ("bob-q4", "bob", "q4_0", 11.5),
        ] {
            try store.startRun(
                RunStart(experiment: "Q", runID: id, studentID: student, source: .verified))
            try store.logBatch(
                runID: id, params: ["scheme": scheme],
                metrics: [MetricPoint(key: "perplexity", value: value, step: 0)])
            try store.endRun(runID: id)
        }
        return store
    }

    @Test func runsOfTwoSchemesGetOneBoardEach() async throws {
        let client = LocalClient(store: try store())
        let boards = try await client.schemeLeaderboards(
            experiment: "Q", metric: "perplexity.last", ascending: true, where: nil,
            verified: true, names: true)
        #expect(boards.map(\.scheme) == ["q8_0", "q4_0"])
        #expect(boards.map { $0.rows.map(\.runID) } == [["ada-q8", "bob-q8"], ["bob-q4", "ada-q4"]])
        #expect(boards.map { $0.rows.map(\.value) } == [[10.0, 11.0], [11.5, 12.0]])
        #expect(boards.map { $0.rows.map(\.rank) } == [[1, 2], [1, 2]])
    }

    @Test func aGivenSchemeAndTheUsersFilterNarrowTheBoard() async throws {
        let client = LocalClient(store: try store())
        let q4 = try await client.schemeLeaderboards(
            experiment: "Q", metric: "perplexity.last", ascending: true,
            where: "metrics.perplexity.last > 11.6", verified: true, names: true, scheme: "q4_0")
        #expect(q4 == [SchemeLeaderboard(scheme: "q4_0", rows: q4.first?.rows ?? [])])
        #expect(q4.first?.rows.map(\.runID) == ["ada-q4"])
        #expect(throws: ServiceError.self) {
            try schemeFilter(nil, scheme: "q4_0' OR '1' = '1")
        }
    }

    @Test func runsOfOneSchemeKeepOneBoard() async throws {
        let store = try store()
        let client = LocalClient(store: store)
        let boards = try await client.schemeLeaderboards(
            experiment: "Q", metric: "perplexity.last", ascending: true,
            where: "params.scheme = 'q8_0'", verified: true, names: true)
        #expect(boards.map(\.scheme) == [nil])
        #expect(boards.first?.rows.map(\.runID) == ["ada-q8", "bob-q8"])
    }
}
