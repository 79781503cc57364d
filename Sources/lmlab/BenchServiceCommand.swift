// `lmlab bench service`: leaderboard and class-report timings over a generated course, the
// leaderboard, lab report and feedback pages against their JSON over HTTP, grading
// throughput (submissions per minute) with 1 and 2 workers on the sample class, and with
// --burst N the time to feedback when N submissions arrive at once over HTTP.
import ArgumentParser
import Foundation
import Grading
import Service
import Store

struct ServiceBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "service",
        abstract: "Leaderboard/report timings on a generated course; grading throughput.",
        discussion: """
            With --burst N, instead: a daemon on loopback (HTTP API and grading workers) over a
            fresh data directory, N clients posting lab 01's correct sample at once with the
            sample class's tokens, and per submission the time from POST to graded and the wait
            in the queue (p50/p95/max), for each --workers count.
            """)

    @Option(help: "Scratch folder (default: a temporary folder, removed afterwards).")
    var work: String?
    @Option(help: "Students in the generated course.") var students = 10_000
    @Option(help: "Labs in the generated course.") var labs = 6
    @Option(help: "Submissions per student and lab.") var submissions = 20
    @Option(help: "Test results per submission.") var tests = 4
    @Option(help: "Timed runs; the median is reported.") var runs = 9
    @Option(help: "Worker counts to measure grading throughput with.")
    var workers: [Int] = [1, 2]
    @Option(help: "Post this many submissions at once over HTTP and report time to feedback (skips the other measurements).")
    var burst: Int?
    @Option(help: "With --burst: warm sandboxes per worker for the pool-on rows (each burst also runs with the pool off).")
    var warmSandboxes = 1
    @Flag(help: "Skip grading throughput (timings only).") var noGrading = false
    @Flag(help: "With --work: time the course a previous run generated there instead of generating it again.")
    var reuseCourse = false
    @Flag(help: "Skip the leaderboard and report timings (throughput only).") var noQueries = false
    @Option(
        help: "Samples (student/lab) left out of the throughput run; the default is the deliberate hang, whose time limits alone take over a minute.")
    var skip: [String] = ["s16-linus/02-gpt2-blocks"]

    func run() throws {
        let root = work.map { URL(fileURLWithPath: $0, isDirectory: true) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent(
                "lmlab-bench-service-\(UUID().uuidString)")
        defer { if work == nil { try? FileManager.default.removeItem(at: root) } }
        if let burst { return try measureBurst(burst, root: root) }
        if !noQueries { try timeQueries(root: root) }
        guard !noGrading else { return }
        try measureThroughput(root: root)
    }

    func timeQueries(root: URL) throws {
        let courseDirectory = root.appendingPathComponent("course")
        let database = courseDirectory.appendingPathComponent(LabStore.databaseFilename).path
        if reuseCourse, work != nil, FileManager.default.fileExists(atPath: database) {
            print("timing the course generated before in \(courseDirectory.path)")
            return try timeCourse(courseDirectory)
        }
        try? FileManager.default.removeItem(at: courseDirectory)

        print("generating \(students) students × \(labs) labs × \(submissions) submissions"
            + " × \(tests) tests…")
        fflush(nil)
        let course = try generateCourse(
            directory: courseDirectory, students: students, labs: labs,
            perStudent: submissions, tests: tests)
        print(String(format: "  %d submissions, %d test results in %.1f s", course.submissions,
                     course.testResults, course.seconds))

        try timeCourse(courseDirectory)
    }

    /// The leaderboard, report and page timings on a generated course.
    func timeCourse(_ courseDirectory: URL) throws {
        let store = try LabStore.open(directory: courseDirectory)
        let labIDs = try store.labs().map(\.id).filter { $0.hasPrefix("bench-") }.sorted()
        guard let best = labIDs.first else {
            throw CommandFailure(description: "\(courseDirectory.path) holds no generated course")
        }
        let latest = labIDs.count > 1 ? labIDs[1] : best
        var table = TextTable(["query", "median ms", "target"], alignments: [.left, .right, .right])
        func time(_ name: String, target: String, _ body: () throws -> Void) rethrows {
            try body()  // warm the page cache
            let ms = try medianMilliseconds(runs: runs, body)
            table.append([name, String(format: "%.1f", ms), target])
        }
        try time("leaderboard \(best) (best)", target: "≤ 20") {
            _ = try store.leaderboard(lab: best)
        }
        try time("leaderboard \(latest) (latest)", target: "≤ 20") {
            _ = try store.leaderboard(lab: latest)
        }
        try time("class report, lab \(best)", target: "≤ 200") {
            _ = try store.classReport(lab: best)
        }
        try time("class report, all \(labIDs.count) labs", target: "") {
            _ = try store.classOverview()
        }
        print(table.render(.terminal(colour: false)), terminator: "")
        try timePages(courseDirectory, lab: best)
    }

    /// The leaderboard, lab report and feedback pages against their JSON over loopback HTTP.
    func timePages(_ directory: URL, lab: String) throws {
        print("pages against their JSON over HTTP (\(runs) fetches each, alternating)…")
        fflush(nil)
        let timings = try runBlocking {
            try await measurePages(directory: directory, lab: lab, runs: max(runs, 20))
        }
        var table = TextTable(
            ["page", "page p50 ms", "p90", "JSON p50 ms", "p90", "page / JSON (p50)", "target"],
            alignments: [.left, .right, .right, .right, .right, .right, .right])
        for t in timings {
            let (page50, page90) = (quantile(t.page, 0.5), quantile(t.page, 0.9))
            let (json50, json90) = (quantile(t.json, 0.5), quantile(t.json, 0.9))
            table.append([
                t.name, String(format: "%.1f", page50), String(format: "%.1f", page90),
                String(format: "%.1f", json50), String(format: "%.1f", json90),
                String(format: "%.2f×", page50 / max(json50, 1e-9)), "≤ 1.5×, p90 < 50 ms",
            ])
        }
        print(table.render(.terminal(colour: false)), terminator: "")
    }

    func measureThroughput(root: URL) throws {
        var throughput = TextTable(
            ["workers", "submissions", "graded", "seconds", "per minute"],
            alignments: [.right, .right, .right, .right, .right])
        for count in workers {
            var options = DemoOptions(
                dataDirectory: root.appendingPathComponent("grading-\(count)"),
                repository: URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
                workers: count, format: .terminal(colour: false))
            options.showResults = false
            options.skipSamples = Set(skip)
            print("grading the sample class with \(count) worker(s)…")
            fflush(nil)
            let settings = options
            let summary = try runBlocking {
                try await runDemo(settings, say: { _ in }, progress: { _, _ in })
            }
            throughput.append([
                "\(count)", "\(summary.submissions)", "\(summary.graded)",
                String(format: "%.1f", summary.seconds),
                String(format: "%.1f", Double(summary.submissions) / summary.seconds * 60),
            ])
        }
        print(throughput.render(.terminal(colour: false)), terminator: "")
    }

    func measureBurst(_ count: Int, root: URL) throws {
        var table = TextTable(
            ["workers", "warm", "posted", "graded", "POST→graded p50", "p95", "max",
             "queue wait p50", "p95", "max", "all graded after"],
            alignments: Array(repeating: TextTable.Alignment.right, count: 11))
        let pools = warmSandboxes > 0 ? [0, warmSandboxes] : [0]
        for workerCount in workers {
          for warm in pools {
            print("posting \(count) submissions at once to a daemon with \(workerCount) worker(s), "
                + (warm > 0 ? "\(warm) warm sandbox(es) per worker…" : "no warm sandboxes…"))
            fflush(nil)
            var options = BurstOptions(
                dataDirectory: root.appendingPathComponent("burst-\(workerCount)-\(warm)"),
                repository: URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
                submissions: count, workers: workerCount)
            options.warmSandboxes = warm
            let settings = options
            let result = try runBlocking { try await runBurst(settings) }
            func ms(_ values: [Double], _ q: Double) -> String {
                String(format: "%.0f ms", quantile(values, q) * 1000)
            }
            table.append([
                "\(workerCount)", warm > 0 ? "\(warm)" : "off", "\(result.submissions)",
                "\(result.graded)" + (result.errors > 0 ? " (\(result.errors) errors)" : ""),
                ms(result.postToGraded, 0.5), ms(result.postToGraded, 0.95),
                ms(result.postToGraded, 1), ms(result.queueWait, 0.5), ms(result.queueWait, 0.95),
                ms(result.queueWait, 1), String(format: "%.1f s", result.wallSeconds),
            ])
          }
        }
        print(table.render(.terminal(colour: false)), terminator: "")
    }
}
