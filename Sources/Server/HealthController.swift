// GET /api/health: is the daemon up, how deep is the queue, how busy are the workers. No token.
import Hummingbird
import Store

struct HealthController<Context: RequestContext>: Sendable {
    let store: LabStore
    let workers: WorkerPool?

    func addRoutes(to group: RouterGroup<Context>) {
        group.get(use: health)
    }

    @Sendable func health(_ request: Request, context: Context) async throws -> Health {
        let counts = try store.queueCounts()
        let pool = workers?.status
        return Health(
            status: pool?.stopping == true ? "stopping" : "ok", queued: counts[.queued] ?? 0,
            running: counts[.running] ?? 0, workers: pool?.workers ?? 0,
            busyWorkers: pool?.busy ?? 0)
    }
}
