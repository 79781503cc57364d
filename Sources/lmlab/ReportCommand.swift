// `lmlab report class | lab L | student S | experiment E`: instructor reports in the terminal
// (aligned tables, a histogram, sparklines, colour on a TTY), as Markdown (--markdown, with
// --out DIR also the curves as SVG files) or as JSON (--json); each also against a daemon
// (--server), rendered by the same functions.
import ArgumentParser
import Foundation
import Service
import Store
import Tracking

#if canImport(Glibc)
    import Glibc
#endif

/// Whether standard output is a terminal (colour only then).
var isTTY: Bool { isatty(1) != 0 }

/// --markdown / --json, shared by the commands that print reports.
struct OutputFlags: ParsableArguments {
    @Flag(help: "Print Markdown.") var markdown = false
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        if markdown && json { throw ValidationError("Choose one of --markdown and --json.") }
    }

    var format: OutputFormat {
        json ? .json : markdown ? .markdown : .terminal(colour: isTTY)
    }
}

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Reports for instructors.",
        subcommands: [Class.self, LabReport.self, Student.self, Experiment.self])

    struct Class: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Every lab across the class: submitted, graded, mean, late, missing.",
            discussion: RemoteOptions.instructorDiscussion
                + " Then the Experiments part: each quantization study's perplexity against bits"
                + " per weight and each training or LoRA run's loss curve. --markdown --out DIR"
                + " also writes each study's plot as DIR/<experiment>-study.svg.")
        @OptionGroup var data: DataOptions
        @OptionGroup var remote: RemoteOptions
        @OptionGroup var output: OutputFlags

        @Option(
            help: ArgumentHelp(
                "With --markdown: write DIR/report.md, with a section per experiment embedding "
                    + "its curves (DIR/<experiment>-<metric>.svg).", valueName: "DIR"))
        var out: String?

        func validate() throws {
            if out != nil && !output.markdown {
                throw ValidationError("--out writes Markdown: add --markdown.")
            }
        }

        func run() throws {
            let client = try remote.client(data: data)
            let (body, experiments) = try runBlocking {
                (try await client.classOverview(), try await client.experimentReports())
            }
            guard let out else {
                print(try renderClassReport(
                    overview: body.labs, rosterSize: body.rosterSize,
                    experiments: ClassExperiments(experiments), format: output.format),
                    terminator: "")
                return
            }
            let overview = try renderClassOverview(
                body.labs, rosterSize: body.rosterSize, format: output.format)
            let written = try writeClassReport(
                overview: overview, experiments: experiments,
                to: URL(fileURLWithPath: out, isDirectory: true))
            for url in written { print("wrote \(url.path)") }
        }
    }

    struct LabReport: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "lab",
            abstract: "One lab: score histogram, pass rate per test, common mistakes, late and missing work.",
            discussion: RemoteOptions.instructorDiscussion)
        @OptionGroup var data: DataOptions
        @OptionGroup var remote: RemoteOptions
        @OptionGroup var output: OutputFlags
        @Argument(help: "The lab, e.g. 01-attention.") var lab: String

        func run() throws {
            let client = try remote.client(data: data)
            let lab = lab
            let body = try runBlocking { try await client.labReport(lab: lab) }
            print(try renderLabReport(body.report, title: body.title, format: output.format),
                terminator: "")
        }
    }

    struct Student: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "One student across every lab.",
            discussion: RemoteOptions.instructorDiscussion)
        @OptionGroup var data: DataOptions
        @OptionGroup var remote: RemoteOptions
        @OptionGroup var output: OutputFlags
        @Argument(help: "The student's id.") var student: String

        func run() throws {
            let client = try remote.client(data: data)
            let student = student
            let report = try runBlocking { try await client.studentReport(student: student) }
            print(try renderStudentReport(report, format: output.format), terminator: "")
        }
    }

    struct Experiment: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "One experiment: its runs, leaderboard and curves.",
            discussion: """
                Lists every run (status, DEAD when the heartbeat stopped, student pseudonym, \
                the params that differ, each metric's last and min with their steps) and the \
                leaderboard. In the terminal each run gets a sparkline of --metric; with \
                --markdown --out DIR it writes DIR/report.md embedding DIR/<metric>.svg, the \
                curves of the \(ExperimentReport.plotCap) best runs by --rank-by. \
                \(RemoteOptions.instructorDiscussion)
                """)
        @OptionGroup var data: DataOptions
        @OptionGroup var remote: RemoteOptions
        @OptionGroup var output: OutputFlags
        @Argument(help: "The experiment's name.") var experiment: String
        @Option(help: "The metric to plot (default: loss if logged, else the first metric).")
        var metric: String?
        @Option(
            name: .customLong("rank-by"),
            help: "key.min, key.max or key.last to rank by (default: the plotted metric's min).")
        var rankBy: String?
        @Option(help: ArgumentHelp("With --markdown: write DIR/report.md and the SVG.", valueName: "DIR"))
        var out: String?
        @Flag(name: .customLong("log-scale"), help: "Use a logarithmic y axis in the SVG.")
        var logScale = false

        func validate() throws {
            if out != nil && !output.markdown {
                throw ValidationError("--out writes Markdown: add --markdown.")
            }
        }

        func run() throws {
            let client = try remote.client(data: data)
            let (experiment, metric, rankBy) = (experiment, metric, rankBy)
            let report = try runBlocking {
                try await client.experimentReport(name: experiment, metric: metric, rankBy: rankBy)
            }
            if let out {
                let written = try writeExperimentReport(
                    report, to: URL(fileURLWithPath: out, isDirectory: true), logScale: logScale)
                for url in written { print("wrote \(url.path)") }
            } else {
                print(try renderExperimentReport(report, format: output.format), terminator: "")
            }
        }
    }
}
