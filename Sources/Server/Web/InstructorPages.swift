// The instructor's pages (under /instructor): the class overview, a lab (histogram, pass rates,
// mistakes with the students behind them, late and missing; regrade and export), a student,
// the roster, runs search with the filter language and the comparison of runs. Every value comes
// from the store calls the JSON API makes (classOverview, classReport, studentReport, students,
// gradesExport, countedSubmissions, regrade, searchRuns, runDetails), and every handler checks
// the session first: no session → sign in; a student → 403.
import Diagnosis
import Foundation
import Grading
import Hummingbird
import Store
import Tracking
import ZIPFoundation

struct InstructorWebController<Context: RequestContext>: Sendable {
    let web: WebResponder
    var store: LabStore { web.store }

    /// The most runs one comparison shows (each is a column and a curve).
    static var maxCompared: Int { 20 }

    func addRoutes(to router: Router<Context>) {
        let group = router.group("instructor")
        group.get(use: overview)
        group.get("labs/:lab", use: lab)
        group.post("labs/:lab/regrade", use: regrade)
        group.get("labs/:lab/grades.csv", use: gradesCSVFile)
        group.get("labs/:lab/gradescope.zip", use: gradescopeZip)
        group.get("students/:id", use: student)
        group.post("students/:id/link", use: signInLink)
        group.get("roster", use: roster)
        group.get("runs", use: runs)
        group.get("runs/compare", use: compare)
    }

    /// `page` for a signed-in instructor; the sign-in page for no session, 403 for a student.
    func instructorsOnly(
        _ request: Request, _ page: (WebSession) async throws -> Response
    ) async throws -> Response {
        guard let session = try web.session(request) else { return web.signInFirst(request) }
        guard session.student.isInstructor else { return web.instructorsOnly(session, request) }
        return try await page(session)
    }

    // MARK: - Class overview

    @Sendable func overview(_ request: Request, context: Context) async throws -> Response {
        try await instructorsOnly(request) { session in
            let overview = try ClassOverviewBody(store: store)
            let labs = overview.labs.map { row in
                ClassPage.Lab(
                    id: row.lab, href: "/instructor/labs/" + pathSegment(row.lab), title: row.title,
                    due: row.due.map(webDate) ?? "no due date", submitters: row.submitters,
                    graded: row.graded, mean: row.meanFraction.map(formatPercent) ?? "—",
                    late: row.late, missing: row.missing, retired: row.retiredAt != nil)
            }
            return web.page(
                ClassPage(
                    session: web.view(session), rosterSize: overview.rosterSize, labs: labs),
                "instructor-class", status: .ok, request: request)
        }
    }

    // MARK: - A lab

    @Sendable func lab(_ request: Request, context: Context) async throws -> Response {
        try await instructorsOnly(request) { session in
            guard let lab = try knownLab(context) else {
                return unknownLab(session, context, request)
            }
            let report = try store.classReport(lab: lab.id)
            let late = try store.lateStudents(lab: lab.id, limit: LabPage.listed)
            let behind = Dictionary(
                grouping: try store.diagnosisStudents(lab: lab.id, perDiagnosis: LabPage.listed),
                by: \.diagnosis)
            let regraded = RunsController<Context>.formQuery(request)["regraded"].flatMap {
                Int($0)
            }
            var page = LabPage(
                session: web.view(session), csrf: session.csrfToken, id: lab.id, title: lab.title,
                href: "/instructor/labs/" + pathSegment(lab.id), rosterSize: report.rosterSize,
                submitters: report.submitters, graded: report.graded,
                histogram: LabPage.histogramSVG(report.histogram, labID: lab.id),
                passRates: report.passRates.map {
                    LabPage.PassRate(
                        name: $0.name, component: $0.component ?? "", passed: $0.passed,
                        total: $0.total, percent: formatPercent($0.rate))
                },
                mistakes: report.diagnoses.map { count in
                    LabPage.Mistake(
                        id: count.diagnosis,
                        title: mistakeInfo(count.diagnosis)?.title ?? count.diagnosis,
                        counts: counted(count.students, "student") + ", "
                            + counted(count.occurrences, "test result"),
                        who: (behind[count.diagnosis] ?? []).map {
                            StudentLink(
                                id: $0.studentID, name: $0.name, detail: "\($0.occurrences)×")
                        },
                        moreWho: max(0, count.students - LabPage.listed))
                },
                late: late.students.map { StudentLink(id: $0.id, name: $0.name, detail: nil) },
                missing: try report.missingStudents.prefix(LabPage.listed).map {
                    StudentLink(id: $0, name: try store.student(id: $0)?.name ?? $0, detail: nil)
                },
                regraded: regraded)
            page.moreLate = max(0, late.count - LabPage.listed)
            page.moreMissing = max(0, report.missingStudents.count - LabPage.listed)
            return web.page(page, "instructor-lab", status: .ok, request: request)
        }
    }

