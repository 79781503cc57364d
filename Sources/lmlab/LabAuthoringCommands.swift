// The instructor's authoring loop: `labs new` scaffolds a lab, `labs validate` (with the checks
// of Grading's LabAuthoringChecks) runs every reference and mistake, `labs try` shows the table
// students' grades will come from.
import ArgumentParser
import Foundation
import Grading
import Harness
import LabConfig

/// A grader for authoring commands: instructor code runs sandboxed unless told otherwise.
func authoringGrader(_ lab: Lab, options: LabsOptions, noSandbox: Bool) throws -> Grader {
    try Grader(lab: lab, harnessDirectory: options.root.appendingPathComponent("harness"),
               isolation: noSandbox ? .none : .sandbox)
}

extension LMLab.Labs {
    struct New: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Scaffold a new lab: lab.toml, handout, starter, reference.py, mistakes.py.",
            discussion: """
                The lab has one component computed by reference.py and one catalogued mistake in \
                mistakes.py, and validates as written. Edit the files, then run `lmlab labs \
                validate` and `lmlab labs try ID`.
                """)
        @OptionGroup var options: LabsOptions
        @Argument(help: "The new lab's id and folder name, e.g. 09-beam-search.")
        var id: String

        func run() throws {
            let folder = try scaffoldLab(id: id, labsRoot: options.root)
            print("created \(folder.path): lab.toml, README.md, solution.py, reference.py, mistakes.py")
        }
    }

    struct Try: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Grade a solution and every catalogued mistake of a lab, as students would be.",
            discussion: """
                The solution (--solution, else the lab's reference.py) is graded for real; each \
                mistake is graded as a submission that makes only that mistake. The table shows, \
                per test, whether it passed and which mistake the feedback names.
                """)
        @OptionGroup var options: LabsOptions
        @Argument(help: "The lab's id, e.g. 07-llama.")
        var id: String
        @Option(help: "A solution file, notebook or folder to grade (default: the lab's reference.py).")
        var solution: String?
        @Flag(help: "Run the code without bubblewrap (only for code you trust).")
        var noSandbox = false

        func run() throws {
            let grader = try authoringGrader(try options.lab(id), options: options,
                                             noSandbox: noSandbox)
            // One warm sandbox, started while the mistakes are simulated, for the solution.
            let pool = SandboxPool(size: 1, refills: false)
            defer { pool.close() }
            let tryout = try tryLab(grader: grader,
                                    solution: solution.map { URL(fileURLWithPath: $0) }, pool: pool)
            print(renderTryout(tryout), terminator: "")
            if tryout.rows.contains(where: { $0.isMistake && !$0.recognised }) {
                throw ExitCode(1)
            }
        }
    }
}
