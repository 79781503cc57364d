// `lmlab leaderboard --experiment` over a live daemon: the remote rows equal the local ones of
// the same store, and the ranking is checked by hand (verified-only included).
import Foundation
import Store
import TestSupport
import Testing
import Tracking

@testable import Service

@Suite struct RemoteExperimentLeaderboardTests {
    @Test func remoteRowsEqualLocalRowsAndTheHandRanking() async throws {
        // Experiment "Q", metric perplexity (one point each):
        // alice: logged 10.0, verified 12.0; bob: verified 11.0; carol: logged 9.0.
        // All runs, lower first: carol 9, alice 10, bob 11. Verified only: bob 11, alice 12.
        let store = try LabStore.inMemory()
        try store.importRoster(
            csv: "id,name,email\nalice,Alice A,a@x.org\nbob,Bob B,b@x.org\ncarol,Carol C,c@x.org\n")
        try store.addStudent(id: "prof", name: "Prof", isInstructor: true)
        for (id, student, source, value) in [
            ("a-logged", "alice", RunSource.logged, 10.0), ("a-verified", "alice", .verified, 12),
            ("b-verified", "bob", .verified, 11), ("c-logged", "carol", .logged, 9),
        ] {
            try store.startRun(
                RunStart(experiment: "Q", runID: id, studentID: student, source: source))
            try store.logBatch(
                runID: id, metrics: [MetricPoint(key: "perplexity", value: value, step: 0)])
            try store.endRun(runID: id)
        }
        let token = try store.issueToken(studentID: "prof")
        let local = LocalClient(store: store)
        try await withLiveServer(store: store) { url in
            let remote = try RemoteClient(server: url, token: token, timeout: liveServerTimeout)
            for verified in [false, true] {
                let remoteRows = try await remote.experimentLeaderboard(
                    experiment: "Q", metric: "perplexity.last", ascending: true, where: nil,
                    verified: verified, names: true)
                let localRows = try await local.experimentLeaderboard(
                    experiment: "Q", metric: "perplexity.last", ascending: true, where: nil,
                    verified: verified, names: true)
                #expect(remoteRows == localRows)
                let expected =
                    verified
                    ? [("bob", "b-verified", 11.0), ("alice", "a-verified", 12)]
                    : [("carol", "c-logged", 9.0), ("alice", "a-logged", 10), ("bob", "b-verified", 11)]
                #expect(remoteRows.map(\.studentID) == expected.map(\.0))
                #expect(remoteRows.map(\.runID) == expected.map(\.1))
                #expect(remoteRows.map(\.value) == expected.map(\.2))
                #expect(remoteRows.map(\.rank) == Array(1...expected.count))
            }
            // A filter travels too (quotes, spaces, '='): only alice's logged run is 10.
            let filtered = try await remote.experimentLeaderboard(
                experiment: "Q", metric: "perplexity.last", ascending: false,
                where: "attributes.run_id = 'a-logged'", verified: false, names: false)
            #expect(filtered.map(\.runID) == ["a-logged"])
        }
    }
}