    /// Queues the lab's graded and failed submissions again, as `POST /api/regrade?lab=L` does,
    /// then back to the lab page, which says how many.
    @Sendable func regrade(_ request: Request, context: Context) async throws -> Response {
        try await instructorsOnly(request) { session in
            let form = try await web.form(CSRFForm.self, request)
            guard web.checkCSRF(form?.csrf, session) else {
                return web.csrfRefused(session, request)
            }
            guard let lab = try knownLab(context) else {
                return unknownLab(session, context, request)
            }
            let count = try store.regrade(lab: lab.id, student: nil)
            context.logger.info(
                "regrade queued from the web",
                metadata: ["lab": "\(lab.id)", "count": "\(count)", "by": "\(session.student.id)"])
            return web.redirect("/instructor/labs/\(pathSegment(lab.id))?regraded=\(count)")
        }
    }

    /// The CSV `lmlab export grades --format csv` writes.
    @Sendable func gradesCSVFile(_ request: Request, context: Context) async throws -> Response {
        try await instructorsOnly(request) { session in
            guard let lab = try knownLab(context) else {
                return unknownLab(session, context, request)
            }
            let csv = gradesCSV(try store.gradesExport(lab: lab.id), lab: lab.id)
            return download(
                ByteBuffer(string: csv), type: "text/csv; charset=utf-8",
                filename: "\(lab.id)-grades.csv")
        }
    }

    /// One `<student>/results.json` per counted submission, the bytes `lmlab export grades
    /// --format gradescope` writes to a folder.
    @Sendable func gradescopeZip(_ request: Request, context: Context) async throws -> Response {
        try await instructorsOnly(request) { session in
            guard let lab = try knownLab(context) else {
                return unknownLab(session, context, request)
            }
            let archive = try Archive(accessMode: .create)
            for file in try gradescopeResultFiles(try store.countedSubmissions(lab: lab.id)) {
                let json = file.json
                // One folder per student, as the CLI writes them; a roster CSV may hold an id
                // with '/' or a leading '.', which must not climb out of the zip's folder.
                var folder = file.studentID.replacingOccurrences(of: "/", with: "_")
                    .replacingOccurrences(of: "\\", with: "_")
                if folder.hasPrefix(".") { folder = "_" + folder }
                try archive.addEntry(
                    with: "\(folder)/results.json", type: .file,
                    uncompressedSize: Int64(json.count), compressionMethod: .deflate
                ) { position, size in
                    json.subdata(in: Int(position)..<Int(position) + size)
                }
            }
            return download(
                ByteBuffer(bytes: archive.data ?? Data()), type: "application/zip",
                filename: "\(lab.id)-gradescope.zip")
        }
    }

    // MARK: - A student

    @Sendable func student(_ request: Request, context: Context) async throws -> Response {
        try await instructorsOnly(request) { session in
            guard let id = parameter("id", context), try store.student(id: id) != nil else {
                return unknownStudent(session, context, request)
            }
            return try studentPage(id, session: session, link: nil, request)
        }
    }

    /// A one-time sign-in link for the student, shown once on their page (as `lmlab students
    /// link ID` prints it).
    @Sendable func signInLink(_ request: Request, context: Context) async throws -> Response {
        try await instructorsOnly(request) { session in
            let form = try await web.form(CSRFForm.self, request)
            guard web.checkCSRF(form?.csrf, session) else {
                return web.csrfRefused(session, request)
            }
            guard let id = parameter("id", context),
                let link = try store.createSignInLink(studentID: id, lifetime: signInLinkLifetime)
            else { return unknownStudent(session, context, request) }
            let body = SignInLinkBody(student: id, link: link)
            let host = request.head.authority
            let scheme = WebResponder.isSecure(request) ? "https" : "http"
            return try studentPage(
                id, session: session,
                link: StudentPage.NewLink(
                    url: host.map { "\(scheme)://\($0)\(body.path)" } ?? body.path,
                    expires: webDate(link.expiresAt)),
                request)
        }
    }

