// `lmlab regrade --lab L [--student S]`: queue graded work again (a daemon grades it); the old
// grades stay as history and each new grade records the grader version. Locally or --server.
import ArgumentParser
import Foundation
import Service
import Store

struct RegradeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "regrade", abstract: "Queue a lab's submissions for grading again.",
        discussion: RemoteOptions.instructorDiscussion)

    @OptionGroup var data: DataOptions
    @OptionGroup var remote: RemoteOptions
    @Option(help: "The lab, e.g. 01-attention.") var lab: String
    @Option(help: "Only this student's submissions.") var student: String?

    func run() throws {
        let client = try remote.client(data: data)
        let (lab, student) = (lab, student)
        let answer = try runBlocking { try await client.regrade(lab: lab, student: student) }
        print("queued \(answer.queued) submission(s) of \(lab)" + (student.map { " by \($0)" } ?? "")
            + " for regrading; a running `lmlab serve` grades them (old grades are kept)")
    }
}
