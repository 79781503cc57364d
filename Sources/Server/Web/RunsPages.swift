// A student's runs and the leaderboards as pages: my runs, one run with its params, metrics and
// curves, the leaderboards of labs (pseudonyms) and experiments (a metric, an order, verified
// runs only). The data is what GET /api/runs/:id, /api/labs/:lab/leaderboard and
// /api/experiments/:name/leaderboard answer, from the same Store and Tracking calls.
import Foundation
import Hummingbird
import Store
import Tracking

struct RunsWebController<Context: RequestContext>: Sendable {
    let web: WebResponder
    var store: LabStore { web.store }

    /// Runs listed on My runs, newest first.
    static var runsListed: Int { 200 }
    /// Curves drawn on a run's page (one per metric key, in key order).
    static var curvesDrawn: Int { 8 }
    /// Rows on one page of a leaderboard (a class of thousands is paged; the viewer's own row is
    /// always shown).
    static var boardPage: Int { 100 }

    func addRoutes(to router: Router<Context>) {
        router.get("runs", use: runs)
        router.get("runs/:id", use: run)
        router.get("leaderboards", use: leaderboards)
        router.get("labs/:lab/leaderboard", use: labLeaderboard)
        router.get("experiments/:name/leaderboard", use: experimentLeaderboard)
    }

    @Sendable func runs(_ request: Request, context: Context) async throws -> Response {
        guard let session = try web.session(request) else { return web.signInFirst(request) }
        let now = Date()
        let rows = try store.searchRuns(
            RunQuery(filter: Self.ownRuns(session.student.id), limit: Self.runsListed), now: now)
        let page = MyRunsPage(
            session: web.view(session),
            runs: rows.map { row in
                MyRunsPage.Row(
                    id: row.run.id, name: row.run.name ?? row.run.id, experiment: row.experiment,
                    status: row.run.displayStatus(now: now),
                    verified: row.run.source == .verified, started: webDate(row.run.startTime))
            })
        return web.page(page, "runs", status: .ok, request: request)
    }

    @Sendable func run(_ request: Request, context: Context) async throws -> Response {
        guard let session = try web.session(request) else { return web.signInFirst(request) }
        let id = context.parameters.get("id") ?? ""
        // Someone else's run looks exactly like a missing one.
        guard let details = try? store.runDetails(id: id),
            session.student.isInstructor || details.run.studentID == session.student.id
        else {
            return web.problem(
                session, status: .notFound, heading: "No such run",
                message: "There is no run \(id) of yours.",
                advice: "Open your runs from My runs.", request: request)
        }
        let now = Date()
        var curves: [RunPage.Curve] = []
        for key in details.summaries.keys.sorted().prefix(Self.curvesDrawn) {
            let points = try store.metricHistory(runID: id, key: key).map {
                (step: Double($0.step), value: $0.value ?? .nan)
            }
            // A metric with no finite value has no curve (its table row says so).
            if let svg = try? SVGPlot.render(
                [PlotSeries(label: key, points: points)], title: key, yLabel: key)
            {
                curves.append(.init(key: key, svg: svg))
            }
        }
        let page = RunPage(
            session: web.view(session), id: details.run.id, name: details.run.name ?? details.run.id,
            experiment: details.experiment,
            status: details.run.displayStatus(now: now),
            source: details.run.source.rawValue, verified: details.run.source == .verified,
            started: webDate(details.run.startTime), ended: details.run.endTime.map(webDate),
            params: details.params.sorted { $0.key < $1.key }.map { .init(key: $0.key, value: $0.value) },
            tags: details.tags.sorted { $0.key < $1.key }.map { .init(key: $0.key, value: $0.value) },
            metrics: details.summaries.sorted { $0.key < $1.key }.map { key, s in
                .init(
                    key: key, last: s.lastIsNaN ? "NaN" : s.last.map(formatMetric) ?? "—",
                    min: s.min.map(formatMetric) ?? "—", max: s.max.map(formatMetric) ?? "—",
                    steps: String(s.count))
            },
            curves: curves, more: max(0, details.summaries.count - Self.curvesDrawn))
        return web.page(page, "run", status: .ok, request: request)
    }

