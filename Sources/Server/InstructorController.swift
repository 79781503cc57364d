// The instructors' endpoints: reports, the grades export, the roster and tokens, regrading —
// what `lmlab report|export|students|regrade --server URL` call. An instructor's token only:
// 401 without a known token, 403 with a student's.
import Foundation
import Hummingbird
import Store
import Tracking

struct InstructorController<Context: RequestContext>: Sendable {
    let store: LabStore
    let authenticator: Authenticator

    /// Largest accepted roster CSV.
    static var maxRosterBytes: Int { 1 << 20 }

    /// Routes under /api/reports.
    func addReportRoutes(to group: RouterGroup<Context>) {
        group.get("class", use: classOverview)
        group.get("labs/:lab", use: labReport)
        group.get("students/:id", use: studentReport)
        group.get("experiments", use: experimentReports)
    }

    /// Routes under /api/experiments (beside RunsController's search and leaderboard).
    func addExperimentRoutes(to group: RouterGroup<Context>) {
        group.get(":name/report", use: experimentReport)
    }

    /// Routes under /api/exports.
    func addExportRoutes(to group: RouterGroup<Context>) {
        group.get("grades", use: grades)
    }

    /// Routes under /api/students.
    func addStudentRoutes(to group: RouterGroup<Context>) {
        group.get(use: roster)
        group.post("import", use: importRoster)
        group.post(use: addStudent)
        group.post(":id/token", use: issueToken)
        group.post(":id/link", use: signInLink)
    }

    /// Routes under /api/regrade.
    func addRegradeRoutes(to group: RouterGroup<Context>) {
        group.post(use: regrade)
    }

    // MARK: - Reports

    @Sendable func classOverview(_ request: Request, context: Context) async throws
        -> ClassOverviewBody
    {
        _ = try authenticator.instructor(for: request, "the class report")
        return try ClassOverviewBody(store: store)
    }

    @Sendable func labReport(_ request: Request, context: Context) async throws -> LabReportBody {
        _ = try authenticator.instructor(for: request, "a lab's class report")
        let labID = try RunsController<Context>.pathParameter("lab", context)
        guard let lab = try store.lab(id: labID) else { throw ServerError.unknownLab(labID) }
        return LabReportBody(title: lab.title, report: try store.classReport(lab: labID))
    }

    @Sendable func studentReport(_ request: Request, context: Context) async throws
        -> StudentReportBody
    {
        _ = try authenticator.instructor(for: request, "a student's report")
        let id = try RunsController<Context>.pathParameter("id", context)
        guard try store.student(id: id) != nil else { throw ServerError.studentNotFound(id) }
        return StudentReportBody(report: try store.studentReport(student: id))
    }

    /// `?metric=M&rank_by=key.min|max|last` (both optional): 404 unknown experiment, 400
    /// unknown metric or a rank_by that does not parse.
    @Sendable func experimentReport(_ request: Request, context: Context) async throws
        -> ExperimentReportBody
    {
        _ = try authenticator.instructor(for: request, "an experiment's report")
        let name = try RunsController<Context>.pathParameter("name", context)
        let query = RunsController<Context>.formQuery(request)
        func option(_ key: String) -> String? { query[key].flatMap { $0.isEmpty ? nil : $0 } }
        return ExperimentReportBody(
            report: try store.experimentReport(
                experiment: name, metric: option("metric"), rankBy: option("rank_by")))
    }

    @Sendable func experimentReports(_ request: Request, context: Context) async throws
        -> ExperimentReportsBody
    {
        _ = try authenticator.instructor(for: request, "the experiments' reports")
        return ExperimentReportsBody(experiments: try store.experimentReports())
    }

    // MARK: - Export

    /// `?lab=L[&results=true]`.
    @Sendable func grades(_ request: Request, context: Context) async throws -> GradesExportBody {
        _ = try authenticator.instructor(for: request, "the grades export")
        let query = RunsController<Context>.formQuery(request)
        let labID = try Self.requiredLab(query)
        guard try store.lab(id: labID) != nil else { throw ServerError.unknownLab(labID) }
        let withResults = query["results"].map { $0 == "true" || $0 == "1" } ?? false
        return GradesExportBody(
            lab: labID, rows: try store.gradesExport(lab: labID),
            counted: withResults ? try store.countedSubmissions(lab: labID) : nil)
    }

