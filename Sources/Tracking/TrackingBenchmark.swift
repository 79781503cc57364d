// The tracking benchmark (`lmlab bench tracking`): logging throughput one call per point,
// batched, and a naive autocommit baseline; then search over a large synthetic experiment.
import Foundation
import GRDB
import Store

public struct TrackingBenchmarkOptions: Sendable {
    /// Points logged one API call (one transaction) each.
    public var perCallPoints = 10_000
    /// Points logged in batches of `batchSize`.
    public var batchedPoints = 100_000
    public var batchSize = RunsLimits.maxMetricsPerBatch
    /// Points inserted one autocommit INSERT each, outside lmlab (the MLflow-like baseline).
    public var naivePoints = 10_000
    /// Runs (and points per run) in the synthetic experiment searched at the end; 0 skips it.
    public var searchRuns = 100_000
    public var pointsPerRun = 100
    /// Timed repetitions of each search (the median is reported).
    public var repetitions = 5
    /// Timed repetitions of each leaderboard (the median is reported).
    public var leaderboardRepetitions = 7
    /// Reuse the search database left in `directory` by an earlier run when it holds
    /// `searchRuns` runs (timing runs then compare the same data), and skip the logging part.
    public var reuseSearchDatabase = false

    public init() {}
}

public struct TrackingBenchmarkResult: Sendable, CustomStringConvertible {
    public var lines: [String] = []
    public var description: String { lines.joined(separator: "\n") }
}

public enum TrackingBenchmark {
    /// Runs the benchmark in `directory` (which it fills with databases), reporting progress.
    public static func run(
        directory: URL, options: TrackingBenchmarkOptions = TrackingBenchmarkOptions(),
        progress: (String) -> Void = { _ in }
    ) throws -> TrackingBenchmarkResult {
        var result = TrackingBenchmarkResult()
        func report(_ line: String) {
            result.lines.append(line)
            progress(line)
        }
        if options.reuseSearchDatabase {
            if options.searchRuns > 0 {
                try searchBenchmark(directory: directory, options: options, report: report)
            }
            return result
        }
        let store = try LabStore.open(directory: directory.appendingPathComponent("logging"))
        func rate(_ n: Int, _ seconds: Double) -> String {
            String(format: "%8.0f points/s  (%d points in %.2f s)", Double(n) / seconds, n, seconds)
        }

        // (a) One API call per point: a transaction, a summary upsert and a heartbeat each.
        let a = try store.startRun(RunStart(experiment: "bench", runID: "per-call"))
        var clock = Date()
        for i in 0..<options.perCallPoints {
            try store.logBatch(
                runID: a.id, metrics: [MetricPoint(key: "loss", value: 1 / Double(i + 1), step: Int64(i))])
        }
        report("(a) one call per point:  " + rate(options.perCallPoints, -clock.timeIntervalSinceNow))

        // (b) Batches through the same API.
        let b = try store.startRun(RunStart(experiment: "bench", runID: "batched"))
        clock = Date()
        var step: Int64 = 0
        while step < Int64(options.batchedPoints) {
            let n = min(options.batchSize, options.batchedPoints - Int(step))
            let points = (0..<n).map { j -> MetricPoint in
                let s = step + Int64(j)
                return MetricPoint(key: s % 2 == 0 ? "loss" : "lr", value: 1 / Double(s + 1), step: s)
            }
            try store.logBatch(runID: b.id, metrics: points)
            step += Int64(n)
        }
        report(
            "(b) batches of \(options.batchSize):  "
                + rate(options.batchedPoints, -clock.timeIntervalSinceNow))

        // (c) Naive: one INSERT per point in autocommit, no summaries (what MLflow's SQL store
        // amounts to).
        let naive = try DatabasePool(
            path: directory.appendingPathComponent("naive.sqlite").path,
            configuration: LabStore.makeConfiguration())
        try naive.write { db in
            try db.execute(
                sql: """
                    CREATE TABLE IF NOT EXISTS metrics (run_uuid TEXT, key TEXT, value REAL,
                        timestamp INTEGER, step INTEGER, is_nan BOOLEAN)
                    """)
        }
        clock = Date()
        try naive.writeWithoutTransaction { db in
            for i in 0..<options.naivePoints {
                try db.execute(
                    sql: "INSERT INTO metrics VALUES (?, ?, ?, ?, ?, 0)",
                    arguments: ["naive-run", "loss", 1 / Double(i + 1), Int64(i), Int64(i)])
            }
        }
        report("(c) naive autocommit:    " + rate(options.naivePoints, -clock.timeIntervalSinceNow))

        if options.searchRuns > 0 {
            try searchBenchmark(directory: directory, options: options, report: report)
        }
        return result
    }

