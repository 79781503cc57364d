// `report experiment` works against a daemon too: its help says so (a golden string) and lists
// --server and --token beside --data.
import ArgumentParser
import Testing
@testable import lmlab

@Test func reportExperimentHelpNamesBothWays() {
    let help = LMLab.helpMessage(for: ReportCommand.Experiment.self, columns: 100)
    let expected = """
        OVERVIEW: One experiment: its runs, leaderboard and curves.

        Lists every run (status, DEAD when the heartbeat stopped, student pseudonym, the params that
        differ, each metric's last and min with their steps) and the leaderboard. In the terminal each run
        gets a sparkline of --metric; with --markdown --out DIR it writes DIR/report.md embedding
        DIR/<metric>.svg, the curves of the 8 best runs by --rank-by. Works on the local data directory
        (--data), or against a running `lmlab serve` with --server URL --token T (an instructor's token).

        USAGE: lmlab report experiment [--data <data>] [--server <server>] [--token <token>] [--markdown] [--json] <experiment> [--metric <metric>] [--rank-by <rank-by>] [--out <DIR>] [--log-scale]

        ARGUMENTS:
          <experiment>            The experiment's name.

        OPTIONS:
          --data <data>           Data directory holding lmlab.sqlite and the stored submissions (default:
                                  $LMLAB_HOME, else .lmlab).
          --server <server>       URL of an lmlab server, e.g. http://127.0.0.1:8080 (default:
                                  $LMLAB_SERVER).
          --token <token>         Your API token for the server (default: $LMLAB_TOKEN).
          --markdown              Print Markdown.
          --json                  Print JSON.
          --metric <metric>       The metric to plot (default: loss if logged, else the first metric).
          --rank-by <rank-by>     key.min, key.max or key.last to rank by (default: the plotted metric's
                                  min).
          --out <DIR>             With --markdown: write DIR/report.md and the SVG.
          --log-scale             Use a logarithmic y axis in the SVG.
          -h, --help              Show help information.

        """
    #expect(help == expected, "got:\n\(help)")
}

/// `report class` no longer says its Experiments part or --out are local only.
@Test func reportClassHelpHasNoLocalOnlyPart() {
    let help = LMLab.helpMessage(for: ReportCommand.Class.self, columns: 100)
    #expect(help.contains("against a running `lmlab serve`"))
    #expect(!help.contains("local only") && !help.contains("left out over"), "\(help)")
}
