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
    return router
}
