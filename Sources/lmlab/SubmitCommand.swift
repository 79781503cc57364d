// `lmlab submit <path> --lab L [--student S] [--wait]`: hand in a file, notebook or folder, to
// the local data directory's queue or to a server.
import ArgumentParser
import Foundation
import Service
import Store

struct SubmitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit", abstract: "Hand in a .py file, a notebook or a folder for grading.",
        discussion: """
            Exit codes: 0 handed in (with --wait: graded, and every test you may see passed); \
            2 with --wait, graded but not every test passed, or grading failed on your code; \
            1 lmlab could not hand it in (the reason is on stderr); 64 a usage error.
            """)

    @OptionGroup var data: DataOptions
    @OptionGroup var remote: RemoteOptions
    @Argument(help: "The submission: a .py file, a .ipynb notebook or a folder.") var path: String
    @Option(help: "The lab, e.g. 01-attention.") var lab: String
    @Option(help: "Whose submission (local data directory only; with --server the token says).")
    var student: String?
    @Flag(help: "Wait for the grade and print the feedback.") var wait = false
    @Option(help: "With --wait: give up after this many seconds.") var timeout: Double = 600
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        // A local submission that fails leaves no data directory behind if it made one.
        let madeDirectory =
            remote.serverURL == nil && !FileManager.default.fileExists(atPath: data.directory.path)
        do {
            let graded = try handIn()
            if let graded, !graded.allPassed { throw ExitCode(2) }
        } catch let error where !(error is ExitCode) {
            if madeDirectory { try? FileManager.default.removeItem(at: data.directory) }
            throw error
        }
    }

    /// Hands the submission in (and with --wait prints its feedback); the feedback, if waited for.
    func handIn() throws -> SubmissionFeedback? {
        let client = try remote.client(data: data)
        let url = URL(fileURLWithPath: path)
        let (lab, student, wait, timeout, json) = (lab, student, wait, timeout, json)
        return try runBlocking { () -> SubmissionFeedback? in
            let receipt = try await client.submit(path: url, lab: lab, student: student)
            if !wait {
                if json {
                    print(try jsonString(receipt), terminator: "")
                } else {
                    print("submission #\(receipt.id) queued: \(receipt.filename), lab \(receipt.lab),"
                        + " \(receipt.size) bytes" + (receipt.late ? " (late)" : ""))
                    print("see its feedback with `lmlab feedback \(receipt.id)`")
                }
                return nil
            }
            if !json { print("submission #\(receipt.id) queued; waiting for the grade…") }
            let view = try await client.waitForGrade(id: receipt.id, timeout: timeout) { view in
                if !json { print("  \(view.status)") }
            }
            print(try renderFeedback(view, format: json ? .json : .terminal(colour: isTTY)),
                  terminator: "")
            return view
        }
    }
}
