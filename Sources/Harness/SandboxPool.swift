// Warm sandboxes: runners started before their submission arrives — bubblewrap, the rlimits and
// the pids cgroup set up, Python, NumPy (and torch for torch labs) imported, the harness loaded —
// waiting over an empty private folder. A grader stages one submission into the folder (mounted
// read-only at /submission since the start) and sends `load`; only then does student code run,
// under exactly the limits a cold runner has. A warm sandbox serves one submission and is
// destroyed with its session; the pool starts a fresh one in the background.
import Foundation
import Logging

/// What a warm sandbox was made for: runners started from one configuration are interchangeable.
struct WarmKind: Hashable, Sendable {
    var harness: String
    var python: String
    var limits: SandboxLimits
    var isolation: Isolation
    var torch: Bool

    init(configuration: HarnessConfiguration) {
        harness = configuration.sandbox.harnessDirectory.standardizedFileURL.path
        python = configuration.sandbox.python.executable
        limits = configuration.limits
        isolation = configuration.isolation
        torch = configuration.preloadTorch
    }
}

/// One started runner waiting for its submission. Used once: by one `HarnessSession`, or
/// discarded.
public final class WarmSandbox: @unchecked Sendable {
    /// The host folder mounted read-only as /submission: empty until the grader stages into it.
    public let folder: URL
    let runner: RunnerProcess
    let log: CappedLog
    let notes: [String]
    let cgroupPath: String?
    let startedAt: Date
    /// Spawn → "warm" (the sandbox, Python, NumPy, torch if asked).
    public let warmupSeconds: Double

    init(
        folder: URL, runner: RunnerProcess, log: CappedLog, notes: [String], cgroupPath: String?,
        startedAt: Date, warmupSeconds: Double
    ) {
        self.folder = folder
        self.runner = runner
        self.log = log
        self.notes = notes
        self.cgroupPath = cgroupPath
        self.startedAt = startedAt
        self.warmupSeconds = warmupSeconds
    }

    /// Starts a runner with `--warm` over a new empty folder under `root` and waits for it to
    /// say "warm".
    static func start(
        configuration: HarnessConfiguration, root: URL
    ) throws -> WarmSandbox {
        let manager = FileManager.default
        let folder = root.appendingPathComponent("lmlab-warm-\(UUID().uuidString)")
        try manager.createDirectory(
            at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        let plan = configuration.sandbox.warmPlan(
            folder: folder, limits: configuration.limits, isolation: configuration.isolation,
            preloadTorch: configuration.preloadTorch)
        let log = CappedLog(capacity: configuration.logCapacity)
        let started = Date()
        let runner: RunnerProcess
        do {
            runner = try RunnerProcess(plan: plan, log: log)
        } catch {
            plan.cgroup?.destroy()
            try? manager.removeItem(at: folder)
            throw error
        }
        // torch's import alone takes seconds on a loaded machine: the warm-up is not a student's
        // time, so it gets room beyond the startup limit.
        let deadline = started.addingTimeInterval(configuration.startupTimeout * (configuration.preloadTorch ? 3 : 1))
        do {
            guard let frame = try runner.receive(until: deadline),
                case .warm = try HarnessMessage(frame: frame)
            else {
                throw HarnessError.startFailed(
                    "a warm runner did not say warm (\(runner.statusDescription)): "
                        + runner.logTail())
            }
        } catch {
            runner.terminate()
            try? manager.removeItem(at: folder)
            throw error
        }
        return WarmSandbox(
            folder: folder, runner: runner, log: log, notes: plan.notes,
            cgroupPath: plan.cgroup?.path, startedAt: started,
            warmupSeconds: Date().timeIntervalSince(started))
    }

    /// Whether the runner is still there, waiting (not killed or expired while idle).
    var isAlive: Bool { !runner.reap(within: 0) }

    /// Ends the runner and removes its folder (a warm sandbox never used, or one whose staging
    /// failed).
    public func discard() {
        runner.requestExit()
        runner.terminate()
        try? FileManager.default.removeItem(at: folder)
    }
}

/// Warm sandboxes kept ready, `size` of each kind (a lab's limits, NumPy or torch) asked for.
/// `take` never waits: with none ready the grader starts a runner cold, as without a pool.
public final class SandboxPool: @unchecked Sendable {
    /// Warm sandboxes kept per kind; 0 keeps none (every runner starts cold).
    public let size: Int
    /// Where the warm sandboxes' folders live.
    public let root: URL
    /// A warm sandbox idle longer than this is replaced rather than used.
    public let maxIdle: TimeInterval
    /// Whether a taken sandbox is replaced (a daemon's pool); false for a command that grades
    /// once and only wants its one sandbox started early (`labs try`).
    public let refills: Bool
    private let logger: Logger

    private let lock = NSLock()
    private var ready: [WarmKind: [WarmSandbox]] = [:]
    private var configurations: [WarmKind: HarnessConfiguration] = [:]
    private var filling: Set<WarmKind> = []
    private var closed = false
    private var _started = 0
    private var _taken = 0
    private var _missed = 0
    /// Starting runners blocks: on a queue of its own, never on the concurrency pool.
    private let queue = DispatchQueue(label: "lmlab.sandbox-pool")
    private let idle = DispatchGroup()

