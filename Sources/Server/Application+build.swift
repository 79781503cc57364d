// Assembles the daemon: the router with its controllers and the error mapping, and the
// application that runs it beside the grading workers and the drop-folder watcher.
import Foundation
import Grading
import Hummingbird
import Logging
import Store

/// The daemon's request context: Hummingbird's basic one, answering and reading JSON as every
/// lmlab output does (LMLabJSON: non-finite numbers a grade can hold survive as strings).
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage

    public init(source: Source) { coreContext = .init(source: source) }

    public var requestDecoder: JSONDecoder { LMLabJSON.decoder() }
    public var responseEncoder: JSONEncoder { LMLabJSON.encoder() }
}

/// The whole daemon. `try await app.runService()` serves until SIGTERM/SIGINT, then shuts the
/// workers down gracefully (see WorkerPool).
/// `checker` runs students' self-checks (nil: POST /api/labs/:lab/check answers 503).
/// `lecture` is the model the lecture's pages run (nil: those pages answer 503 with what to do).
public func buildApplication(
    _ configuration: ServerConfiguration, grader: any SubmissionGrader, store: LabStore,
    checker: (any SubmissionChecker)? = nil, lecture: LectureModel? = nil,
    logger: Logger = Logger(label: "lmlab.server")
) -> some ApplicationProtocol {
    let workers = WorkerPool(
        store: store, grader: grader, configuration: configuration, logger: logger)
    let router = buildRouter(
        configuration, store: store, workers: workers, checker: checker, lecture: lecture)
    var app = Application(
        router: router,
        configuration: .init(
            address: .hostname(configuration.host, port: configuration.port),
            serverName: "lmlab"),
        logger: logger)
    app.addServices(workers)
    if let folder = configuration.dropFolder {
        app.addServices(
            DropFolderWatcher(
                folder: folder, store: store, interval: configuration.dropScanInterval,
                logger: logger))
    }
    return app
}

