// A session with one submission's sandboxed runner: start, call student functions with a wall
// clock, and survive hangs and crashes by killing the whole process tree and starting afresh.
import Foundation
import LabConfig

#if canImport(Glibc)
    import Glibc
#endif

/// What one call to a student function came to.
public enum CallOutcome: Sendable, Equatable {
    /// The function returned; `seconds` is the time inside the student function.
    case value(HarnessValue, seconds: Double)
    /// The function raised (or the name was missing, or the value could not be converted).
    case studentError(StudentError)
    /// The wall-clock limit passed; the runner was killed and restarts for the next call.
    case timeout(seconds: Double)
    /// The runner died (os._exit, a segfault, a signal); `status` says how, `logTail` shows the
    /// end of its output.
    case crashed(status: String, logTail: String)
    /// The address-space limit was hit (a MemoryError, or a crash that says so).
    case memoryExceeded(detail: String)
    /// The runner was killed from outside with SIGKILL, by none of lmlab's limits (the OOM
    /// killer, an operator, a host under pressure): not the student's doing, so the grading
    /// attempt is void and is retried.
    case interrupted(status: String)
}

/// Settings shared by every session of a grading run.
public struct HarnessConfiguration: Sendable {
    public var sandbox: Sandbox
    public var isolation: Isolation
    public var limits: SandboxLimits
    /// Wall clock for Python + NumPy + the student module to import.
    public var startupTimeout: Double
    /// Bytes of student output kept in the log (then "[… N bytes dropped]").
    public var logCapacity: Int
    /// Import torch before the student's module (a torch lab), inside the start-up limit, so
    /// that no timed call pays for it.
    public var preloadTorch: Bool

    public init(
        sandbox: Sandbox, isolation: Isolation, limits: SandboxLimits = SandboxLimits(),
        startupTimeout: Double = 60, logCapacity: Int = 64 * 1024, preloadTorch: Bool = false
    ) {
        self.sandbox = sandbox
        self.isolation = isolation
        self.limits = limits
        self.startupTimeout = startupTimeout
        self.logCapacity = logCapacity
        self.preloadTorch = preloadTorch
    }
}

/// Time spent, for the benchmark breakdown.
public struct HarnessTimings: Sendable, Equatable {
    public struct Call: Sendable, Equatable {
        public var function: String
        /// Send → reply, as the grader saw it.
        public var wallSeconds: Double
        /// Inside the student function, as the runner measured it (nil on timeout or crash).
        public var studentSeconds: Double?
    }

    /// Spawn → `ready` (sandbox, Python, NumPy and the student module), one per (re)start.
    public var startups: [Double] = []
    public var calls: [Call] = []
}

/// One submission's runner. Calls are serialised; the class is safe to share between threads.
public final class HarnessSession: @unchecked Sendable {
    public let submission: URL
    public let entry: String
    public let configuration: HarnessConfiguration

    private let lock = NSLock()
    private var process: RunnerProcess?
    private var nextID = 1
    private var closed = false
    private let log: CappedLog
    private var _functions: [String] = []
    private var _notes: [String] = []
    private var _timings = HarnessTimings()
    private var _restarts = 0
    /// A warm runner this session starts with instead of a cold one (used once).
    private var warm: WarmSandbox?
    /// Every pids cgroup a runner of this session lived in (for tests: all must be gone).
    private(set) var cgroupsUsed: [String] = []

    /// Prepares a session for the staged `submission` folder (mounted read-only) whose module is
    /// `entry` (e.g. "attention.py"). Nothing runs until `start()` or the first call.
    public init(submission: URL, entry: String, configuration: HarnessConfiguration) {
        self.submission = submission
        self.entry = entry
        self.configuration = configuration
        self.log = CappedLog(capacity: configuration.logCapacity)
    }

    /// A session whose first runner is `warm`, already started over the folder the submission
    /// was staged into (`warm.folder`). Restarts after a timeout or crash start cold over the
    /// same folder.
    public init(warm: WarmSandbox, entry: String, configuration: HarnessConfiguration) {
        self.submission = warm.folder
        self.entry = entry
        self.configuration = configuration
        self.log = warm.log
        self.warm = warm
    }

