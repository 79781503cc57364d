// Verified runs over HTTP: ?verified=true limits an experiment's leaderboard to runs lmlab
// measured itself, and a submission's feedback lists its verified runs and notes.
import Foundation
import Hummingbird
import HummingbirdTesting
import Store
import TestSupport
import Testing
import Tracking

@testable import Server

@Suite struct VerifiedRunsAPITests {
    @Test func leaderboardAndFeedbackShowVerifiedRuns() async throws {
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        let store = fixture.store
        let lab = Fixture.defaultLabs[0].id
        let submission = try store.enqueue(
            student: "alice", lab: lab, filename: "quantize.py", content: Data("x".utf8),
            source: .http)
        // Given alice's verified run (perplexity 50) from that submission, a failed one with a
        // note, and bob's own logged claim of perplexity 1
        let verified = try store.startRun(
            RunStart(experiment: "q-verified", studentID: "alice", source: .verified))
        try store.logBatch(
            runID: verified.id,
            metrics: [
                MetricPoint(key: "perplexity", value: 50, step: 0),
                MetricPoint(key: "fp32_perplexity", value: 48, step: 0),
                MetricPoint(key: "bits_per_weight", value: 8.5, step: 0),
            ],
            tags: ["submission": "\(submission)", "kind": "quantize", "scheme": "q8_0"])
        try store.endRun(runID: verified.id)
        let failed = try store.startRun(
            RunStart(experiment: "q-verified", studentID: "alice", source: .verified))
        try store.logBatch(
            runID: failed.id,
            tags: ["submission": "\(submission)", "scheme": "q4_0", "note": "q4_0 quantizer not verified: x"])
        try store.endRun(runID: failed.id, status: .failed)
        let claim = try store.startRun(RunStart(experiment: "q-verified", studentID: "bob"))
        try store.logBatch(
            runID: claim.id, metrics: [MetricPoint(key: "perplexity", value: 1, step: 0)])

        try await routerOnly(fixture).test(.router) { client in
            // When the leaderboard is asked for with and without verified=true
            try await client.execute(
                uri: "/api/experiments/q-verified/leaderboard?metric=perplexity.last",
                method: .get, headers: bearer(fixture.aliceToken)
            ) { response in
                let body = try decode(ExperimentLeaderboardBody.self, response)
                // Bob's claimed run ranks first; alice sees her own run id only
                #expect(body.rows.map(\.runID) == [nil, verified.id])
                #expect(body.rows.map(\.value) == [JSONNumber(1), body.rows[1].value])
            }
            try await client.execute(
                uri: "/api/experiments/q-verified/leaderboard?metric=perplexity.last&verified=true",
                method: .get, headers: bearer(fixture.aliceToken)
            ) { response in
                #expect(response.status == .ok)
                let body = try decode(ExperimentLeaderboardBody.self, response)
                #expect(body.rows.map(\.runID) == [verified.id])
                #expect(body.whereFilter == "attributes.source = 'verified'")
            }
            // Then alice's submission feedback lists the verified run and the note
            try await client.execute(
                uri: "/api/submissions/\(submission)", method: .get,
                headers: bearer(fixture.aliceToken)
            ) { response in
                #expect(response.status == .ok)
                let body = try decode(SubmissionFeedback.self, response)
                #expect(
                    body.verifiedRuns == [
                        VerifiedRunSummary(
                            experiment: "q-verified", runID: verified.id, kind: "quantize",
                            scheme: "q8_0", perplexity: 50, basePerplexity: 48,
                            bitsPerWeight: 8.5)
                    ])
                #expect(body.verification == "q4_0 quantizer not verified: x")
            }
        }
    }
}
