// HarnessSession against the fixture modules: values, student errors, chatty output, hangs,
// crashes and memory hogs, each costing one call only.
import Foundation
import TestSupport
import Testing

@testable import Harness

/// Fixture folders and sessions shared by the harness test files.
enum HarnessFixtures {
    static let root = repositoryRoot.appendingPathComponent("Tests/GradingTests/Fixtures/harness")
    static let harnessDirectory = repositoryRoot.appendingPathComponent("labs/harness")

    static func folder(_ name: String) -> URL { root.appendingPathComponent(name) }

    static func sandbox() throws -> Sandbox {
        Sandbox(python: try PythonInstallation.discover(), harnessDirectory: harnessDirectory)
    }

    /// A session over the fixture folder `name`. `warm`: its runner is started first, over an
    /// empty folder, as a sandbox pool's is, and the fixture's files are copied in after.
    static func session(
        _ name: String, isolation: Isolation = .none, limits: SandboxLimits = SandboxLimits(),
        warm: Bool = false
    ) throws -> HarnessSession {
        let configuration = HarnessConfiguration(
            sandbox: try sandbox(), isolation: isolation, limits: limits, startupTimeout: 30,
            logCapacity: 64 * 1024)
        guard warm else {
            return HarnessSession(
                submission: folder(name), entry: "attention.py", configuration: configuration)
        }
        let sandbox = try WarmSandbox.start(
            configuration: configuration,
            root: FileManager.default.temporaryDirectory)
        let manager = FileManager.default
        for file in try manager.contentsOfDirectory(atPath: folder(name).path) {
            try manager.copyItem(
                at: folder(name).appendingPathComponent(file),
                to: sandbox.folder.appendingPathComponent(file))
        }
        return HarnessSession(warm: sandbox, entry: "attention.py", configuration: configuration)
    }

    /// Whether bubblewrap works on this machine (sandbox tests are skipped if not).
    static let bubblewrapWorks: Bool = (try? sandbox().check()) != nil
}

func tensorValue(_ outcome: CallOutcome) -> HarnessTensor? {
    if case .value(.tensor(let tensor), _) = outcome { return tensor }
    return nil
}

@Suite("HarnessSession", .serialized, .blockingWork)
struct HarnessTests {
    @Test func startsAndListsTheStudentsFunctions() throws {
        let session = try HarnessFixtures.session("good")
        defer { session.close() }
        let functions = try session.start()
        #expect(functions.contains("softmax"))
        #expect(functions.contains("as_dict"))
        #expect(!functions.contains("_helper"))
        #expect(session.timings.startups.count == 1)
    }

    @Test func softmaxOfAHandWorkedRow() throws {
        let session = try HarnessFixtures.session("good")
        defer { session.close() }
        // softmax([0, ln 2, ln 3]) = [1, 2, 3] / 6.
        let x = HarnessTensor(floats: [0, Float(log(2.0)), Float(log(3.0))], shape: [3])
        let outcome = session.call("softmax", args: [.tensor(x)], timeout: 10)
        let tensor = try #require(tensorValue(outcome), "\(outcome)")
        #expect(tensor.dtype == .float32 && tensor.shape == [3])
        let expected: [Float] = [1.0 / 6, 2.0 / 6, 3.0 / 6]
        let diff = zip(tensor.floats(), expected).map { abs($0 - $1) }.max() ?? 1
        #expect(diff < 1e-6, "max difference \(diff)")
    }

