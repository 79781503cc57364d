// `lmlab check`, `lmlab grade` and `lmlab labs list|show|validate`: grading from the command line.
import ArgumentParser
import Foundation
import Grading
import Harness
import LabConfig

#if canImport(Glibc)
    import Glibc
#endif

/// Options every grading command shares.
struct LabsOptions: ParsableArguments {
    @Option(
        name: .customLong("labs"),
        help: "The folder holding the labs and their harness (default: $LMLAB_LABS, else ./labs).")
    var labs: String?

    var folder: LabsFolder { LabsFolder(option: labs) }
    var root: URL { folder.url }

    /// Lab `id`; a missing one names the folder lmlab looked in and how to point it elsewhere.
    func lab(_ id: String) throws -> Lab {
        do {
            return try Lab.load(folder: try folder.lab(id))
        } catch let error as LabsFolderError {
            throw CommandFailure(description: error.description)
        }
    }

    /// Throws, saying where it looked, unless the labs folder exists.
    func requireFolder() throws {
        do {
            try folder.requireExists()
        } catch let error as LabsFolderError {
            throw CommandFailure(description: error.description)
        }
    }

    /// The sandboxed harness, labs/harness, with the same where-it-looked message.
    func harness() throws -> URL {
        do {
            return try folder.harness()
        } catch let error as LabsFolderError {
            throw CommandFailure(description: error.description)
        }
    }
}

/// Fails with a non-zero exit after printing `message` on stderr.
struct CommandFailure: Error, CustomStringConvertible {
    var description: String
}

extension LMLab {
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a lab's visible tests on your own code, quickly and without a sandbox.",
            discussion: """
                Exit codes: 0 every test passed; 2 a test did not pass (or your module did not \
                import); 1 lmlab could not check (the reason is on stderr); 64 a usage error.
                """)

        @OptionGroup var options: LabsOptions
        @Argument(help: "Your .py file, notebook or folder.")
        var path: String
        @Option(help: "The lab to check against, e.g. 01-attention.")
        var lab: String

        func run() throws {
            let lab = try options.lab(lab)
            let grader = try Grader(
                lab: lab, harnessDirectory: try options.harness(),
                isolation: .none)
            let report = try grader.grade(
                submission: URL(fileURLWithPath: path), mode: .student(visibleOnly: true))
            print(renderTerminal(report, viewer: .student(now: Date()), colour: isatty(1) != 0),
                  terminator: "")
            if report.importError != nil || !report.results.allSatisfy(\.passed) {
                throw ExitCode(2)
            }
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
                    lab: lab, harnessDirectory: try options.harness(),
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
            static let configuration = CommandConfiguration(
                abstract: "List the labs; invalid ones are marked (and never served).")
            @OptionGroup var options: LabsOptions

            func run() throws {
                try options.requireFolder()
                let survey = try LabSurvey(labsRoot: options.root)
                for lab in survey.labs {
                    print("\(lab.id)\t\(lab.title)\t\(lab.tests.count) tests, "
                        + "\(lab.totalPoints) points, due \(lab.due)")
                }
                for lab in survey.invalid {
                    let count = lab.problems.count == 1 ? "1 problem" : "\(lab.problems.count) problems"
                    print("\(lab.id)\tINVALID: \(count), not served; see `lmlab labs validate`")
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
                abstract: "Check every lab: lab.toml, references, mistakes and case sizes.",
                discussion: """
                    Reports every problem of every lab in one run and exits 1 if there is any: \
                    lab.toml errors name the file and key; a component needs a built-in \
                    reference or one in the lab's reference.py; every reference.py is run on \
                    the lab's cases and every mistakes.py entry must differ from it on a \
                    visible case and from every other mistake.
                    """)
            @OptionGroup var options: LabsOptions
            @Flag(help: "Run the labs' reference.py and mistakes.py without bubblewrap.")
            var noSandbox = false

            func run() throws {
                try options.requireFolder()
                let survey = try LabSurvey(labsRoot: options.root)
                var problems = survey.invalid.flatMap { lab in
                    lab.problems.map { "\(lab.id): \($0)" }
                }
                var failing = Set(survey.invalid.map(\.id))
                for lab in survey.labs {
                    // References run, mistakes visible and distinguishable (LabAuthoringChecks).
                    let report = authoringReport(
                        grader: try authoringGrader(lab, options: options, noSandbox: noSandbox))
                    problems += report.problems
                    if !report.problems.isEmpty { failing.insert(lab.id) }
                    for warning in report.warnings {
                        FileHandle.standardError.write(Data("warning: \(warning)\n".utf8))
                    }
                }
                let total = survey.labs.count + survey.invalid.count
                guard problems.isEmpty else {
                    throw CommandFailure(
                        description: "\(failing.count) of \(total) labs invalid, "
                            + "\(problems.count) problems:\n" + problems.joined(separator: "\n"))
                }
                print("\(total) labs valid")
            }
        }
    }
}
