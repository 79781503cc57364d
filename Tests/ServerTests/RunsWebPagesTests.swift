// My runs, a run's page (params, metrics, curves) and the leaderboards as pages, through the
// router: the rows are the seeded runs' own facts (the best loss per student worked out by hand),
// pseudonyms only, a student never reaches another's run, and what a student typed (a run
// name, a param) is text in the page, never markup.
import Foundation
import Hummingbird
import HummingbirdTesting
import Store
import Testing
import Tracking

@testable import Server

@Suite struct RunsWebPagesTests {
    static let script = "<script>alert(1)</script>"

    /// alice: a1 (r=4, losses 2 → 1), a2 (r=8, 0.5 → 0.9, named with a script); bob: b1 (r=8,
    /// 0.8). Best eval_loss.min: alice 0.5 (a2), bob 0.8 (b1).
    static func seed(_ fixture: Fixture) throws {
        let runs: [(String, String, String?, Int, [Double])] = [
            ("a1", "alice", "first try", 4, [2, 1]), ("a2", "alice", script, 8, [0.5, 0.9]),
            ("b1", "bob", "bob's run", 8, [0.8]),
        ]
        for (id, student, name, r, losses) in runs {
            try fixture.store.startRun(
                RunStart(experiment: "sweep", runID: id, studentID: student, name: name))
            try fixture.store.logBatch(
                runID: id, params: ["r": "\(r)", "note": script],
                metrics: losses.enumerated().map {
                    MetricPoint(key: "eval_loss", value: $1, step: Int64($0))
                })
        }
    }

    func app(_ fixture: Fixture) -> some ApplicationProtocol {
        buildApplication(
            testConfiguration(), grader: ThreeVisibilitiesGrader(), store: fixture.store,
            logger: quietLogger)
    }

    @Test func myRunsAndARunsPageShowTheStudentsOwnRuns() async throws {
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        try Self.seed(fixture)
        try await app(fixture).test(.router) { client in
            let alice = try #require(try await WebPagesTests.signIn(client, token: fixture.aliceToken))
            let list = WebPagesTests.html(try await WebPagesTests.get(client, "/runs", session: alice))
            #expect(list.contains(#"href="/runs/a1""#) && list.contains(#"href="/runs/a2""#))
            #expect(!list.contains("/runs/b1") && !list.contains("bob&#39;s run"))
            #expect(list.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
            #expect(!list.contains(Self.script))

            let page = try await WebPagesTests.get(client, "/runs/a1", session: alice)
            #expect(page.status == .ok)
            let html = WebPagesTests.html(page)
            #expect(html.contains("first try") && html.contains("sweep"))
            // The param table, the summary (last 1, min 1, max 2, 2 points) and one curve.
            #expect(html.contains(#"<th scope="row">r</th><td>4</td>"#))
            #expect(html.contains("<td>1</td><td>1</td><td>2</td><td>2</td>"))
            #expect(html.components(separatedBy: "<svg").count - 1 == 1)
            #expect(html.contains("&lt;script&gt;") && !html.contains(Self.script))
            // The run whose name is a script: escaped in the heading and title too.
            let named = WebPagesTests.html(try await WebPagesTests.get(client, "/runs/a2", session: alice))
            #expect(!named.contains(Self.script) && named.contains("Run &lt;script&gt;"))

            // Bob's run is missing for alice; the instructor opens it.
            let other = try await WebPagesTests.get(client, "/runs/b1", session: alice)
            #expect(other.status == .notFound && !WebPagesTests.html(other).contains("bob"))
            let prof = try #require(try await WebPagesTests.signIn(client, token: fixture.profToken))
            #expect(try await WebPagesTests.get(client, "/runs/b1", session: prof).status == .ok)
            // No session: to the sign-in page.
            let anonymous = try await WebPagesTests.get(client, "/runs", session: nil)
            #expect(anonymous.status == .seeOther && anonymous.headers[.location] == "/sign-in")
        }
    }

