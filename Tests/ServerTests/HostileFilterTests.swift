// Filters a student could send to crash or overload the runs endpoints: tens of thousands of
// parentheses, hundreds of OR terms, more fields than SQLite can join. Each is a 400 naming the
// limit, with no SQL in it, and the daemon keeps answering; filters within the limits work.
import Foundation
import Hummingbird
import HummingbirdTesting
import Store
import Testing
import Tracking

@testable import Server

@Suite struct HostileFilterTests {
    private func encoded(_ filter: String) -> String {
        filter.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? filter
    }

    @Test func oversizedFiltersAreRefusedAndTheDaemonStaysUp() async throws {
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        // Given alice's run with eval_loss 0.5 and params p0 = 0 … p39 = 39
        try fixture.store.startRun(RunStart(experiment: "sweep", runID: "a1", studentID: "alice"))
        var params: [String: String] = [:]
        for i in 0..<40 { params["p\(i)"] = "\(i)" }
        try fixture.store.logBatch(
            runID: "a1", params: params,
            metrics: [MetricPoint(key: "eval_loss", value: 0.5, step: 0)])
        try await routerOnly(fixture).test(.router) { client in
            func search(_ filter: String) async throws -> (HTTPResponse.Status, String, String) {
                try await client.execute(
                    uri: "/api/experiments/sweep/runs?filter=\(encoded(filter))", method: .get,
                    headers: bearer(fixture.aliceToken)
                ) { ($0.status, errorMessage($0), String(buffer: $0.body)) }
            }
            func nested(_ depth: Int) -> String {
                String(repeating: "(", count: depth) + "metrics.eval_loss < 1"
                    + String(repeating: ")", count: depth)
            }
            // 20,000 parentheses (the SIGSEGV): refused by length, without recursing
            let (deep, deepMessage, _) = try await search(nested(20_000))
            #expect(deep == .badRequest)
            #expect(deepMessage.contains("at most 10000"), "\(deepMessage)")
            // 40 levels fit in the length but not the depth
            let (forty, fortyMessage, _) = try await search(nested(40))
            #expect(forty == .badRequest)
            #expect(fortyMessage.contains("nest more than 32 deep"), "\(fortyMessage)")
            // NOT counts as a level too
            let nots = String(repeating: "NOT ", count: 40) + "metrics.eval_loss < 1"
            #expect(try await search(nots).0 == .badRequest)
            // 32 levels are fine, and find the run
            let (ok, _, okBody) = try await search(nested(32))
            #expect(ok == .ok)
            #expect(okBody.contains("\"a1\""))
            // 300 OR terms (the 500 with SQL text): a 400 naming the limit, no SQL
            let terms = (0..<300).map { "metrics.eval_loss = \($0)" }.joined(separator: " OR ")
            let (many, manyMessage, manyBody) = try await search(terms)
            #expect(many == .badRequest)
            #expect(manyMessage.contains("more than 100 comparisons"), "\(manyMessage)")
            #expect(!manyBody.contains("SELECT") && !manyBody.contains("JOIN"))
            // 100 comparisons on the same field are within the limits and work
            let hundred = (0..<99).map { "metrics.eval_loss = \($0)" }.joined(separator: " OR ")
                + " OR metrics.eval_loss = 0.5"
            let (hundredStatus, _, hundredBody) = try await search(hundred)
            #expect(hundredStatus == .ok)
            #expect(hundredBody.contains("\"a1\""))
            // 33 distinct params would be 33 joins more than allowed; 32 are fine
            func params(_ n: Int) -> String {
                (0..<n).map { "params.p\($0) = '\($0)'" }.joined(separator: " AND ")
            }
            let (wide, wideMessage, _) = try await search(params(33))
            #expect(wide == .badRequest)
            #expect(wideMessage.contains("more than 32 different"), "\(wideMessage)")
            let (fits, _, fitsBody) = try await search(params(32))
            #expect(fits == .ok)
            #expect(fitsBody.contains("\"a1\""))
            // The leaderboard's filter has the same limits
            try await client.execute(
                uri: "/api/experiments/sweep/leaderboard?metric=eval_loss.min&where="
                    + encoded(nested(40)),
                method: .get, headers: bearer(fixture.aliceToken)
            ) { #expect($0.status == .badRequest) }
            // And the daemon still answers
            try await client.execute(uri: "/api/health", method: .get) {
                #expect($0.status == .ok)
            }
        }
    }
}
