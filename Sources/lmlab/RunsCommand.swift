// `lmlab runs …`: log runs from the shell (start, log, end, import) and search, inspect,
// compare, delete, export and plot them.
import ArgumentParser
import Foundation
import Store
import Tracking

struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "Log, search, compare and plot experiment runs.",
        subcommands: [
            Start.self, Log.self, End.self, Import.self, List.self, Show.self, Compare.self,
            Delete.self, Restore.self, GC.self, Export.self, Plot.self,
        ])
}

/// Splits `key=value`, naming the option in the error.
private func keyValue(_ text: String, option: String) throws -> (String, String) {
    guard let equals = text.firstIndex(of: "=") else {
        throw ValidationError("\(option) '\(text)' must look like key=value")
    }
    return (String(text[..<equals]), String(text[text.index(after: equals)...]))
}

private func dateText(_ date: Date?) -> String {
    guard let date else { return "-" }
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withFullDate, .withTime, .withColonSeparatorInTime, .withSpaceBetweenDateAndTime]
    return formatter.string(from: date)
}

private func statusText(_ run: RunRecord, now: Date = Date()) -> String {
    run.displayStatus(now: now)
}

private func valueText(_ value: Double?) -> String {
    guard let value else { return "-" }
    return String(format: "%.6g", value)
}

/// Columns padded to their widest cell.
func printTable(_ rows: [[String]]) {
    guard let first = rows.first else { return }
    var widths = Array(repeating: 0, count: first.count)
    for row in rows {
        for (i, cell) in row.enumerated() where i < widths.count {
            widths[i] = max(widths[i], cell.count)
        }
    }
    for row in rows {
        let cells = row.enumerated().map { i, cell in
            i == row.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
        }
        print(cells.joined(separator: "  "))
    }
}

extension RunsCommand {
    struct Start: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start a run (or resume one by its id) and print its id.")
        @OptionGroup var data: DataOptions
        @Option(help: "The experiment the run belongs to (created if new).")
        var experiment: String
        @Option(name: .customLong("run-id"), help: "The run's id, to choose it or resume a run.")
        var runID: String?
        @Option(help: "The student the run belongs to.")
        var student: String?
        @Option(help: "A human-readable name for the run.")
        var name: String?
        @Option(help: "The lab a new experiment is tied to.")
        var lab: String?
        @Option(name: .customLong("git-commit"), help: "The git commit the code was at.")
        var gitCommit: String?
        @Option(help: "The machine the run executes on.")
        var host: String?
        @Option(help: "A description of the environment (Python, CUDA, packages).")
        var environment: String?

