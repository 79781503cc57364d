// Prints an experiment's leaderboard (one row per student, their best run by a metric), from
// the local data directory or a daemon; the `lmlab leaderboard --experiment` command calls this.
import Foundation
import Service
import Store
import Tracking

/// Prints the leaderboard of `experiment` by `metric` (`eval_loss.min`), `order` "asc" or
/// "desc", among runs matching `where` if given (and verified by lmlab if `verified`), with
/// names instead of pseudonyms if `names`: one board per quantization scheme when the runs
/// carry several (or only `scheme`'s runs if given), as `schemeLeaderboards` decides.
func printExperimentLeaderboard(
    client: any CourseClient, experiment: String, metric: String, order: String,
    where filter: String?, verified: Bool = false, names: Bool, scheme: String? = nil
) throws {
    let ascending: Bool
    switch order.lowercased() {
    case "asc": ascending = true
    case "desc": ascending = false
    default: throw TrackingError.syntax(text: order, column: 1, message: "--order is asc or desc")
    }
    if let filter { _ = try FilterParser.parse(filter) }  // its errors point at its own columns
    let boards = try runBlocking {
        try await client.schemeLeaderboards(
            experiment: experiment, metric: metric, ascending: ascending, where: filter,
            verified: verified, names: names, scheme: scheme)
    }
    for (index, board) in boards.enumerated() {
        if let scheme = board.scheme {
            if index > 0 { print("") }
            print("scheme \(scheme)")
        }
        var table = [["RANK", names ? "STUDENT" : "PSEUDONYM", metric.uppercased(), "STEP", "RUN"]]
        for row in board.rows {
            table.append([
                "\(row.rank)", row.displayName, String(format: "%.6g", row.value),
                row.step.map(String.init) ?? "-", row.runID,
            ])
        }
        printTable(table)
        if board.rows.isEmpty {
            let kind = (verified ? "verified " : "") + (board.scheme.map { "\($0) " } ?? "")
            print("(no \(kind)runs with \(metric) yet)")
        }
    }
}
