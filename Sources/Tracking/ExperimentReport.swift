// The data of `lmlab report experiment E`: an experiment's runs (status, student, key params,
// each metric's last and min with their steps), its leaderboard and one metric's curves.
// Codable, so the daemon can send it and the CLI renders a remote report like a local one.
import Foundation
import Store

/// Everything the experiment report prints, gathered once from the store.
///
/// In JSON a metric value that is not finite is the string "NaN", "Infinity" or "-Infinity"
/// (JSON has no such numbers; the same spelling as a run batch), so a NaN that was logged
/// survives the trip.
public struct ExperimentReport: Sendable, Codable, Equatable {
    public struct Summary: Sendable, Codable, Equatable {
        /// nil when the last point was NaN.
        public var last: Double?
        public var lastStep: Int64
        /// nil when every point was NaN.
        public var min: Double?
        public var minStep: Int64?

        public init(last: Double?, lastStep: Int64, min: Double?, minStep: Int64?) {
            self.last = last
            self.lastStep = lastStep
            self.min = min
            self.minStep = minStep
        }
    }

    /// One logged point of the plotted metric.
    public struct CurvePoint: Sendable, Codable, Equatable {
        public var step: Int64
        /// NaN where NaN was logged.
        public var value: Double

        public init(step: Int64, value: Double) {
            self.step = step
            self.value = value
        }

        /// A NaN point equals a NaN point at the same step: the curve is what was logged.
        public static func == (a: CurvePoint, b: CurvePoint) -> Bool {
            a.step == b.step && (a.value == b.value || (a.value.isNaN && b.value.isNaN))
        }
    }

    public struct Run: Sendable, Codable, Equatable {
        public var id: String
        public var name: String?
        /// RUNNING, FINISHED, FAILED, KILLED, or DEAD (running without a recent heartbeat).
        public var status: String
        /// The student's pseudonym (never their name), or nil for a run without a student.
        public var pseudonym: String?
        public var params: [String: String]
        /// By metric key.
        public var summaries: [String: Summary]
        /// The plotted metric's points, by step.
        public var curve: [CurvePoint]
        /// The run's value of `rankBy`, if it has one.
        public var rankValue: Double?

        public init(
            id: String, name: String?, status: String, pseudonym: String?,
            params: [String: String], summaries: [String: Summary], curve: [CurvePoint],
            rankValue: Double?
        ) {
            self.id = id
            self.name = name
            self.status = status
            self.pseudonym = pseudonym
            self.params = params
            self.summaries = summaries
            self.curve = curve
            self.rankValue = rankValue
        }
    }

    public var experiment: String
    /// Every metric key any run logged, sorted.
    public var metrics: [String]
    /// The metric whose curves are drawn.
    public var plotMetric: String
    /// `key.aggregate` the leaderboard and the plotted runs are ordered by.
    public var rankBy: String
    public var ascending: Bool
    /// Newest first.
    public var runs: [Run]
    /// Params whose values differ between runs (all params if every run agrees), at most 6.
    public var keyParams: [String]
    public var leaderboard: [ExperimentLeaderboardRow]

    public init(
        experiment: String, metrics: [String], plotMetric: String, rankBy: String,
        ascending: Bool, runs: [Run], keyParams: [String],
        leaderboard: [ExperimentLeaderboardRow]
    ) {
        self.experiment = experiment
        self.metrics = metrics
        self.plotMetric = plotMetric
        self.rankBy = rankBy
        self.ascending = ascending
        self.runs = runs
        self.keyParams = keyParams
        self.leaderboard = leaderboard
    }

    /// The runs drawn in the SVG: at most `plotCap` of those with the plotted metric, best by
    /// `rankBy` first (runs without a rank value last, newest first).
    public static let plotCap = 8

    public var plottedRuns: [Run] {
        let withCurve = runs.filter { !$0.curve.isEmpty }
        let ordered = withCurve.enumerated().sorted { a, b in
            switch (a.element.rankValue, b.element.rankValue) {
            case let (x?, y?) where x != y: return ascending ? x < y : x > y
            case (.some, nil): return true
            case (nil, .some): return false
            default: return a.offset < b.offset
            }
        }
        return ordered.prefix(Self.plotCap).map(\.element)
    }

