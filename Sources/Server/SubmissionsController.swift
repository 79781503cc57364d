// POST /api/submissions, GET /api/submissions/:id and GET /api/labs/:lab/submissions/latest:
// students hand in a file (or a folder packed as a SubmissionBundle) and read back its status
// and feedback. The body is the raw file; `?lab=<lab>&filename=<name>` says what it is
// (`curl --data-binary @attention.py -H "Authorization: Bearer $TOKEN"
//  "http://127.0.0.1:8080/api/submissions?lab=attention&filename=attention.py"`).
import Foundation
import Hummingbird
import Store

struct SubmissionsController<Context: RequestContext>: Sendable {
    let store: LabStore
    let configuration: ServerConfiguration
    let authenticator: Authenticator
    /// Uploads refused after their body was read; they count against the rate limit.
    var refused = RefusedUploads()

    func addRoutes(to group: RouterGroup<Context>) {
        group.post(use: create)
        group.get(":id", use: show)
    }

    /// Routes under /api/labs.
    func addLabRoutes(to group: RouterGroup<Context>) {
        group.get(":lab/submissions/latest", use: latest)
    }

    @Sendable func create(_ request: Request, context: Context) async throws
        -> EditedResponse<SubmissionReceipt>
    {
        let student = try authenticator.student(for: request)
        let query = request.uri.queryParameters
        guard let labID = query["lab"].map(String.init), !labID.isEmpty else {
            throw ServerError.badRequest("missing ?lab=<lab id> in the URL")
        }
        guard let filename = query["filename"].map(String.init) else {
            throw ServerError.badRequest("missing ?filename=<name of the file> in the URL")
        }
        try SubmissionCheck.filename(filename)
        let now = Date()
        try admit(student: student, labID: labID, now: now)
        let content = try await Self.body(request, limit: configuration.maxSubmissionBytes)
        let id = try enqueue(
            student: student, labID: labID, filename: filename, content: content, now: now)
        context.logger.info(
            "submission received",
            metadata: [
                "submission": "\(id)", "student": "\(student.id)", "lab": "\(labID)",
                "bytes": "\(content.count)",
            ])
        // The stored row says whether it is late: the store decided, by the lab's deadlines.
        guard let record = try store.submission(id: id) else {
            throw ServerError.submissionNotFound(id)
        }
        var receipt = SubmissionReceipt(record)
        receipt.status = SubmissionStatus.queued.rawValue  // as handed in, whatever a worker does
        return EditedResponse(status: .accepted, response: receipt)
    }

    /// Whether `student` may hand in to `labID` now: the lab exists and is open (not retired, not
    /// past its late due date) and the student is under its rate limit. Checked before an
    /// upload's body is read; the store checks the limit again in the insert's transaction.
    func admit(student: StudentRecord, labID: String, now: Date) throws {
        guard let lab = try store.lab(id: labID) else { throw ServerError.unknownLab(labID) }
        if lab.retiredAt != nil { throw ServerError.retiredLab(labID) }
        if case .closed(let lateDue) = lab.lateRule.standing(at: now) {
            throw ServerError.pastLateDue(lab: labID, lateDue: lateDue)
        }
        try store.checkRateLimit(
            student: student.id, lab: lab, now: now,
            alsoCounting: refused.recent(student: student.id, lab: labID, now: now))
    }

    /// Queues `content` as `filename` once it is what its name says (a refused file counts
    /// against the rate limit); returns the submission's id. The API and the upload page both
    /// hand in through here, after `admit`.
    func enqueue(
        student: StudentRecord, labID: String, filename: String, content: Data, now: Date
    ) throws -> Int64 {
        do {
            try SubmissionCheck.content(content, filename: filename)
        } catch {
            refused.record(student: student.id, lab: labID, at: now)
            throw error
        }
        // The limit again, in the insert's own transaction: a request that raced another for
        // the last slot while its body arrived is refused here (429 too).
        return try store.enqueue(
            student: student.id, lab: labID, filename: filename, content: content,
            source: .http, submittedAt: now, enforcingRateLimit: true,
            alsoCounting: refused.recent(student: student.id, lab: labID, now: now))
    }

    @Sendable func show(_ request: Request, context: Context) async throws -> SubmissionFeedback {
        let student = try authenticator.student(for: request)
        guard let id = context.parameters.get("id", as: Int64.self) else {
            throw ServerError.badRequest("submission id must be a number")
        }
        return try feedback(id: id, viewer: student)
    }

    /// The caller's own latest submission to the lab; an instructor names the student with
    /// `?student=S`. The same view as GET /api/submissions/:id; 404 when there is none.
    @Sendable func latest(_ request: Request, context: Context) async throws -> SubmissionFeedback {
        let viewer = try authenticator.student(for: request)
        let labID = try RunsController<Context>.pathParameter("lab", context)
        let asked = RunsController<Context>.formQuery(request)["student"]
            .flatMap { $0.isEmpty ? nil : $0 }
        if let asked, asked != viewer.id, !viewer.isInstructor {
            throw ServerError.notInstructor("another student's submissions (?student=)")
        }
        let studentID = asked ?? viewer.id
        guard try store.lab(id: labID) != nil else { throw ServerError.unknownLab(labID) }
        guard try store.student(id: studentID) != nil else {
            throw ServerError.studentNotFound(studentID)
        }
        guard let record = try store.latestSubmission(student: studentID, lab: labID),
            let id = record.id
        else {
            throw ServerError.noSubmission(student: studentID, lab: labID)
        }
        return try feedback(id: id, viewer: viewer)
    }

    /// Submission `id` as `student` may see it (LabConfig's Viewer decides what that is).
    func feedback(id: Int64, viewer student: StudentRecord) throws -> SubmissionFeedback {
        // Someone else's submission is reported as missing, so ids reveal nothing.
        guard let submission = try store.submission(id: id),
            student.isInstructor || submission.studentID == student.id,
            let feedback = try store.submissionFeedback(id: id, viewer: student.viewer(now: Date()))
        else {
            throw ServerError.submissionNotFound(id)
        }
        return feedback
    }

    /// The request body: at most `limit` bytes (413 otherwise, before reading when
    /// Content-Length says so) and not empty.
    static func body(_ request: Request, limit: Int) async throws -> Data {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit {
            throw ServerError.tooLarge(limit: limit)
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw ServerError.tooLarge(limit: limit)
        }
        guard buffer.readableBytes > 0 else {
            throw ServerError.badRequest("empty body: send the file's bytes as the request body")
        }
        return Data(buffer.readableBytesView)
    }

    /// The request body as a handed-in file: `body(_:limit:)`, then what `SubmissionCheck`
    /// requires of its content (UTF-8 `.py`, a notebook, a packed folder within its limits).
    static func fileContent(_ request: Request, filename: String, limit: Int) async throws -> Data
    {
        let content = try await body(request, limit: limit)
        try SubmissionCheck.content(content, filename: filename)
        return content
    }
}
