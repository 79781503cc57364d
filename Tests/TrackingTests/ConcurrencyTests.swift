// Eight `lmlab runs import` processes writing at once — into one run, and into many runs —
// lose nothing and never fail with "database is locked". The files come from the Python
// client in offline mode, so this also checks the client's JSONL against the importer.
import Foundation
import GRDB
import Store
import TestSupport
import Testing

@testable import Tracking

struct ConcurrencyTests {
    static let writers = 8

    /// The built lmlab executable beside the test bundle (swift test builds it).
    func lmlabBinary() throws -> URL {
        let url = repositoryRoot.appendingPathComponent(".build/debug/lmlab")
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            throw TrackingError.io(path: url.path, reason: "not built; run `swift build` first")
        }
        return url
    }

    /// Runs the commands concurrently; returns each one's exit status and standard error.
    func runAll(_ commands: [[String]]) throws -> [(Int32, String)] {
        let binary = try lmlabBinary()
        var processes: [(Process, Pipe)] = []
        for arguments in commands {
            let process = Process()
            process.executableURL = binary
            process.arguments = arguments
            let stderr = Pipe()
            process.standardError = stderr
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            processes.append((process, stderr))
        }
        return processes.map { process, pipe in
            let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return (process.terminationStatus, text)
        }
    }

    @Test func eightProcessesIntoOneRun() throws {
        // Given a started run and 8 offline files of 1,500 points each at disjoint steps
        let directory = try makeScratchDirectory("lmlab-concurrency")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try LabStore.open(directory: directory.appendingPathComponent("data"))
        try store.startRun(RunStart(experiment: "concurrency", runID: "shared", studentID: "alice"))
        var commands: [[String]] = []
        for w in 0..<Self.writers {
            let file = directory.appendingPathComponent("w\(w).jsonl").path
            try runOracle("tracking_client_offline.py", [file, "shared", "1", "1500", "\(w * 10_000)", "--resume"])
            commands.append(["runs", "import", file, "--data", directory.appendingPathComponent("data").path])
        }
        // When 8 processes import at once
        let results = try runAll(commands)
        // Then all succeed and every point is there, summaries included
        for (status, stderr) in results {
            #expect(status == 0, "\(stderr)")
            #expect(!stderr.contains("locked"), "\(stderr)")
        }
        let s = try #require(try store.runDetails(id: "shared").summaries["loss"])
        let stored = try store.reader.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM metrics") }
        #expect(stored == 8 * 1500)
        #expect(s.count == 8 * 1500 && s.nanCount == 8)
        // loss = 1000 - step; NaN at each writer's first step; steps 0..<1500 + w·10000
        #expect(s.min == 1000 - (7 * 10_000 + 1499) && s.minStep == 7 * 10_000 + 1499)
        #expect(s.max == 1000 - 1 && s.maxStep == 1)
        #expect(s.last == s.min && s.lastStep == s.minStep)
        #expect(try store.runDetails(id: "shared").tags["writer"] == "shared")
    }

    @Test func eightProcessesIntoManyRuns() throws {
        let directory = try makeScratchDirectory("lmlab-concurrency")
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = directory.appendingPathComponent("data")
        _ = try LabStore.open(directory: data)
        var commands: [[String]] = []
        for w in 0..<Self.writers {
            let file = directory.appendingPathComponent("w\(w).jsonl").path
            try runOracle("tracking_client_offline.py", [file, "w\(w)", "5", "300", "0"])
            commands.append(["runs", "import", file, "--data", data.path])
        }
        let results = try runAll(commands)
        for (status, stderr) in results {
            #expect(status == 0, "\(stderr)")
            #expect(!stderr.contains("locked"), "\(stderr)")
        }
        let store = try LabStore.open(directory: data)
        let runs = try store.searchRuns(RunQuery(experiment: "concurrency"))
        #expect(runs.count == 8 * 5)
        #expect(runs.allSatisfy { $0.run.status == .finished })
        let counts = try store.reader.read { db in
            try Int64.fetchAll(db, sql: "SELECT count FROM metric_summaries")
        }
        #expect(counts.count == 40 && counts.allSatisfy { $0 == 300 })
        let stored = try store.reader.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM metrics") }
        #expect(stored == 8 * 5 * 300)
        // Params came through as text, numerically searchable
        let small = try store.searchRuns(RunQuery(experiment: "concurrency", filter: "params.lora_r < 2"))
        #expect(small.count == 16)
    }
}