    /// How many runs have the plotted metric at all.
    public var runsWithCurve: Int { runs.filter { !$0.curve.isEmpty }.count }
}

extension LabStore {
    /// Gathers the report of `experiment`. `metric`: the metric to plot (default `loss` if
    /// logged, else the first key); `rankBy`: `key.min|max|last` (default the plotted metric's
    /// min); `.max` ranks higher first, `.min` and `.last` lower first. Throws
    /// `RunsError.unknownExperiment`, `TrackingError.unknownMetric`, or a `TrackingError` for a
    /// `rankBy` that does not parse.
    public func experimentReport(
        experiment: String, metric: String? = nil, rankBy: String? = nil, now: Date = Date()
    ) throws -> ExperimentReport {
        guard try self.experiment(named: experiment) != nil else {
            throw RunsError.unknownExperiment(experiment)
        }
        let found = try searchRuns(RunQuery(experiment: experiment), now: now)
        let pseudonyms = Dictionary(
            try students().map { ($0.id, $0.pseudonym) }, uniquingKeysWith: { a, _ in a })
        var details: [RunDetails] = []
        for row in found { details.append(try runDetails(id: row.run.id)) }
        let metrics = Set(details.flatMap(\.summaries.keys)).sorted()
        let plotMetric = metric ?? (metrics.contains("loss") ? "loss" : metrics.first ?? "loss")
        if let metric, !metrics.isEmpty, !metrics.contains(metric) {
            throw TrackingError.unknownMetric(
                experiment: experiment, metric: metric, known: metrics)
        }
        let rankBy = rankBy ?? "\(plotMetric).min"
        let (rankKey, aggregate) = try FilterParser.parseMetric(rankBy)
        let ascending = aggregate != .max

        var runs: [ExperimentReport.Run] = []
        for d in details {
            let summaries = d.summaries.mapValues {
                ExperimentReport.Summary(
                    last: $0.last, lastStep: $0.lastStep, min: $0.min, minStep: $0.minStep)
            }
            let rank = d.summaries[rankKey].flatMap { s -> Double? in
                switch aggregate {
                case .last: return s.last
                case .min: return s.min
                case .max: return s.max
                }
            }
            let history = try metricHistory(runID: d.run.id, key: plotMetric)
            runs.append(
                ExperimentReport.Run(
                    id: d.run.id, name: d.run.name,
                    status: d.run.displayStatus(now: now),
                    pseudonym: d.run.studentID.map { pseudonyms[$0] ?? Pseudonym.make(id: $0) },
                    params: d.params, summaries: summaries,
                    curve: history.map {
                        ExperimentReport.CurvePoint(step: $0.step, value: $0.loggedValue)
                    },
                    rankValue: rank))
        }
        let allParams = Set(runs.flatMap(\.params.keys)).sorted()
        let varying = allParams.filter { key in Set(runs.map { $0.params[key] }).count > 1 }
        let board = try experimentLeaderboard(
            experiment: experiment, metric: rankBy, ascending: ascending, now: now)
        return ExperimentReport(
            experiment: experiment, metrics: metrics, plotMetric: plotMetric, rankBy: rankBy,
            ascending: ascending, runs: runs,
            keyParams: Array((varying.isEmpty ? allParams : varying).prefix(6)),
            leaderboard: board)
    }

    /// The report of every experiment, by name, each with its default metric and ranking (what
    /// the class report's Experiments part and its Markdown sections are made of).
    public func experimentReports(now: Date = Date()) throws -> [ExperimentReport] {
        try experiments().map { try experimentReport(experiment: $0.name, now: now) }
    }
}

// MARK: - Codable with non-finite values