    @Test func syntaxErrorIsReportedWithFileAndLine() throws {
        let session = try HarnessFixtures.session("syntax")
        defer { session.close() }
        #expect {
            try session.start()
        } throws: { error in
            guard case HarnessError.importFailed(let student) = error else { return false }
            return student.type == "SyntaxError" && student.file == "attention.py"
                && student.line == 5
                && student.text?.contains("np.exp(x).sum(") == true
        }
        // A call on a module that cannot import reports the same error, not a crash.
        let outcome = session.call("softmax", args: [], timeout: 5)
        guard case .studentError(let error) = outcome else {
            Issue.record("expected a student error, got \(outcome)")
            return
        }
        #expect(error.type == "SyntaxError")
    }

    @Test func importErrorNamesTheStudentsLine() throws {
        let session = try HarnessFixtures.session("importerror")
        defer { session.close() }
        do {
            try session.start()
            Issue.record("the import should have failed")
        } catch HarnessError.importFailed(let student) {
            #expect(student.type == "ModuleNotFoundError")
            #expect(student.line == 3 && student.file == "attention.py")
            #expect(!student.traceback.contains("importlib"), "\(student.traceback)")
        }
    }

    @Test func raisingFunctionShowsOnlyStudentFrames() throws {
        let session = try HarnessFixtures.session("good")
        defer { session.close() }
        let outcome = session.call(
            "nested_raise", args: [.tensor(HarnessTensor(doubles: [1, 2], shape: [2]))], timeout: 10
        )
        guard case .studentError(let error) = outcome else {
            Issue.record("expected a student error, got \(outcome)")
            return
        }
        #expect(error.type == "ValueError")
        #expect(error.line == 88 && error.text == "return np.reshape(x, (7, 7))")
        #expect(error.traceback.contains("line 84, in nested_raise"))
        #expect(!error.traceback.contains("numpy"), "\(error.traceback)")
        // The loop survived: the next call works without a restart.
        #expect(tensorValue(session.call("as_list", args: [], timeout: 10))?.ints() == [1, 2, 3])
        #expect(session.timings.startups.count == 1)
    }

    @Test func missingFunctionSuggestsTheRename() throws {
        let session = try HarnessFixtures.session("good")
        defer { session.close() }
        guard case .studentError(let error) = session.call("softmx", args: [], timeout: 10) else {
            Issue.record("expected a student error")
            return
        }
        #expect(
            error.message.hasPrefix(
                "function softmx not found in attention.py — did you rename it?"))
        #expect(error.message.contains("softmax"))
    }

    @Test func systemExitIsAnErrorNotAnExit() throws {
        let session = try HarnessFixtures.session("good")
        defer { session.close() }
        guard case .studentError(let error) = session.call("exits", args: [], timeout: 10) else {
            Issue.record("expected a student error")
            return
        }
        #expect(error.type == "SystemExit")
        guard case .value(.json(.int(7)), _) = session.call("as_int", args: [], timeout: 10) else {
            Issue.record("the loop should survive SystemExit")
            return
        }
        #expect(session.restarts == 0)
    }

    @Test func chattyModuleKeepsTheProtocolAndCapsTheLog() throws {
        let configuration = HarnessConfiguration(
            sandbox: try HarnessFixtures.sandbox(), isolation: .none, logCapacity: 4096)
        let session = HarnessSession(
            submission: HarnessFixtures.folder("chatty"), entry: "attention.py",
            configuration: configuration)
        defer { session.close() }
        let outcome = session.call("loud", args: [.json(.int(2000))], timeout: 20)
        let tensor = try #require(tensorValue(outcome), "\(outcome)")
        #expect(tensor.doubles() == [1.5, 1.5, 1.5])
        let log = session.output
        #expect(log.hasPrefix("hello from import\nraw write to fd 1 at import\n"))
        #expect(log.contains("bytes dropped]"))
        #expect(log.utf8.count < 4096 + 100)
    }

    @Test func hangTimesOutAndTheNextCallWorks() throws {
        let session = try HarnessFixtures.session("hostile")
        defer { session.close() }
        let started = Date()
        let outcome = session.call("hang", args: [.json(.int(60))], timeout: 1.0)
        #expect(outcome == .timeout(seconds: 1.0))
        #expect(Date().timeIntervalSince(started) < 5)
        let next = session.call("ok", args: [.json(.int(41))], timeout: 10)
        guard case .value(.json(.int(42)), _) = next else {
            Issue.record("the call after a timeout should work, got \(next)")
            return
        }
        #expect(session.restarts == 1)
    }

    @Test func crashesCostOneCall() throws {
        let session = try HarnessFixtures.session("hostile")
        defer { session.close() }
        guard case .crashed(let exitStatus, _) = session.call("crash_exit", args: [], timeout: 10)
        else {
            Issue.record("os._exit should crash the runner")
            return
        }
        #expect(exitStatus.contains("exited with status 9"), "\(exitStatus)")
        guard case .crashed(let segfault, _) = session.call("crash_segfault", args: [], timeout: 10)
        else {
            Issue.record("a segfault should crash the runner")
            return
        }
        #expect(segfault.contains("SIGSEGV"), "\(segfault)")
        guard
            case .value(.json(.int(2)), _) = session.call("ok", args: [.json(.int(1))], timeout: 10)
        else {
            Issue.record("the session should restart after a crash")
            return
        }
        #expect(session.restarts == 2)
    }

    @Test func memoryHogIsContained() throws {
        let session = try HarnessFixtures.session("hostile", limits: SandboxLimits(memoryMB: 512))
        defer { session.close() }
        guard case .memoryExceeded = session.call("big_alloc", args: [], timeout: 10) else {
            Issue.record("a 16 GiB array should exceed 512 MB")
            return
        }
        guard
            case .memoryExceeded = session.call(
                "memory_hog", args: [.json(.int(4096))], timeout: 20)
        else {
            Issue.record("4 GB of chunks should exceed 512 MB")
            return
        }
        guard
            case .value(.json(.int(4)), _) = session.call("ok", args: [.json(.int(3))], timeout: 10)
        else {
            Issue.record("the session should still answer")
            return
        }
    }
}
