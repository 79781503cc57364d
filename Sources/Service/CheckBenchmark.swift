// `lmlab bench check`: a student's self-check as the Python client sees it — POST
// /api/labs/:lab/check through a real daemon, the visible tests in the sandbox — timed over
// `runs` calls per lab, beside the bare sandbox starts it cannot beat (bubblewrap + Python +
// `import numpy`, and `import torch`) measured in the same run.
import Foundation
import Harness
import Hummingbird
import LabConfig
import Logging
import Server
import Store

public struct CheckBenchmarkResult: Sendable {
    public struct LabRow: Sendable {
        public var lab: String
        public var sample: String
        /// Client round trips, seconds.
        public var seconds: [Double]
        public var fullMarks: Bool
    }

    public struct StartRow: Sendable {
        public var module: String
        public var seconds: [Double]
    }

    public var runs: Int
    public var labs: [LabRow]
    public var starts: [StartRow]

    public var description: String {
        func ms(_ values: [Double], _ q: Double) -> String {
            String(format: "%.0f", percentile(values, q) * 1000)
        }
        var lines = ["self-check round trip from the Python client, \(runs) calls each (ms)"]
        var rows = [["what", "p50", "p90", "note"]]
        for lab in labs {
            rows.append([
                "check \(lab.lab)", ms(lab.seconds, 0.5), ms(lab.seconds, 0.9),
                "\(lab.sample)" + (lab.fullMarks ? "" : " — NOT full marks"),
            ])
        }
        for start in starts {
            rows.append([
                "bare sandbox start + import \(start.module)", ms(start.seconds, 0.5),
                ms(start.seconds, 0.9), "bubblewrap, python3 -I, no harness",
            ])
        }
        let widths = (0..<4).map { column in rows.map { $0[column].count }.max() ?? 0 }
        for row in rows {
            lines.append(
                row.enumerated().map { index, cell in
                    switch index {
                    case 1, 2: String(repeating: " ", count: widths[index] - cell.count) + cell
                    case 3: cell
                    default: cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
                    }
                }.joined(separator: "  "))
        }
        return lines.joined(separator: "\n")
    }
}

/// Starts a daemon on a free loopback port over a scratch store with each lab of `samples`
/// (lab id → a correct submission; deadlines left out), checks each sample `runs` times through
/// labs/client, then times the bare sandbox starts `runs` times each.
public func checkBenchmark(
    labsRoot: URL, samples: [(lab: String, file: URL)], runs: Int,
    startModules: [String] = ["numpy", "torch"]
) async throws -> CheckBenchmarkResult {
    guard runs > 0 else { throw ServiceError.usage("--runs must be at least 1, not \(runs)") }
    let scratch = FileManager.default.temporaryDirectory
        .appendingPathComponent("lmlab-bench-check-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: scratch) }
    let store = try LabStore.open(directory: scratch.appendingPathComponent("data"))
    try store.importRoster(csv: "id,name,email\nbench,Bench Student,bench@example.org\n")
    let token = try store.issueToken(studentID: "bench")
    var labs: [Lab] = []
    for sample in samples {
        let lab = try Lab.load(folder: labsRoot.appendingPathComponent(sample.lab))
        try store.syncLab(
            LabRecord(id: lab.id, version: lab.version, title: lab.title, counting: .best))
        labs.append(lab)
    }
    let harness = labsRoot.appendingPathComponent("harness")
    let grader = try LabGrader(labs: labs, harnessDirectory: harness, isolation: .sandbox)
    var configuration = ServerConfiguration()
    configuration.port = try freeLoopbackPort()
    configuration.workers = 1
    configuration.checkRateLimitPerHour = max(60, runs * labs.count + 10)
    // Quiet: cancelling the server at the end logs its open connections' cancellation.
    var logger = Logger(label: "lmlab.bench")
    logger.logLevel = .critical
    let app = buildApplication(
        configuration, grader: grader, store: store, checker: grader, logger: logger)
    let server = Task { try await app.runService() }
    defer { server.cancel() }
    let url = "http://127.0.0.1:\(configuration.port)"

    var rows: [CheckBenchmarkResult.LabRow] = []
    for sample in samples {
        let output = try await runPython(
            ["-c", clientTimingScript, url, token, sample.lab, sample.file.path, String(runs),
             labsRoot.appendingPathComponent("client").path])
        let answer = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any]
        rows.append(
            CheckBenchmarkResult.LabRow(
                lab: sample.lab, sample: sample.file.lastPathComponent,
                seconds: answer?["seconds"] as? [Double] ?? [],
                fullMarks: answer?["full_marks"] as? Bool ?? false))
    }
    let sandbox = try Sandbox.make(harnessDirectory: harness, isolation: .sandbox)
    let limits = SandboxLimits(memoryMB: labs.map(\.limits.memoryMB).max() ?? 1024)
    var starts: [CheckBenchmarkResult.StartRow] = []
    for module in startModules {
        var seconds: [Double] = []
        for _ in 0..<runs {
            seconds.append(try bareStartSeconds(sandbox, importing: module, limits: limits))
        }
        starts.append(.init(module: module, seconds: seconds))
    }
    return CheckBenchmarkResult(runs: runs, labs: rows, starts: starts)
}

