// `lmlab check`, `lmlab grade` and `lmlab labs list|show|validate`: grading from the command line.
import ArgumentParser
import Foundation
import Grading

#if canImport(Glibc)
    import Glibc
#endif

/// Options every grading command shares.
struct LabsOptions: ParsableArguments {
    @Option(name: .customLong("labs"), help: "The folder holding the labs (default ./labs).")
    var labs: String = "labs"

    var root: URL { URL(fileURLWithPath: labs, isDirectory: true) }

    func lab(_ id: String) throws -> Lab {
        try Lab.load(folder: root.appendingPathComponent(id, isDirectory: true))
    }
}

/// Fails with a non-zero exit after printing `message` on stderr.
struct CommandFailure: Error, CustomStringConvertible {
    var description: String
}

extension LMLab {
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a lab's visible tests on your own code, quickly and without a sandbox.")

        @OptionGroup var options: LabsOptions
        @Argument(help: "Your .py file, notebook or folder.")
        var path: String
        @Option(help: "The lab to check against, e.g. 01-attention.")
        var lab: String

        func run() throws {
            let lab = try options.lab(lab)
            let grader = try Grader(
                lab: lab, harnessDirectory: options.root.appendingPathComponent("harness"),
                isolation: .none)
            let report = try grader.grade(
                submission: URL(fileURLWithPath: path), mode: .student(visibleOnly: true))
            print(renderTerminal(report, viewer: .student(now: Date()), colour: isatty(1) != 0),
                  terminator: "")
        }
    }

    struct Grade: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Grade a submission on every test in the sandbox (instructor view).")

        @OptionGroup var options: LabsOptions
        @Argument(help: "The submission: a .py file, a notebook or a folder.")
        var path: String
        @Option(help: "The lab to grade against, e.g. 01-attention.")
        var lab: String
        @Option(help: "The submission seed for hidden tests (default: a fresh one, printed).")
        var seed: UInt64?
        @Flag(help: "Print the report as JSON.")
        var json = false
        @Flag(help: "Print the report as Markdown.")
        var markdown = false
        @Option(help: "Also write Gradescope's results.json to this path.")
        var gradescope: String?
        @Flag(help: "Run student code without bubblewrap (only for code you trust).")
        var noSandbox = false

        func validate() throws {
            if json && markdown { throw ValidationError("Choose one of --json and --markdown.") }
        }

        func run() throws {
            let lab = try options.lab(lab)
            let grader: Grader
            do {
                grader = try Grader(
                    lab: lab, harnessDirectory: options.root.appendingPathComponent("harness"),
                    isolation: noSandbox ? .none : .sandbox)
            } catch let error as HarnessError {
                throw CommandFailure(description: error.description)
            }
            let report = try grader.grade(
                submission: URL(fileURLWithPath: path), seed: seed, mode: .instructor)
            if let gradescope {
                try gradescopeResults(report).write(to: URL(fileURLWithPath: gradescope))
            }
            if json {
                print(String(decoding: try renderJSON(report, viewer: .instructor), as: UTF8.self))
            } else if markdown {
                print(renderMarkdown(report, viewer: .instructor), terminator: "")
            } else {
                print(renderTerminal(report, viewer: .instructor, colour: isatty(1) != 0),
                      terminator: "")
            }
        }
    }

    struct Labs: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List, show and validate the labs.",
            subcommands: [List.self, Show.self, Validate.self, New.self, Try.self])

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List the labs.")
            @OptionGroup var options: LabsOptions

            func run() throws {
                for lab in try Lab.loadAll(labsRoot: options.root) {
                    print("\(lab.id)\t\(lab.title)\t\(lab.tests.count) tests, "
                        + "\(lab.totalPoints) points, due \(lab.due)")
                }
            }
        }

        struct Show: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Show a lab's components and tests.")
            @OptionGroup var options: LabsOptions
            @Argument(help: "The lab's id, e.g. 01-attention.")
            var id: String

            func run() throws {
                let lab = try options.lab(id)
                print("\(lab.id) — \(lab.title) (version \(lab.version), entry \(lab.entry))")
                print("due \(lab.due)" + (lab.lateDue.map { ", late until \($0)" } ?? ""))
                for c in lab.components {
                    print("  \(c.name)(\(c.args.joined(separator: ", "))) -> \(c.returns.rawValue)"
                        + "  \(c.summary)")
                }
                for t in lab.tests {
                    print("  test \(t.name): \(t.component), \(t.points) points, "
                        + "\(t.visibility.rawValue)")
                }
            }
        }

        struct Validate: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Check every lab.toml, run every reference and check every mistake.")
            @OptionGroup var options: LabsOptions
            @Flag(help: "Run the labs' reference.py and mistakes.py without bubblewrap.")
            var noSandbox = false

            func run() throws {
                let labs = try Lab.loadAll(labsRoot: options.root)
                var problems: [String] = []
                for lab in labs {
                    // References, mistakes visible and distinguishable (LabAuthoringChecks).
                    let report = authoringReport(
                        grader: try authoringGrader(lab, options: options, noSandbox: noSandbox))
                    problems += report.problems
                    for warning in report.warnings {
                        FileHandle.standardError.write(Data("warning: \(warning)\n".utf8))
                    }
                }
                guard problems.isEmpty else {
                    throw CommandFailure(description: problems.joined(separator: "\n"))
                }
                print("\(labs.count) labs valid")
            }
        }
    }
}