    @Sendable func leaderboards(_ request: Request, context: Context) async throws -> Response {
        guard let session = try web.session(request) else { return web.signInFirst(request) }
        let page = LeaderboardsPage(
            session: web.view(session),
            labs: try store.labs().filter { $0.retiredAt == nil }.map { .init(id: $0.id, title: $0.title) },
            experiments: try store.experiments().map(\.name))
        return web.page(page, "leaderboards", status: .ok, request: request)
    }

    @Sendable func labLeaderboard(_ request: Request, context: Context) async throws -> Response {
        guard let session = try web.session(request) else { return web.signInFirst(request) }
        let labID = context.parameters.get("lab") ?? ""
        guard let lab = try store.lab(id: labID) else {
            return web.unknownLab(
                labID, session, advice: "Choose a leaderboard from Leaderboards.", request)
        }
        // Pseudonyms for everyone (instructors too: names are the CLI's --names); the viewer
        // rule decides which points count, as for GET /api/labs/:lab/leaderboard.
        let rows = try store.leaderboard(
            lab: lab.id, counting: lab.counting, includeNames: false,
            viewer: session.student.viewer(now: Date()))
        let board = LabLeaderboard(lab: lab.id, counting: lab.counting, rows: rows)
        let paging = BoardPaging(
            count: board.rows.count, perPage: Self.boardPage, request: request,
            own: board.rows.firstIndex { $0.name == session.student.pseudonym })
        let page = LabLeaderboardPage(
            session: web.view(session), lab: lab.id, title: lab.title, counting: board.counting,
            you: session.student.pseudonym,
            rows: paging.shown.map { board.rows[$0] }.map { row in
                .init(
                    rank: row.rank, name: row.name, you: row.name == session.student.pseudonym,
                    score: "\(formatMetric(row.score))/\(formatMetric(row.maxScore))",
                    submitted: (try? Date(row.submittedAt, strategy: .iso8601)).map(webDate)
                        ?? row.submittedAt)
            },
            paging: paging)
        return web.page(page, "lab-leaderboard", status: .ok, request: request)
    }

    @Sendable func experimentLeaderboard(_ request: Request, context: Context) async throws
        -> Response
    {
        guard let session = try web.session(request) else { return web.signInFirst(request) }
        let name = context.parameters.get("name")?.removingPercentEncoding ?? ""
        guard try store.experiment(named: name) != nil else {
            return web.problem(
                session, status: .notFound, heading: "No such experiment",
                message: "There is no experiment \(name) in this course.",
                advice: "Choose a leaderboard from Leaderboards.", request: request)
        }
        let query = RunsController<Context>.formQuery(request)
        let keys = try store.metricKeys(experiment: name)
        let metric = query["metric"].flatMap { $0.isEmpty ? nil : $0 }
            ?? Self.defaultMetric(keys)
        let order = query["order"] == "desc" ? "desc" : "asc"
        let verified = query["verified"] == "1" || query["verified"] == "true"
        var page = ExperimentLeaderboardPage(
            session: web.view(session), experiment: name, metric: metric ?? "",
            metrics: keys.flatMap { key in
                ["min", "max", "last"].map { agg in
                    ExperimentLeaderboardPage.Choice(
                        value: "\(key).\(agg)", selected: "\(key).\(agg)" == metric)
                }
            },
            ascending: order == "asc", verified: verified, rows: [], problem: nil)
        guard let metric else {
            page.problem = "No run of this experiment has logged a metric yet."
            return web.page(page, "experiment-leaderboard", status: .ok, request: request)
        }
        do {
            let rows = try store.experimentLeaderboard(
                experiment: name, metric: metric, ascending: order == "asc",
                where: RunSource.filter(nil, verifiedOnly: verified), includeNames: false)
            let paging = BoardPaging(
                count: rows.count, perPage: Self.boardPage, request: request,
                own: rows.firstIndex { $0.ownerID == session.student.id })
            page.paging = paging
            page.rows = paging.shown.map { rows[$0] }.map { row in
                let own = session.student.isInstructor || row.ownerID == session.student.id
                return .init(
                    rank: row.rank, name: row.displayName, you: row.ownerID == session.student.id,
                    value: formatMetric(row.value), step: row.step.map(String.init) ?? "—",
                    runID: own ? row.runID : nil)
            }
        } catch let error as TrackingError {
            page.problem = error.description
            return web.page(page, "experiment-leaderboard", status: .badRequest, request: request)
        }
        return web.page(page, "experiment-leaderboard", status: .ok, request: request)
    }