/// Wall seconds of `python3 -I -c "import <module>"` in the sandbox under `limits`' address
/// space (as the runner sets it): bubblewrap, Python and the import, none of the harness.
func bareStartSeconds(_ sandbox: Sandbox, importing module: String, limits: SandboxLimits)
    throws -> Double
{
    let bytes = limits.memoryMB << 20
    let script =
        "import resource; resource.setrlimit(resource.RLIMIT_AS, (\(bytes), \(bytes)));"
        + " import \(module)"
    let command =
        [sandbox.bwrapPath] + sandbox.bwrapOptions(submission: nil, limits: limits)
        + [sandbox.python.executable, "-I", "-c", script]
    let started = Date()
    _ = try runProcess(command)
    return Date().timeIntervalSince(started)
}

/// Waits for the daemon, then times `runs` calls of lmlab_client.check; prints JSON.
private let clientTimingScript = #"""
import json, sys, time, urllib.request
server, token, lab, sample, runs, client = sys.argv[1:7]
sys.path.insert(0, client)
import lmlab_client as lmlab
for _ in range(600):
    try:
        urllib.request.urlopen(server + "/api/health", timeout=1).read()
        break
    except OSError:
        time.sleep(0.1)
lmlab.login(server, token)
seconds, full = [], True
for _ in range(int(runs)):
    start = time.perf_counter()
    result = lmlab.check(lab, sample)
    seconds.append(time.perf_counter() - start)
    full = full and result.score == result.max_score
print(json.dumps({"seconds": seconds, "full_marks": full}))
"""#

/// A loopback port nobody listens on now (the kernel's pick for port 0).
private func freeLoopbackPort() throws -> Int {
    let script =
        "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"
    let output = try runProcess(["python3", "-c", script])
    guard let port = Int(output.trimmingCharacters(in: .whitespacesAndNewlines)) else {
        throw ServiceError.usage("cannot find a free port on 127.0.0.1: \(output)")
    }
    return port
}

/// `python3 ARGS…` off the concurrency pool (the daemon it talks to runs there).
private func runPython(_ arguments: [String]) async throws -> String {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async {
            continuation.resume(with: Result { try runProcess(["python3"] + arguments) })
        }
    }
}

/// Runs `command` (looked up on PATH) to completion; its stdout, or an error with its stderr.
private func runProcess(_ command: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = command
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // stderr drained on another thread so a chatty child cannot fill a pipe and stall.
    let errorBox = StderrBox()
    let group = DispatchGroup()
    DispatchQueue.global().async(group: group) {
        errorBox.data = err.fileHandleForReading.readDataToEndOfFile()
    }
    let data = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    let errorData = errorBox.data
    guard process.terminationStatus == 0 else {
        throw ServiceError.usage(
            "\(command.first ?? "") failed (exit \(process.terminationStatus)): "
                + String(decoding: errorData.suffix(2000), as: UTF8.self))
    }
    return String(decoding: data, as: UTF8.self)
}

/// Written by one thread before `group.wait()` returns on the other.
private final class StderrBox: @unchecked Sendable {
    var data = Data()
}

/// The nearest-rank q-quantile (0…1) of `values`: a value that occurred.
private func percentile(_ values: [Double], _ q: Double) -> Double {
    guard !values.isEmpty else { return .nan }
    let sorted = values.sorted()
    let rank = Int((q * Double(sorted.count)).rounded(.up))
    return sorted[min(max(rank, 1), sorted.count) - 1]
}
