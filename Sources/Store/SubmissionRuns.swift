// The verified runs the daemon recorded for one submission (tag `submission=<id>`, source
// verified): found for its feedback, and soft-deleted before a regrade verifies it again.
import Foundation
import GRDB

/// One finished verified run as a submission's feedback shows it.
public struct VerifiedRunSummary: Sendable, Codable, Equatable {
    public var experiment: String
    public var runID: String
    /// `quantize` or `lora`.
    public var kind: String?
    /// For a quantizer: q8_0 or q4_0.
    public var scheme: String?
    /// For an adapter: its folder inside the submission.
    public var adapter: String?
    /// lmlab's own measurement on the evaluation text.
    public var perplexity: Double?
    /// The unchanged base model's perplexity on the same tokens.
    public var basePerplexity: Double?
    /// For a quantizer: bits per quantized weight (codes + fp16 scales).
    public var bitsPerWeight: Double?
    /// For a quantizer: the fraction of codes equal to lmlab's reference quantizer's.
    public var codeAgreement: Double?

    public init(
        experiment: String, runID: String, kind: String? = nil, scheme: String? = nil,
        adapter: String? = nil, perplexity: Double? = nil, basePerplexity: Double? = nil,
        bitsPerWeight: Double? = nil, codeAgreement: Double? = nil
    ) {
        self.experiment = experiment
        self.runID = runID
        self.kind = kind
        self.scheme = scheme
        self.adapter = adapter
        self.perplexity = perplexity
        self.basePerplexity = basePerplexity
        self.bitsPerWeight = bitsPerWeight
        self.codeAgreement = codeAgreement
    }
}

/// What verification made of a submission: its finished runs, and why any failed or were
/// skipped (the `note` tag of runs that did not finish).
public struct SubmissionVerification: Sendable, Equatable {
    public var runs: [VerifiedRunSummary]
    public var notes: [String]

    public init(runs: [VerifiedRunSummary] = [], notes: [String] = []) {
        self.runs = runs
        self.notes = notes
    }

    /// The notes as one text, nil when there are none.
    public var note: String? { notes.isEmpty ? nil : notes.joined(separator: "\n") }
}

extension RunSource {
    /// The run filter (Tracking's language) that keeps verified runs only: what a leaderboard's
    /// `--verified` / `?verified=true` adds to its `where`.
    public static let verifiedOnlyFilter = "attributes.source = 'verified'"

    /// `filter` limited to verified runs when `verifiedOnly`.
    public static func filter(_ filter: String?, verifiedOnly: Bool) -> String? {
        guard verifiedOnly else { return filter }
        return filter.map { "(\($0)) AND \(verifiedOnlyFilter)" } ?? verifiedOnlyFilter
    }
}

extension LabStore {
    /// The tag naming the submission a verified run was made from.
    public static let submissionTag = "submission"
    /// The tag carrying why a verification failed or was skipped.
    public static let verificationNoteTag = "note"

    /// The live (not deleted) verified runs of submission `submissionID`, oldest first.
    public func verifiedRuns(submissionID: Int64) throws -> [RunDetails] {
        try reader.read { db in
            let pks = try Int64.fetchAll(
                db,
                sql: """
                    SELECT r.pk FROM runs r
                    JOIN run_tags t ON t.run_pk = r.pk AND t.key = ? AND t.value = ?
                    WHERE r.source = ? AND r.deleted_at IS NULL ORDER BY r.pk
                    """,
                arguments: [Self.submissionTag, String(submissionID), RunSource.verified.rawValue])
            return try pks.map { pk in
                guard let run = try RunRecord.filter(Column("pk") == pk).fetchOne(db) else {
                    throw RunsError.unknownRun("pk \(pk)")
                }
                return try Self.details(db, of: run)
            }
        }
    }

    /// Soft-deletes the live verified runs of submission `submissionID` (a regrade verifies it
    /// afresh, so its leaderboard rows are not doubled). Returns how many were deleted.
    @discardableResult
    public func deleteVerifiedRuns(submissionID: Int64, now: Date = Date()) throws -> Int {
        try writer.write { db in
            try db.execute(
                sql: """
                    UPDATE runs SET deleted_at = ? WHERE deleted_at IS NULL AND source = ?
                        AND pk IN (SELECT run_pk FROM run_tags WHERE key = ? AND value = ?)
                    """,
                arguments: [
                    now, RunSource.verified.rawValue, Self.submissionTag, String(submissionID),
                ])
            return db.changesCount
        }
    }

    /// The finished runs of submission `submissionID` with their measurements, and the notes of
    /// those that failed or were skipped.
    public func submissionVerification(submissionID: Int64) throws -> SubmissionVerification {
        var result = SubmissionVerification()
        for details in try verifiedRuns(submissionID: submissionID) {
            guard details.run.status == .finished else {
                // One note per reason (no base model is the same reason for every scheme).
                if let note = details.tags[Self.verificationNoteTag], !result.notes.contains(note) {
                    result.notes.append(note)
                }
                continue
            }
            func last(_ key: String) -> Double? { details.summaries[key]?.last }
            let kind = details.tags["kind"]
            result.runs.append(
                VerifiedRunSummary(
                    experiment: details.experiment, runID: details.run.id, kind: kind,
                    scheme: details.tags["scheme"], adapter: details.tags["adapter"],
                    perplexity: last("perplexity"),
                    basePerplexity: last("base_perplexity") ?? last("fp32_perplexity"),
                    bitsPerWeight: last("bits_per_weight"),
                    codeAgreement: last("code_agreement")))
        }
        return result
    }
}
