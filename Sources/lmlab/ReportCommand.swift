// `lmlab report class | lab L | student S`: instructor reports in the terminal (aligned tables,
// a histogram, colour on a TTY), as Markdown (--markdown) or as JSON (--json).
import ArgumentParser
import Foundation
import Service
import Store

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
        subcommands: [Class.self, LabReport.self, Student.self])

    struct Class: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Every lab across the class: submitted, graded, mean, late, missing.")
        @OptionGroup var data: DataOptions
        @OptionGroup var remote: RemoteOptions
        @OptionGroup var output: OutputFlags

        func run() throws {
            try remote.requireLocal("report class")
            let store = try data.openStore()
            let roster = try store.students().filter { !$0.isInstructor }.count
            print(try renderClassOverview(
                classOverview(store: store), rosterSize: roster, format: output.format),
                terminator: "")
        }
    }

    struct LabReport: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "lab",
            abstract: "One lab: score histogram, pass rate per test, common mistakes, late and missing work.")
        @OptionGroup var data: DataOptions
        @OptionGroup var remote: RemoteOptions
        @OptionGroup var output: OutputFlags
        @Argument(help: "The lab, e.g. 01-attention.") var lab: String

        func run() throws {
            try remote.requireLocal("report lab")
            let store = try data.openStore()
            guard let record = try store.lab(id: lab) else {
                throw ServiceError.unknownLab(lab, known: try store.labs().map(\.id))
            }
            print(try renderLabReport(
                store.classReport(lab: lab), title: record.title, format: output.format),
                terminator: "")
        }
    }

    struct Student: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "One student across every lab.")
        @OptionGroup var data: DataOptions
        @OptionGroup var remote: RemoteOptions
        @OptionGroup var output: OutputFlags
        @Argument(help: "The student's id.") var student: String

        func run() throws {
            try remote.requireLocal("report student")
            let store = try data.openStore()
            guard try store.student(id: student) != nil else {
                throw ServiceError.unknownStudent(student)
            }
            print(try renderStudentReport(store.studentReport(student: student), format: output.format),
                  terminator: "")
        }
    }
}
