// The errors the course service reports to the CLI: each says what was wrong and what to do.
import Foundation

public enum ServiceError: Error, CustomStringConvertible, Equatable {
    /// A path given on the command line does not exist.
    case missingFile(String)
    /// No lab with this id in the store (or on the server).
    case unknownLab(String, known: [String])
    case unknownStudent(String)
    case unknownSubmission(Int64)
    /// The student has no submission to this lab.
    case noSubmission(student: String, lab: String)
    /// A submission that cannot be handed in as it is.
    case badSubmission(String)
    /// The server could not be reached at all.
    case unreachable(server: String, reason: String)
    /// The server answered with an error.
    case server(status: Int, message: String)
    /// A usage problem with the options given.
    case usage(String)
    /// Waiting for grading gave up.
    case timedOut(String)

    public var description: String {
        switch self {
        case .missingFile(let path):
            return "\(path): no such file or folder; check the path"
        case .unknownLab(let id, let known):
            let list = known.isEmpty ? "none synced yet — run `lmlab serve` or `lmlab demo` to sync labs/"
                : known.joined(separator: ", ")
            return "unknown lab '\(id)' (known labs: \(list))"
        case .unknownStudent(let id):
            return "unknown student '\(id)': import the roster (`lmlab students import roster.csv`)"
                + " or add them (`lmlab students add \(id) --name …`)"
        case .unknownSubmission(let id):
            return "no submission #\(id); `lmlab feedback --latest --lab L --student S` finds the latest"
        case .noSubmission(let student, let lab):
            return "\(student) has no submission to lab \(lab) yet; hand one in with"
                + " `lmlab submit <path> --lab \(lab)`"
        case .badSubmission(let message):
            return message
        case .unreachable(let server, let reason):
            return "cannot reach the lmlab server at \(server) (\(reason)); is `lmlab serve` running"
                + " there? check --server / $LMLAB_SERVER"
        case .server(let status, let message):
            return "the server refused (HTTP \(status)): \(message)"
        case .usage(let message):
            return message
        case .timedOut(let message):
            return message
        }
    }
}
