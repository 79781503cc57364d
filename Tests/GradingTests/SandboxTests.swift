// The bubblewrap sandbox: its command line, and hostile fixtures run inside it (network, files
// outside the submission, writes, fork bombs, hangs, crashes). Skipped where bwrap cannot run.
import Foundation
import TestSupport
import Testing

@testable import Harness

#if canImport(Glibc)
    import Glibc
#endif

@Suite("Sandbox", .serialized, .blockingWork)
struct SandboxTests {
    @Test func commandLineIsolatesEverything() throws {
        let sandbox = try HarnessFixtures.sandbox()
        let submission = HarnessFixtures.folder("good")
        let options = sandbox.bwrapOptions(submission: submission, limits: SandboxLimits(tmpMB: 32))
        let line = options.joined(separator: " ")
        for flag in [
            "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop ALL", "--clearenv",
            "--hostname sandbox", "--proc /proc", "--dev /dev", "--size 33554432 --tmpfs /tmp",
            "--setenv OPENBLAS_NUM_THREADS 1", "--setenv HOME /tmp", "--chdir /submission",
        ] {
            #expect(line.contains(flag), "missing \(flag) in \(line)")
        }
        #expect(!options.contains("--share-net"))
        #expect(line.contains("--ro-bind \(submission.path) /submission"))
        #expect(line.contains("--ro-bind \(HarnessFixtures.harnessDirectory.path) /harness"))
        // Every host path bound is a system folder, Python, the harness or the submission.
        var index = 0
        while index < options.count {
            if options[index] == "--ro-bind" || options[index] == "--bind" {
                let source = options[index + 1]
                let allowed =
                    PythonInstallation.isSystemPath(source) || source.hasPrefix("/etc/")
                    || sandbox.python.roots.contains(source) || source == submission.path
                    || source == HarnessFixtures.harnessDirectory.path
                #expect(allowed, "unexpected bind of \(source)")
                #expect(options[index] == "--ro-bind", "\(source) must be read-only")
                index += 3
            } else {
                index += 1
            }
        }
        #expect(!sandbox.python.roots.contains { repositoryRoot.path.hasPrefix($0) })
    }

