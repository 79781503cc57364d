// What a script can rely on, checked on the built `lmlab` binary: --version, `check`'s exit codes
// (0 all passed, 2 a test failed, 1 lmlab could not check), the where-it-looked message outside
// the repository, and no stray data directory after a failed local submit.
import Foundation
import Grading
import TestSupport
import Testing

@testable import lmlab

/// The repository (this file is Tests/LMLabTests/…).
private let repository = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Runs the debug `lmlab` with `arguments` in `directory`; its exit status, stdout and stderr.
private func lmlab(
    _ arguments: [String], in directory: URL = repository, environment: [String: String] = [:]
) throws -> (status: Int32, stdout: String, stderr: String) {
    let process = Process()
    process.executableURL = repository.appendingPathComponent(".build/debug/lmlab")
    process.arguments = arguments
    process.currentDirectoryURL = directory
    var env = ProcessInfo.processInfo.environment
    env["LMLAB_LABS"] = nil
    env["LMLAB_HOME"] = nil
    env["LMLAB_SERVER"] = nil
    for (key, value) in environment { env[key] = value }
    process.environment = env
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Read both pipes before waiting so a full pipe cannot block the child.
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (
        process.terminationStatus, String(decoding: stdout, as: UTF8.self),
        String(decoding: stderr, as: UTF8.self)
    )
}

private func scratch() throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("lmlab-cli-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

@Suite(.serialized, .blockingWork) struct CommandLineContractTests {
    @Test func versionPrintsTheVersion() throws {
        let run = try lmlab(["--version"])
        #expect(run.status == 0)
        #expect(run.stdout == lmlabVersion + "\n")
    }

    @Test func checkExitsTwoWhenATestFailsAndZeroWhenAllPass() throws {
        let good = repository.appendingPathComponent("submissions/s01-ada/01-attention/attention.py")
        let buggy = repository.appendingPathComponent(
            "submissions/s05-barbara/01-attention/attention.py")
        let passed = try lmlab(["check", good.path, "--lab", "01-attention"])
        #expect(passed.status == 0, "\(passed.stdout)\(passed.stderr)")
        let failed = try lmlab(["check", buggy.path, "--lab", "01-attention"])
        #expect(failed.status == 2, "\(failed.stdout)\(failed.stderr)")
        #expect(failed.stdout.contains("FAIL"))
        let help = try lmlab(["check", "--help"])
        #expect(help.stdout.contains("Exit codes: 0 every test passed; 2 a test did not pass"))
    }

    @Test func checkOutsideTheRepositorySaysWhereItLookedAndHowToPointIt() throws {
        let elsewhere = try scratch()
        defer { try? FileManager.default.removeItem(at: elsewhere) }
        let file = repository.appendingPathComponent("submissions/s01-ada/01-attention/attention.py")
        let run = try lmlab(["check", file.path, "--lab", "01-attention"], in: elsewhere)
        #expect(run.status == 1)
        let looked = elsewhere.appendingPathComponent("labs").standardizedFileURL.path
        #expect(run.stderr.contains("no lab '01-attention' in"), "\(run.stderr)")
        #expect(run.stderr.contains(looked) || run.stderr.contains("/labs (chosen by"), "\(run.stderr)")
        #expect(run.stderr.contains("--labs DIR") && run.stderr.contains("LMLAB_LABS"))
        // And $LMLAB_LABS points it at the labs
        let pointed = try lmlab(
            ["check", file.path, "--lab", "01-attention"], in: elsewhere,
            environment: ["LMLAB_LABS": repository.appendingPathComponent("labs").path])
        #expect(pointed.status == 0, "\(pointed.stderr)")
    }

    /// Every command that grades or runs students' code says where it looked for the labs and
    /// the harness, and how to point it there; `$LMLAB_LABS` is honoured by each.
    @Test func everyCommandNeedingTheHarnessSaysWhereItLooked() throws {
        let elsewhere = try scratch()
        defer { try? FileManager.default.removeItem(at: elsewhere) }
        let quantizer = repository.appendingPathComponent(
            "submissions/s10-ken/06-quantization/quantize.py")
        let harness = elsewhere.appendingPathComponent("labs/harness").standardizedFileURL.path
        let verify = [
            "experiment", "verify", "--model", elsewhere.appendingPathComponent("no-model").path,
            "--eval", elsewhere.appendingPathComponent("no-eval.txt").path, "--quantizer",
            quantizer.path, "--scheme", "q8_0", "--student", "ada",
        ]
        let data = elsewhere.appendingPathComponent("serve-data")
        let commands: [(arguments: [String], looked: String)] = [
            (verify, "no harness at \(harness)"),
            (["serve", "--data", data.path], "no harness at \(harness)"),
            (["bench", "grading", "--runs", "1"], "no harness at \(harness)"),
            (
                ["experiment", "demo-study", "--model", "m", "--out", "o"],
                "no labs folder at \(elsewhere.appendingPathComponent("labs").standardizedFileURL.path)"
            ),
        ]
        for command in commands {
            let run = try lmlab(command.arguments, in: elsewhere)
            let said = "\(command.arguments.prefix(2)): \(run.stderr)"
            #expect(run.status == 1, "\(said)")
            #expect(run.stderr.contains(command.looked), "\(said)")
            #expect(run.stderr.contains("chosen by the default ./labs"), "\(said)")
            #expect(run.stderr.contains("--labs DIR") && run.stderr.contains("LMLAB_LABS"), "\(said)")
        }
        #expect(!FileManager.default.fileExists(atPath: data.path))
        // With $LMLAB_LABS the harness is found and verify gets as far as the missing model.
        let pointed = try lmlab(
            verify, in: elsewhere,
            environment: ["LMLAB_LABS": repository.appendingPathComponent("labs").path])
        #expect(pointed.status != 0)
        #expect(!pointed.stderr.contains("no harness"), "\(pointed.stderr)")
        #expect(pointed.stderr.contains("no-model"), "\(pointed.stderr)")
    }

    @Test func aFailedSubmitLeavesNoDataDirectory() throws {
        let elsewhere = try scratch()
        defer { try? FileManager.default.removeItem(at: elsewhere) }
        let data = elsewhere.appendingPathComponent("fresh-data")
        let file = repository.appendingPathComponent("submissions/s01-ada/01-attention/attention.py")
        let run = try lmlab(
            ["submit", file.path, "--lab", "01-attention", "--student", "nobody", "--data",
             data.path])
        #expect(run.status == 1, "\(run.stdout)\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: data.path))
    }
}