/// The HTTP API alone; `workers` feeds /api/health (nil: no workers in this process).
///
/// - `POST /api/submissions?lab=<lab>&filename=<name.py|name.ipynb|name.lmlab-folder.json>`, raw
///   file (or a folder packed as a SubmissionBundle) as the body, `Authorization: Bearer
///   <token>` → 202 SubmissionReceipt; 400 bad/missing query, empty body or malformed bundle,
///   401, 403 after late_due, 404 unknown lab, 413 over maxSubmissionBytes, 429 with
///   Retry-After over the lab's rate_limit_per_hour.
/// - `GET /api/submissions/:id` → SubmissionFeedback (own submissions; all for an instructor;
///   404 otherwise), filtered by LabConfig's Viewer: a student sees hidden tests only in its
///   `tally` (how many passed, their points) and after_due tests not before the due date.
/// - `GET /api/labs/:lab/submissions/latest[?student=S]` → SubmissionFeedback of the caller's
///   latest submission (an instructor names any student; a student naming another: 403); 404
///   unknown lab or student, or no submission yet.
/// Instructors only (401 without a known token, 403 with a student's):
/// - `GET /api/reports/class` → ClassOverviewBody; `GET /api/reports/labs/:lab` →
///   LabReportBody (404 unknown lab); `GET /api/reports/students/:id` → StudentReportBody (404
///   unknown student; no token hash).
/// - `GET /api/experiments/:name/report[?metric=M&rank_by=key.min|max|last]` →
///   ExperimentReportBody (404 unknown experiment, 400 unknown metric or bad rank_by); `GET
///   /api/reports/experiments` → ExperimentReportsBody (every experiment's report).
/// - `GET /api/exports/grades?lab=L[&results=true]` → GradesExportBody (with results: each
///   counted submission's tests, for Gradescope); 400 without lab, 404 unknown lab.
/// - `GET /api/students` → RosterBody (no token hashes); `POST /api/students/import`, the CSV
///   as the body → RosterImportBody (all lines or none; 400 naming the bad line); `POST
///   /api/students`, JSON NewStudentBody → 201 StudentAddedBody (a token for an instructor);
///   `POST /api/students/:id/token` → TokenBody (shown once; 404 unknown student).
/// - `POST /api/regrade?lab=L[&student=S]` → RegradeBody (how many were queued again).
/// - `GET /api/labs/:lab/leaderboard[?names=true]` → LabLeaderboard (names: instructors only,
///   403); before the due date a student's board counts no after_due points.
/// - `GET /api/labs` → LabsBody (due dates, points, rate limits).
/// - `POST /api/labs/:lab/check?filename=<name>`, the file as for a submission → CheckReport:
///   the visible tests in the sandbox, not stored, not a submission; 400, 401, 404, 413, 429
///   over `checkRateLimitPerHour` (its own limit), 503 without a checker.
/// - `GET /client/lmlab_client.py` (no token) → the Python client (503 without one).
/// - `GET /api/health` (no token) → Health.
/// - `GET /api/openapi.json` (no token) → this API's OpenAPI description (OpenAPIDocument).
/// - `POST /api/runs/batch`, a JSON batch (labs/client/PROTOCOL.md) of at most 4 MiB →
///   RunBatchReceipt; 400 malformed (names the entry), 401, 403 another student's run, 404
///   unknown run, 409 param changed / run ended / run in another experiment, 413.
/// - `GET /api/runs/:id` → RunDetailsBody (own runs; all for an instructor; 404 otherwise).
/// - `GET /api/experiments/:name/runs?filter=&order_by=&limit=` → RunSearchBody (a student's
///   own runs; limit 1…10,000, default 100; 400 for a bad filter, 404 unknown experiment).
/// - `GET /api/experiments/:name/leaderboard?metric=&order=asc|desc&where=[&names=true]` →
///   ExperimentLeaderboardBody (one row per student, pseudonyms; names: instructors only).
/// Every error body is `{"error": "<message>"}` (ErrorMiddleware).
public func buildRouter(
    _ configuration: ServerConfiguration, store: LabStore, workers: WorkerPool?,
    checker: (any SubmissionChecker)? = nil, lecture: LectureModel? = nil
) -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    router.add(middleware: ErrorMiddleware())
    let authenticator = Authenticator(store: store)
    let submissions = SubmissionsController<AppRequestContext>(
        store: store, configuration: configuration, authenticator: authenticator)
    submissions.addRoutes(to: router.group("api/submissions"))
    submissions.addLabRoutes(to: router.group("api/labs"))
    LabsController<AppRequestContext>(
        store: store, authenticator: authenticator, checker: checker,
        checkRateLimitPerHour: configuration.checkRateLimitPerHour
    ).addRoutes(to: router.group("api/labs"))
    CheckController<AppRequestContext>(
        store: store, configuration: configuration, authenticator: authenticator,
        checker: checker, limiter: CheckRateLimiter(perHour: configuration.checkRateLimitPerHour)
    ).addRoutes(to: router.group("api/labs"))
    ClientController<AppRequestContext>(script: configuration.clientScript)
        .addRoutes(to: router.group("client"))
    HealthController(store: store, workers: workers).addRoutes(to: router.group("api/health"))
    OpenAPIController<AppRequestContext>().addRoutes(to: router.group("api/openapi.json"))
    let runs = RunsController<AppRequestContext>(store: store, authenticator: authenticator)
    runs.addRunRoutes(to: router.group("api/runs"))
    runs.addExperimentRoutes(to: router.group("api/experiments"))
    let instructor = InstructorController<AppRequestContext>(
        store: store, authenticator: authenticator)
    instructor.addReportRoutes(to: router.group("api/reports"))
    instructor.addExperimentRoutes(to: router.group("api/experiments"))
    instructor.addExportRoutes(to: router.group("api/exports"))
    instructor.addStudentRoutes(to: router.group("api/students"))
    instructor.addRegradeRoutes(to: router.group("api/regrade"))
    // The templates are constants of this program: one failing to parse is a bug caught by the
    // web tests, and the daemon then serves the API without pages rather than not at all.
    if let renderer = try? WebRenderer() {
        let web = WebResponder(store: store, renderer: renderer)
        WebController<AppRequestContext>(web: web, submissions: submissions, checker: checker)
            .addRoutes(to: router)
        RunsWebController<AppRequestContext>(web: web).addRoutes(to: router)
        InstructorWebController<AppRequestContext>(web: web).addRoutes(to: router)
        LectureWebController<AppRequestContext>(web: web, lecture: lecture).addRoutes(to: router)
    }
    return router
}
