// The durable grading queue, in the submissions table: enqueue (blob first, then the row),
// claim with a lease, complete or fail while holding it, and recover from crashed workers.
import Foundation
import GRDB

/// A submission a worker has claimed, with the location of its content.
public struct ClaimedSubmission: Sendable, Equatable {
    public var submission: SubmissionRecord
    /// The blob holding the submitted file.
    public var contentURL: URL

    public var id: Int64 { submission.id ?? 0 }
}

/// What `requeueExpiredLeases` did.
public struct LeaseRecovery: Sendable, Equatable {
    /// Put back in the queue for another attempt.
    public var requeued: [Int64]
    /// Marked as errors: they had used up their attempts.
    public var gaveUp: [Int64]
}

extension LabStore {
    /// How many claims a submission gets before crash recovery marks it as an error.
    public static let defaultMaxAttempts = 3

    /// Stores `content` in the blob folder, then (in one transaction) records the submission as
    /// queued. Whether it is late, and its penalty, follow the lab's deadlines at `submittedAt`.
    /// Throws if the student or lab is unknown or the late deadline has passed.
    ///
    /// With `enforcingRateLimit`, a lab's `rate_limit_per_hour` is checked in the same write
    /// transaction as the insert (StoreError.rateLimited), so two requests racing for the last
    /// slot cannot both take it.
    @discardableResult
    public func enqueue(
        student studentID: String, lab labID: String, filename: String, content: Data,
        source: SubmissionSource, submittedAt: Date = Date(), enforcingRateLimit: Bool = false,
        alsoCounting refused: [Date] = []
    ) throws -> Int64 {
        try writer.write { db in
            guard try StudentRecord.exists(db, key: studentID) else {
                throw StoreError.unknownStudent(studentID)
            }
            guard let lab = try LabRecord.fetchOne(db, key: labID) else {
                throw StoreError.unknownLab(labID)
            }
            if lab.retiredAt != nil { throw StoreError.retiredLab(labID) }
            let (late, penalty): (Bool, Double)
            switch lab.lateRule.standing(at: submittedAt) {
            case .onTime: (late, penalty) = (false, 0)
            case .late(let deducted): (late, penalty) = (true, deducted)
            case .closed(let lateDue):
                throw StoreError.pastLateDeadline(lab: labID, lateDue: lateDue)
            }
            if enforcingRateLimit, let limit = lab.rateLimitPerHour, limit > 0 {
                try Self.checkRateLimit(
                    db, student: studentID, lab: labID, limit: limit, now: submittedAt,
                    alsoCounting: refused)
            }
            // The content is on disk before the row that points at it is committed.
            let digest = try blobs.write(content)
            var submission = SubmissionRecord(
                studentID: studentID, labID: labID, sha256: digest, filename: filename,
                size: content.count, submittedAt: submittedAt, late: late,
                penalty: penalty, source: source)
            try submission.insert(db)
            guard let id = submission.id else { throw StoreError.unknownSubmission(0) }
            return id
        }
    }

    /// Throws StoreError.rateLimited if `lab`'s `rate_limit_per_hour` leaves the student no
    /// slot at `now`: the cheap refusal a server makes before reading a body, which
    /// `enqueue(enforcingRateLimit:)` repeats in its own transaction. `refused` are the times of
    /// uploads the server refused after reading them, which count as submissions do.
    public func checkRateLimit(
        student studentID: String, lab: LabRecord, now: Date, alsoCounting refused: [Date] = []
    ) throws {
        guard let limit = lab.rateLimitPerHour, limit > 0 else { return }
        try reader.read { db in
            try Self.checkRateLimit(
                db, student: studentID, lab: lab.id, limit: limit, now: now,
                alsoCounting: refused)
        }
    }

    /// Throws StoreError.rateLimited when the student's submissions to the lab in the hour
    /// before `now` number `limit` or more; the retry delay is when the oldest one that must
    /// leave the window for a slot to open leaves it.
    static func checkRateLimit(
        _ db: Database, student: String, lab: String, limit: Int, now: Date,
        alsoCounting refused: [Date] = []
    ) throws {
        let window: TimeInterval = 3600
        let stored = try Date.fetchAll(
            db,
            sql: """
                SELECT submitted_at FROM submissions
                WHERE student_id = ? AND lab_id = ? AND submitted_at >= ?
                ORDER BY submitted_at
                """,
            arguments: [student, lab, now.addingTimeInterval(-window)])
        let recent = (stored + refused.filter { $0 >= now.addingTimeInterval(-window) }).sorted()
        guard recent.count >= limit else { return }
        // Once the (count - limit + 1) oldest have left the window, limit - 1 remain.
        let leaving = recent[recent.count - limit]
        let retry = leaving.addingTimeInterval(window).timeIntervalSince(now)
        throw StoreError.rateLimited(
            lab: lab, limit: limit, retryAfterSeconds: max(1, Int(retry.rounded(.up))))
    }

