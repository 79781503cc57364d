// The grading workers: N tasks that claim submissions from the store's durable queue under a
// lease, grade them through a SubmissionGrader while renewing the lease, and record the grade.
// Run as a ServiceLifecycle service: graceful shutdown stops claiming, lets in-flight grading
// finish within the grace period, then cancels it and re-queues what was left.
import Foundation
import Logging
import ServiceLifecycle
import Store

public final class WorkerPool: Service, Sendable {
    /// What a worker pool reports about itself (for /api/health).
    public struct Status: Sendable, Equatable {
        public var workers: Int
        public var busy: Int
        public var graded: Int
        public var failed: Int
        public var stopping: Bool
    }

    private struct State {
        var busy = 0
        var graded = 0
        var failed = 0
        var running = 0
        /// Set when shutdown starts: no new claims.
        var stopRequestedAt: Date?
        /// Set when the grace period is over: in-flight grading is abandoned.
        var abandon = false
    }

    private let store: LabStore
    private let grader: any SubmissionGrader
    private let configuration: ServerConfiguration
    private let logger: Logger
    private let state = Locked(State())
    /// Every lease this pool takes starts with it, so shutdown re-queues exactly its own work.
    public let workerPrefix: String

    public init(
        store: LabStore, grader: any SubmissionGrader, configuration: ServerConfiguration,
        logger: Logger = Logger(label: "lmlab.workers")
    ) {
        self.store = store
        self.grader = grader
        self.configuration = configuration
        self.logger = logger
        let host = ProcessInfo.processInfo.hostName
        let pid = ProcessInfo.processInfo.processIdentifier
        let run = UUID().uuidString.prefix(8)
        self.workerPrefix = "\(host)-\(pid)-\(run):"
    }

    public var status: Status {
        let state = state.current
        return Status(
            workers: configuration.workers, busy: state.busy, graded: state.graded,
            failed: state.failed, stopping: state.stopRequestedAt != nil)
    }

    /// Stops claiming; in-flight grading has the grace period to finish. Also triggered by
    /// ServiceLifecycle's graceful shutdown (SIGTERM/SIGINT under Application.runService()).
    public func stop() {
        state.withLock { state in
            if state.stopRequestedAt == nil { state.stopRequestedAt = Date() }
        }
    }