    deinit {
        process?.terminate()
        warm?.discard()
    }

    /// Whether the session's first runner came warm from a pool.
    public var startedWarm: Bool { lock.withLock { warmUsed } }
    private var warmUsed = false

    /// Public callables the student module defines (after the first successful start).
    public var functions: [String] { lock.withLock { _functions } }
    /// Notes for the verdict: runner notes (versions, limits it could not set) and sandbox
    /// notes (e.g. fork bombs not contained).
    public var notes: [String] { lock.withLock { _notes } }
    public var timings: HarnessTimings { lock.withLock { _timings } }
    /// How many times the runner was restarted after a timeout or crash.
    public var restarts: Int { lock.withLock { _restarts } }
    /// Everything the student code printed, capped.
    public var output: String { log.text }

    /// Starts the runner and waits for the module to import. Throws
    /// `HarnessError.importFailed` with the student's syntax/import error, or another
    /// `HarnessError` if the sandbox could not start.
    @discardableResult
    public func start() throws -> [String] {
        try lock.withLock {
            if process == nil { try launch() }
            return _functions
        }
    }

    /// Calls `function(*args)` with a wall-clock limit. A timeout or crash costs this call only.
    /// With `framework: .torch` the student receives the tensors as CPU `torch.Tensor`s.
    public func call(
        _ function: String, args: [HarnessValue], timeout: Double, framework: Framework = .numpy
    ) -> CallOutcome {
        lock.withLock {
            let outcome = callLocked(function, args: args, timeout: timeout, framework: framework)
            return outcome
        }
    }

    /// Asks the runner to exit, then makes sure the whole tree is gone.
    public func close() {
        lock.withLock {
            closed = true
            if let process {
                process.requestExit()
                process.terminate()
            }
            process = nil
            if let warm {
                warm.runner.requestExit()
                warm.runner.terminate()
            }
            warm = nil
        }
    }

    // MARK: - Internals (lock held)

    private func launch() throws {
        guard !closed else { throw HarnessError.sessionClosed }
        if let warm {
            // The pool's runner: its files are staged, so it may import them now.
            self.warm = nil
            for note in warm.notes where !_notes.contains(note) { _notes.append(note) }
            if let path = warm.cgroupPath { cgroupsUsed.append(path) }
            let started = Date()
            let deadline = started.addingTimeInterval(configuration.startupTimeout)
            do {
                try warm.runner.send(
                    try HarnessFrame.load(entry: entry).encoded(), until: deadline)
                guard let frame = try warm.runner.receive(until: deadline),
                    case .loading = try HarnessMessage(frame: frame)
                else { throw HarnessError.startFailed("the warm runner did not take its load") }
            } catch {
                // It died while it waited, before any student code ran (killed, expired): this
                // submission starts cold instead.
                warm.runner.terminate()
                return try launch()
            }
            warmUsed = true
            try awaitReady(warm.runner, started: started, deadline: deadline)
            return
        }
        let plan = configuration.sandbox.plan(
            submission: submission, entry: entry, limits: configuration.limits,
            isolation: configuration.isolation, preloadTorch: configuration.preloadTorch)
        for note in plan.notes where !_notes.contains(note) { _notes.append(note) }
        if let cgroup = plan.cgroup { cgroupsUsed.append(cgroup.path) }
        let started = Date()
        let runner = try RunnerProcess(plan: plan, log: log)
        try awaitReady(
            runner, started: started,
            deadline: started.addingTimeInterval(configuration.startupTimeout))
    }

