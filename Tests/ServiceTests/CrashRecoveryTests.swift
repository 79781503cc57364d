// kill -9 of `lmlab serve` in the middle of grading, then a restart: every submission is graded
// exactly once (one grade row, a full set of test results) and nothing is lost or half-written.
// Runs the built binary (.build/debug/lmlab; built once here if missing) on the lab-01 samples.
import Foundation
import Service
import Store
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite(.serialized, .blockingWork) struct CrashRecoveryTests {
    static func binary() throws -> URL {
        let binary = repositoryRoot.appendingPathComponent(".build/debug/lmlab")
        if !FileManager.default.isExecutableFile(atPath: binary.path) {
            let build = Process()
            build.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            build.arguments = ["swift", "build", "--product", "lmlab"]
            build.currentDirectoryURL = repositoryRoot
            try build.run()
            build.waitUntilExit()
        }
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw ServiceError.missingFile("\(binary.path): run `swift build --product lmlab`")
        }
        return binary
    }

    static func serve(_ binary: URL, data: URL, drop: URL, log: URL) throws -> Process {
        let process = Process()
        process.executableURL = binary
        process.arguments = [
            "serve", "--data", data.path, "--labs",
            repositoryRoot.appendingPathComponent("labs").path, "--drop", drop.path,
            "--workers", "2", "--port", "\(Int.random(in: 20000...40000))", "--lease", "3",
        ]
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return process
    }

    /// Polls until `done` holds, at most `seconds`.
    static func wait(seconds: Double, _ done: () throws -> Bool) throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try done() { return true }
            Thread.sleep(forTimeInterval: 0.2)
        }
        return false
    }

    @Test func killMinus9ThenRestartGradesEverySubmissionOnce() throws {
        let binary = try Self.binary()
        let scratch = try makeScratchDirectory("lmlab-kill9")
        let data = scratch.appendingPathComponent("data")
        let drop = scratch.appendingPathComponent("drop")
        try FileManager.default.createDirectory(at: drop, withIntermediateDirectories: true)

        // Given the lab-01 sample class queued in a fresh data directory
        let store = try LabStore.open(directory: data)
        let roster = try String(
            contentsOf: repositoryRoot.appendingPathComponent("submissions/roster.csv"),
            encoding: .utf8)
        try store.importRoster(csv: roster)
        let labs = try syncLabs(labsRoot: repositoryRoot.appendingPathComponent("labs"), into: store).labs
        let testsPerSubmission = try #require(labs.first { $0.id == "01-attention" }).tests.count
        var ids: [Int64] = []
        for student in try store.students() {
            let folder = repositoryRoot.appendingPathComponent(
                "submissions/\(student.id)/01-attention")
            guard FileManager.default.fileExists(atPath: folder.path) else { continue }
            let payload = try SubmissionPayload.read(folder)
            ids.append(
                try store.enqueue(
                    student: student.id, lab: "01-attention", filename: payload.filename,
                    content: payload.content, source: .cli))
        }
        #expect(ids.count >= 10)
        func done() throws -> Int {
            let counts = try store.queueCounts()
            return (counts[.graded] ?? 0) + (counts[.error] ?? 0)
        }

        // When the daemon is killed with SIGKILL after a few grades, mid-grading
        let first = try Self.serve(
            binary, data: data, drop: drop, log: scratch.appendingPathComponent("serve1.log"))
        let started = try Self.wait(seconds: 180) { try done() >= 3 }
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        #expect(started, "the first daemon graded nothing in 180 s")
        let atKill = try done()
        #expect(atKill < ids.count, "all graded before the kill: the test proved nothing")

        // …and restarted once its leases (3 s) have expired
        Thread.sleep(forTimeInterval: 4)
        let second = try Self.serve(
            binary, data: data, drop: drop, log: scratch.appendingPathComponent("serve2.log"))
        let finished = try Self.wait(seconds: 300) { try done() == ids.count }
        kill(second.processIdentifier, SIGTERM)
        second.waitUntilExit()
        let finishedCount = try done()
        #expect(finished, "only \(finishedCount) of \(ids.count) finished after the restart")

        // Then every submission is graded, exactly once, with a full set of results
        let counts = try store.queueCounts()
        #expect(counts[.graded] == ids.count)
        #expect(counts[.queued] == 0 && counts[.running] == 0 && counts[.error] == 0)
        for id in ids {
            let grades = try store.grades(submissionID: id)
            #expect(grades.count == 1, "submission \(id) has \(grades.count) grades")
            #expect(try store.feedback(submissionID: id).count == testsPerSubmission)
        }
        let submissions = try store.reader.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM submissions") ?? 0
        }
        #expect(submissions == ids.count, "no submission lost or duplicated")
    }

    /// Processes descending from `root` whose command line contains every one of `words`.
    static func descendants(of root: pid_t, containing words: [String]) -> [pid_t] {
        var parent: [pid_t: pid_t] = [:]
        var commands: [pid_t: String] = [:]
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = pid_t(entry),
                let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 1, let ppid = pid_t(fields[1]) { parent[pid] = ppid }
            let raw = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(entry)/cmdline"))) ?? Data()
            commands[pid] = String(decoding: raw.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
        }
        func descends(_ pid: pid_t) -> Bool {
            var current = pid
            for _ in 0..<64 {
                guard let up = parent[current], up > 0 else { return false }
                if up == root { return true }
                current = up
            }
            return false
        }
        return commands.filter { pid, command in
            descends(pid) && words.allSatisfy { command.contains($0) }
        }.keys.sorted()
    }

    @Test func serveKeepsWarmSandboxesAndLeavesNoneBehindWhenItStops() throws {
        let binary = try Self.binary()
        let scratch = try makeScratchDirectory("lmlab-warm")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let drop = scratch.appendingPathComponent("drop")
        try FileManager.default.createDirectory(at: drop, withIntermediateDirectories: true)
        let log = scratch.appendingPathComponent("serve.log")
        let serve = try Self.serve(
            binary, data: scratch.appendingPathComponent("data"), drop: drop, log: log)
        defer { if serve.isRunning { kill(serve.processIdentifier, SIGKILL) } }
        // Given a daemon whose warm runners have started (one per worker and kind of lab)
        var warm: [pid_t] = []
        let started = try Self.wait(seconds: 300) {
            warm = Self.descendants(
                of: serve.processIdentifier, containing: ["runner.py", "--warm"])
            return warm.count >= 2
        }
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        #expect(started, "no warm runners under lmlab serve: \(text.suffix(2000))")
        #expect(text.contains("warm sandbox(es) per kind of lab"))
        // When it is stopped as an operator would
        kill(serve.processIdentifier, SIGTERM)
        #expect(try Self.wait(seconds: 120) { !serve.isRunning }, "serve did not stop on SIGTERM")
        // Then none of them is left (given a moment to be reaped)
        func running(_ pid: pid_t) -> Bool {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return false }
            return stat[stat.index(after: close)...].split(separator: " ").first != "Z"
        }
        var left: [pid_t] = []
        _ = try Self.wait(seconds: 30) {
            left = warm.filter(running)
            return left.isEmpty
        }
        #expect(left.isEmpty, "warm runners outlived serve: \(left)")
    }
}