    private func studentPage(
        _ id: String, session: WebSession, link: StudentPage.NewLink?, _ request: Request
    ) throws -> Response {
        let report = try store.studentReport(student: id).withoutSecrets
        let labs = try report.labs.map { lab -> StudentPage.Lab in
            var score: String?
            if let value = lab.score, let max = lab.maxScore {
                score = "\(formatPoints(value))/\(formatPoints(max))"
            }
            let latest = try store.latestSubmission(student: id, lab: lab.labID)
            return StudentPage.Lab(
                id: lab.labID, href: "/instructor/labs/" + pathSegment(lab.labID),
                title: lab.title, submissions: lab.submissions,
                status: lab.latestStatus?.rawValue ?? "none", counted: lab.countedSubmissionID,
                score: score, late: lab.late == true, latest: latest?.id)
        }
        let now = Date()
        let escapedID = id.replacingOccurrences(of: "'", with: "''")
        let runs = try store.searchRuns(
            RunQuery(
                filter: "attributes.student = '\(escapedID)'",
                limit: RunsController<Context>.defaultSearchLimit),
            now: now
        ).map { RunRow($0, now: now) }
        let student = report.student
        return web.page(
            StudentPage(
                session: web.view(session), csrf: session.csrfToken, id: student.id,
                name: student.name,
                email: student.email, pseudonym: student.pseudonym,
                instructor: student.isInstructor,
                linkAction: "/instructor/students/\(pathSegment(student.id))/link",
                labs: labs, runs: runs, runLimit: RunsController<Context>.defaultSearchLimit,
                newLink: link),
            "instructor-student", status: .ok, request: request)
    }

    // MARK: - Roster

    @Sendable func roster(_ request: Request, context: Context) async throws -> Response {
        try await instructorsOnly(request) { session in
            let members = try store.students().map(RosterMember.init).map {
                RosterPage.Member(
                    id: $0.id, href: "/instructor/students/" + pathSegment($0.id), name: $0.name,
                    email: $0.email, pseudonym: $0.pseudonym, instructor: $0.isInstructor,
                    hasToken: $0.hasToken)
            }
            return web.page(
                RosterPage(session: web.view(session), members: members), "instructor-roster",
                status: .ok, request: request)
        }
    }

    // MARK: - Runs

    /// `?experiment=E&filter=F&order_by=O`: the search `GET /api/experiments/:name/runs` makes
    /// for an instructor (every student's runs); no experiment searches them all.
    @Sendable func runs(_ request: Request, context: Context) async throws -> Response {
        try await instructorsOnly(request) { session in
            let query = RunsController<Context>.formQuery(request)
            func option(_ key: String) -> String? {
                query[key].flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
            }
            var page = RunsPage(
                session: web.view(session), experiment: query["experiment"] ?? "",
                filter: query["filter"] ?? "", orderBy: query["order_by"] ?? "",
                experiments: try store.experiments().map(\.name), problem: nil, runs: [],
                searched: false, limit: RunsController<Context>.defaultSearchLimit)
            let now = Date()
            do {
                page.runs = try store.searchRuns(
                    RunQuery(
                        experiment: option("experiment"), filter: option("filter"),
                        orderBy: option("order_by"), limit: page.limit),
                    now: now
                ).map { RunRow($0, now: now) }
                page.searched = true
            } catch let error as TrackingError {
                page.problem = error.description
                return web.page(page, "instructor-runs", status: .badRequest, request: request)
            } catch RunsError.unknownExperiment(let name) {
                page.problem =
                    "There is no experiment called '\(name)'. Pick one from the list, or "
                    + "leave the box empty to search every experiment."
                return web.page(page, "instructor-runs", status: .notFound, request: request)
            }
            return web.page(page, "instructor-runs", status: .ok, request: request)
        }
    }

