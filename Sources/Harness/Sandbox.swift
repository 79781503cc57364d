// The sandbox student code runs in: a bubblewrap command line (no network, a private root
// holding only /usr, Python, the harness and the submission), rlimits and a pids cgroup.
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Resource limits for one sandboxed runner; the runner applies them with setrlimit.
public struct SandboxLimits: Sendable, Hashable {
    /// Address space (RLIMIT_AS) of the Python process.
    public var memoryMB: Int
    /// CPU time over the whole session (RLIMIT_CPU); the wall clock per call is separate.
    public var cpuSeconds: Int
    /// Largest file the student may write (RLIMIT_FSIZE), in /tmp only.
    public var fileSizeMB: Int
    public var openFiles: Int
    /// RLIMIT_NPROC, and pids.max of the pids cgroup (which also holds for root).
    public var processes: Int
    /// Size of the private /tmp.
    public var tmpMB: Int

    public init(
        memoryMB: Int = 1024, cpuSeconds: Int = 600, fileSizeMB: Int = 16, openFiles: Int = 64,
        processes: Int = 64, tmpMB: Int = 64
    ) {
        self.memoryMB = memoryMB
        self.cpuSeconds = cpuSeconds
        self.fileSizeMB = fileSizeMB
        self.openFiles = openFiles
        self.processes = processes
        self.tmpMB = tmpMB
    }

    /// The `--limits` argument of runner.py.
    public var runnerJSON: String {
        "{\"memory_mb\":\(memoryMB),\"cpu_seconds\":\(cpuSeconds),\"file_size_mb\":\(fileSizeMB),"
            + "\"open_files\":\(openFiles),\"processes\":\(processes)}"
    }
}

/// How student code is isolated.
public enum Isolation: Sendable, Hashable {
    /// bubblewrap, rlimits and (when possible) a pids cgroup. Required for untrusted code.
    case sandbox
    /// rlimits only: an instructor's --no-sandbox, or a student checking their own code.
    case none
}

/// The Python that runs the harness, asked once where it lives so exactly that is mounted.
public struct PythonInstallation: Sendable, Equatable {
    /// The real interpreter (not a pyenv shim).
    public var executable: String
    /// Folders the interpreter needs (prefix, base prefix, site-packages outside them).
    public var roots: [String]
    public var version: String

    public init(executable: String, roots: [String], version: String) {
        self.executable = executable
        self.roots = roots
        self.version = version
    }

    /// Asks `python` (looked up on PATH) for its real executable, prefixes and package paths.
    public static func discover(python: String = "python3") throws -> PythonInstallation {
        let script = """
            import json, os, sys
            import numpy
            roots = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
            paths = [os.path.realpath(p) for p in sys.path if p and os.path.isdir(p)]
            paths.append(os.path.dirname(os.path.dirname(os.path.realpath(numpy.__file__))))
            print(json.dumps({"executable": os.path.realpath(sys.executable),
                "roots": sorted(roots), "paths": paths, "version": sys.version.split()[0]}))
            """
        let run: CommandOutput
        do {
            run = try runCommand("/usr/bin/env", [python, "-I", "-c", script])
        } catch {
            throw HarnessError.pythonNotFound("running \(python): \(error)")
        }
        guard run.status == 0, case .object(let info)? = try? JSONValue.parse(run.stdout),
            let executable = info["executable"]?.stringValue
        else {
            throw HarnessError.pythonNotFound(
                "\(python) exited \(run.status): \(String(decoding: run.stderr, as: UTF8.self).suffix(500))"
            )
        }
        var roots: [String] = []
        func add(_ path: String) {
            let covered = roots.contains { path == $0 || path.hasPrefix($0 + "/") }
            if !covered && !isSystemPath(path) { roots.append(path) }
        }
        let prefixes =
            (info["roots"].flatMap { value -> [String]? in
                guard case .array(let items) = value else { return nil }
                return items.compactMap(\.stringValue)
            }) ?? []
        for path in prefixes.sorted(by: { $0.count < $1.count }) { add(path) }
        if case .array(let items)? = info["paths"] {
            for path in items.compactMap(\.stringValue) { add(path) }
        }
        add((executable as NSString).deletingLastPathComponent)
        return PythonInstallation(
            executable: executable, roots: roots, version: info["version"]?.stringValue ?? "?")
    }

