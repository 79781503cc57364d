// POST /api/labs/:lab/check?filename=<name>: a student's self-check. The body is the file (or a
// packed folder) as for a submission; the lab's visible tests run in the sandbox and the answer
// is their feedback. Nothing is stored, it is not a submission, and it has its own rate limit.
import Foundation
import Hummingbird
import Store

struct CheckController<Context: RequestContext>: Sendable {
    let store: LabStore
    let configuration: ServerConfiguration
    let authenticator: Authenticator
    let checker: (any SubmissionChecker)?
    let limiter: CheckRateLimiter

    /// Routes under /api/labs.
    func addRoutes(to group: RouterGroup<Context>) {
        group.post(":lab/check", use: check)
    }

    @Sendable func check(_ request: Request, context: Context) async throws -> CheckReport {
        let student = try authenticator.student(for: request)
        let labID = try RunsController<Context>.pathParameter("lab", context)
        guard let filename = request.uri.queryParameters["filename"].map(String.init) else {
            throw ServerError.badRequest("missing ?filename=<name of the file> in the URL")
        }
        try SubmissionCheck.filename(filename)
        guard let lab = try store.lab(id: labID) else { throw ServerError.unknownLab(labID) }
        if lab.retiredAt != nil { throw ServerError.retiredLab(labID) }
        guard let checker, checker.points(lab: labID) != nil else {
            throw ServerError.unavailable(
                "this daemon cannot run lab '\(labID)''s tests: ask your instructor to restart"
                    + " it with the lab in labs/")
        }
        let content = try await SubmissionsController<Context>.fileContent(
            request, filename: filename, limit: configuration.maxSubmissionBytes)
        // Counted once the request is well formed, so a typo costs no check.
        try limiter.admit(student: student.id, lab: labID)
        let started = ContinuousClock.now
        let outcome = try await checker.check(
            CheckJob(studentID: student.id, labID: labID, filename: filename, content: content))
        let elapsed = ContinuousClock.now - started
        context.logger.info(
            "self-check", metadata: ["student": "\(student.id)", "lab": "\(labID)"])
        // Only visible tests ran, so the student sees each in full.
        let tests = outcome.tests.map(TestFeedback.init)
        return CheckReport(
            lab: labID, filename: filename, score: outcome.score, maxScore: outcome.maxScore,
            tests: tests,
            seconds: Double(elapsed.components.seconds)
                + Double(elapsed.components.attoseconds) / 1e18)
    }
}