    public func run() async throws {
        // A previous daemon that died mid-grading left leases behind: give that work back.
        try sweepExpiredLeases()
        logger.info(
            "workers starting",
            metadata: ["workers": "\(configuration.workers)", "prefix": "\(workerPrefix)"])
        let count = max(1, configuration.workers)
        state.withLock { $0.running = count }
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                for index in 0..<count {
                    group.addTask {
                        await self.workerLoop(worker: "\(self.workerPrefix)\(index)")
                        self.state.withLock { $0.running -= 1 }
                    }
                }
                group.addTask { await self.watchGracePeriod() }
                group.addTask { await self.sweepLoop() }
            }
        } onGracefulShutdown: {
            self.stop()
        }
        // Whatever is still leased to this pool was abandoned: back to the queue.
        let requeued = try store.requeue(workerPrefix: workerPrefix)
        logger.info("workers stopped", metadata: ["requeued": "\(requeued)"])
    }

    /// Re-queues expired leases (or gives up on submissions out of attempts).
    private func sweepExpiredLeases() throws {
        let recovery = try store.requeueExpiredLeases(now: Date())
        if !recovery.requeued.isEmpty || !recovery.gaveUp.isEmpty {
            logger.notice(
                "recovered expired leases",
                metadata: ["requeued": "\(recovery.requeued)", "gaveUp": "\(recovery.gaveUp)"])
        }
    }

    /// The sweeper: a lease left by a daemon that died after this one started (or restarted
    /// within the lease) expires while this one runs, and goes back to the queue then, not at
    /// the next start-up. Returns when the workers have all stopped.
    private func sweepLoop() async {
        let interval = Duration.seconds(configuration.leaseSweepInterval)
        var last = ContinuousClock.now
        // Short naps, so that shutdown does not wait for a whole interval.
        while state.withLock({ $0.running > 0 }) {
            await nap(.milliseconds(50))
            guard !shouldStop, ContinuousClock.now - last >= interval else { continue }
            last = ContinuousClock.now
            do {
                try sweepExpiredLeases()
            } catch {
                logger.error("lease sweep failed", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Ends the grace period once shutdown has waited long enough; returns when all workers did.
    private func watchGracePeriod() async {
        while true {
            let (running, stopAt) = state.withLock { ($0.running, $0.stopRequestedAt) }
            if running == 0 { return }
            if let stopAt, Date().timeIntervalSince(stopAt) >= configuration.shutdownGrace {
                let abandoned = state.withLock { state -> Bool in
                    defer { state.abandon = true }
                    return !state.abandon && state.busy > 0
                }
                if abandoned {
                    logger.warning("grace period over: abandoning in-flight grading")
                }
            }
            await nap(.milliseconds(50))
        }
    }

    private var shouldStop: Bool {
        Task.isCancelled || state.withLock { $0.stopRequestedAt != nil }
    }

    private func workerLoop(worker: String) async {
        while !shouldStop {
            let claimed: ClaimedSubmission?
            do {
                claimed = try store.claimNext(worker: worker, lease: configuration.lease)
            } catch {
                logger.error(
                    "claim failed", metadata: ["worker": "\(worker)", "error": "\(error)"])
                claimed = nil
            }
            guard let claimed else {
                try? await Task.sleep(for: .seconds(configuration.pollInterval))
                continue
            }
            state.withLock { $0.busy += 1 }
            await process(claimed, worker: worker)
            state.withLock { $0.busy -= 1 }
        }
    }

    /// How one grading attempt ended.
    private enum Ending: Sendable {
        case graded(GradeOutcome)
        case failed(String)
        /// Something happened to the code (the sandbox killed from outside, the grader's disk):
        /// retried within the attempt budget.
        case infrastructure(String)
        case timedOut
        case abandoned
        case leaseLost
    }

    private func process(_ claimed: ClaimedSubmission, worker: String) async {
        let submission = claimed.submission
        let attempt = submission.attempts
        let job = GradeJob(
            submissionID: claimed.id, studentID: submission.studentID, labID: submission.labID,
            contentPath: claimed.contentURL, filename: submission.filename,
            seed: submission.seed ?? Self.seed(sha256: submission.sha256))
        var log = logger
        log[metadataKey: "submission"] = "\(job.submissionID)"
        log[metadataKey: "student"] = "\(job.studentID)"
        log[metadataKey: "lab"] = "\(job.labID)"
        log[metadataKey: "worker"] = "\(worker)"
        log.info("grading")
        let start = ContinuousClock.now
        let ending = await race(job, worker: worker, attempt: attempt)
        let seconds = (ContinuousClock.now - start).seconds
        log[metadataKey: "duration"] = "\(String(format: "%.3f", seconds))s"
        do {
            switch ending {
            case .graded(let outcome):
                try store.complete(
                    id: job.submissionID, worker: worker, attempt: attempt,
                    grade: outcome.gradeRecord(),
                    results: outcome.tests)
                state.withLock { $0.graded += 1 }
                log.info(
                    "graded", metadata: ["score": "\(outcome.score)/\(outcome.maxScore)"])
            case .infrastructure(let reason):
                let again = try store.retry(
                    id: job.submissionID, worker: worker, attempt: attempt, reason: reason)
                if !again { state.withLock { $0.failed += 1 } }
                log.warning(
                    again ? "grading interrupted from outside; queued again"
                        : "grading interrupted from outside; out of attempts",
                    metadata: ["reason": "\(reason)"])
            case .failed(let message):
                try store.fail(
                    id: job.submissionID, worker: worker, attempt: attempt, error: message)
                state.withLock { $0.failed += 1 }
                log.error("grading failed", metadata: ["error": "\(message)"])
            case .timedOut:
                let message =
                    "grading took longer than \(String(format: "%g", configuration.gradingTimeout)) s"
                    + " and was stopped"
                try store.fail(
                    id: job.submissionID, worker: worker, attempt: attempt, error: message)
                state.withLock { $0.failed += 1 }
                log.error("grading timed out")
            case .abandoned:
                // Left leased: the pool re-queues it when it stops.
                log.warning("grading abandoned at shutdown; will be re-queued")
            case .leaseLost:
                log.error("lease lost while grading; the result is discarded")
            }
        } catch {
            log.error("recording the result failed", metadata: ["error": "\(error)"])
        }
    }

    /// A submission graded for the first time gets a seed from its content, so the same file
    /// always meets the same random cases; a regrade reuses the stored seed.
    static func seed(sha256: String) -> Int64 {
        Int64(sha256.prefix(15), radix: 16) ?? 0
    }

    /// Grades while renewing the lease, against the grading timeout and the end of the grace
    /// period; whichever ends first wins and the rest are cancelled.
    private func race(_ job: GradeJob, worker: String, attempt: Int) async -> Ending {
        let grader = self.grader
        let configuration = self.configuration
        return await withTaskGroup(of: Ending?.self) { group in
            group.addTask {
                do {
                    return .graded(try await grader.grade(job))
                } catch LabGraderError.infrastructure(let reason) {
                    return .infrastructure(reason)
                } catch LabGraderError.unpack(let reason) {
                    return .infrastructure(reason)
                } catch {
                    // Cancelled because the daemon is going down: not the student's failure.
                    if Task.isCancelled { return nil }
                    return .failed("\(error)")
                }
            }
            group.addTask {
                do {
                    try await Task.sleep(for: .seconds(configuration.gradingTimeout))
                    return .timedOut
                } catch {
                    return nil
                }
            }
            group.addTask {
                while !Task.isCancelled {
                    if self.state.withLock({ $0.abandon }) { return .abandoned }
                    try? await Task.sleep(for: .milliseconds(50))
                }
                return nil
            }
            group.addTask {
                while !Task.isCancelled {
                    do {
                        try await Task.sleep(for: .seconds(configuration.leaseRenewal))
                        let held = try self.store.renewLease(
                            id: job.submissionID, worker: worker, attempt: attempt,
                            lease: configuration.lease)
                        if !held { return .leaseLost }
                    } catch is CancellationError {
                        return nil
                    } catch {
                        self.logger.warning(
                            "lease renewal failed",
                            metadata: ["submission": "\(job.submissionID)", "error": "\(error)"])
                    }
                }
                return nil
            }
            defer { group.cancelAll() }
            while let next = await group.next() {
                if let ending = next { return ending }
                // The grader returned nil only when cancelled from outside: treat as shutdown.
                if Task.isCancelled { return .abandoned }
            }
            return .abandoned
        }
    }
}

/// Sleeps for `duration` even when the calling task is cancelled. The sweeper and the grace
/// watcher poll until the workers have stopped, and they go on polling after a cancellation:
/// there `Task.sleep` throws at once without suspending, and the loop would spin on its thread
/// — on a 2-core machine, two such loops held the whole concurrency pool, so the workers they
/// waited for never ran again.
func nap(_ duration: Duration) async {
    await Task.detached { try? await Task.sleep(for: duration) }.value
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
