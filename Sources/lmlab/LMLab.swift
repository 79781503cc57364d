// The lmlab command: one tree of nested subcommands, declared here.
import ArgumentParser
import Grading
import Logging

@main
struct LMLab: ParsableCommand {
    /// `--verbose`, accepted anywhere on the command line by every command: logs at info level
    /// instead of warnings only. Logs always go to stderr, never into a command's output.
    static let verboseFlag = "--verbose"

    static func main() {
        var arguments = Array(CommandLine.arguments.dropFirst())
        let verbose = arguments.contains(verboseFlag)
        arguments.removeAll { $0 == verboseFlag }
        // Handled here rather than by ArgumentParser's `version`, which would list --version
        // in every subcommand's help.
        if arguments == ["--version"] {
            print(lmlabVersion)
            return
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = verbose ? .info : .warning
            return handler
        }
        main(arguments)
    }

    static let configuration = CommandConfiguration(
        commandName: "lmlab",
        abstract: "Grade language-model labs against a reference transformer and track experiments.",
        discussion: """
            Exit codes: 0 done (for `check` and `submit --wait`: every test you may see passed); \
            1 lmlab could not do it (the reason is on stderr); 2 graded, but not every test \
            passed or grading failed on your code; 64 a usage error. Logs go to stderr, \
            warnings only; add --verbose to any command for more. `lmlab --version` prints \
            the version.
            """,
        subcommands: [
            // Students
            Check.self,
            SubmitCommand.self,
            FeedbackCommand.self,
            LeaderboardCommand.self,
            // Instructors
            Grade.self,
            Labs.self,
            StudentsCommand.self,
            ReportCommand.self,
            ExportCommand.self,
            RegradeCommand.self,
            ServeCommand.self,
            DemoCommand.self,
            // Experiments
            RunsCommand.self,
            ExperimentCommand.self,
            // The reference model
            ModelCommand.self,
            TokenizerCommand.self,
            BenchCommand.self,
        ]
    )
}