extension ExperimentReport.Summary {
    enum CodingKeys: String, CodingKey { case last, lastStep, min, minStep }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        last = try c.decodeMetricIfPresent(forKey: .last)
        lastStep = try c.decode(Int64.self, forKey: .lastStep)
        min = try c.decodeMetricIfPresent(forKey: .min)
        minStep = try c.decodeIfPresent(Int64.self, forKey: .minStep)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeMetricIfPresent(last, forKey: .last)
        try c.encode(lastStep, forKey: .lastStep)
        try c.encodeMetricIfPresent(min, forKey: .min)
        try c.encodeIfPresent(minStep, forKey: .minStep)
    }
}

extension ExperimentReport.CurvePoint {
    enum CodingKeys: String, CodingKey { case step, value }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        step = try c.decode(Int64.self, forKey: .step)
        value = try c.decodeMetric(forKey: .value)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(step, forKey: .step)
        try c.encodeMetric(value, forKey: .value)
    }
}

extension ExperimentReport.Run {
    enum CodingKeys: String, CodingKey {
        case id, name, status, pseudonym, params, summaries, curve, rankValue
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        name = try c.decodeIfPresent(String.self, forKey: .name)
        status = try c.decode(String.self, forKey: .status)
        pseudonym = try c.decodeIfPresent(String.self, forKey: .pseudonym)
        params = try c.decode([String: String].self, forKey: .params)
        summaries = try c.decode([String: ExperimentReport.Summary].self, forKey: .summaries)
        curve = try c.decode([ExperimentReport.CurvePoint].self, forKey: .curve)
        rankValue = try c.decodeMetricIfPresent(forKey: .rankValue)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encodeIfPresent(name, forKey: .name)
        try c.encode(status, forKey: .status)
        try c.encodeIfPresent(pseudonym, forKey: .pseudonym)
        try c.encode(params, forKey: .params)
        try c.encode(summaries, forKey: .summaries)
        try c.encode(curve, forKey: .curve)
        try c.encodeMetricIfPresent(rankValue, forKey: .rankValue)
    }
}

// Written out here: Codable cannot be synthesized outside the type's own file.
extension ExperimentLeaderboardRow: Codable {
    enum CodingKeys: String, CodingKey { case rank, displayName, studentID, runID, value, step }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            rank: try c.decode(Int.self, forKey: .rank),
            displayName: try c.decode(String.self, forKey: .displayName),
            studentID: try c.decodeIfPresent(String.self, forKey: .studentID),
            runID: try c.decode(String.self, forKey: .runID),
            value: try c.decodeMetric(forKey: .value),
            step: try c.decodeIfPresent(Int64.self, forKey: .step))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(rank, forKey: .rank)
        try c.encode(displayName, forKey: .displayName)
        try c.encodeIfPresent(studentID, forKey: .studentID)
        try c.encode(runID, forKey: .runID)
        try c.encodeMetric(value, forKey: .value)
        try c.encodeIfPresent(step, forKey: .step)
    }
}

extension KeyedEncodingContainer {
    /// A finite value as a number, any other as "NaN", "Infinity" or "-Infinity".
    mutating func encodeMetric(_ value: Double, forKey key: Key) throws {
        if value.isFinite {
            try encode(value, forKey: key)
        } else {
            try encode(value.isNaN ? "NaN" : value > 0 ? "Infinity" : "-Infinity", forKey: key)
        }
    }

    mutating func encodeMetricIfPresent(_ value: Double?, forKey key: Key) throws {
        if let value { try encodeMetric(value, forKey: key) }
    }
}

extension KeyedDecodingContainer {
    /// A number, or one of the strings "NaN", "Infinity", "-Infinity".
    func decodeMetric(forKey key: Key) throws -> Double {
        if let number = try? decode(Double.self, forKey: key) { return number }
        let text = try decode(String.self, forKey: key)
        switch text {
        case "NaN": return .nan
        case "Infinity": return .infinity
        case "-Infinity": return -.infinity
        default:
            throw DecodingError.dataCorruptedError(
                forKey: key, in: self,
                debugDescription: "expected a number, \"NaN\", \"Infinity\" or \"-Infinity\","
                    + " got \"\(text)\"")
        }
    }

    func decodeMetricIfPresent(forKey key: Key) throws -> Double? {
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        return try decodeMetric(forKey: key)
    }
}
