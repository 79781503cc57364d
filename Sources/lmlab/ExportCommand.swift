// `lmlab export grades --lab L --format csv|gradescope`: a lab's grades as CSV (stdout or --out)
// or as Gradescope results.json files, one folder per student under --out; locally or from a
// daemon (--server), rendered by the same functions.
import ArgumentParser
import Foundation
import Service
import Store

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Export grades.", subcommands: [Grades.self])

    enum Format: String, ExpressibleByArgument, CaseIterable { case csv, gradescope }

    struct Grades: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A lab's grades: the counted submission of each roster student.",
            discussion: RemoteOptions.instructorDiscussion)
        @OptionGroup var data: DataOptions
        @OptionGroup var remote: RemoteOptions
        @Option(help: "The lab, e.g. 01-attention.") var lab: String
        @Option(help: "csv or gradescope.") var format: Format = .csv
        @Option(help: "csv: a file (default stdout); gradescope: a folder (required).")
        var out: String?

        func validate() throws {
            if format == .gradescope && out == nil {
                throw ValidationError("--format gradescope needs --out FOLDER")
            }
        }

        func run() throws {
            let client = try remote.client(data: data)
            let (lab, withResults) = (lab, format == .gradescope)
            let export = try runBlocking {
                try await client.gradesExport(lab: lab, withResults: withResults)
            }
            switch format {
            case .csv:
                let text = gradesCSV(export.rows, lab: lab)
                if let out {
                    try Data(text.utf8).write(to: URL(fileURLWithPath: out), options: .atomic)
                    print("wrote \(out)")
                } else {
                    print(text, terminator: "")
                }
            case .gradescope:
                guard let out else {
                    throw ValidationError("--format gradescope needs --out FOLDER")
                }
                let count = try writeGradescopeResults(
                    export.counted ?? [], to: URL(fileURLWithPath: out, isDirectory: true))
                print("wrote \(count) results.json files under \(out)/<student>/")
            }
        }
    }
}
