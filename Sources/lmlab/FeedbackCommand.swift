// `lmlab feedback <id>` or `lmlab feedback --latest --lab L [--student S]`: a submission's status
// and, once graded, each test's verdict with the diagnosed mistake and its hint; locally or
// against a daemon (--server: your own, or any student's with an instructor's token).
import ArgumentParser
import Foundation
import Service
import Store

struct FeedbackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "feedback", abstract: "Show a submission's grade and feedback.",
        discussion: """
            Works on the local data directory (--data), or against a running `lmlab serve` with \
            --server URL --token T: a student sees their own submissions, an instructor anyone's \
            (--latest --student S).
            """)

    @OptionGroup var data: DataOptions
    @OptionGroup var remote: RemoteOptions
    @OptionGroup var output: OutputFlags
    @Argument(help: "The submission id.") var id: Int64?
    @Flag(help: "The latest submission to --lab (of --student locally, else your own).")
    var latest = false
    @Option(help: "The lab, with --latest.") var lab: String?
    @Option(
        help: "The student, with --latest (required locally; remotely an instructor may name anyone).")
    var student: String?

    func validate() throws {
        if latest {
            guard id == nil else { throw ValidationError("Give a submission id or --latest, not both.") }
            guard lab != nil else { throw ValidationError("--latest needs --lab L.") }
        } else if id == nil {
            throw ValidationError("Give a submission id, or --latest --lab L.")
        }
    }

    func run() throws {
        let client = try remote.client(data: data)
        let (id, lab, student, format) = (id, lab, student, output.format)
        let view = try runBlocking { () -> SubmissionFeedback in
            if let id { return try await client.submission(id: id) }
            return try await client.latestSubmission(lab: lab ?? "", student: student)
        }
        print(try renderFeedback(view, format: format), terminator: "")
    }
}
