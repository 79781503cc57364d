// Assembles the daemon: the router with its controllers and the error mapping, and the
// application that runs it beside the grading workers and the drop-folder watcher.
import Foundation
import Hummingbird
import Logging
import Store

public typealias AppRequestContext = BasicRequestContext

/// The whole daemon. `try await app.runService()` serves until SIGTERM/SIGINT, then shuts the
/// workers down gracefully (see WorkerPool).
public func buildApplication(
    _ configuration: ServerConfiguration, grader: any SubmissionGrader, store: LabStore,
    logger: Logger = Logger(label: "lmlab.server")
) -> some ApplicationProtocol {
    let workers = WorkerPool(
        store: store, grader: grader, configuration: configuration, logger: logger)
    let router = buildRouter(configuration, store: store, workers: workers)
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
/// - `POST /api/submissions?lab=<lab>&filename=<name.py|name.ipynb>`, raw file as the body,
///   `Authorization: Bearer <token>` → 202 SubmissionReceipt; 400 bad/missing query or empty
///   body, 401, 403 after late_due, 404 unknown lab, 413 over maxSubmissionBytes, 429 with
///   Retry-After over the lab's rate_limit_per_hour.
/// - `GET /api/submissions/:id` → SubmissionFeedback (own submissions; all for an instructor;
///   404 otherwise). Hidden tests show status and points only.
/// - `GET /api/labs/:lab/leaderboard[?names=true]` → Leaderboard (names: instructors only, 403).
/// - `GET /api/health` (no token) → Health.
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
    _ configuration: ServerConfiguration, store: LabStore, workers: WorkerPool?
) -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    router.add(middleware: ErrorMiddleware())
    let authenticator = Authenticator(store: store)
    SubmissionsController(
        store: store, configuration: configuration, authenticator: authenticator
    ).addRoutes(to: router.group("api/submissions"))
    LabsController(store: store, authenticator: authenticator)
        .addRoutes(to: router.group("api/labs"))
    HealthController(store: store, workers: workers).addRoutes(to: router.group("api/health"))
    let runs = RunsController<AppRequestContext>(store: store, authenticator: authenticator)
    runs.addRunRoutes(to: router.group("api/runs"))
    runs.addExperimentRoutes(to: router.group("api/experiments"))
    return router
}
