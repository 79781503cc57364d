// `lmlab leaderboard <lab>` (pseudonyms; --names for instructors; ties to the earlier submission)
// and `lmlab leaderboard --experiment E --metric M` for tracked training runs.
import ArgumentParser
import Foundation
import Service

struct LeaderboardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "leaderboard",
        abstract: "A lab's leaderboard, or an experiment's (--experiment E --metric M).")

    @OptionGroup var data: DataOptions
    @OptionGroup var remote: RemoteOptions
    @OptionGroup var output: OutputFlags
    @Argument(help: "The lab, e.g. 01-attention.") var lab: String?
    @Flag(help: "Real names instead of pseudonyms (instructors).") var names = false
    @Option(help: "An experiment instead of a lab.") var experiment: String?
    @Option(help: "With --experiment: the metric summary to rank by, e.g. eval_loss.min.")
    var metric: String?
    @Option(help: "With --experiment: asc or desc.") var order = "asc"
    @Option(name: .customLong("where"), help: "With --experiment: a run filter, e.g. \"lr < 1e-3\".")
    var filter: String?
    @Flag(help: "With --experiment: only runs lmlab verified itself (source verified).")
    var verified = false
    @Option(
        help: """
            With --experiment: only runs whose scheme param is this (e.g. q8_0); without it, \
            runs of different schemes get one board each.
            """)
    var scheme: String?

    func validate() throws {
        if experiment != nil {
            guard lab == nil else { throw ValidationError("Give a lab or --experiment, not both.") }
            guard metric != nil else { throw ValidationError("--experiment needs --metric M.") }
        } else if verified || scheme != nil {
            throw ValidationError("--verified and --scheme apply to --experiment leaderboards.")
        } else if lab == nil {
            throw ValidationError("Give a lab (e.g. 01-attention) or --experiment E --metric M.")
        }
    }

    func run() throws {
        let client = try remote.client(data: data)
        if let experiment, let metric {
            try printExperimentLeaderboard(
                client: client, experiment: experiment, metric: metric, order: order,
                where: filter, verified: verified, names: names, scheme: scheme)
            return
        }
        let (lab, names) = (lab ?? "", names)
        let board = try runBlocking { try await client.leaderboard(lab: lab, names: names) }
        print(try renderLeaderboard(board, format: output.format), terminator: "")
    }
}
