// `lmlab demo`: a fresh data directory, the sample class graded through the daemon's queue, then
// one student's feedback, lab 01's class report and its leaderboard.
import ArgumentParser
import Foundation
import Service
import Store

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Grade the sample class from nothing and show feedback, a report, a leaderboard.")

    @Option(help: "The demo's data directory, wiped and recreated (default .lmlab-demo).")
    var data = ".lmlab-demo"
    @Option(help: "Grading workers (default: the number of cores).")
    var workers = ProcessInfo.processInfo.activeProcessorCount
    @Flag(help: "Print the results as Markdown.") var markdown = false

    func run() throws {
        let options = DemoOptions(
            dataDirectory: URL(fileURLWithPath: data, isDirectory: true).standardizedFileURL,
            repository: URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
            workers: max(1, workers), format: markdown ? .markdown : .terminal(colour: isTTY))
        let tty = isTTY
        let summary = try runBlocking {
            try await runDemo(options, say: { print($0) }) { line, final in
                if tty {
                    print("\r\u{1B}[K" + line, terminator: final ? "\n" : "")
                    fflush(nil)
                } else if final {
                    print(line)
                }
            }
        }
        print("demo done: \(summary.graded) graded, \(summary.errors) failed, "
            + String(format: "%.0f s", summary.seconds)
            + ". Explore with `lmlab report class --data \(data)`.")
    }
}
