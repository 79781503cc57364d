// schemathesis (PyPI, installed by .ci/setup) against the daemon's own OpenAPI description: a
// live daemon on a loopback port, with the fixture's store (a student, an instructor, labs, a
// graded submission, a run), is fed schema-driven and malformed requests with a student's token
// and then an instructor's. No answer may be a 5xx, and the daemon must still be up afterwards.
// The run is bounded (a few examples per operation, a fixed seed) so it takes seconds.
import Foundation
import Hummingbird
import HummingbirdTesting
import Store
import TestSupport
import Testing

@testable import Server

@Suite(.serialized, .blockingWork) struct SchemathesisTests {
    @Test func noRequestGetsAServerErrorAndTheDaemonStaysUp() async throws {
        // Given a daemon with a graded submission and a logged run to be found
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        try fixture.store.enqueue(
            student: "alice", lab: "attention", filename: "attention.py",
            content: Data("score=7\n".utf8), source: .http)
        _ = try fixture.store.startRun(
            RunStart(experiment: "sweep", studentID: "alice", name: "r8"))
        // Set up as `lmlab serve` is: it serves the Python client and can check every lab it
        // has (without them, /client and a check answer 503 on purpose: CheckAPITests).
        var configuration = testConfiguration(workers: 1)
        configuration.host = "127.0.0.1"
        configuration.port = 0
        configuration.clientScript = repositoryRoot.appendingPathComponent(
            "labs/client/lmlab_client.py")
        let app = buildApplication(
            configuration, grader: ContentGrader(log: GradeLog()), store: fixture.store,
            checker: EveryLabChecker(), logger: quietLogger)
        let scratch = try makeScratchDirectory("lmlab-schemathesis")
        defer { try? FileManager.default.removeItem(at: scratch) }

        try await app.test(.live) { client in
            let server = "http://127.0.0.1:\(try #require(client.port))"
            // When schemathesis runs with each kind of token
            for (who, token) in [("student", fixture.aliceToken), ("instructor", fixture.profToken)] {
                let (status, output) = try await Self.schemathesis(
                    server: server, token: token, folder: scratch)
                // Then no operation answered with a server error
                #expect(status == 0, "schemathesis with the \(who) token:\n\(output.suffix(6000))")
            }
            // And the daemon still answers
            try await client.execute(uri: "/api/health", method: .get) { response in
                #expect(response.status == .ok)
            }
        }
    }

    /// Runs schemathesis's `not_a_server_error` check over every operation, off the cooperative
    /// pool (the daemon it talks to runs there); its exit status and output.
    static func schemathesis(server: String, token: String, folder: URL) async throws
        -> (Int32, String)
    {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(
                    with: Result {
                        let process = Process()
                        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                        process.arguments = [
                            "schemathesis", "run", "\(server)/api/openapi.json",
                            "--checks", "not_a_server_error",
                            "--header", "Authorization: Bearer \(token)",
                            "--max-examples", "8", "--seed", "1", "--workers", "1",
                            "--request-timeout", "60", "--no-color",
                        ]
                        process.currentDirectoryURL = folder
                        let output = Pipe()
                        process.standardOutput = output
                        process.standardError = output
                        try process.run()
                        let data = output.fileHandleForReading.readDataToEndOfFile()
                        process.waitUntilExit()
                        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
                    })
            }
        }
    }
}

/// FakeChecker for every lab of the fixture, as a daemon checks every lab it was started with.
struct EveryLabChecker: SubmissionChecker {
    func points(lab: String) -> LabPoints? {
        LabPoints(total: 10, visible: 2, tests: 2, visibleTests: 1)
    }

    func check(_ job: CheckJob) async throws -> GradeOutcome {
        try await FakeChecker().check(job)
    }
}