    /// The filter-language condition for one student's runs.
    static func ownRuns(_ student: String) -> String {
        "attributes.student = '\(student.replacingOccurrences(of: "'", with: "''"))'"
    }

    /// A loss's minimum when the experiment logs one, else the first key's last value.
    static func defaultMetric(_ keys: [String]) -> String? {
        if let loss = keys.first(where: { $0 == "eval_loss" }) ?? keys.first(where: {
            $0.hasSuffix("loss")
        }) {
            return loss + ".min"
        }
        return keys.first.map { $0 + ".last" }
    }
}

/// A metric as a page shows it: up to 6 significant digits.
func formatMetric(_ value: Double) -> String {
    if value.isNaN { return "NaN" }
    if value.isInfinite { return value > 0 ? "inf" : "-inf" }
    if value == value.rounded(), abs(value) < 1e9 { return String(Int64(value)) }
    return String(format: "%.6g", value)
}

struct MyRunsPage {
    struct Row {
        var id: String
        var name: String
        var experiment: String
        var status: String
        var verified: Bool
        var started: String
    }

    var session: SessionView?
    var runs: [Row]
}

struct RunPage {
    struct Pair {
        var key: String
        var value: String
    }

    struct Metric {
        var key: String
        var last: String
        var min: String
        var max: String
        var steps: String
    }

    struct Curve {
        var key: String
        /// SVGPlot's document: made by lmlab from numbers, every text in it escaped by SVGPlot.
        var svg: String
    }

    var session: SessionView?
    var id: String
    var name: String
    var experiment: String
    var status: String
    var source: String
    var verified: Bool
    var started: String
    var ended: String?
    var params: [Pair]
    var tags: [Pair]
    var metrics: [Metric]
    var curves: [Curve]
    /// Metrics without a curve on the page (over `curvesDrawn`).
    var more: Int
}

struct LeaderboardsPage {
    struct Lab {
        var id: String
        var title: String
    }

    var session: SessionView?
    var labs: [Lab]
    var experiments: [String]
}

struct LabLeaderboardPage {
    struct Row {
        var rank: Int
        var name: String
        var you: Bool
        var score: String
        var submitted: String
    }

    var session: SessionView?
    var lab: String
    var title: String
    var counting: String
    var you: String
    var rows: [Row]
    var paging: BoardPaging
}

struct ExperimentLeaderboardPage {
    struct Choice {
        var value: String
        var selected: Bool
    }

    struct Row {
        var rank: Int
        var name: String
        var you: Bool
        var value: String
        var step: String
        var runID: String?
    }

    var session: SessionView?
    var experiment: String
    var metric: String
    var metrics: [Choice]
    var ascending: Bool
    var verified: Bool
    var rows: [Row]
    var problem: String?
    var paging: BoardPaging? = nil
}

/// One page of a ranking: which rows (indices) it shows — a page of `perPage`, plus the viewer's
/// own row when it is on another page — and links to the pages around it.
struct BoardPaging {
    struct Link {
        var href: String
        var label: String
    }

    var shown: [Int]
    /// "Ranks 101–200 of 10,000", or nil when everything fits on one page.
    var summary: String?
    var previous: Link?
    var next: Link?

    init(count: Int, perPage: Int, request: Request, own: Int?) {
        let query = request.uri.queryParameters
        let pages = max(1, (count + perPage - 1) / perPage)
        let number = min(max(1, query["page"].flatMap { Int($0) } ?? 1), pages)
        let range = ((number - 1) * perPage)..<min(count, number * perPage)
        shown = Array(range)
        if let own, !range.contains(own) { shown.append(own) }
        guard pages > 1 else { return }
        summary = "Ranks \(range.lowerBound + 1)–\(range.upperBound) of \(count)"
            + (own.map { range.contains($0) ? "" : "; your place is \($0 + 1), shown last" } ?? "")
        // The other parameters kept as they came; only the page changes.
        func link(_ page: Int, _ label: String) -> Link {
            var items = URLComponents(string: request.uri.description)?.queryItems ?? []
            items.removeAll { $0.name == "page" }
            items.append(URLQueryItem(name: "page", value: String(page)))
            var components = URLComponents()
            components.path = request.uri.path
            components.queryItems = items
            return Link(href: components.string ?? request.uri.path, label: label)
        }
        previous = number > 1 ? link(number - 1, "Previous \(perPage)") : nil
        next = number < pages ? link(number + 1, "Next \(perPage)") : nil
    }
}