    @Test func leaderboardsRankUnderPseudonymsAndMarkTheViewer() async throws {
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        try Self.seed(fixture)
        let pseudonym = Dictionary(
            uniqueKeysWithValues: try fixture.store.students().map { ($0.id, $0.pseudonym) })
        try await app(fixture).test(.router) { client in
            let alice = try #require(try await WebPagesTests.signIn(client, token: fixture.aliceToken))
            let index = WebPagesTests.html(
                try await WebPagesTests.get(client, "/leaderboards", session: alice))
            #expect(index.contains(#"href="/experiments/sweep/leaderboard""#))
            #expect(index.contains(#"href="/labs/attention/leaderboard""#))

            // The default metric is the loss's minimum; alice 0.5 ranks above bob 0.8.
            let board = WebPagesTests.html(try await WebPagesTests.get(
                client, "/experiments/sweep/leaderboard", session: alice))
            let a = try #require(pseudonym["alice"]), b = try #require(pseudonym["bob"])
            let rowA = try #require(board.range(of: a)), rowB = try #require(board.range(of: b))
            #expect(rowA.lowerBound < rowB.lowerBound)
            #expect(board.contains("<td>0.5</td>") && board.contains("<td>0.8</td>"))
            #expect(board.contains(#"class="you""#))
            // Her own row links to her run; bob's does not, and no real name shows.
            #expect(board.contains(#"href="/runs/a2""#) && !board.contains("/runs/b1"))
            #expect(!board.contains("Bob Dylan"))
            // Highest first by the last value: alice's best is a1's last (1; a2 ends at 0.9),
            // bob's b1 ends at 0.8.
            let last = WebPagesTests.html(try await WebPagesTests.get(
                client, "/experiments/sweep/leaderboard?metric=eval_loss.last&order=desc",
                session: alice))
            #expect(last.contains("<td>1</td>") && !last.contains("<td>0.9</td>"))
            #expect(try #require(last.range(of: a)).lowerBound < (try #require(last.range(of: b))).lowerBound)
            // Verified runs only: none of these runs is verified.
            let verified = WebPagesTests.html(try await WebPagesTests.get(
                client, "/experiments/sweep/leaderboard?verified=1", session: alice))
            #expect(verified.contains("among the verified runs") && !verified.contains("<td>0.5</td>"))
            // A metric that is not one: the parser's message, 400.
            let bad = try await WebPagesTests.get(
                client, "/experiments/sweep/leaderboard?metric=eval_loss.median", session: alice)
            #expect(bad.status == .badRequest)
            let unknown = try await WebPagesTests.get(
                client, "/experiments/nope/leaderboard", session: alice)
            #expect(unknown.status == .notFound)
            let lab = try await WebPagesTests.get(client, "/labs/attention/leaderboard", session: alice)
            #expect(lab.status == .ok && WebPagesTests.html(lab).contains(a))
            #expect(try await WebPagesTests.get(client, "/labs/nope/leaderboard", session: alice)
                .status == .notFound)
        }
    }
}

@Suite struct BoardPagingTests {
    static func request(_ uri: String) -> Request {
        Request(
            head: .init(method: .get, scheme: "http", authority: "lmlab", path: uri),
            body: .init(buffer: ByteBuffer()))
    }

    @Test func aPageOfTheRankingAndTheViewersOwnRow() throws {
        // 250 rows, 100 a page: page 2 is ranks 101–200; the viewer ranks 6th, shown last.
        let paging = BoardPaging(
            count: 250, perPage: 100,
            request: Self.request("/experiments/sweep/leaderboard?metric=eval_loss.min&page=2"),
            own: 5)
        #expect(paging.shown == Array(100..<200) + [5])
        #expect(paging.summary == "Ranks 101–200 of 250; your place is 6, shown last")
        let previous = try #require(paging.previous?.href)
        let next = try #require(paging.next?.href)
        #expect(previous.hasPrefix("/experiments/sweep/leaderboard?"))
        #expect(previous.contains("metric=eval_loss.min") && previous.contains("page=1"))
        #expect(next.contains("metric=eval_loss.min") && next.contains("page=3"))
        // The last page has no next; a page past the end is the last one.
        let last = BoardPaging(
            count: 250, perPage: 100, request: Self.request("/labs/a/leaderboard?page=9"), own: 220)
        #expect(last.shown == Array(200..<250) && last.next == nil && last.previous != nil)
        #expect(last.summary == "Ranks 201–250 of 250")
        // Everything on one page: no summary, no links.
        let one = BoardPaging(count: 3, perPage: 100, request: Self.request("/labs/a/leaderboard"), own: 1)
        #expect(one.shown == [0, 1, 2] && one.summary == nil && one.next == nil)
    }
}
