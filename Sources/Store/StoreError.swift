// The errors the store reports: each says what was wrong and what to do about it.
import Foundation

public enum StoreError: Error, CustomStringConvertible, Equatable {
    /// No student with this id is on the roster.
    case unknownStudent(String)
    /// No lab with this id has been synced.
    case unknownLab(String)
    /// The lab was retired (a sync found it gone from labs/ or invalid): it takes no new
    /// submissions.
    case retiredLab(String)
    /// No submission with this id exists.
    case unknownSubmission(Int64)
    /// The submission arrived after the lab's last (late) deadline.
    case pastLateDeadline(lab: String, lateDue: Date)
    /// The worker no longer holds the lease on a submission (it expired and was re-queued,
    /// or another worker holds it): its result must be dropped.
    case leaseLost(submission: Int64, worker: String)
    /// A roster CSV problem, with the 1-based line it was found on.
    case roster(line: Int, reason: String)
    /// A stored submission blob is missing or does not match its hash.
    case blob(sha256: String, reason: String)
    /// The data directory or a file in it could not be created or written.
    case io(path: String, reason: String)
    /// The student already made the lab's `limit` submissions in the last hour; the next one
    /// is accepted in `retryAfterSeconds`.
    case rateLimited(lab: String, limit: Int, retryAfterSeconds: Int)
    /// Adding a student whose id is taken, without asking for an update.
    case studentExists(id: String, name: String)

    public var description: String {
        switch self {
        case .unknownStudent(let id):
            return "unknown student '\(id)': import the roster (id,name,email) that lists them"
        case .unknownLab(let id):
            return "unknown lab '\(id)': sync the lab (its lab.toml) before using it"
        case .retiredLab(let id):
            return "lab '\(id)' was retired (it is no longer in the course's labs/ folder) and"
                + " accepts no new submissions; ask the instructor which lab replaces it"
        case .unknownSubmission(let id):
            return "unknown submission #\(id): check the id (list submissions to find it)"
        case .pastLateDeadline(let lab, let lateDue):
            return "lab '\(lab)' stopped accepting submissions at \(lateDue) (its late deadline);"
                + " ask the instructor for an extension"
        case .leaseLost(let submission, let worker):
            return "worker '\(worker)' no longer holds submission #\(submission) (its lease"
                + " expired or it was re-queued); its result was discarded and it will be"
                + " graded again"
        case .roster(let line, let reason):
            return "roster line \(line): \(reason); fix the CSV (nothing was imported)"
        case .blob(let sha256, let reason):
            return "submission blob \(sha256): \(reason); re-submit the file or restore the"
                + " data directory's blobs folder"
        case .io(let path, let reason):
            return "cannot write \(path): \(reason); check the data directory's permissions"
                + " and free space"
        case .rateLimited(let lab, let limit, let retry):
            return "at most \(limit) submissions per hour for lab '\(lab)' (the lab's limit):"
                + " try again in \(retry) s"
        case .studentExists(let id, let name):
            return "student '\(id)' is already on the roster (as \(name)); ask for an update"
                + " (--update, or \"update\": true) to change their name or e-mail"
        }
    }
}