enum RunsTemplates {
    static let all: [String: String] = [
        "runs": runs, "run": run, "leaderboards": leaderboards,
        "lab-leaderboard": labLeaderboard, "experiment-leaderboard": experimentLeaderboard,
        "paging": paging,
    ]

    static let paging = """
        {{#summary}}<nav class="paging" aria-label="Leaderboard pages"><span>{{summary}}</span>
        {{#previous}}<a href="{{href}}">{{label}}</a>{{/previous}}
        {{#next}}<a href="{{href}}">{{label}}</a>{{/next}}</nav>{{/summary}}
        """

    static let runs = """
        {{<layout}}
        {{$title}}My runs{{/title}}
        {{$body}}
        <h1>My runs</h1>
        {{^runs}}<p>You have not logged a run yet. Log one from your notebook with
        <code>lmlab_client.Run</code>; it appears here as it trains.</p>{{/runs}}
        {{^empty(runs)}}
        <table class="runs">
          <caption>Your runs, newest first</caption>
          <thead><tr><th scope="col">Run</th><th scope="col">Experiment</th>
          <th scope="col">Status</th><th scope="col">Started</th></tr></thead>
          <tbody>
          {{#runs}}
          <tr><th scope="row"><a href="/runs/{{id}}">{{name}}</a>{{#verified}} <span class="badge">verified</span>{{/verified}}</th>
          <td>{{experiment}}</td><td>{{status}}</td><td>{{started}}</td></tr>
          {{/runs}}
          </tbody>
        </table>
        {{/empty(runs)}}
        {{/body}}
        {{/layout}}
        """

    static let run = """
        {{<layout}}
        {{$title}}Run {{name}}{{/title}}
        {{$body}}
        <h1>Run {{name}}{{#verified}} <span class="badge">verified</span>{{/verified}}</h1>
        <p class="meta">{{experiment}} · {{status}} · {{source}} · started {{started}}{{#ended}} · ended {{ended}}{{/ended}} · <span class="lab-id">{{id}}</span></p>
        {{^empty(params)}}
        <h2>Params</h2>
        <table class="pairs"><tbody>
        {{#params}}<tr><th scope="row">{{key}}</th><td>{{value}}</td></tr>{{/params}}
        </tbody></table>
        {{/empty(params)}}
        {{^empty(tags)}}
        <h2>Tags</h2>
        <table class="pairs"><tbody>
        {{#tags}}<tr><th scope="row">{{key}}</th><td>{{value}}</td></tr>{{/tags}}
        </tbody></table>
        {{/empty(tags)}}
        <h2>Metrics</h2>
        {{^metrics}}<p>No metric logged yet.</p>{{/metrics}}
        {{^empty(metrics)}}
        <table class="metrics">
          <thead><tr><th scope="col">Metric</th><th scope="col">Last</th><th scope="col">Min</th>
          <th scope="col">Max</th><th scope="col">Points</th></tr></thead>
          <tbody>
          {{#metrics}}<tr><th scope="row">{{key}}</th><td>{{last}}</td><td>{{min}}</td><td>{{max}}</td><td>{{steps}}</td></tr>{{/metrics}}
          </tbody>
        </table>
        {{/empty(metrics)}}
        {{#curves}}
        <figure class="curve" aria-label="{{key}} by step">{{{svg}}}</figure>
        {{/curves}}
        {{#more}}<p class="help">{{more}} more metrics have no curve here: <code>lmlab runs plot</code> draws any of them.</p>{{/more}}
        <p><a href="/runs">Back to my runs</a></p>
        {{/body}}
        {{/layout}}
        """