    /// `?id=A&id=B…[&metric=M]`: the params that differ, each run's final metrics and the
    /// chosen metric's curves, one series per run.
    @Sendable func compare(_ request: Request, context: Context) async throws -> Response {
        try await instructorsOnly(request) { session in
            var ids: [String] = []
            for id in request.uri.queryParameters[values: "id"].map(String.init)
            where !ids.contains(id) {
                ids.append(id)
            }
            guard ids.count >= 2 else {
                return web.problem(
                    session, status: .badRequest, heading: "Pick at least two runs",
                    message: "A comparison needs two or more runs; this one had \(ids.count).",
                    advice: "Tick two or more runs in the runs search, then press Compare.",
                    request: request)
            }
            guard ids.count <= Self.maxCompared else {
                return web.problem(
                    session, status: .badRequest, heading: "Too many runs",
                    message: "A comparison shows at most \(Self.maxCompared) runs; this one had "
                        + "\(ids.count).",
                    advice: "Tick fewer runs in the runs search, then press Compare.",
                    request: request)
            }
            var details: [RunDetails] = []
            for id in ids {
                do {
                    details.append(try store.runDetails(id: id))
                } catch RunsError.unknownRun {
                    return web.problem(
                        session, status: .notFound, heading: "No such run",
                        message: "There is no run with id '\(id)'.",
                        advice: "Find the runs in the runs search and tick them there.",
                        request: request)
                }
            }
            let metricKeys = Set(details.flatMap { $0.summaries.keys }).sorted()
            let asked = RunsController<Context>.formQuery(request)["metric"]
            let metric = asked.flatMap { metricKeys.contains($0) ? $0 : nil } ?? metricKeys.first
            var curves: String?
            if let metric {
                let series = try details.map { d in
                    PlotSeries(
                        label: PlotSeries.runLabel(
                            id: d.run.id, name: d.run.name, student: d.run.studentID),
                        points: try store.metricHistory(runID: d.run.id, key: metric).map {
                            (Double($0.step), $0.loggedValue)
                        })
                }
                // It throws only when no run has a finite value: the page says so instead.
                curves = try? SVGPlot.render(series, title: metric, yLabel: metric)
            }
            return web.page(
                ComparePage(
                    details, session: web.view(session), metricKeys: metricKeys,
                    metric: metric, curves: curves),
                "instructor-compare", status: .ok, request: request)
        }
    }

    // MARK: - Helpers

    /// A path parameter, percent-decoded (student ids may hold spaces).
    private func parameter(_ name: String, _ context: Context) -> String? {
        context.parameters.get(name)?.removingPercentEncoding.flatMap { $0.isEmpty ? nil : $0 }
    }

    private func knownLab(_ context: Context) throws -> LabRecord? {
        guard let id = parameter("lab", context) else { return nil }
        return try store.lab(id: id)
    }

    private func unknownLab(_ session: WebSession, _ context: Context, _ request: Request)
        -> Response
    {
        web.unknownLab(
            parameter("lab", context) ?? "", session,
            advice: "Open the labs from the class overview.", request)
    }

    private func unknownStudent(_ session: WebSession, _ context: Context, _ request: Request)
        -> Response
    {
        web.problem(
            session, status: .notFound, heading: "No such student",
            message: "There is no student '\(parameter("id", context) ?? "")' on the roster.",
            advice: "Open the students from the roster; add one with lmlab students add.",
            request: request)
    }

    /// A file to save, never shown inline, under a name made of safe characters only.
    private func download(_ body: ByteBuffer, type: String, filename: String) -> Response {
        let safe = String(
            filename.map {
                $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) ? $0 : "_"
            })
        return Response(
            status: .ok,
            headers: [
                .contentType: type, .cacheControl: "no-store",
                .contentDisposition: "attachment; filename=\"\(safe)\"",
                .xContentTypeOptions: "nosniff",
            ],
            body: .init(byteBuffer: body))
    }
}

/// "1 student", "2 students".
func counted(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }

/// `text` as one URL path segment: ids may hold characters a path or query would read.
func pathSegment(_ text: String) -> String {
    var allowed = CharacterSet.urlPathAllowed
    allowed.remove(charactersIn: "/?#;")
    return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
}

