// The CourseClient over the local data directory: submissions go straight into the store's
// durable queue (a daemon on the same directory grades them); reads show what `viewer` may see
// (the instructor, by default: the local data directory belongs to whoever grades).
import Foundation
import LabConfig
import Store
import Tracking

public struct LocalClient: CourseClient {
    public let store: LabStore
    /// Whose view feedback and leaderboards are filtered for (LabConfig's Viewer).
    public let viewer: Viewer

    public init(store: LabStore, viewer: Viewer = .instructor) {
        self.store = store
        self.viewer = viewer
    }

    public func submit(path: URL, lab: String, student: String?) async throws -> SubmissionReceipt {
        try submitNow(path: path, lab: lab, student: student, source: .cli)
    }

    /// The synchronous body of `submit` (also used by the demo and tests).
    public func submitNow(
        path: URL, lab labID: String, student studentID: String?, source: Store.SubmissionSource,
        now: Date = Date()
    ) throws -> SubmissionReceipt {
        guard let studentID else {
            throw ServiceError.usage(
                "--student S is required with a local data directory (with --server the token"
                    + " says who you are)")
        }
        try requireLab(labID)
        try requireStudent(studentID)
        let payload = try SubmissionPayload.read(path)
        let id: Int64
        do {
            id = try store.enqueue(
                student: studentID, lab: labID, filename: payload.filename,
                content: payload.content, source: source, submittedAt: now,
                enforcingRateLimit: true)
        } catch let error as StoreError {
            if case .rateLimited(_, let limit, _) = error {
                throw ServiceError.badSubmission(
                    "\(studentID) already made \(limit) submissions to \(labID) in the last hour: "
                        + error.description)
            }
            throw ServiceError.badSubmission(error.description)
        }
        guard let record = try store.submission(id: id) else {
            throw ServiceError.unknownSubmission(id)
        }
        return SubmissionReceipt(record)
    }

    public func submission(id: Int64) async throws -> SubmissionFeedback {
        try view(id: id)
    }

    public func view(id: Int64) throws -> SubmissionFeedback {
        guard let feedback = try store.submissionFeedback(id: id, viewer: viewer) else {
            throw ServiceError.unknownSubmission(id)
        }
        return feedback
    }

    public func latestSubmission(lab: String, student: String?) async throws -> SubmissionFeedback {
        try latestView(lab: lab, student: student)
    }

    public func latestView(lab labID: String, student studentID: String?) throws -> SubmissionFeedback {
        guard let studentID else {
            throw ServiceError.usage("--latest needs --student S with a local data directory")
        }
        try requireLab(labID)
        try requireStudent(studentID)
        guard let record = try store.latestSubmission(student: studentID, lab: labID),
            let id = record.id
        else {
            throw ServiceError.noSubmission(student: studentID, lab: labID)
        }
        return try view(id: id)
    }

    public func leaderboard(lab: String, names: Bool) async throws -> LabLeaderboard {
        try leaderboardView(lab: lab, names: names)
    }

    public func experimentLeaderboard(
        experiment: String, metric: String, ascending: Bool, where filter: String?,
        verified: Bool, names: Bool
    ) async throws -> [ExperimentLeaderboardRow] {
        try store.experimentLeaderboard(
            experiment: experiment, metric: metric, ascending: ascending,
            where: RunSource.filter(filter, verifiedOnly: verified), includeNames: names)
    }

    public func leaderboardView(lab labID: String, names: Bool) throws -> LabLeaderboard {
        let lab = try requireLab(labID)
        let rows = try store.leaderboard(
            lab: labID, counting: lab.counting, includeNames: names, viewer: viewer)
        return LabLeaderboard(lab: labID, counting: lab.counting, rows: rows)
    }

    /// The synced lab `id`, or an error listing the labs there are.
    @discardableResult
    func requireLab(_ id: String) throws -> LabRecord {
        guard let lab = try store.lab(id: id) else {
            throw ServiceError.unknownLab(id, known: try store.labs().map(\.id))
        }
        return lab
    }

    /// Throws unless `id` is on the roster.
    func requireStudent(_ id: String) throws {
        guard try store.student(id: id) != nil else { throw ServiceError.unknownStudent(id) }
    }
}