    static let leaderboards = """
        {{<layout}}
        {{$title}}Leaderboards{{/title}}
        {{$body}}
        <h1>Leaderboards</h1>
        <p class="help">Everyone appears under a pseudonym; yours is marked.</p>
        <h2>Labs</h2>
        <ul>{{#labs}}<li><a href="/labs/{{id}}/leaderboard">{{title}}</a> <span class="lab-id">{{id}}</span></li>{{/labs}}</ul>
        {{^labs}}<p>No lab yet.</p>{{/labs}}
        <h2>Experiments</h2>
        <ul>{{#experiments}}<li><a href="/experiments/{{.}}/leaderboard">{{.}}</a></li>{{/experiments}}</ul>
        {{^experiments}}<p>No experiment yet.</p>{{/experiments}}
        {{/body}}
        {{/layout}}
        """

    static let labLeaderboard = """
        {{<layout}}
        {{$title}}Leaderboard {{lab}}{{/title}}
        {{$body}}
        <h1>Leaderboard <span class="lab-id">{{lab}}</span></h1>
        <p class="meta">{{title}} · each student's {{counting}} submission · you are <strong>{{you}}</strong></p>
        {{^rows}}<p>Nobody has been graded yet.</p>{{/rows}}
        {{^empty(rows)}}
        <table class="board">
          <thead><tr><th scope="col">Rank</th><th scope="col">Student</th><th scope="col">Score</th>
          <th scope="col">Submitted</th></tr></thead>
          <tbody>
          {{#rows}}<tr{{#you}} class="you"{{/you}}><td>{{rank}}</td><th scope="row">{{name}}{{#you}} (you){{/you}}</th><td>{{score}}</td><td>{{submitted}}</td></tr>{{/rows}}
          </tbody>
        </table>
        {{/empty(rows)}}
        {{#paging}}{{> paging}}{{/paging}}
        <p><a href="/leaderboards">All leaderboards</a></p>
        {{/body}}
        {{/layout}}
        """

    static let experimentLeaderboard = """
        {{<layout}}
        {{$title}}Leaderboard {{experiment}}{{/title}}
        {{$body}}
        <h1>Leaderboard: {{experiment}}</h1>
        <form method="get" class="filters">
          <label for="metric">Metric</label>
          <select id="metric" name="metric">{{#metrics}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/metrics}}</select>
          <label for="order">Best is</label>
          <select id="order" name="order"><option value="asc"{{#ascending}} selected{{/ascending}}>lowest</option><option value="desc"{{^ascending}} selected{{/ascending}}>highest</option></select>
          <label class="check"><input type="checkbox" name="verified" value="1"{{#verified}} checked{{/verified}}> verified runs only</label>
          <button type="submit">Show</button>
        </form>
        {{#problem}}<p class="problem" role="alert">{{problem}}</p>{{/problem}}
        {{^empty(rows)}}
        <table class="board">
          <caption>Each student's best run by {{metric}}</caption>
          <thead><tr><th scope="col">Rank</th><th scope="col">Student</th><th scope="col">{{metric}}</th>
          <th scope="col">Step</th></tr></thead>
          <tbody>
          {{#rows}}<tr{{#you}} class="you"{{/you}}><td>{{rank}}</td><th scope="row">{{#runID}}<a href="/runs/{{runID}}">{{name}}</a>{{/runID}}{{^runID}}{{name}}{{/runID}}{{#you}} (you){{/you}}</th><td>{{value}}</td><td>{{step}}</td></tr>{{/rows}}
          </tbody>
        </table>
        {{/empty(rows)}}
        {{#paging}}{{> paging}}{{/paging}}
        {{^rows}}{{^problem}}<p>No run has logged {{metric}}{{#verified}} among the verified runs{{/verified}}.</p>{{/problem}}{{/rows}}
        <p><a href="/leaderboards">All leaderboards</a></p>
        {{/body}}
        {{/layout}}
        """

    static let css = """
        .badge { display: inline-block; font-size: .75em; padding: 0 .4em; border-radius: 3px;
          background: #e6f4ea; color: var(--pass); border: 1px solid var(--pass); }
        tr.you { background: #eef3ff; }
        .curve { margin: 1rem 0; }
        .curve svg, .heatmap { max-width: 100%; height: auto; }
        .filters { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: end; margin: 1rem 0; }
        .filters label { margin: 0; }
        .filters select { font: inherit; padding: .2rem; }
        .check { font-weight: 400; }
        .paging { display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; margin: .8rem 0; color: var(--muted); }
        table.pairs th { width: 30%; font-family: ui-monospace, monospace; font-weight: 400; }
        """
}
