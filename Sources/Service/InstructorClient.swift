// What the instructors' commands need (reports, the grades export, the roster and tokens,
// regrading), on the local data directory or over a daemon's HTTP API: one code path per command.
// Both sides answer with the same Codable values, so one render function serves both.
import Foundation
import Server
import Store
import Tracking

public protocol InstructorClient: Sendable {
    /// Every synced lab across the class (`report class`).
    func classOverview() async throws -> ClassOverviewBody
    /// One lab across the class (`report lab L`).
    func labReport(lab: String) async throws -> LabReportBody
    /// One student across every lab (`report student S`).
    func studentReport(student: String) async throws -> StudentReport
    /// One experiment (`report experiment E`): `metric` to plot, `rankBy` (`key.min|max|last`)
    /// to rank by, nil for the defaults.
    func experimentReport(name: String, metric: String?, rankBy: String?) async throws
        -> ExperimentReport
    /// Every experiment's report, by name (`report class`: the Experiments part, and with
    /// --markdown --out a section per experiment).
    func experimentReports() async throws -> [ExperimentReport]
    /// A lab's grades; `withResults` adds each counted submission's tests (for Gradescope).
    func gradesExport(lab: String, withResults: Bool) async throws -> GradesExportBody
    /// Everyone on the roster, instructors included, by id.
    func roster() async throws -> [RosterMember]
    /// Imports a roster CSV: all lines or none.
    func importRoster(csv: String) async throws -> RosterImportBody
    /// Adds or updates one person; an instructor also gets a token.
    func addStudent(_ student: NewStudentBody) async throws -> StudentAddedBody
    /// Issues a new API token (the old one stops working).
    func issueToken(student: String) async throws -> TokenBody
    /// A one-time sign-in link's code for the web pages (valid a week, used once).
    func signInLink(student: String) async throws -> SignInLinkBody
    /// Queues the lab's graded and failed submissions (of one student if given) again.
    func regrade(lab: String, student: String?) async throws -> RegradeBody
}

extension LocalClient: InstructorClient {
    public func classOverview() async throws -> ClassOverviewBody {
        let roster = try store.students().filter { !$0.isInstructor }.count
        return ClassOverviewBody(rosterSize: roster, labs: try store.classOverview())
    }

    public func labReport(lab: String) async throws -> LabReportBody {
        let record = try requireLab(lab)
        return LabReportBody(title: record.title, report: try store.classReport(lab: lab))
    }

    public func studentReport(student: String) async throws -> StudentReport {
        try requireStudent(student)
        return try store.studentReport(student: student)
    }

    public func experimentReport(name: String, metric: String?, rankBy: String?) async throws
        -> ExperimentReport
    {
        try store.experimentReport(experiment: name, metric: metric, rankBy: rankBy)
    }

    public func experimentReports() async throws -> [ExperimentReport] {
        try store.experimentReports()
    }

    public func gradesExport(lab: String, withResults: Bool) async throws -> GradesExportBody {
        try requireLab(lab)
        return GradesExportBody(
            lab: lab, rows: try store.gradesExport(lab: lab),
            counted: withResults ? try store.countedSubmissions(lab: lab) : nil)
    }

    public func roster() async throws -> [RosterMember] {
        try store.students().map(RosterMember.init)
    }

    public func importRoster(csv: String) async throws -> RosterImportBody {
        let result = try store.importRoster(csv: csv)
        return RosterImportBody(added: result.added, updated: result.updated)
    }

    public func addStudent(_ student: NewStudentBody) async throws -> StudentAddedBody {
        if let problem = student.problem { throw ServiceError.usage(problem) }
        let record = try store.addStudent(
            id: student.id, name: student.name,
            email: student.email.flatMap { $0.isEmpty ? nil : $0 },
            isInstructor: student.instructor ?? false, update: student.update ?? false)
        let token = record.isInstructor ? try store.issueToken(studentID: record.id) : nil
        let stored = try store.student(id: record.id) ?? record
        return StudentAddedBody(student: RosterMember(stored), token: token)
    }

    public func issueToken(student: String) async throws -> TokenBody {
        try requireStudent(student)
        return TokenBody(student: student, token: try store.issueToken(studentID: student))
    }

    public func signInLink(student: String) async throws -> SignInLinkBody {
        try requireStudent(student)
        guard let link = try store.createSignInLink(studentID: student, lifetime: signInLinkLifetime)
        else { throw ServiceError.usage("no student '\(student)' on the roster") }
        return SignInLinkBody(student: student, link: link)
    }

    public func regrade(lab: String, student: String?) async throws -> RegradeBody {
        try requireLab(lab)
        if let student { try requireStudent(student) }
        return RegradeBody(
            lab: lab, student: student, queued: try store.regrade(lab: lab, student: student))
    }
}
