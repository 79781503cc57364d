// What handing in a submission answers, locally or as POST /api/submissions (status 202).
import Foundation

public struct SubmissionReceipt: Sendable, Codable, Equatable {
    public var id: Int64
    public var lab: String
    public var filename: String
    public var sha256: String
    public var size: Int
    public var status: String
    public var late: Bool
    public var submittedAt: String

    public init(
        id: Int64, lab: String, filename: String, sha256: String, size: Int, status: String,
        late: Bool, submittedAt: String
    ) {
        self.id = id
        self.lab = lab
        self.filename = filename
        self.sha256 = sha256
        self.size = size
        self.status = status
        self.late = late
        self.submittedAt = submittedAt
    }

    /// The receipt of a stored submission.
    public init(_ record: SubmissionRecord) {
        self.init(
            id: record.id ?? 0, lab: record.labID, filename: record.filename,
            sha256: record.sha256, size: record.size, status: record.status.rawValue,
            late: record.late, submittedAt: record.submittedAt.formatted(.iso8601))
    }
}