    /// Waits for the runner's `ready` (the student module imported) and adopts it.
    private func awaitReady(_ runner: RunnerProcess, started: Date, deadline: Date) throws {
        let frame: HarnessFrame
        do {
            guard let received = try runner.receive(until: deadline) else {
                runner.terminate()
                throw HarnessError.startFailed(
                    "the runner exited before it was ready (\(runner.statusDescription)): "
                        + runner.logTail())
            }
            frame = received
        } catch RunnerProcess.Failure.timedOut {
            runner.terminate()
            throw HarnessError.startTimeout(
                seconds: configuration.startupTimeout, log: runner.logTail())
        } catch let error as HarnessError {
            runner.terminate()
            throw error
        } catch {
            runner.terminate()
            throw HarnessError.startFailed("\(error)")
        }
        switch try HarnessMessage(frame: frame) {
        case .ready(let functions, let notes):
            _functions = functions
            for note in notes where !_notes.contains(note) { _notes.append(note) }
            _timings.startups.append(Date().timeIntervalSince(started))
            process = runner
        case .importFailed(let error):
            runner.terminate()
            throw HarnessError.importFailed(error)
        default:
            runner.terminate()
            throw HarnessError.protocolViolation("the runner's first message was not 'ready'")
        }
    }

    private func callLocked(
        _ function: String, args: [HarnessValue], timeout: Double, framework: Framework
    ) -> CallOutcome {
        if process == nil {
            do {
                try launch()
                if _timings.startups.count > 1 { _restarts += 1 }
            } catch let error as HarnessError {
                if case .importFailed(let studentError) = error {
                    return .studentError(studentError)
                }
                return .crashed(status: "could not start the runner: \(error)", logTail: "")
            } catch {
                return .crashed(status: "could not start the runner: \(error)", logTail: "")
            }
        }
        guard let runner = process else { return .crashed(status: "no runner", logTail: "") }
        let id = nextID
        nextID += 1
        let started = Date()
        let deadline = started.addingTimeInterval(timeout)
        func record(_ student: Double?) {
            _timings.calls.append(
                .init(
                    function: function, wallSeconds: Date().timeIntervalSince(started),
                    studentSeconds: student))
        }
        func fail() -> CallOutcome {
            // A runner that died leaves its own exit status if reaped before the kill below.
            let diedAlone = runner.reap(within: 0.5)
            // The runner is gone or unusable: kill the whole tree; the next call restarts it.
            runner.terminate()
            process = nil
            record(nil)
            let tail = runner.logTail()
            if CappedLog.mentionsMemory(tail) { return .memoryExceeded(detail: tail) }
            // Every limit lmlab sets ends the runner otherwise (MemoryError, SIGXCPU, SIGXFSZ,
            // the wall clock handled above): a SIGKILL it did not send came from outside.
            if diedAlone && runner.killedBySIGKILL {
                return .interrupted(status: runner.statusDescription)
            }
            return .crashed(status: runner.statusDescription, logTail: tail)
        }
        do {
            let frame = HarnessFrame.call(
                id: id, function: function, args: args, framework: framework)
            try runner.send(try frame.encoded(), until: deadline)
            guard let reply = try runner.receive(until: deadline) else { return fail() }
            switch try HarnessMessage(frame: reply) {
            case .result(let replyID, let value, let seconds) where replyID == id:
                record(seconds)
                return .value(value, seconds: seconds)
            case .failure(let replyID, let error, let seconds) where replyID == id:
                record(seconds)
                if error.isMemoryError { return .memoryExceeded(detail: error.description) }
                return .studentError(error)
            default:
                runner.noteFailure("the runner answered out of turn")
                return fail()
            }
        } catch RunnerProcess.Failure.timedOut {
            runner.terminate()
            process = nil
            record(nil)
            return .timeout(seconds: timeout)
        } catch {
            runner.noteFailure("\(error)")
            return fail()
        }
    }
}

/// Student output: the first `capacity` bytes, a count of what was dropped, and a short tail.
final class CappedLog: @unchecked Sendable {
    private let lock = NSLock()
    private let capacity: Int
    private var head = Data()
    private var dropped = 0
    private var tail = Data()
    private static let tailCapacity = 4096

    init(capacity: Int) { self.capacity = capacity }

    func append(_ data: Data) {
        lock.withLock {
            let room = max(0, capacity - head.count)
            head.append(data.prefix(room))
            dropped += max(0, data.count - room)
            tail.append(data)
            if tail.count > CappedLog.tailCapacity {
                tail = Data(tail.suffix(CappedLog.tailCapacity))
            }
        }
    }

    func mark(_ text: String) { append(Data("\n[lmlab: \(text)]\n".utf8)) }

