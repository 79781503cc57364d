// GET /api/labs/:lab/leaderboard: the class ranking under pseudonyms; an instructor may ask for
// real names with ?names=true.
import Foundation
import Hummingbird
import Store

struct LabsController<Context: RequestContext>: Sendable {
    let store: LabStore
    let authenticator: Authenticator

    func addRoutes(to group: RouterGroup<Context>) {
        group.get(":lab/leaderboard", use: leaderboard)
    }

    /// Scores as the caller may see them: before the due date a student's board leaves the
    /// after_due tests out (Grading's Viewer).
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
