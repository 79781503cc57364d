// A row of `students`: one person on the roster (or an instructor), with their pseudonym and
// the hash of their API token.
import Foundation
import GRDB
import LabConfig

public struct StudentRecord: Sendable, Equatable, Codable {
    /// The roster id (e.g. a university login).
    public var id: String
    public var name: String
    public var email: String?
    /// The public name on leaderboards, derived from the id (see `Pseudonym`).
    public var pseudonym: String
    /// The SHA-256 hex of the student's API token; nil until one is issued.
    public var tokenHash: String?
    public var isInstructor: Bool
    public var createdAt: Date

    public init(
        id: String, name: String, email: String?, pseudonym: String, tokenHash: String? = nil,
        isInstructor: Bool = false, createdAt: Date
    ) {
        self.id = id
        self.name = name
        self.email = email
        self.pseudonym = pseudonym
        self.tokenHash = tokenHash
        self.isInstructor = isInstructor
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id, name, email, pseudonym
        case tokenHash = "token_hash"
        case isInstructor = "is_instructor"
        case createdAt = "created_at"
    }
}

extension StudentRecord: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "students"
}

extension StudentRecord {
    /// Who this person is to the visibility rule at `now`: an instructor, or a student.
    /// Why `id` cannot be a student's id, or nil: ids name folders (the drop folder, the
    /// Gradescope export's `<student>/results.json`), so no '/', no leading '.', no control
    /// characters, and not empty. The roster import and `students add` share this rule.
    public static func idProblem(_ id: String) -> String? {
        if id.isEmpty || id.contains("/") || id.contains("\\") || id.hasPrefix(".")
            || id.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        {
            return "the id must be non-empty, without '/', '\\', control characters or a leading "
                + "'.' (got \(String(reflecting: id)))"
        }
        return nil
    }

    public func viewer(now: Date) -> Viewer { isInstructor ? .instructor : .student(now: now) }
}
