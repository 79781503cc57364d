// An experiment's leaderboard split by quantization scheme: a q4_0 perplexity and a q8_0 one are
// not comparable, so a board that mixed them would rank each student by their best scheme.
import Foundation
import Quantization
import Tracking

/// One leaderboard of an experiment: the runs of one `scheme` (the run's `scheme` param), or
/// all runs when `scheme` is nil.
public struct SchemeLeaderboard: Sendable, Equatable {
    public var scheme: String?
    public var rows: [ExperimentLeaderboardRow]

    public init(scheme: String?, rows: [ExperimentLeaderboardRow]) {
        self.scheme = scheme
        self.rows = rows
    }
}

/// The filter that keeps the runs of `filter` (any runs if nil) whose `scheme` param is
/// `scheme`; throws `ServiceError.usage` for a scheme that is not a plain name.
public func schemeFilter(_ filter: String?, scheme: String) throws -> String {
    let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "_-."))
    guard !scheme.isEmpty, scheme.unicodeScalars.allSatisfy(allowed.contains) else {
        throw ServiceError.usage(
            "--scheme '\(scheme)' is not a scheme name: give one such as q8_0 or q4_0")
    }
    let clause = "params.scheme = '\(scheme)'"
    return filter.map { "(\($0)) AND \(clause)" } ?? clause
}

extension CourseClient {
    /// The leaderboards of `experiment` (see `experimentLeaderboard`): with `scheme`, the one
    /// board of that scheme's runs; without, one board per scheme lmlab knows (fp32 … q4_0,
    /// `QuantScheme`) when the runs carry two or more of them, else the single board of all
    /// runs.
    public func schemeLeaderboards(
        experiment: String, metric: String, ascending: Bool, where filter: String?,
        verified: Bool, names: Bool, scheme: String? = nil
    ) async throws -> [SchemeLeaderboard] {
        func board(_ filter: String?) async throws -> [ExperimentLeaderboardRow] {
            try await experimentLeaderboard(
                experiment: experiment, metric: metric, ascending: ascending, where: filter,
                verified: verified, names: names)
        }
        if let scheme {
            return [
                SchemeLeaderboard(
                    scheme: scheme, rows: try await board(schemeFilter(filter, scheme: scheme)))
            ]
        }
        var boards: [SchemeLeaderboard] = []
        for known in QuantScheme.allCases {
            let rows = try await board(schemeFilter(filter, scheme: known.rawValue))
            if !rows.isEmpty { boards.append(SchemeLeaderboard(scheme: known.rawValue, rows: rows)) }
        }
        if boards.count >= 2 { return boards }
        return [SchemeLeaderboard(scheme: nil, rows: try await board(filter))]
    }
}
