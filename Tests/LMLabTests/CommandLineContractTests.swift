// What a script can rely on, checked on the built `lmlab` binary: --version, `check`'s exit codes
// (0 all passed, 2 a test failed, 1 lmlab could not check), the where-it-looked message outside
// the repository, and no stray data directory after a failed local submit.
import Foundation
import Grading
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

@Suite(.serialized) struct CommandLineContractTests {
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

@Test func aRunPlotsLegendLeadsWithTheRunsName() {
    let id = "3438d48a7edb4f0c9d1e2f3a4b5c6d7e"
    #expect(
        RunsCommand.Plot.legendLabel(id: id, name: "lora-r8", student: "s01")
            == "lora-r8 (3438d48a)")
    #expect(RunsCommand.Plot.legendLabel(id: id, name: nil, student: "s01") == "s01 (3438d48a)")
    #expect(RunsCommand.Plot.legendLabel(id: id, name: nil, student: nil) == id)
}