    var text: String {
        lock.withLock {
            String(decoding: head, as: UTF8.self)
                + (dropped > 0 ? "\n[… \(dropped) bytes dropped]" : "")
        }
    }

    var tailText: String { lock.withLock { String(decoding: tail, as: UTF8.self) } }

    static func mentionsMemory(_ text: String) -> Bool {
        text.contains("MemoryError") || text.contains("Cannot allocate memory")
            || text.contains("std::bad_alloc") || text.contains("out of memory")
    }
}

/// One spawned runner: a socketpair carries frames (fds 0 and 1 of the child), a pipe carries
/// stderr into the log, and the child leads its own process group.
final class RunnerProcess: @unchecked Sendable {
    enum Failure: Error { case timedOut }

    let pid: pid_t
    private let socket: Int32
    private let cgroup: PidsCgroup?
    private let errorsDone = DispatchSemaphore(value: 0)
    private let processLog: CappedLog
    private let sessionLog: CappedLog
    private var buffer = Data()
    private var status: Int32?
    private var failure: String?
    /// Set once the tree was killed and the sockets closed.
    private var terminated = false

    init(plan: LaunchPlan, log: CappedLog) throws {
        sessionLog = log
        processLog = CappedLog(capacity: 0)
        cgroup = plan.cgroup
        var pair: [Int32] = [-1, -1]
        guard
            socketpair(
                AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0
        else { throw HarnessError.startFailed("socketpair: \(String(cString: strerror(errno)))") }
        // stderr travels over a second socketpair: created close-on-exec atomically, like the first.
        var errorPipe: [Int32] = [-1, -1]
        guard
            socketpair(
                AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &errorPipe)
                == 0
        else {
            close(pair[0])
            close(pair[1])
            throw HarnessError.startFailed("socketpair: \(String(cString: strerror(errno)))")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pair[1], 0)
        posix_spawn_file_actions_adddup2(&actions, pair[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errorPipe[1], 2)
        // Nothing else of the grader (database, other pipes) leaks into the child.
        var arguments = plan.arguments
        guard let closeFrom = SpawnExtensions.closeFrom else {
            throw HarnessError.startFailed(
                "this C library lacks posix_spawn_file_actions_addclosefrom_np")
        }
        _ = closeFrom(&actions, 3)
        if let directory = plan.workingDirectory {
            if let changeDirectory = SpawnExtensions.changeDirectory {
                _ = changeDirectory(&actions, directory)
            } else {
                arguments = ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", directory] + arguments
            }
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGINT, SIGTERM, SIGCHLD, SIGXCPU, SIGXFSZ] {
            sigaddset(&defaults, signal)
        }
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &mask)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(
            &attributes,
            Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv = arguments.map { strdup($0) } + [nil]
        let envp =
            plan.environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [
                nil
            ]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var child: pid_t = 0
        let result = withUnsafeMutablePointer(to: &child) { child in
            withUnsafeMutablePointer(to: &actions) { actions in
                withUnsafePointer(to: &attributes) { attributes in
                    let call = SpawnCall(
                        child: child, path: arguments[0], actions: actions,
                        attributes: attributes, argv: argv, envp: envp)
                    return SpawnThread.shared.run { call.spawn() }
                }
            }
        }
        close(pair[1])
        close(errorPipe[1])
        guard result == 0 else {
            close(pair[0])
            close(errorPipe[0])
            plan.cgroup?.destroy()
            throw HarnessError.startFailed(
                "cannot run \(plan.arguments[0]): \(String(cString: strerror(result)))")
        }
        pid = child
        socket = pair[0]
        _ = fcntl(socket, F_SETFL, fcntl(socket, F_GETFL) | O_NONBLOCK)
        let readEnd = errorPipe[0]
        let done = errorsDone
        let logs = [log, processLog]
        // Blocking reads on a dedicated thread: the log fills as the student prints.
        Thread.detachNewThread {
            var chunk = [UInt8](repeating: 0, count: 16384)
            while true {
                let n = chunk.withUnsafeMutableBytes { read(readEnd, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                let data = Data(chunk[0..<n])
                for log in logs { log.append(data) }
            }
            close(readEnd)
            done.signal()
        }
    }

    deinit { terminate() }

    func noteFailure(_ text: String) { failure = failure ?? text }

    /// Waits for readiness on the socket until `deadline`; throws `.timedOut`.
    private func wait(for events: Int16, until deadline: Date) throws {
        while true {
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0 else { throw Failure.timedOut }
            var entry = pollfd(fd: socket, events: events, revents: 0)
            let millis = Int32(min(remaining * 1000, 60_000).rounded(.up))
            let ready = poll(&entry, 1, max(1, millis))
            if ready > 0 { return }
            if ready < 0 && errno != EINTR {
                throw HarnessError.protocolViolation("poll: \(String(cString: strerror(errno)))")
            }
        }
    }

    func send(_ data: Data, until deadline: Date) throws {
        var offset = 0
        while offset < data.count {
            let n = data.withUnsafeBytes { bytes in
                Glibc.send(
                    socket, bytes.baseAddress! + offset, data.count - offset, Int32(MSG_NOSIGNAL))
            }
            if n > 0 {
                offset += n
            } else if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
                try wait(for: Int16(POLLOUT), until: deadline)
            } else {
                throw HarnessError.protocolViolation(
                    "the runner stopped reading (\(String(cString: strerror(errno))))")
            }
        }
    }

    /// The next frame, or nil if the runner closed its end (it exited or crashed).
    func receive(until deadline: Date) throws -> HarnessFrame? {
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            if let frame = try HarnessFrame.decode(from: &buffer) { return frame }
            let n = chunk.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                buffer.append(contentsOf: chunk[0..<n])
            } else if n == 0 {
                return nil
            } else if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR {
                try wait(for: Int16(POLLIN), until: deadline)
            } else {
                return nil
            }
        }
    }

    /// Sends `exit` and gives the runner a moment to leave on its own.
    func requestExit() {
        guard status == nil, let data = try? HarnessFrame.exit.encoded() else { return }
        try? send(data, until: Date().addingTimeInterval(0.5))
        _ = try? receive(until: Date().addingTimeInterval(1.0))
    }

    /// Kills the whole tree (process group, pid namespace via bwrap, cgroup) and reaps it.
    func terminate() {
        guard !terminated else { return }
        terminated = true
        // The leader is never reaped before this point (reap(within:) only looks, WNOWAIT), so
        // its pid — the group's id — cannot have been given to another process yet: the kill
        // reaches this runner's group even when its leader already exited, and nothing else.
        kill(-pid, SIGKILL)
        kill(pid, SIGKILL)
        var raw: Int32 = 0
        while waitpid(pid, &raw, 0) < 0 && errno == EINTR {}
        if status == nil { status = raw }
        cgroup?.destroy()
        close(socket)
        // Output written just before death is still in the pipe: give the reader a moment.
        _ = errorsDone.wait(timeout: .now() + 1.0)
    }

    /// Waits up to `seconds` for the runner to exit by itself and records how (terminate()
    /// reaps it); true if it did.
    func reap(within seconds: Double) -> Bool {
        if status != nil { return !terminated }
        let deadline = Date().addingTimeInterval(seconds)
        repeat {
            // WNOWAIT: the exited runner stays a zombie, holding its pid (and so its process
            // group's id) until terminate() has killed the group and reaps it. Reaping here
            // would free the number for reuse — with pid_max at 32768 a busy grader wraps in
            // minutes — and terminate's kill(-pid) could then hit another process's group.
            var info = siginfo_t()
            let result = waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT)
            if result == 0 && info._sifields._sigchld.si_pid == pid {
                let code = info._sifields._sigchld.si_status
                switch Int(info.si_code) {
                case Int(CLD_EXITED): status = (code & 0xFF) << 8
                case Int(CLD_DUMPED): status = (code & 0x7F) | 0x80
                default: status = code & 0x7F
                }
                return true
            }
            if result < 0 && errno != EINTR { return false }
            usleep(5_000)
        } while Date() < deadline
        return false
    }