// MARK: - Page models

/// A student named on a page, linking to their student page.
struct StudentLink {
    var id: String
    var name: String
    var detail: String?
    var href: String

    init(id: String, name: String, detail: String?) {
        self.id = id
        self.name = name
        self.detail = detail
        href = "/instructor/students/" + pathSegment(id)
    }
}

struct ClassPage {
    struct Lab {
        var id: String
        var href: String
        var title: String
        var due: String
        var submitters: Int
        var graded: Int
        var mean: String
        var late: Int
        var missing: Int
        var retired: Bool
    }

    var session: SessionView?
    var rosterSize: Int
    var labs: [Lab]
}

struct LabPage {
    struct PassRate {
        var name: String
        var component: String
        var passed: Int
        var total: Int
        var percent: String
    }

    struct Mistake {
        var id: String
        var title: String
        /// "2 students, 3 test results".
        var counts: String
        var who: [StudentLink]
        /// Students behind it beyond the ones listed (`LabPage.listed`).
        var moreWho: Int = 0
    }

    var session: SessionView?
    /// The session's CSRF token for the regrade button.
    var csrf: String
    var id: String
    var title: String
    var href: String
    var rosterSize: Int
    var submitters: Int
    var graded: Int
    /// SVG lmlab drew from the bucket counts (its only text is escaped there).
    var histogram: String
    var passRates: [PassRate]
    var mistakes: [Mistake]
    var late: [StudentLink]
    var missing: [StudentLink]
    /// Late and missing students beyond the ones listed.
    var moreLate: Int = 0
    var moreMissing: Int = 0
    /// How many submissions a regrade just queued (from the redirect after the button).
    var regraded: Int?

    /// Names listed per mistake and in the late and missing lists; the rest are counted (a
    /// class of thousands would make a page of thousands of names). The CSV export and
    /// `lmlab report` have them all.
    static let listed = 50

    /// Geometry of the histogram, in SVG units.
    static let chartWidth = 520.0, chartHeight = 260.0
    static let plotLeft = 44.0, plotTop = 24.0, plotHeight = 180.0, barGap = 6.0