    /// Atomically takes the next queued submission for `worker`: it becomes running with a
    /// lease until `now + lease`, and its attempt count goes up. Nil if the queue is empty.
    /// Next means of the students with the fewest submissions being graded, the oldest: one
    /// student's burst takes one worker at a time while others wait, not every worker.
    public func claimNext(
        worker: String, lease: TimeInterval, now: Date = Date()
    ) throws -> ClaimedSubmission? {
        // One UPDATE … RETURNING: the choice and the claim are a single statement under the
        // write lock, so two claimers (threads or processes) never get the same row.
        let claimed = try writer.write { db in
            try SubmissionRecord.fetchOne(
                db,
                sql: """
                    UPDATE submissions
                    SET status = 'running', lease_owner = ?, lease_expires_at = ?,
                        attempts = attempts + 1
                    WHERE id = (
                        SELECT q.id FROM submissions q WHERE q.status = 'queued'
                        ORDER BY (SELECT COUNT(*) FROM submissions r
                                  WHERE r.status = 'running' AND r.student_id = q.student_id),
                                 q.id
                        LIMIT 1)
                    RETURNING *
                    """,
                arguments: [worker, now.addingTimeInterval(lease)])
        }
        return claimed.map {
            ClaimedSubmission(submission: $0, contentURL: blobs.url(sha256: $0.sha256))
        }
    }

    /// Extends `worker`'s lease on a running submission (the heartbeat of a long grading).
    /// False if it no longer holds it, or, given `attempt`, holds a later attempt than that.
    @discardableResult
    public func renewLease(
        id: Int64, worker: String, attempt: Int? = nil, lease: TimeInterval, now: Date = Date()
    ) throws -> Bool {
        try writer.write { db in
            try db.execute(
                sql: """
                    UPDATE submissions SET lease_expires_at = ?
                    WHERE id = ? AND status = 'running' AND lease_owner = ?
                      AND (? IS NULL OR attempts = ?)
                    """,
                arguments: [now.addingTimeInterval(lease), id, worker, attempt, attempt])
            return db.changesCount == 1
        }
    }

    /// Records a grade and its test results in one transaction, if `worker` still holds the
    /// submission's lease (for claim number `attempt`, when given: the fence that refuses a late
    /// result from a worker whose lease expired and was re-claimed, even under the same name).
    /// The new grade becomes current; earlier grades stay as history. Returns the grade's id.
    @discardableResult
    public func complete(
        id: Int64, worker: String, attempt: Int? = nil, grade: GradeRecord,
        results: [TestResultRecord]
    ) throws -> Int64 {
        try writer.write { db in
            try requireLease(db, id: id, worker: worker, attempt: attempt)
            try db.execute(
                sql: "UPDATE grades SET is_current = 0 WHERE submission_id = ? AND is_current",
                arguments: [id])
            var grade = grade
            grade.id = nil
            grade.submissionID = id
            grade.isCurrent = true
            try grade.insert(db)
            guard let gradeID = grade.id else { throw StoreError.unknownSubmission(id) }
            for var result in results {
                result.id = nil
                result.submissionID = id
                result.gradeID = gradeID
                try result.insert(db)
            }
            try db.execute(
                sql: """
                    UPDATE submissions
                    SET status = 'graded', lease_owner = NULL, lease_expires_at = NULL,
                        grader_version = ?, seed = ?, score = ?, max_score = ?, graded_at = ?,
                        error = NULL
                    WHERE id = ?
                    """,
                arguments: [
                    grade.graderVersion, grade.seed, grade.score, grade.maxScore, grade.gradedAt,
                    id,
                ])
            return gradeID
        }
    }

    /// Marks a submission as failed with `error` (a message for the student and instructor),
    /// if `worker` still holds its lease (for claim number `attempt`, when given).
    public func fail(id: Int64, worker: String, attempt: Int? = nil, error: String) throws {
        try writer.write { db in
            try requireLease(db, id: id, worker: worker, attempt: attempt)
            try db.execute(
                sql: """
                    UPDATE submissions
                    SET status = 'error', error = ?, lease_owner = NULL, lease_expires_at = NULL
                    WHERE id = ?
                    """,
                arguments: [error, id])
        }
    }