    /// Fills a fresh store with `searchRuns` runs × `pointsPerRun` points (two metrics, params,
    /// a tag on one run in ten) and times searches and the leaderboard over it.
    static func searchBenchmark(
        directory: URL, options: TrackingBenchmarkOptions, report: (String) -> Void
    ) throws {
        let folder = directory.appendingPathComponent("search")
        var clock = Date()
        if options.reuseSearchDatabase, let store = try existingSearchStore(folder, options) {
            report("search data: reusing \(folder.path)")
            try timeSearches(store, options: options, report: report)
            return
        }
        try? FileManager.default.removeItem(at: folder)
        let store = try LabStore.open(directory: folder)
        try store.createExperiment(name: "sweep")
        let pool = try DatabasePool(
            path: folder.appendingPathComponent(LabStore.databaseFilename).path,
            configuration: LabStore.makeConfiguration())
        // Bulk population straight into the tables (the summaries by one GROUP BY), in
        // chunks of 1,000 runs: this sets the scene, it is not what is measured.
        var rng = SystemRandomNumberGenerator()
        let perMetric = max(1, options.pointsPerRun / 2)
        let chunk = 1_000
        for first in stride(from: 0, to: options.searchRuns, by: chunk) {
            try pool.write { db in
                let run = try db.cachedStatement(
                    sql: """
                        INSERT INTO runs (pk, id, experiment_id, student_id, status, start_time,
                            end_time, heartbeat_at, source)
                        VALUES (?, ?, 1, ?, 'FINISHED', ?, ?, ?, 'logged')
                        """)
                let param = try db.cachedStatement(
                    sql: "INSERT INTO params (run_pk, key, value, num) VALUES (?, ?, ?, ?)")
                let tag = try db.cachedStatement(
                    sql: "INSERT INTO run_tags (run_pk, key, value) VALUES (?, 'verified', 'true')")
                let metric = try db.cachedStatement(
                    sql: """
                        INSERT INTO metrics (run_pk, key, step, value, is_nan, timestamp)
                        VALUES (?, ?, ?, ?, 0, ?)
                        """)
                for pk in Int64(first + 1)...Int64(min(first + chunk, options.searchRuns)) {
                    let start = Date(timeIntervalSince1970: 1_700_000_000 + Double(pk))
                    try run.execute(arguments: [pk, "run\(pk)", "s\(pk % 200)", start, start, start])
                    let r = [2, 4, 8, 16, 32][Int(pk % 5)]
                    try param.execute(arguments: [pk, "lora_r", "\(r)", Double(r)])
                    try param.execute(arguments: [pk, "lr", "0.0003", 0.0003])
                    if pk % 10 == 0 { try tag.execute(arguments: [pk]) }
                    let floor = 1.5 + Double(UInt8.random(in: 0...200, using: &rng)) / 100
                    for s in 0..<perMetric {
                        let decay = 3.0 / Double(s + 1)
                        try metric.execute(arguments: [pk, "loss", s, floor - 0.2 + decay, 0])
                        try metric.execute(arguments: [pk, "eval_loss", s, floor + decay, 0])
                    }
                }
                try db.execute(
                    sql: """
                        INSERT INTO metric_summaries (run_pk, key, last, last_is_nan, last_step,
                            last_timestamp, "min", min_step, "max", max_step, count, nan_count)
                        SELECT run_pk, key,
                            (SELECT value FROM metrics m2 WHERE m2.run_pk = m.run_pk
                                AND m2.key = m.key ORDER BY step DESC LIMIT 1),
                            0, MAX(step), 0, MIN(value),
                            (SELECT step FROM metrics m2 WHERE m2.run_pk = m.run_pk
                                AND m2.key = m.key ORDER BY value ASC, step LIMIT 1),
                            MAX(value),
                            (SELECT step FROM metrics m2 WHERE m2.run_pk = m.run_pk
                                AND m2.key = m.key ORDER BY value DESC, step LIMIT 1),
                            COUNT(*), 0
                        FROM metrics m WHERE run_pk BETWEEN ? AND ? GROUP BY run_pk, key
                        """,
                    arguments: [first + 1, min(first + chunk, options.searchRuns)])
            }
        }
        try pool.write { db in try db.execute(sql: "ANALYZE") }
        let points = try pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM metrics") ?? 0 }
        report(
            String(
                format: "search data: %d runs, %d points, built in %.1f s", options.searchRuns,
                points, -clock.timeIntervalSinceNow))
        try timeSearches(store, options: options, report: report)
    }

