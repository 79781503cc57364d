// The lmlab command: one tree of nested subcommands, declared here.
import ArgumentParser

@main
struct LMLab: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lmlab",
        abstract: "Grade language-model labs against a reference transformer and track experiments.",
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