    /// Already visible through the read-only /usr (and the /bin, /lib… links).
    static func isSystemPath(_ path: String) -> Bool {
        ["/usr", "/bin", "/lib", "/lib64", "/sbin"].contains {
            path == $0 || path.hasPrefix($0 + "/")
        }
    }
}

/// A per-sandbox pids cgroup (v1 or v2): pids.max bounds fork bombs even for root.
public final class PidsCgroup: Sendable {
    public let path: String

    private init(path: String) { self.path = path }

    public var procsFile: String { path + "/cgroup.procs" }

    /// Creates a fresh cgroup with pids.max = `maxPids`, or nil if no writable pids cgroup exists.
    public static func create(maxPids: Int) -> PidsCgroup? {
        let name = "lmlab-\(getpid())-\(UUID().uuidString.prefix(8))"
        for parent in candidateParents() {
            let path = parent + "/" + name
            guard mkdir(path, 0o755) == 0 else { continue }
            let group = PidsCgroup(path: path)
            if FileManager.default.fileExists(atPath: path + "/pids.max"),
                writeText("\(maxPids)\n", to: path + "/pids.max")
            {
                return group
            }
            rmdir(path)
        }
        return nil
    }

    /// v1's pids hierarchy, then the v2 cgroup this process is in (if it delegates pids).
    private static func candidateParents() -> [String] {
        var parents: [String] = []
        let v1 = "/sys/fs/cgroup/pids"
        if FileManager.default.fileExists(atPath: v1 + "/cgroup.procs"),
            !FileManager.default.fileExists(atPath: v1 + "/cgroup.controllers")
        {
            parents.append(v1)
        }
        let mounts = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
        let own = (try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8)) ?? ""
        let relative = own.split(separator: "\n").first { $0.hasPrefix("0::") }.map {
            String($0.dropFirst(3))
        }
        for line in mounts.split(separator: "\n") where line.contains(" - cgroup2 ") {
            let fields = line.split(separator: " ")
            guard fields.count > 4, let relative else { continue }
            let base = String(fields[4]) + (relative == "/" ? "" : relative)
            if let controllers = try? String(
                contentsOfFile: base + "/cgroup.controllers", encoding: .utf8),
                controllers.split(separator: " ").contains(where: { $0.hasPrefix("pids") })
            {
                _ = writeText("+pids", to: base + "/cgroup.subtree_control")
                parents.append(base)
            }
        }
        return parents
    }

    /// Processes still in the cgroup.
    public func members() -> [pid_t] {
        let text = (try? String(contentsOfFile: procsFile, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { pid_t($0) }
    }

    /// Kills every process left in the cgroup and removes it (retrying while they exit).
    public func destroy() {
        for _ in 0..<200 {
            let pids = members()
            for pid in pids { kill(pid, SIGKILL) }
            if pids.isEmpty && rmdir(path) == 0 { return }
            if !FileManager.default.fileExists(atPath: path) { return }
            usleep(10_000)
        }
    }
}

private func writeText(_ text: String, to path: String) -> Bool {
    let fd = open(path, O_WRONLY)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    let bytes = Array(text.utf8)
    return bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } == bytes.count
}

/// How to start one runner process.
public struct LaunchPlan: Sendable {
    /// argv[0] is the executable path.
    public var arguments: [String]
    public var environment: [String: String]
    /// The runner's working directory when not sandboxed (bwrap sets its own with --chdir).
    public var workingDirectory: String?
    public var cgroup: PidsCgroup?
    /// Things the verdict or log should say (e.g. fork bombs not contained).
    public var notes: [String]
}

