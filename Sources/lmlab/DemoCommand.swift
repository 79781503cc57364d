// `lmlab demo`: a fresh data directory, the course base model, the sample class graded through
// the daemon's queue, a quantization study and a LoRA run on the base model, then one student's
// feedback, lab 01's class report and leaderboard, the study, the LoRA run, the class report.
import ArgumentParser
import Foundation
import Service
import Store

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Grade the sample class from nothing and show feedback, a report, a leaderboard.",
        discussion: """
            Trains the course base model (a small GPT-2 on /usr/share/common-licenses) into \
            DATA/base-model, grades every sample submission through the daemon's queue, runs a \
            quantization study and a LoRA run on the base model (DATA/study) and writes the \
            class report as Markdown (DATA/report/report.md). With --model DIR a GPT-2 folder is \
            used as is instead of training one.
            """)

    @Option(help: "The demo's data directory, wiped and recreated (default .lmlab-demo).")
    var data = ".lmlab-demo"
    @Option(help: "Grading workers (default: the number of cores).")
    var workers = ProcessInfo.processInfo.activeProcessorCount
    @Flag(help: "Print the results as Markdown.") var markdown = false
    @Option(help: "A HF GPT-2 folder to study as is instead of training the course base model.")
    var model: String?
    @Option(help: "The text to measure perplexity on (default with --model: DIR/../corpus/eval.txt).")
    var eval: String?
    @Option(help: "Train the base model for this many steps instead of the recipe's 500.")
    var baseModelSteps: Int?
    @Option(help: "LoRA optimisation steps.")
    var loraSteps = 60
    @Flag(help: "Only grade: no base model, quantization study or LoRA run.")
    var noStudy = false

    func validate() throws {
        if noStudy && (model != nil || eval != nil || baseModelSteps != nil) {
            throw ValidationError("--no-study leaves out the model: drop --model, --eval and --base-model-steps.")
        }
        if model != nil && baseModelSteps != nil {
            throw ValidationError("--base-model-steps trains a model; --model uses one as is: choose one.")
        }
        if eval != nil && model == nil {
            throw ValidationError("--eval goes with --model (the trained base model is measured on its held-out text).")
        }
        if let steps = baseModelSteps, steps < 1 { throw ValidationError("--base-model-steps must be at least 1.") }
        if loraSteps < 1 { throw ValidationError("--lora-steps must be at least 1.") }
    }

    func run() throws {
        var options = DemoOptions(
            dataDirectory: URL(fileURLWithPath: data, isDirectory: true).standardizedFileURL,
            repository: URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
            workers: max(1, workers), format: markdown ? .markdown : .terminal(colour: isTTY))
        if !noStudy {
            var study = DemoStudyOptions(
                model: model.map { URL(fileURLWithPath: $0, isDirectory: true).standardizedFileURL },
                evalText: eval.map { URL(fileURLWithPath: $0).standardizedFileURL })
            if let baseModelSteps { study.recipe.steps = baseModelSteps }
            study.loraSteps = loraSteps
            options.study = study
        }
        let demo = options
        let tty = isTTY
        // Without a terminal (a log file) the progress line is printed every ~10 s.
        let lastPrinted = LockedDate()
        let summary = try runBlocking {
            try await runDemo(demo, say: { print($0) }) { line, final in
                if tty {
                    print("\r\u{1B}[K" + line, terminator: final ? "\n" : "")
                    fflush(nil)
                } else if final || lastPrinted.elapsedAndReset(ifOver: 10) {
                    print(line)
                }
            }
        }
        let phases = summary.phases.map { String(format: "%@ %.0f s", $0.name, $0.seconds) }
        print("demo done: \(summary.graded) graded, \(summary.errors) failed, "
            + String(format: "%.0f s", summary.seconds) + " in all ("
            + phases.joined(separator: ", ") + ")."
            + " Explore with `lmlab report class --data \(data)`.")
    }
}

/// When the progress line was last printed to a log.
private final class LockedDate: @unchecked Sendable {
    private let lock = NSLock()
    private var last = Date()

    /// Whether more than `seconds` passed since the last time this returned true.
    func elapsedAndReset(ifOver seconds: Double) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard Date().timeIntervalSince(last) > seconds else { return false }
        last = Date()
        return true
    }
}