    /// Whether the runner died of SIGKILL: directly, or as bwrap's child (status 128 + 9).
    var killedBySIGKILL: Bool {
        guard let raw = status else { return false }
        let signal = raw & 0x7F
        return signal == SIGKILL || (signal == 0 && (raw >> 8) & 0xFF == 128 + SIGKILL)
    }

    var statusDescription: String {
        guard let raw = status else { return failure ?? "still running" }
        var text: String
        let signal = raw & 0x7F
        if signal == 0 {
            let code = (raw >> 8) & 0xFF
            text = "exited with status \(code)"
            // bwrap reports a child killed by signal N as status 128 + N.
            if code > 128 { text += " (killed by signal \(code - 128): \(signalName(code - 128)))" }
        } else {
            text = "killed by signal \(signal): \(signalName(signal))"
        }
        if let failure { text = "\(failure); \(text)" }
        return text
    }

    func logTail() -> String { processLog.tailText }
}

/// One posix_spawn call's arguments, handed to the spawn thread while the caller waits for it
/// (so the pointers stay valid).
private struct SpawnCall: @unchecked Sendable {
    let child: UnsafeMutablePointer<pid_t>
    let path: String
    let actions: UnsafeMutablePointer<posix_spawn_file_actions_t>
    let attributes: UnsafePointer<posix_spawnattr_t>
    let argv: [UnsafeMutablePointer<CChar>?]
    let envp: [UnsafeMutablePointer<CChar>?]