    /// The store in `folder` if an earlier run left one with `searchRuns` runs in "sweep".
    static func existingSearchStore(_ folder: URL, _ options: TrackingBenchmarkOptions) throws
        -> LabStore?
    {
        let file = folder.appendingPathComponent(LabStore.databaseFilename)
        guard FileManager.default.fileExists(atPath: file.path) else { return nil }
        let pool = try DatabasePool(path: file.path, configuration: LabStore.makeConfiguration())
        let runs = try pool.read { db in
            try Int.fetchOne(
                db,
                sql: """
                    SELECT COUNT(*) FROM runs r JOIN experiments e ON e.id = r.experiment_id
                    WHERE e.name = 'sweep'
                    """) ?? 0
        }
        guard runs == options.searchRuns else { return nil }
        return try LabStore.open(directory: folder)
    }

    /// Times the searches and leaderboards over the synthetic experiment.
    static func timeSearches(
        _ store: LabStore, options: TrackingBenchmarkOptions, report: (String) -> Void
    ) throws {
        var clock = Date()
        let queries: [(String, RunQuery)] = [
            (
                "metrics.eval_loss.min < 1.6, order by it, limit 20",
                RunQuery(
                    experiment: "sweep", filter: "metrics.eval_loss.min < 1.6",
                    orderBy: "metrics.eval_loss.min", limit: 20)
            ),
            (
                "the issue's filter (params AND (metrics OR tags)), order, limit 20",
                RunQuery(
                    experiment: "sweep",
                    filter: "params.lora_r <= 8 and (metrics.eval_loss.min < 2.5 or"
                        + " tags.verified = 'true')",
                    orderBy: "metrics.eval_loss.min", limit: 20)
            ),
            (
                "metrics.loss.last > 3.4 (few matches), no order",
                RunQuery(experiment: "sweep", filter: "metrics.loss.last > 3.4")
            ),
        ]
        for (label, query) in queries {
            var times: [Double] = []
            var count = 0
            for _ in 0..<options.repetitions {
                clock = Date()
                count = try store.searchRuns(query).count
                times.append(-clock.timeIntervalSinceNow * 1000)
            }
            report(
                String(format: "search %@: %.1f ms median (%d rows)", label, median(times), count))
        }
        // Leaderboards: the filtered ones are the hard case (most students' runs fail the
        // filter, so no early stop); wall and process CPU time, as the box is shared.
        let leaderboards: [(metric: String, ascending: Bool, filter: String?)] = [
            ("eval_loss.min", true, "params.lora_r <= 8"),
            ("eval_loss.min", true, nil),
            ("loss.max", false, nil),
            ("eval_loss.min", true, "tags.verified = 'true'"),
            ("eval_loss.last", true, "params.lora_r >= 32"),
        ]
        for board in leaderboards {
            var wall: [Double] = []
            var cpu: [Double] = []
            var rows = 0
            for _ in 0..<options.leaderboardRepetitions {
                let cpuStart = processCPUSeconds()
                clock = Date()
                rows = try store.experimentLeaderboard(
                    experiment: "sweep", metric: board.metric, ascending: board.ascending,
                    where: board.filter
                ).count
                wall.append(-clock.timeIntervalSinceNow * 1000)
                cpu.append((processCPUSeconds() - cpuStart) * 1000)
            }
            report(
                String(
                    format: "leaderboard %@ %@%@: %.1f ms median wall, %.1f ms CPU (%d students)",
                    board.metric, board.ascending ? "asc" : "desc",
                    board.filter.map { " where " + $0 } ?? "", median(wall), median(cpu), rows))
        }
    }

    /// CPU time used by this process so far (all threads), in seconds.
    static func processCPUSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
    }
}