    // MARK: - Roster

    @Sendable func roster(_ request: Request, context: Context) async throws -> RosterBody {
        _ = try authenticator.instructor(for: request, "the roster")
        return RosterBody(students: try store.students().map(RosterMember.init))
    }

    /// The body is the CSV itself (header id,name,email); all lines or none, 400 naming the
    /// first bad line.
    @Sendable func importRoster(_ request: Request, context: Context) async throws
        -> RosterImportBody
    {
        _ = try authenticator.instructor(for: request, "importing a roster")
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: Self.maxRosterBytes)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw ServerError.http(
                .contentTooLarge, "a roster of at most \(Self.maxRosterBytes) bytes is accepted")
        }
        guard let text = String(data: Data(buffer.readableBytesView), encoding: .utf8) else {
            throw ServerError.badRequest("the roster is not UTF-8 text; save the CSV as UTF-8")
        }
        let result = try store.importRoster(csv: text)
        context.logger.info(
            "roster imported",
            metadata: ["added": "\(result.added)", "updated": "\(result.updated)"])
        return RosterImportBody(added: result.added, updated: result.updated)
    }

    @Sendable func addStudent(_ request: Request, context: Context) async throws
        -> EditedResponse<StudentAddedBody>
    {
        _ = try authenticator.instructor(for: request, "adding a student")
        let body: NewStudentBody
        do {
            body = try await request.decode(as: NewStudentBody.self, context: context)
        } catch {
            throw ServerError.badRequest(
                "expected JSON {\"id\": …, \"name\": …, \"email\": …, \"instructor\": false,"
                    + " \"update\": false}:"
                    + " \(error)")
        }
        if let problem = body.problem { throw ServerError.badRequest(problem) }
        let email = body.email.flatMap { $0.isEmpty ? nil : $0 }
        let record = try store.addStudent(
            id: body.id, name: body.name, email: email, isInstructor: body.instructor ?? false,
            update: body.update ?? false)
        let token = record.isInstructor ? try store.issueToken(studentID: record.id) : nil
        let member = try store.student(id: record.id).map(RosterMember.init) ?? RosterMember(record)
        return EditedResponse(
            status: .created, response: StudentAddedBody(student: member, token: token))
    }

    /// A new token replaces the old one, which stops working at once.
    @Sendable func issueToken(_ request: Request, context: Context) async throws -> TokenBody {
        _ = try authenticator.instructor(for: request, "issuing API tokens")
        let id = try RunsController<Context>.pathParameter("id", context)
        guard try store.student(id: id) != nil else { throw ServerError.studentNotFound(id) }
        return TokenBody(student: id, token: try store.issueToken(studentID: id))
    }

    @Sendable func signInLink(_ request: Request, context: Context) async throws -> SignInLinkBody {
        _ = try authenticator.instructor(for: request, "making sign-in links")
        let id = try RunsController<Context>.pathParameter("id", context)
        guard let link = try store.createSignInLink(studentID: id, lifetime: signInLinkLifetime)
        else { throw ServerError.studentNotFound(id) }
        return SignInLinkBody(student: id, link: link)
    }

    // MARK: - Regrade

    /// `?lab=L[&student=S]`: queues the lab's graded and failed submissions again.
    @Sendable func regrade(_ request: Request, context: Context) async throws -> RegradeBody {
        _ = try authenticator.instructor(for: request, "regrading")
        let query = RunsController<Context>.formQuery(request)
        let labID = try Self.requiredLab(query)
        guard try store.lab(id: labID) != nil else { throw ServerError.unknownLab(labID) }
        let studentID = query["student"].flatMap { $0.isEmpty ? nil : $0 }
        if let studentID, try store.student(id: studentID) == nil {
            throw ServerError.studentNotFound(studentID)
        }
        let count = try store.regrade(lab: labID, student: studentID)
        context.logger.info(
            "regrade queued",
            metadata: ["lab": "\(labID)", "student": "\(studentID ?? "*")", "count": "\(count)"])
        return RegradeBody(lab: labID, student: studentID, queued: count)
    }

    static func requiredLab(_ query: [String: String]) throws -> String {
        guard let lab = query["lab"], !lab.isEmpty else {
            throw ServerError.badRequest("missing ?lab=<lab id> in the URL")
        }
        return lab
    }
}