        func run() throws {
            let store = try data.openStore()
            let run = try store.startRun(
                RunStart(
                    experiment: experiment, runID: runID, studentID: student, name: name,
                    gitCommit: gitCommit, host: host, environment: environment, labID: lab))
            print(run.id)
        }
    }

    struct Log: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Log params, metrics and tags to a running run, as one batch.")
        @OptionGroup var data: DataOptions
        @Argument(help: "The run's id.")
        var runID: String
        @Option(name: .customLong("param"), help: "A param as key=value (repeatable).")
        var params: [String] = []
        @Option(name: .customLong("metric"), help: "A metric as key=value (repeatable).")
        var metrics: [String] = []
        @Option(help: "The step of the metrics.")
        var step: Int64 = 0
        @Option(name: .customLong("tag"), help: "A tag as key=value (repeatable).")
        var tags: [String] = []
        @Option(help: "Log as this student (the run must be theirs).")
        var student: String?

        func run() throws {
            var paramMap: [String: String] = [:]
            for p in params {
                let (k, v) = try keyValue(p, option: "--param")
                paramMap[k] = v
            }
            var tagMap: [String: String] = [:]
            for t in tags {
                let (k, v) = try keyValue(t, option: "--tag")
                tagMap[k] = v
            }
            let points = try metrics.map { text -> MetricPoint in
                let (k, v) = try keyValue(text, option: "--metric")
                guard let value = Double(v) else {
                    throw ValidationError("--metric \(text): '\(v)' is not a number")
                }
                return MetricPoint(key: k, value: value, step: step)
            }
            try data.openStore().logBatch(
                runID: runID, params: paramMap, metrics: points, tags: tagMap, student: student)
        }
    }

    struct End: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "End a run.")
        @OptionGroup var data: DataOptions
        @Argument(help: "The run's id.")
        var runID: String
        @Option(help: "FINISHED, FAILED or KILLED.")
        var status: String = "FINISHED"

        func run() throws {
            guard let final = RunStatus(rawValue: status.uppercased()), final != .running else {
                throw ValidationError("--status must be FINISHED, FAILED or KILLED")
            }
            try data.openStore().endRun(runID: runID, status: final)
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import runs logged offline (JSONL, one batch per line; see"
                + " labs/client/PROTOCOL.md).")
        @OptionGroup var data: DataOptions
        @Argument(help: "The JSONL files to import.")
        var files: [String]
        @Option(help: "Import as this student (overrides the files' start.student).")
        var student: String?

        func run() throws {
            let store = try data.openStore()
            for file in files {
                guard let contents = FileManager.default.contents(atPath: file) else {
                    throw TrackingError.io(path: file, reason: "cannot read it")
                }
                do {
                    let summary = try RunImport.importJSONL(contents, into: store, student: student)
                    print(
                        "\(file): \(summary.lines) batches, \(summary.runs.count) runs,"
                            + " \(summary.metrics) metric points")
                } catch {
                    throw ValidationError("\(file): \(error)")
                }
            }
        }
    }

    /// Options shared by `list` and `export`.
    struct SearchOptions: ParsableArguments {
        @Option(help: "Only runs of this experiment.")
        var experiment: String?
        @Option(help: "A filter, e.g. \"params.lora_r <= 8 and metrics.eval_loss.min < 2.5\".")
        var filter: String?
        @Option(name: .customLong("order-by"), help: "Order by fields, e.g. \"metrics.eval_loss.min ASC\".")
        var orderBy: String?
        @Option(help: "At most this many runs.")
        var limit: Int?
        @Flag(help: "Include soft-deleted runs.")
        var deleted = false

        var query: RunQuery {
            RunQuery(
                experiment: experiment, filter: filter, orderBy: orderBy, limit: limit,
                includeDeleted: deleted)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Search runs.")
        @OptionGroup var data: DataOptions
        @OptionGroup var search: SearchOptions

        func run() throws {
            let rows = try data.openStore().searchRuns(search.query)
            let orderNames = try search.orderBy.map(FilterParser.parseOrdering)?.map { "\($0.field)" } ?? []
            var table = [["RUN", "EXPERIMENT", "STUDENT", "NAME", "STATUS", "STARTED"] + orderNames]
            for row in rows {
                table.append(
                    [
                        row.run.id, row.experiment, row.run.studentID ?? "-", row.run.name ?? "-",
                        statusText(row.run) + (row.run.deletedAt == nil ? "" : " (deleted)"),
                        dateText(row.run.startTime),
                    ] + row.orderValues.map { $0.isNull ? "-" : "\($0)" })
            }
            printTable(table)
            if rows.isEmpty { print("(no runs)") }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a run: attributes, params, tags and each metric's summary and curve.")
        @OptionGroup var data: DataOptions
        @Argument(help: "The run's id.")
        var runID: String

        func run() throws {
            let store = try data.openStore()
            let d = try store.runDetails(id: runID)
            let r = d.run
            printTable([
                ["run", r.id], ["experiment", d.experiment], ["student", r.studentID ?? "-"],
                ["name", r.name ?? "-"], ["status", statusText(r)], ["source", r.source.rawValue],
                ["started", dateText(r.startTime)], ["ended", dateText(r.endTime)],
                ["heartbeat", dateText(r.heartbeatAt)], ["git commit", r.gitCommit ?? "-"],
                ["host", r.host ?? "-"], ["environment", r.environment ?? "-"],
            ])
            if !d.params.isEmpty {
                print("\nparams")
                printTable(d.params.sorted { $0.key < $1.key }.map { ["  " + $0.key, $0.value] })
            }
            if !d.tags.isEmpty {
                print("\ntags")
                printTable(d.tags.sorted { $0.key < $1.key }.map { ["  " + $0.key, $0.value] })
            }
            if !d.summaries.isEmpty {
                print("\nmetrics")
                var table = [["  KEY", "LAST", "MIN (step)", "MAX (step)", "COUNT", "NaN", "CURVE"]]
                for (key, s) in d.summaries.sorted(by: { $0.key < $1.key }) {
                    let history = try store.metricHistory(runID: runID, key: key)
                    table.append([
                        "  " + key, s.lastIsNaN ? "NaN" : valueText(s.last),
                        "\(valueText(s.min)) (\(s.minStep.map(String.init) ?? "-"))",
                        "\(valueText(s.max)) (\(s.maxStep.map(String.init) ?? "-"))",
                        "\(s.count)", "\(s.nanCount)",
                        Sparkline.render(history.map(\.loggedValue), width: 30),
                    ])
                }
                printTable(table)
            }
        }
    }

    struct Compare: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compare runs side by side: params, tags and metric summaries.")
        @OptionGroup var data: DataOptions
        @Argument(help: "Two or more run ids.")
        var runIDs: [String]
        @Flag(name: .customLong("diff-only"), help: "Only show rows where the runs differ.")
        var diffOnly = false

        func validate() throws {
            if runIDs.count < 2 { throw ValidationError("give at least two run ids to compare") }
        }

        func run() throws {
            let store = try data.openStore()
            let details = try runIDs.map { try store.runDetails(id: $0) }
            var rows: [[String]] = []
            func add(_ label: String, _ values: [String]) {
                if diffOnly, Set(values).count <= 1 { return }
                rows.append([label] + values)
            }
            add("status", details.map { statusText($0.run) })
            add("student", details.map { $0.run.studentID ?? "-" })
            for key in Set(details.flatMap { $0.params.keys }).sorted() {
                add("params.\(key)", details.map { $0.params[key] ?? "-" })
            }
            for key in Set(details.flatMap { $0.tags.keys }).sorted() {
                add("tags.\(key)", details.map { $0.tags[key] ?? "-" })
            }
            for key in Set(details.flatMap { $0.summaries.keys }).sorted() {
                add("metrics.\(key).last", details.map {
                    guard let s = $0.summaries[key] else { return "-" }
                    return s.lastIsNaN ? "NaN" : valueText(s.last)
                })
                add("metrics.\(key).min", details.map { valueText($0.summaries[key]?.min) })
                add("metrics.\(key).max", details.map { valueText($0.summaries[key]?.max) })
            }
            printTable([["FIELD"] + runIDs] + rows)
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Soft-delete runs (hidden until restored; `runs gc` removes them).")
        @OptionGroup var data: DataOptions
        @Argument(help: "The run ids.")
        var runIDs: [String]

        func run() throws {
            let store = try data.openStore()
            for id in runIDs { try store.deleteRun(id: id) }
        }
    }

    struct Restore: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Restore soft-deleted runs.")
        @OptionGroup var data: DataOptions
        @Argument(help: "The run ids.")
        var runIDs: [String]

        func run() throws {
            let store = try data.openStore()
            for id in runIDs { try store.restoreRun(id: id) }
        }
    }

    struct GC: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "gc", abstract: "Remove soft-deleted runs and their data for good.")
        @OptionGroup var data: DataOptions
        @Option(name: .customLong("older-than-days"), help: "Only runs deleted this many days ago or more.")
        var olderThanDays: Double?

        func run() throws {
            let before = olderThanDays.map { Date().addingTimeInterval(-$0 * 86_400) }
            let removed = try data.openStore().collectDeletedRuns(before: before)
            print("removed \(removed) runs")
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Export runs as CSV.")
        @OptionGroup var data: DataOptions
        @OptionGroup var search: SearchOptions
        @Option(help: "Write to this file instead of standard output.")
        var out: String?

        func run() throws {
            let store = try data.openStore()
            let csv = try RunsCSV.export(try store.searchRuns(search.query), store: store)
            if let out {
                do {
                    try Data(csv.utf8).write(to: URL(fileURLWithPath: out))
                } catch {
                    throw TrackingError.io(path: out, reason: "\(error)")
                }
            } else {
                print(csv, terminator: "")
            }
        }
    }

    struct Plot: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Plot a metric's curves for one or more runs as an SVG.")
        @OptionGroup var data: DataOptions
        @Argument(help: "The run ids.")
        var runIDs: [String]
        @Option(help: "The metric to plot.")
        var metric: String
        @Option(help: "The SVG file to write.")
        var out: String = "curves.svg"
        @Flag(name: .customLong("log-scale"), help: "Use a logarithmic y axis.")
        var logScale = false

        func run() throws {
            let store = try data.openStore()
            let series = try runIDs.map { id -> PlotSeries in
                let run = try store.run(id: id)
                let points = try store.metricHistory(runID: id, key: metric)
                if points.isEmpty {
                    throw TrackingError.nothingToPlot("run '\(id)' has no metric '\(metric)'")
                }
                return PlotSeries(
                    label: PlotSeries.runLabel(id: id, name: run?.name, student: run?.studentID),
                    points: points.map { (Double($0.step), $0.loggedValue) })
            }
            let svg = try SVGPlot.render(series, title: metric, yLabel: metric, logScale: logScale)
            do {
                try Data(svg.utf8).write(to: URL(fileURLWithPath: out))
            } catch {
                throw TrackingError.io(path: out, reason: "\(error)")
            }
            print("wrote \(out)")
        }
    }
}
