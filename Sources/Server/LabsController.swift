// GET /api/labs: the labs with their due dates and points. GET /api/labs/:lab/leaderboard: the
// class ranking under pseudonyms; an instructor may ask for real names with ?names=true.
import Foundation
import Hummingbird
import Store

struct LabsController<Context: RequestContext>: Sendable {
    let store: LabStore
    let authenticator: Authenticator
    let checker: (any SubmissionChecker)?
    let checkRateLimitPerHour: Int

    func addRoutes(to group: RouterGroup<Context>) {
        group.get(use: list)
        group.get(":lab/leaderboard", use: leaderboard)
    }

    /// Every synced lab, in the store's order; points come from the grader that will run them.
    @Sendable func list(_ request: Request, context: Context) async throws -> LabsBody {
        _ = try authenticator.student(for: request)
        let labs = try store.labs().map { lab in
            let points = checker?.points(lab: lab.id)
            return LabSummary(
                id: lab.id, title: lab.title, due: lab.due?.iso8601,
                lateDue: lab.lateDue?.iso8601, latePenalty: lab.latePenalty,
                counting: lab.counting.rawValue, rateLimitPerHour: lab.rateLimitPerHour,
                points: points?.total, visiblePoints: points?.visible, tests: points?.tests,
                visibleTests: points?.visibleTests)
        }
        return LabsBody(labs: labs, checkRateLimitPerHour: checkRateLimitPerHour)
    }

    /// Scores as the caller may see them: before the due date a student's board leaves the
    /// after_due tests out (LabConfig's Viewer).
    @Sendable func leaderboard(_ request: Request, context: Context) async throws
        -> LabLeaderboard
    {
        let student = try authenticator.student(for: request)
        let labID = try context.parameters.require("lab")
        let names = request.uri.queryParameters["names"].map { $0 == "true" || $0 == "1" } ?? false
        if names && !student.isInstructor {
            throw ServerError.notInstructor("the leaderboard with real names (?names=true)")
        }
        guard let lab = try store.lab(id: labID) else { throw ServerError.unknownLab(labID) }
        let rows = try store.leaderboard(
            lab: labID, counting: lab.counting, includeNames: names,
            viewer: student.viewer(now: Date()))
        return LabLeaderboard(lab: labID, counting: lab.counting, rows: rows)
    }
}
