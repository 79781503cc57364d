// The instructor commands that also work against a daemon say so in their help (a golden
// string), and list --server and --token beside --data.
import ArgumentParser
import Testing
@testable import lmlab

@Test func regradeHelpNamesBothWays() {
    let help = LMLab.helpMessage(for: RegradeCommand.self, columns: 100)
    let expected = """
        OVERVIEW: Queue a lab's submissions for grading again.

        Works on the local data directory (--data), or against a running `lmlab serve` with --server URL
        --token T (an instructor's token).

        USAGE: lmlab regrade [--data <data>] [--server <server>] [--token <token>] --lab <lab> [--student <student>]

        OPTIONS:
          --data <data>           Data directory holding lmlab.sqlite and the stored submissions (default:
                                  $LMLAB_HOME, else .lmlab).
          --server <server>       URL of an lmlab server, e.g. http://127.0.0.1:8080 (default:
                                  $LMLAB_SERVER).
          --token <token>         Your API token for the server (default: $LMLAB_TOKEN).
          --lab <lab>             The lab, e.g. 01-attention.
          --student <student>     Only this student's submissions.
          -h, --help              Show help information.

        """
    #expect(help == expected, "got:\n\(help)")
}

@Test func everyInstructorCommandTakesTheServerOptions() {
    let commands: [any ParsableCommand.Type] = [
        ReportCommand.Class.self, ReportCommand.LabReport.self, ReportCommand.Student.self,
        ExportCommand.Grades.self, StudentsCommand.Import.self, StudentsCommand.Add.self,
        StudentsCommand.Token.self, StudentsCommand.List.self, RegradeCommand.self,
        FeedbackCommand.self,
    ]
    for command in commands {
        let help = LMLab.helpMessage(for: command, columns: 100)
        #expect(help.contains("--server <server>"), "\(command)")
        #expect(help.contains("against a running `lmlab serve`"), "\(command)")
    }
}