    /// The counted scores as a bar chart: one `rect.bar` per bucket (height proportional to its
    /// count; the tallest is `plotHeight`), the count above each bar, the bucket's range under
    /// it, and a title and description for screen readers.
    static func histogramSVG(_ buckets: [ScoreBucket], labID: String) -> String {
        let e = SVGPlot.escape
        let most = max(buckets.map(\.count).max() ?? 0, 1)
        let plotWidth = chartWidth - plotLeft - 10
        let slot = plotWidth / Double(max(buckets.count, 1))
        let base = plotTop + plotHeight
        let summary = buckets.map { "\($0.lowerPercent)–\($0.upperPercent)%: \($0.count)" }
            .joined(separator: ", ")
        let middle = f(plotTop + plotHeight / 2)
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" class="histogram" role="img" \
            viewBox="0 0 \(f(chartWidth)) \(f(chartHeight))" \
            aria-labelledby="hist-title hist-desc">
            <title id="hist-title">\(e("Counted scores of \(labID)"))</title>
            <desc id="hist-desc">\(e("Students per score range: \(summary)"))</desc>
            <line x1="\(f(plotLeft))" y1="\(f(base))" x2="\(f(plotLeft + plotWidth))" \
            y2="\(f(base))" stroke="#1b1b1f"/>
            <line x1="\(f(plotLeft))" y1="\(f(plotTop))" x2="\(f(plotLeft))" y2="\(f(base))" \
            stroke="#1b1b1f"/>
            <text x="12" y="\(middle)" transform="rotate(-90 12 \(middle))" \
            text-anchor="middle" font-size="12">students</text>
            <text x="\(f(plotLeft + plotWidth / 2))" y="\(f(chartHeight - 6))" \
            text-anchor="middle" font-size="12">score (% of the lab's points)</text>

            """
        for (index, bucket) in buckets.enumerated() {
            let height = plotHeight * Double(bucket.count) / Double(most)
            let x = plotLeft + Double(index) * slot + barGap / 2
            let width = slot - barGap
            let range = "\(bucket.lowerPercent)–\(bucket.upperPercent)%"
            svg += """
                <rect class="bar" x="\(f(x))" y="\(f(base - height))" width="\(f(width))" \
                height="\(f(height))" fill="#1d4ed8">\
                <title>\(e("\(range): \(counted(bucket.count, "student"))"))</title></rect>
                <text x="\(f(x + width / 2))" y="\(f(base - height - 4))" text-anchor="middle" \
                font-size="12">\(bucket.count)</text>
                <text x="\(f(x + width / 2))" y="\(f(base + 16))" text-anchor="middle" \
                font-size="10">\(bucket.lowerPercent)</text>

                """
        }
        return svg + "</svg>"
    }

    private static func f(_ x: Double) -> String { String(format: "%.1f", x) }
}

struct StudentPage {
    struct Lab {
        var id: String
        var href: String
        var title: String
        var submissions: Int
        var status: String
        var counted: Int64?
        var score: String?
        var late: Bool
        var latest: Int64?
    }

    /// A sign-in link just made: shown on this page only.
    struct NewLink {
        var url: String
        var expires: String
    }

    var session: SessionView?
    /// The session's CSRF token for the sign-in link button.
    var csrf: String
    var id: String
    var name: String
    var email: String?
    var pseudonym: String
    var instructor: Bool
    var linkAction: String
    var labs: [Lab]
    var runs: [RunRow]
    var runLimit: Int
    var newLink: NewLink?
}

struct RosterPage {
    struct Member {
        var id: String
        var href: String
        var name: String
        var email: String?
        var pseudonym: String
        var instructor: Bool
        var hasToken: Bool
    }

    var session: SessionView?
    var members: [Member]
}

/// A run in a list: the runs search and a student's page.
struct RunRow {
    var id: String
    var experiment: String
    var student: String?
    var studentHref: String?
    var name: String?
    var status: String
    var started: String

    init(_ row: RunSearchRow, now: Date) {
        id = row.run.id
        experiment = row.experiment
        student = row.run.studentID
        studentHref = row.run.studentID.map { "/instructor/students/" + pathSegment($0) }
        name = row.run.name
        status = row.run.displayStatus(now: now)
        started = webDate(row.run.startTime)
    }
}

struct RunsPage {
    var session: SessionView?
    var experiment: String
    var filter: String
    var orderBy: String
    var experiments: [String]
    var problem: String?
    var runs: [RunRow]
    var searched: Bool
    var limit: Int
}

struct ComparePage {
    struct Run {
        var id: String
        var name: String?
        var student: String?
        var experiment: String
    }

    struct Row {
        var key: String
        var values: [String]
    }

    struct Choice {
        var key: String
        var selected: Bool
    }

    var session: SessionView?
    var runs: [Run]
    /// Params whose values are not all the same (a run without one shows "—").
    var differing: [Row]
    /// Params every run has with one value: key and that value.
    var same: [Row]
    /// Each metric's last value per run.
    var metrics: [Row]
    var choices: [Choice]
    var metric: String?
    /// SVG lmlab's SVGPlot drew from the metric's points (it escapes every label).
    var curves: String?

    init(
        _ details: [RunDetails], session: SessionView, metricKeys: [String], metric: String?,
        curves: String?
    ) {
        self.session = session
        runs = details.map {
            Run(
                id: $0.run.id, name: $0.run.name, student: $0.run.studentID,
                experiment: $0.experiment)
        }
        differing = []
        same = []
        for key in Set(details.flatMap { $0.params.keys }).sorted() {
            let values = details.map { $0.params[key] }
            if let first = values[0], values.allSatisfy({ $0 == first }) {
                same.append(Row(key: key, values: [first]))
            } else {
                differing.append(Row(key: key, values: values.map { $0 ?? "—" }))
            }
        }
        metrics = metricKeys.map { key in
            Row(
                key: key,
                values: details.map { d in
                    guard let s = d.summaries[key] else { return "—" }
                    return s.lastIsNaN ? "NaN" : s.last.map(formatNumber) ?? "—"
                })
        }
        choices = metricKeys.map { Choice(key: $0, selected: $0 == metric) }
        self.metric = metric
        self.curves = curves
    }
}