    /// An attempt that failed through no fault of the submission (the sandbox killed from
    /// outside): back in the queue while it has attempts left (true), else an error that says
    /// the server was at fault, not the student (false). `reason` is kept either way, so the
    /// instructor can see what happened; a later successful grade clears it.
    @discardableResult
    public func retry(
        id: Int64, worker: String, attempt: Int? = nil, reason: String,
        maxAttempts: Int = LabStore.defaultMaxAttempts
    ) throws -> Bool {
        try writer.write { db in
            try requireLease(db, id: id, worker: worker, attempt: attempt)
            let attempts =
                try Int.fetchOne(
                    db, sql: "SELECT attempts FROM submissions WHERE id = ?", arguments: [id]) ?? 0
            let again = attempts < maxAttempts
            let message =
                again
                ? "attempt \(attempts) was interrupted by the grading server (\(reason)); graded"
                    + " again"
                : "grading was interrupted by the grading server \(attempts) times, not by"
                    + " the submission (last: \(reason)); ask the instructor to regrade"
            try db.execute(
                sql: """
                    UPDATE submissions
                    SET status = ?, error = ?, lease_owner = NULL, lease_expires_at = NULL
                    WHERE id = ?
                    """,
                arguments: [again ? "queued" : "error", message, id])
            return again
        }
    }

    private func requireLease(_ db: Database, id: Int64, worker: String, attempt: Int?) throws {
        guard let submission = try SubmissionRecord.fetchOne(db, key: id) else {
            throw StoreError.unknownSubmission(id)
        }
        guard submission.status == .running, submission.leaseOwner == worker,
            attempt.map({ $0 == submission.attempts }) ?? true
        else {
            throw StoreError.leaseLost(submission: id, worker: worker)
        }
    }

    /// Crash recovery: running submissions whose lease expired before `now` go back to the
    /// queue, or become errors once they have been claimed `maxAttempts` times. The daemon
    /// calls it at start-up and then on its clock (WorkerPool's sweeper).
    @discardableResult
    public func requeueExpiredLeases(
        now: Date = Date(), maxAttempts: Int = LabStore.defaultMaxAttempts
    ) throws -> LeaseRecovery {
        try writer.write { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    UPDATE submissions
                    SET status = CASE WHEN attempts >= ?1 THEN 'error' ELSE 'queued' END,
                        error = CASE WHEN attempts >= ?1
                            THEN 'grading did not finish after ' || attempts
                                || ' attempts (the worker stopped or timed out); '
                                || 'ask the instructor to regrade'
                            ELSE error END,
                        lease_owner = NULL, lease_expires_at = NULL
                    WHERE status = 'running' AND lease_expires_at < ?2
                    RETURNING id, status
                    """,
                arguments: [maxAttempts, now])
            var recovery = LeaseRecovery(requeued: [], gaveUp: [])
            for row in rows {
                let id: Int64 = row["id"]
                if row["status"] == "error" {
                    recovery.gaveUp.append(id)
                } else {
                    recovery.requeued.append(id)
                }
            }
            recovery.requeued.sort()
            recovery.gaveUp.sort()
            return recovery
        }
    }

    /// Graceful shutdown: puts the running submissions of workers whose name starts with
    /// `workerPrefix` back in the queue, without counting the interrupted attempt.
    @discardableResult
    public func requeue(workerPrefix: String) throws -> Int {
        try writer.write { db in
            try db.execute(
                sql: """
                    UPDATE submissions
                    SET status = 'queued', lease_owner = NULL, lease_expires_at = NULL,
                        attempts = MAX(attempts - 1, 0)
                    WHERE status = 'running'
                      AND substr(lease_owner, 1, length(?1)) = ?1
                    """,
                arguments: [workerPrefix])
            return db.changesCount
        }
    }

    /// Queues the graded or failed submissions of `lab` (of one student if given) for grading
    /// again, with source 'regrade'. Their grades stay until the new ones replace them as
    /// current. Returns how many were queued.
    @discardableResult
    public func regrade(lab labID: String, student studentID: String? = nil) throws -> Int {
        try writer.write { db in
            guard try LabRecord.exists(db, key: labID) else { throw StoreError.unknownLab(labID) }
            if let studentID, try !StudentRecord.exists(db, key: studentID) {
                throw StoreError.unknownStudent(studentID)
            }
            try db.execute(
                sql: """
                    UPDATE submissions
                    SET status = 'queued', source = 'regrade', attempts = 0, error = NULL
                    WHERE lab_id = ?1 AND (?2 IS NULL OR student_id = ?2)
                      AND status IN ('graded', 'error')
                    """,
                arguments: [labID, studentID])
            return db.changesCount
        }
    }

    /// How many submissions are in each status.
    public func queueCounts() throws -> [SubmissionStatus: Int] {
        try reader.read { db in
            var counts: [SubmissionStatus: Int] = [:]
            for status in SubmissionStatus.allCases { counts[status] = 0 }
            let rows = try Row.fetchAll(
                db, sql: "SELECT status, COUNT(*) AS n FROM submissions GROUP BY status")
            for row in rows {
                if let status = SubmissionStatus(rawValue: row["status"]) {
                    counts[status] = row["n"]
                }
            }
            return counts
        }
    }
}
