// `lmlab regrade --lab L [--student S]`: queue graded work again (a daemon grades it); the old
// grades stay as history and each new grade records the grader version.
import ArgumentParser
import Foundation
import Service
import Store

struct RegradeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "regrade", abstract: "Queue a lab's submissions for grading again.")

    @OptionGroup var data: DataOptions
    @Option(help: "The lab, e.g. 01-attention.") var lab: String
    @Option(help: "Only this student's submissions.") var student: String?

    func run() throws {
        let store = try data.openStore()
        guard try store.lab(id: lab) != nil else {
            throw ServiceError.unknownLab(lab, known: try store.labs().map(\.id))
        }
        if let student, try store.student(id: student) == nil {
            throw ServiceError.unknownStudent(student)
        }
        let count = try store.regrade(lab: lab, student: student)
        print("queued \(count) submission(s) of \(lab)" + (student.map { " by \($0)" } ?? "")
            + " for regrading; a running `lmlab serve` grades them (old grades are kept)")
    }
}