    func spawn() -> Int32 { posix_spawn(child, path, actions, attributes, argv, envp) }
}

/// Starts every runner from one thread that never ends. bubblewrap's --die-with-parent
/// (PR_SET_PDEATHSIG) kills the sandbox when the *thread* that started it ends, not the
/// process, and a Dispatch worker thread ends after idling: runners spawned on one — an
/// instructor's cached session, a warm sandbox waiting for its submission — were killed with
/// SIGKILL seconds later, as if from outside.
final class SpawnThread: @unchecked Sendable {
    static let shared = SpawnThread()

    private let condition = NSCondition()
    private var jobs: [@Sendable () -> Void] = []

    private init() {
        let thread = Thread { [self] in loop() }
        thread.name = "lmlab.spawn"
        thread.start()
    }

    private func loop() {
        while true {
            condition.lock()
            while jobs.isEmpty { condition.wait() }
            let job = jobs.removeFirst()
            condition.unlock()
            job()
        }
    }

    /// Runs `body` on the spawn thread and returns its result.
    func run(_ body: @escaping @Sendable () -> Int32) -> Int32 {
        final class Result: @unchecked Sendable { var value: Int32 = -1 }
        let done = DispatchSemaphore(value: 0)
        let result = Result()
        condition.lock()
        jobs.append {
            result.value = body()  // read only after the semaphore: no race
            done.signal()
        }
        condition.signal()
        condition.unlock()
        done.wait()
        return result.value
    }
}

/// glibc's posix_spawn extensions, which Swift's Glibc module hides behind _GNU_SOURCE.
private enum SpawnExtensions {
    typealias CloseFrom =
        @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    typealias ChangeDirectory =
        @convention(c) (
            UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>
        ) -> Int32

    static let closeFrom: CloseFrom? = symbol("posix_spawn_file_actions_addclosefrom_np")
    static let changeDirectory: ChangeDirectory? = symbol("posix_spawn_file_actions_addchdir_np")

    private static func symbol<T>(_ name: String) -> T? {
        guard let handle = dlopen(nil, RTLD_NOW), let address = dlsym(handle, name) else {
            return nil
        }
        return unsafeBitCast(address, to: T.self)
    }
}

private func signalName(_ signal: Int32) -> String {
    switch signal {
    case SIGSEGV: return "SIGSEGV, a segmentation fault"
    case SIGKILL: return "SIGKILL"
    case SIGABRT: return "SIGABRT, an abort"
    case SIGBUS: return "SIGBUS"
    case SIGFPE: return "SIGFPE"
    case SIGXCPU: return "SIGXCPU, the CPU time limit"
    case SIGXFSZ: return "SIGXFSZ, the file size limit"
    default: return String(cString: strsignal(signal))
    }
}