/// Builds sandboxed (or plain) runner command lines for submissions.
public struct Sandbox: Sendable {
    public var python: PythonInstallation
    /// labs/harness on the host (runner.py, protocol.py).
    public var harnessDirectory: URL
    public var bwrapPath: String

    /// Where things appear inside the sandbox.
    public static let harnessMount = "/harness"
    public static let submissionMount = "/submission"

    public init(
        python: PythonInstallation, harnessDirectory: URL, bwrapPath: String = "/usr/bin/bwrap"
    ) {
        self.python = python
        self.harnessDirectory = harnessDirectory
        self.bwrapPath = bwrapPath
    }

    /// The environment student code sees: nothing of the grader's.
    public func environment() -> [String: String] {
        let pythonBin = (python.executable as NSString).deletingLastPathComponent
        return [
            "PATH": "\(pythonBin):/usr/local/bin:/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8",
            "PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0", "OPENBLAS_NUM_THREADS": "1",
            "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
        ]
    }

    /// bwrap's options up to (not including) the command: namespaces, env, mounts.
    public func bwrapOptions(submission: URL?, limits: SandboxLimits) -> [String] {
        var options = [
            "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
            "--clearenv", "--hostname", "sandbox",
        ]
        for (key, value) in environment().sorted(by: { $0.key < $1.key }) {
            options += ["--setenv", key, value]
        }
        let manager = FileManager.default
        for path in ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"] {
            guard let attributes = try? manager.attributesOfItem(atPath: path) else { continue }
            if attributes[.type] as? FileAttributeType == .typeSymbolicLink,
                let target = try? manager.destinationOfSymbolicLink(atPath: path)
            {
                options += ["--symlink", target, path]  // merged-/usr: /bin -> usr/bin
            } else {
                options += ["--ro-bind", path, path]
            }
        }
        // What the dynamic loader, Python and OpenBLAS read from /etc; nothing else of it.
        for path in [
            "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/alternatives",
            "/etc/localtime",
        ] where manager.fileExists(atPath: path) {
            options += ["--ro-bind", path, path]
        }
        for root in python.roots { options += ["--ro-bind", root, root] }
        options += ["--ro-bind", harnessDirectory.standardizedFileURL.path, Sandbox.harnessMount]
        if let submission {
            options += ["--ro-bind", submission.standardizedFileURL.path, Sandbox.submissionMount]
        }
        options += [
            "--size", String(limits.tmpMB << 20), "--tmpfs", "/tmp", "--proc", "/proc", "--dev",
            "/dev",
            "--chdir", submission == nil ? "/tmp" : Sandbox.submissionMount,
        ]
        return options
    }

    /// runner.py's command line, with the harness at `harnessPath`.
    public func runnerCommand(harnessPath: String, entry: String, limits: SandboxLimits) -> [String]
    {
        runnerCommand(harnessPath: harnessPath, options: ["--entry", entry], limits: limits)
    }

    func runnerCommand(harnessPath: String, options: [String], limits: SandboxLimits) -> [String] {
        [python.executable, "-I", "-B", harnessPath + "/runner.py"] + options
            + ["--limits", limits.runnerJSON]
    }

    /// The full plan for one runner over the staged `submission` folder.
    public func plan(
        submission: URL, entry: String, limits: SandboxLimits, isolation: Isolation,
        preloadTorch: Bool = false
    ) -> LaunchPlan {
        plan(
            submission: submission,
            runner: ["--entry", entry] + (preloadTorch ? ["--preload", "torch"] : []),
            limits: limits, isolation: isolation)
    }

    /// The plan for a warm runner (`--warm`) over `folder`, still empty: the same sandbox,
    /// mounts and limits as `plan(submission:…)`; the entry comes later in a `load` frame.
    public func warmPlan(folder: URL, limits: SandboxLimits, isolation: Isolation, preloadTorch: Bool)
        -> LaunchPlan
    {
        plan(
            submission: folder, runner: ["--warm"] + (preloadTorch ? ["--preload", "torch"] : []),
            limits: limits, isolation: isolation)
    }

    private func plan(
        submission: URL, runner options: [String], limits: SandboxLimits, isolation: Isolation
    ) -> LaunchPlan {
        var notes: [String] = []
        let cgroup = PidsCgroup.create(maxPids: limits.processes)
        if cgroup == nil && geteuid() == 0 {
            notes.append(
                "fork bombs are not contained: running as root (RLIMIT_NPROC does not apply) "
                    + "and no writable pids cgroup was found")
        }
        var command: [String]
        let environment: [String: String]
        switch isolation {
        case .sandbox:
            command =
                [bwrapPath] + bwrapOptions(submission: submission, limits: limits)
                + runnerCommand(harnessPath: Sandbox.harnessMount, options: options, limits: limits)
            environment = [:]
        case .none:
            notes.append("student code ran without a sandbox (rlimits only)")
            command = runnerCommand(
                harnessPath: harnessDirectory.standardizedFileURL.path, options: options,
                limits: limits)
            environment = self.environment()
        }
        if let cgroup {
            // Joins the cgroup before exec, so nothing the student starts is ever outside it;
            // if joining fails nothing runs.
            command =
                ["/bin/sh", "-c", "echo $$ > \"$0\" && exec \"$@\"", cgroup.procsFile] + command
        }
        return LaunchPlan(
            arguments: command, environment: environment,
            workingDirectory: isolation == .none ? submission.standardizedFileURL.path : nil,
            cgroup: cgroup, notes: notes)
    }

    /// Whether bubblewrap can create this sandbox here (runs `bwrap … true`); throws
    /// `HarnessError.sandboxUnavailable` with bwrap's own message if not.
    public func check() throws {
        guard FileManager.default.isExecutableFile(atPath: bwrapPath) else {
            throw HarnessError.sandboxUnavailable("\(bwrapPath) is not installed")
        }
        let arguments = bwrapOptions(submission: nil, limits: SandboxLimits()) + ["true"]
        let run: CommandOutput
        do {
            run = try runCommand(bwrapPath, arguments)
        } catch {
            throw HarnessError.sandboxUnavailable("\(error)")
        }
        guard run.status == 0 else {
            let message = String(decoding: run.stderr, as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            throw HarnessError.sandboxUnavailable(
                message.isEmpty ? "bwrap exited \(run.status)" : message)
        }
    }

    /// Finds Python and labs/harness and returns a sandbox for them; with `.sandbox` isolation it
    /// also checks that bubblewrap works (refusing with a clear message if not).
    public static func make(
        harnessDirectory: URL, isolation: Isolation, python: String = "python3"
    ) throws -> Sandbox {
        let runner = harnessDirectory.appendingPathComponent("runner.py").path
        guard FileManager.default.fileExists(atPath: runner) else {
            throw HarnessError.startFailed(
                "\(runner) is missing; is the lmlab labs folder complete?")
        }
        let sandbox = Sandbox(
            python: try PythonInstallation.discover(python: python),
            harnessDirectory: harnessDirectory)
        if isolation == .sandbox { try sandbox.check() }
        return sandbox
    }
}

struct CommandOutput {
    var status: Int32
    var stdout: Data
    var stderr: Data
}

/// Runs a short helper command to completion, reading both pipes without deadlock.
func runCommand(_ executable: String, _ arguments: [String]) throws -> CommandOutput {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let errorBox = DataBox()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
        errorBox.set(err.fileHandleForReading.readDataToEndOfFile())
        group.leave()
    }
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return CommandOutput(status: process.terminationStatus, stdout: stdout, stderr: errorBox.get())
}

private final class DataBox: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    func set(_ value: Data) { lock.withLock { data = value } }
    func get() -> Data { lock.withLock { data } }
}
