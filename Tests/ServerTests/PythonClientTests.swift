// The Python client (labs/client/lmlab_client.py) against a real daemon: the real grader in the
// bubblewrap sandbox behind a loopback socket, driven by Tests/Oracle/client_student_loop.py
// (login, labs, check, submit a file / a notebook / a folder, feedback, leaderboard, run
// logging, the offline fallback, HTML rendering, every bad input's message). Then what the
// client did is read back from the store, and the client the daemon serves is the repository's.
import Foundation
import Hummingbird
import HummingbirdTesting
import LabConfig
import Store
import TestSupport
import Testing

@testable import Server

@Suite(.serialized, .blockingWork) struct PythonClientTests {
    @Test func studentLoopAgainstALiveDaemon() async throws {
        // Given a store with one student, lab 01 without deadlines (so the test does not
        // depend on today's date), and the real grader in the bubblewrap sandbox
        let directory = try makeScratchDirectory("lmlab-client-loop")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try LabStore.open(directory: directory.appendingPathComponent("data"))
        try store.importRoster(csv: "id,name,email\nalice,Alice Liddell,alice@example.org\n")
        let token = try store.issueToken(studentID: "alice")
        let labsRoot = repositoryRoot.appendingPathComponent("labs")
        let lab = try Lab.load(folder: labsRoot.appendingPathComponent("01-attention"))
        try store.syncLab(
            LabRecord(id: lab.id, version: lab.version, title: lab.title, counting: .best))
        let grader = try LabGrader(
            labs: [lab], harnessDirectory: labsRoot.appendingPathComponent("harness"),
            isolation: .sandbox)
        var configuration = testConfiguration(workers: 1)
        configuration.host = "127.0.0.1"
        configuration.port = 0
        configuration.maxSubmissionBytes = 8 << 20
        configuration.gradingTimeout = 600  // a hang detector; the machine may be loaded
        configuration.clientScript = labsRoot.appendingPathComponent("client/lmlab_client.py")
        let app = buildApplication(
            configuration, grader: grader, store: store, checker: grader, logger: quietLogger)
        let scratch = directory.appendingPathComponent("student", isDirectory: true)
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)

        try await app.test(.live) { client in
            let server = "http://127.0.0.1:\(try #require(client.port))"
            // When the student's loop runs through the Python client
            let output = try await Self.python(
                "client_student_loop.py", [server, token, scratch.path])
            // Then every step held (the script asserts each one)
            #expect(output.hasSuffix("ok\n"), "\(output)")
            // And the daemon serves the repository's client, without a token
            try await client.execute(uri: "/client/lmlab_client.py", method: .get) { response in
                #expect(response.status == .ok)
                let served = Data(response.body.readableBytesView)
                let file = try Data(
                    contentsOf: labsRoot.appendingPathComponent("client/lmlab_client.py"))
                #expect(served == file)
            }
        }
        // The checks were not submissions: four were handed in (file, notebook, folder, buggy).
        let submissions = try store.submissionsSince(
            student: "alice", lab: "01-attention", since: .distantPast)
        #expect(submissions == 4)
        // The run logged through the session is alice's, with its five points.
        let run = try store.runDetails(id: "client-loop-1")
        #expect(run.run.studentID == "alice" && run.run.status == .finished)
        #expect(run.params == ["lora_r": "8"])
        let loss = try #require(run.summaries["loss"])
        #expect(loss.count == 5 && loss.min == 6 && loss.last == 6 && loss.max == 10)
    }

    @Test func clientIsPipInstallable() throws {
        // Given a copy of labs/client (pip builds in the source folder)
        let directory = try makeScratchDirectory("lmlab-client-pip")
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = directory.appendingPathComponent("client")
        try FileManager.default.copyItem(
            at: repositoryRoot.appendingPathComponent("labs/client"), to: source)
        let target = directory.appendingPathComponent("site")
        // When pip installs it (no network: setuptools is already here)
        try run(
            "python3", "-m", "pip", "install", "--quiet", "--no-build-isolation", "--no-deps",
            "--target", target.path, source.path)
        // Then a fresh interpreter imports the installed module, with its student functions
        let output = try run(
            "env", "PYTHONPATH=\(target.path)", "python3", "-c",
            "import lmlab_client as m; print(m.__file__); print(all(callable(getattr(m, f)) for f"
                + " in ('login', 'labs', 'check', 'submit', 'feedback', 'leaderboard', 'run')))")
        #expect(output.hasPrefix(target.path + "/lmlab_client.py\n"), "\(output)")
        #expect(output.hasSuffix("True\n"))
    }

    /// Runs a command from PATH; its stdout, or an error with its stderr.
    @discardableResult
    func run(_ arguments: String...) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        if process.terminationStatus != 0 {
            Issue.record("\(arguments) failed: \(String(decoding: errors, as: UTF8.self))")
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Runs `python3 Tests/Oracle/<script>` off the cooperative pool (the daemon it talks to
    /// runs on that pool); returns its stdout, or throws with its stderr.
    static func python(_ script: String, _ arguments: [String]) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(
                    with: Result {
                        String(decoding: try runOracle(script, arguments), as: UTF8.self)
                    })
            }
        }
    }
}