    public init(
        size: Int, root: URL = FileManager.default.temporaryDirectory, maxIdle: TimeInterval = 900,
        refills: Bool = true, logger: Logger = Logger(label: "lmlab.sandbox-pool")
    ) {
        self.size = max(0, size)
        self.root = root
        self.maxIdle = maxIdle
        self.refills = refills
        self.logger = logger
    }

    deinit { close() }

    /// What the pool did: warm sandboxes started, handed out, and takes that found none ready.
    public var counts: (started: Int, taken: Int, missed: Int) {
        lock.withLock { (_started, _taken, _missed) }
    }

    /// Warm sandboxes ready now, of every kind.
    public var readyCount: Int { lock.withLock { ready.values.reduce(0) { $0 + $1.count } } }

    /// Waits (up to `timeout`) until every kind asked for has `size` warm sandboxes ready;
    /// returns whether they all had.
    @discardableResult
    public func waitUntilFull(timeout: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let full = lock.withLock {
                configurations.keys.allSatisfy { (ready[$0]?.count ?? 0) >= size }
            }
            if full { return true }
            if Date() >= deadline { return false }
            usleep(10_000)
        }
    }

    /// Starts filling the pool for this kind in the background (a daemon does it for every lab
    /// at start-up, so that the first submission is warm too).
    public func prewarm(configuration: HarnessConfiguration) {
        let kind = WarmKind(configuration: configuration)
        lock.withLock { configurations[kind] = configuration }
        refill(kind)
    }

    /// A warm sandbox for this configuration, or nil if none is ready (then the caller starts
    /// cold). Either way a replacement starts in the background, if the pool `refills`.
    public func take(configuration: HarnessConfiguration) -> WarmSandbox? {
        guard size > 0 else { return nil }
        let kind = WarmKind(configuration: configuration)
        var stale: [WarmSandbox] = []
        let found: WarmSandbox? = lock.withLock {
            configurations[kind] = configuration
            var queue = ready[kind] ?? []
            var found: WarmSandbox?
            while !queue.isEmpty {
                let candidate = queue.removeFirst()
                if candidate.isAlive && Date().timeIntervalSince(candidate.startedAt) < maxIdle {
                    found = candidate
                    break
                }
                stale.append(candidate)
            }
            ready[kind] = queue
            if found == nil { _missed += 1 } else { _taken += 1 }
            return found
        }
        for sandbox in stale { sandbox.discard() }
        if refills { refill(kind) }
        return found
    }

    /// Ends every waiting runner and stops refilling; waits for a start in progress.
    public func close() {
        let waiting: [WarmSandbox] = lock.withLock {
            closed = true
            defer { ready = [:] }
            return ready.values.flatMap { $0 }
        }
        for sandbox in waiting { sandbox.discard() }
        idle.wait()
    }

    /// Starts runners of `kind` one after another until `size` are ready (one filler per kind).
    private func refill(_ kind: WarmKind) {
        let go = lock.withLock { () -> Bool in
            guard !closed, size > 0, !filling.contains(kind) else { return false }
            filling.insert(kind)
            return true
        }
        guard go else { return }
        idle.enter()
        queue.async {
            defer { self.idle.leave() }
            while true {
                let configuration: HarnessConfiguration? = self.lock.withLock {
                    guard !self.closed, (self.ready[kind]?.count ?? 0) < self.size else {
                        self.filling.remove(kind)
                        return nil
                    }
                    return self.configurations[kind]
                }
                guard let configuration else { return }
                do {
                    let sandbox = try WarmSandbox.start(
                        configuration: configuration, root: self.root)
                    let keep = self.lock.withLock { () -> Bool in
                        guard !self.closed else { return false }
                        self.ready[kind, default: []].append(sandbox)
                        self._started += 1
                        return true
                    }
                    if !keep {
                        sandbox.discard()
                        self.lock.withLock { _ = self.filling.remove(kind) }
                        return
                    }
                } catch {
                    // Not retried in a loop: the next take tries again, and the cold start a
                    // grader falls back to reports the same fault where it matters.
                    self.logger.warning(
                        "could not start a warm sandbox", metadata: ["error": "\(error)"])
                    self.lock.withLock { _ = self.filling.remove(kind) }
                    return
                }
            }
        }
    }
}

/// Stages `submission` for a module named `entry` and opens a session on it: in a warm sandbox
/// from `pool` when one of this kind is ready (the files staged into its folder), else cold.
/// The caller closes the session, then removes the staged folder.
public func openSession(
    for submission: URL, entry: String, configuration: HarnessConfiguration,
    pool: SandboxPool?
) throws -> (staged: StagedSubmission, session: HarnessSession) {
    let warm = pool?.take(configuration: configuration)
    let staged: StagedSubmission
    do {
        staged = try SubmissionSource.stage(submission, entry: entry, into: warm?.folder)
    } catch {
        warm?.discard()
        throw error
    }
    let session =
        warm.map { HarnessSession(warm: $0, entry: staged.entry, configuration: configuration) }
        ?? HarnessSession(submission: staged.folder, entry: staged.entry, configuration: configuration)
    return (staged, session)
}