    @Test func checkRefusesWithAClearMessage() throws {
        var sandbox = try HarnessFixtures.sandbox()
        sandbox.bwrapPath = "/nonexistent/bwrap"
        #expect {
            try sandbox.check()
        } throws: { error in
            "\(error)"
                == "bubblewrap cannot create a sandbox here: /nonexistent/bwrap is not installed. "
                + "Install bubblewrap (apt install bubblewrap) or pass --no-sandbox if you trust this code"
        }
    }

    @Test(.enabled(if: HarnessFixtures.bubblewrapWorks))
    func stagedNotebookRunsInTheSandbox() throws {
        let notebook = HarnessFixtures.folder("notebook").appendingPathComponent("work.ipynb")
        let staged = try SubmissionSource.stage(notebook, entry: "attention.py")
        defer { staged.remove() }
        let configuration = HarnessConfiguration(
            sandbox: try HarnessFixtures.sandbox(), isolation: .sandbox)
        let session = HarnessSession(
            submission: staged.folder, entry: staged.entry, configuration: configuration)
        defer { session.close() }
        let x = HarnessValue.tensor(HarnessTensor(floats: [1, 1, 1, 1], shape: [4]))
        guard case .value(.tensor(let y), _) = session.call("softmax", args: [x], timeout: 20)
        else {
            Issue.record("softmax should run from a staged notebook")
            return
        }
        #expect(y.floats() == [0.25, 0.25, 0.25, 0.25])
    }

    @Test func pythonIsTheRealInterpreter() throws {
        let python = try PythonInstallation.discover()
        #expect(!python.executable.contains("/shims/"), "\(python.executable)")
        #expect(FileManager.default.isExecutableFile(atPath: python.executable))
        #expect(
            python.roots.allSatisfy { $0 != "/" && $0 != "/root" && $0 != "/home" },
            "\(python.roots)")
    }

    /// Cold, and warm (a pooled runner started before the files arrived): the same sandbox.
    @Test(.enabled(if: HarnessFixtures.bubblewrapWorks), arguments: [false, true])
    func studentSeesAMinimalWorld(warm: Bool) throws {
        let session = try HarnessFixtures.session("hostile", isolation: .sandbox, warm: warm)
        defer { session.close() }
        let outcome = session.call("environment", args: [], timeout: 20)
        guard case .value(.dict(let items), _) = outcome, case .dict(let env)? = items["env"] else {
            Issue.record("environment() failed: \(outcome)")
            return
        }
        #expect(
            Set(env.keys) == [
                "PATH", "HOME", "LANG", "PYTHONDONTWRITEBYTECODE", "PYTHONHASHSEED",
                "OPENBLAS_NUM_THREADS",
                "OMP_NUM_THREADS", "MKL_NUM_THREADS", "PWD",
            ], "bwrap sets PWD; nothing else of the grader's environment may leak")
        #expect(items["hostname"] == .json(.string("sandbox")))
        #expect(items["cwd"] == .json(.string("/submission")))
        #expect(session.timings.startups.count == 1)
    }

    /// Cold, and warm (a pooled runner started before the files arrived): the same sandbox.
    @Test(.enabled(if: HarnessFixtures.bubblewrapWorks), arguments: [false, true])
    func networkIsUnreachable(warm: Bool) throws {
        // A listener on the host's loopback: reachable from here, not from the sandbox.
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Bool in
                bind(listener, pointer, length) == 0 && listen(listener, 4) == 0
                    && getsockname(listener, pointer, &length) == 0
            }
        }
        try #require(bound)
        let port = Int(UInt16(bigEndian: address.sin_port))

        let session = try HarnessFixtures.session("hostile", isolation: .sandbox, warm: warm)
        defer { session.close() }
        for (host, port) in [("1.1.1.1", 53), ("127.0.0.1", port)] {
            let outcome = session.call(
                "connect", args: [.json(.string(host)), .json(.int(port))], timeout: 20)
            guard case .value(.json(.string(let result)), _) = outcome else {
                Issue.record("connect(\(host)) failed oddly: \(outcome)")
                continue
            }
            #expect(result.hasPrefix("failed"), "\(host):\(port) -> \(result)")
        }
        let resolved = session.call("resolve", args: [.json(.string("example.com"))], timeout: 20)
        guard case .value(.json(.string(let text)), _) = resolved else {
            Issue.record("resolve failed oddly: \(resolved)")
            return
        }
        #expect(text.hasPrefix("failed"), "\(text)")
    }

    /// Cold, and warm (a pooled runner started before the files arrived): the same sandbox.
    @Test(.enabled(if: HarnessFixtures.bubblewrapWorks), arguments: [false, true])
    func nothingOutsideTheSubmissionIsVisible(warm: Bool) throws {
        let session = try HarnessFixtures.session("hostile", isolation: .sandbox, warm: warm)
        defer { session.close() }
        let hidden = [
            repositoryRoot.path, repositoryRoot.appendingPathComponent("labs").path,
            HarnessFixtures.folder("good").path, "/work", "/home", "/etc/passwd", "/etc/shadow",
            "/etc/hostname", "/root/.bashrc", "/root/.ssh", "/root/.pyenv/shims", "/var", "/srv",
            "/opt",
            "/sys/fs/cgroup",
        ]
        let outcome = session.call(
            "probe",
            args: [
                .list(
                    (hidden + ["/root", "/submission", "/harness"]).map {
                        .json(.string($0))
                    })
            ], timeout: 20)
        guard case .value(.dict(let found), _) = outcome else {
            Issue.record("probe failed: \(outcome)")
            return
        }
        for path in hidden {
            #expect(
                found[path] == .json(.string("missing")),
                "\(path): \(found[path].map(\.description) ?? "?")")
        }
        #expect(found["/root"] == .json(.string("listed: .pyenv")))
        #expect(found["/submission"] == .json(.string("listed: attention.py")))
        // The harness folder: the runner, its protocol and the bridge instructor sessions use
        // (code only: the lab's reference.py and expected values are never bound in here).
        #expect(
            found["/harness"] == .json(.string("listed: instructor.py,protocol.py,runner.py")))
    }

    /// Cold, and warm (a pooled runner started before the files arrived): the same sandbox.
    @Test(.enabled(if: HarnessFixtures.bubblewrapWorks), arguments: [false, true])
    func submissionIsReadOnlyAndTmpIsPrivate(warm: Bool) throws {
        let session = try HarnessFixtures.session("hostile", isolation: .sandbox, warm: warm)
        defer { session.close() }
        for path in [
            "/submission/attention.py", "/submission/new.py", "/harness/runner.py", "/usr/evil",
        ] {
            guard
                case .value(.json(.string(let result)), _) = session.call(
                    "write", args: [.json(.string(path))], timeout: 20)
            else {
                Issue.record("write(\(path)) failed oddly")
                continue
            }
            #expect(result.hasPrefix("failed"), "\(path) -> \(result)")
        }
        let scratch = "/tmp/lmlab-sandbox-\(UUID().uuidString).txt"
        let tmp = session.call("write", args: [.json(.string(scratch))], timeout: 20)
        guard case .value(.json(.string("written")), _) = tmp else {
            Issue.record("the private /tmp should be writable: \(tmp)")
            return
        }
        #expect(
            !FileManager.default.fileExists(atPath: scratch), "the sandbox's /tmp is the host's")
    }

    /// Cold, and warm (a pooled runner started before the files arrived): the same sandbox.
    @Test(.enabled(if: HarnessFixtures.bubblewrapWorks), arguments: [false, true])
    func forkBombIsContained(warm: Bool) throws {
        let session = try HarnessFixtures.session(
            "hostile", isolation: .sandbox, limits: SandboxLimits(processes: 32), warm: warm)
        defer { session.close() }
        try session.start()
        if session.notes.contains(where: { $0.contains("fork bombs are not contained") }) {
            Issue.record("no pids cgroup here: \(session.notes)")
            return
        }
        let started = Date()
        let outcome = session.call("fork_bomb", args: [], timeout: 15)
        guard case .value(.json(.int(let forked)), _) = outcome else {
            Issue.record("fork_bomb: \(outcome)")
            return
        }
        #expect(forked < 32, "forked \(forked) children past pids.max 32")
        #expect(Date().timeIntervalSince(started) < 15)
        // The sleeping children are still in the sandbox; a hang kills the whole tree.
        #expect(session.call("hang", args: [.json(.int(60))], timeout: 1) == .timeout(seconds: 1))
        guard
            case .value(.json(.int(8)), _) = session.call("ok", args: [.json(.int(7))], timeout: 20)
        else {
            Issue.record("the session should restart after the kill")
            return
        }
        session.close()
        #expect(session.cgroupsUsed.count == 2)
        let left = session.cgroupsUsed.filter { FileManager.default.fileExists(atPath: $0) }
        #expect(left.isEmpty, "cgroups left behind: \(left)")
    }

    /// Cold, and warm (a pooled runner started before the files arrived): the same sandbox.
    @Test(.enabled(if: HarnessFixtures.bubblewrapWorks), arguments: [false, true])
    func crashesAndHangsInsideTheSandbox(warm: Bool) throws {
        let session = try HarnessFixtures.session("hostile", isolation: .sandbox, warm: warm)
        defer { session.close() }
        guard case .crashed(let status, _) = session.call("crash_segfault", args: [], timeout: 20)
        else {
            Issue.record("a segfault should crash the runner")
            return
        }
        #expect(status.contains("SIGSEGV"), "\(status)")
        #expect(session.call("spin", args: [.json(.int(30))], timeout: 1) == .timeout(seconds: 1))
        guard
            case .value(.json(.int(1)), _) = session.call("ok", args: [.json(.int(0))], timeout: 20)
        else {
            Issue.record("the session should restart")
            return
        }
        #expect(session.restarts == 2)
    }
}
