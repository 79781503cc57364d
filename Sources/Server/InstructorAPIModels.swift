// The JSON bodies of the instructors' endpoints (InstructorController). Reports are the store's
// own Codable structs, sent as they are, so the CLI renders a remote report with the same code
// as a local one. Dates are ISO 8601 strings.
import Foundation
import Hummingbird
import Store
import Tracking

/// Answer to GET /api/reports/class: what `lmlab report class` prints.
public struct ClassOverviewBody: ResponseCodable, Sendable, Equatable {
    /// Students on the roster (instructors left out).
    public var rosterSize: Int
    public var labs: [ClassOverviewRow]

    public init(rosterSize: Int, labs: [ClassOverviewRow]) {
        self.rosterSize = rosterSize
        self.labs = labs
    }

    /// The overview as the store holds it now (the JSON answer and the instructor's page).
    init(store: LabStore) throws {
        self.init(
            rosterSize: try store.students().filter { !$0.isInstructor }.count,
            labs: try store.classOverview())
    }
}

/// Answer to GET /api/reports/labs/:lab.
public struct LabReportBody: ResponseCodable, Sendable, Equatable {
    public var title: String
    public var report: ClassReport

    public init(title: String, report: ClassReport) {
        self.title = title
        self.report = report
    }
}

/// Answer to GET /api/reports/students/:id; the student's token hash is never sent.
public struct StudentReportBody: ResponseCodable, Sendable, Equatable {
    public var report: StudentReport

    public init(report: StudentReport) { self.report = report.withoutSecrets }
}

/// Answer to GET /api/experiments/:name/report[?metric=M&rank_by=K]: what `lmlab report
/// experiment E` prints. Metric values that are not finite are "NaN", "Infinity", "-Infinity".
public struct ExperimentReportBody: ResponseCodable, Sendable, Equatable {
    public var report: ExperimentReport

    public init(report: ExperimentReport) { self.report = report }
}

/// Answer to GET /api/reports/experiments: every experiment's report, by name, each with its
/// default metric and ranking (the class report's Experiments part and Markdown sections).
public struct ExperimentReportsBody: ResponseCodable, Sendable, Equatable {
    public var experiments: [ExperimentReport]

    public init(experiments: [ExperimentReport]) { self.experiments = experiments }
}

/// Answer to GET /api/exports/grades?lab=L[&results=true]: one row per roster student, and
/// with `results` each counted submission's test results (for Gradescope's results.json).
public struct GradesExportBody: ResponseCodable, Sendable, Equatable {
    public var lab: String
    public var rows: [GradeExportRow]
    public var counted: [CountedSubmission]?

    public init(lab: String, rows: [GradeExportRow], counted: [CountedSubmission]?) {
        self.lab = lab
        self.rows = rows
        self.counted = counted
    }
}

/// One person on the roster as the API shows them: whether a token was issued, never its hash.
public struct RosterMember: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var email: String?
    public var pseudonym: String
    public var isInstructor: Bool
    public var hasToken: Bool

    public init(_ student: StudentRecord) {
        id = student.id
        name = student.name
        email = student.email
        pseudonym = student.pseudonym
        isInstructor = student.isInstructor
        hasToken = student.tokenHash != nil
    }
}

/// Answer to GET /api/students: everyone on the roster, instructors included, by id.
public struct RosterBody: ResponseCodable, Sendable, Equatable {
    public var students: [RosterMember]

    public init(students: [RosterMember]) { self.students = students }
}

/// Answer to POST /api/students/import.
public struct RosterImportBody: ResponseCodable, Sendable, Equatable {
    public var added: Int
    public var updated: Int

    public init(added: Int, updated: Int) {
        self.added = added
        self.updated = updated
    }
}

/// The body of POST /api/students: add (or update) one person.
public struct NewStudentBody: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var email: String?
    /// An instructor also gets an API token in the answer.
    public var instructor: Bool?
    /// True to change a student already on the roster; without it an existing id is a 409.
    public var update: Bool?

    public init(
        id: String, name: String, email: String? = nil, instructor: Bool = false,
        update: Bool = false
    ) {
        self.id = id
        self.name = name
        self.email = email
        self.instructor = instructor
        self.update = update
    }

    /// What is wrong with the id or name, if anything: ids name folders (the drop folder's
    /// `submissions/<student>/`), so no '/' and no leading '.'.
    public var problem: String? {
        if let problem = StudentRecord.idProblem(id) { return problem }
        if name.trimmingCharacters(in: .whitespaces).isEmpty {
            return "student '\(id)' needs a name"
        }
        if let email, !email.isEmpty, !email.contains("@") {
            return "'\(email)' is not an email address"
        }
        return nil
    }
}

/// Answer to POST /api/students (201).
public struct StudentAddedBody: ResponseCodable, Sendable, Equatable {
    public var student: RosterMember
    /// A new API token, for an instructor only (shown once).
    public var token: String?

    public init(student: RosterMember, token: String?) {
        self.student = student
        self.token = token
    }
}

/// Answer to POST /api/students/:id/token: the new token, shown once (the old one stops working).
/// Answer to POST /api/students/:id/link: a one-time sign-in code for the web pages, which
/// `GET /sign-in/link/:code` redeems (once, before `expiresAt`).
public struct SignInLinkBody: ResponseCodable, Sendable, Equatable {
    public var student: String
    public var code: String
    public var path: String
    public var expiresAt: String

    public init(student: String, link: NewSignInLink) {
        self.student = student
        self.code = link.code
        self.path = "/sign-in/link/" + link.code
        self.expiresAt = link.expiresAt.iso8601
    }
}

public struct TokenBody: ResponseCodable, Sendable, Equatable {
    public var student: String
    public var token: String

    public init(student: String, token: String) {
        self.student = student
        self.token = token
    }
}

/// Answer to POST /api/regrade?lab=L[&student=S].
public struct RegradeBody: ResponseCodable, Sendable, Equatable {
    public var lab: String
    public var student: String?
    /// How many graded or failed submissions were queued again.
    public var queued: Int

    public init(lab: String, student: String?, queued: Int) {
        self.lab = lab
        self.student = student
        self.queued = queued
    }
}
