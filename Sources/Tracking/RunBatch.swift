// The batch: the JSON object that `POST /api/runs/batch` takes and that each line of a JSONL
// import file holds (labs/client/PROTOCOL.md): an optional start, params, metrics, tags and an
// optional end for one run. Decoding names the bad entry; applying goes through the store.
import Foundation
import Store

public struct RunBatch: Sendable, Equatable {
    public struct Start: Sendable, Equatable {
        public var experiment: String
        public var name: String?
        public var student: String?
        public var lab: String?
        public var gitCommit: String?
        public var host: String?
        public var environment: String?
        /// Unix milliseconds; nil: when applied.
        public var time: Int64?
    }

    public struct End: Sendable, Equatable {
        public var status: RunStatus
        public var time: Int64?
    }

    public var runID: String
    public var start: Start?
    public var params: [String: String]
    public var metrics: [MetricPoint]
    public var tags: [String: String]
    public var end: End?

    /// What applying a batch did, as the HTTP API returns it.
    public struct Outcome: Sendable, Equatable, Encodable {
        public var runID: String
        public var status: String
        public var params: Int
        public var metrics: Int
        public var tags: Int

        enum CodingKeys: String, CodingKey {
            case status, params, metrics, tags
            case runID = "run_id"
        }
    }

    /// Decodes one batch from JSON; `line` is only used in error messages.
    public static func decode(_ data: Data, line: Int = 1) throws -> RunBatch {
        do {
            return try JSONDecoder().decode(Wire.self, from: data).batch()
        } catch let error as DecodingError {
            let (path, reason) = describe(error)
            throw TrackingError.batch(line: line, entry: path, reason: reason)
        } catch let error as TrackingError {
            if case .batch(_, let entry, let reason) = error {
                throw TrackingError.batch(line: line, entry: entry, reason: reason)
            }
            throw error
        }
    }

    /// Starts (or resumes), logs and ends as the batch says. `student`, when given (the HTTP
    /// token's owner, or `--student`), is the run's owner and must own an existing run.
    @discardableResult
    public func apply(to store: LabStore, student: String? = nil, now: Date = Date()) throws
        -> Outcome
    {
        func date(_ millis: Int64?) -> Date {
            millis.map { Date(timeIntervalSince1970: Double($0) / 1000) } ?? now
        }
        // Reject a malformed batch before the start creates anything.
        try LabStore.validateBatch(params: params, metrics: metrics, tags: tags)
        if let start {
            try store.startRun(
                RunStart(
                    experiment: start.experiment, runID: runID,
                    studentID: student ?? start.student, name: start.name,
                    gitCommit: start.gitCommit, host: start.host, environment: start.environment,
                    labID: start.lab),
                now: date(start.time))
        }
        if !params.isEmpty || !metrics.isEmpty || !tags.isEmpty {
            try store.logBatch(
                runID: runID, params: params, metrics: metrics, tags: tags, student: student,
                now: now)
        }
        var status = RunStatus.running
        if let end {
            status = try store.endRun(
                runID: runID, status: end.status, student: student, now: date(end.time)
            ).status
        } else if let run = try store.run(id: runID) {
            status = run.status
        } else {
            throw RunsError.unknownRun(runID)
        }
        return Outcome(
            runID: runID, status: status.rawValue, params: params.count, metrics: metrics.count,
            tags: tags.count)
    }

    /// A decoding error as (`metrics[3].value`, what was wrong).
    static func describe(_ error: DecodingError) -> (String, String) {
        func path(_ keys: [any CodingKey]) -> String {
            var text = ""
            for key in keys {
                if let index = key.intValue {
                    text += "[\(index)]"
                } else {
                    text += text.isEmpty ? key.stringValue : ".\(key.stringValue)"
                }
            }
            return text.isEmpty ? "body" : text
        }
        switch error {
        case .typeMismatch(let type, let context):
            return (path(context.codingPath), "expected \(typeName(type))")
        case .valueNotFound(let type, let context):
            return (path(context.codingPath), "expected \(typeName(type)), found null")
        case .keyNotFound(let key, let context):
            return (path(context.codingPath + [key]), "missing (it is required)")
        case .dataCorrupted(let context):
            let underlying = (context.underlyingError as NSError?)?.localizedDescription
            return (path(context.codingPath), underlying.map { "not valid JSON: \($0)" }
                ?? context.debugDescription)
        @unknown default:
            return ("body", "\(error)")
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is Double.Type, is Int64.Type, is Int.Type: return "a number"
        case is String.Type: return "a string"
        case is [Wire.Metric].Type: return "a list of metric objects"
        default: return "\(type)".lowercased().contains("dictionary") ? "an object" : "\(type)"
        }
    }
}

/// The JSON shape, decoded strictly and then checked entry by entry.
private struct Wire: Decodable {
    struct Start: Decodable {
        var experiment: String
        var name: String?
        var student: String?
        var lab: String?
        var git_commit: String?
        var host: String?
        var environment: String?
        var time: Int64?
    }
    struct End: Decodable {
        var status: String
        var time: Int64?
    }
    struct Metric: Decodable {
        var key: String
        var value: Value
        // Decoded as numbers and checked here, so that 1.5 is named as a bad entry.
        var step: Double?
        var timestamp: Double?
    }
    /// A number, or "NaN" / "Infinity" / "-Infinity" (JSON has no such numbers).
    struct Value: Decodable {
        var number: Double
        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let number = try? container.decode(Double.self) {
                self.number = number
                return
            }
            guard let text = try? container.decode(String.self) else {
                throw DecodingError.typeMismatch(
                    Double.self,
                    .init(codingPath: decoder.codingPath, debugDescription: "not a number"))
            }
            switch text.lowercased() {
            case "nan": number = .nan
            case "infinity", "inf", "+infinity": number = .infinity
            case "-infinity", "-inf": number = -.infinity
            default:
                throw DecodingError.dataCorrupted(
                    .init(
                        codingPath: decoder.codingPath,
                        debugDescription: "'\(text)' is not a number (strings allowed: \"NaN\","
                            + " \"Infinity\", \"-Infinity\")"))
            }
        }
    }
    /// Param and tag values: strings, or numbers and booleans taken as their text.
    struct Text: Decodable {
        var text: String
        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let s = try? container.decode(String.self) {
                text = s
            } else if let b = try? container.decode(Bool.self) {
                text = b ? "True" : "False"
            } else if let i = try? container.decode(Int64.self) {
                text = String(i)
            } else if let d = try? container.decode(Double.self) {
                text = String(d)
            } else {
                throw DecodingError.typeMismatch(
                    String.self,
                    .init(codingPath: decoder.codingPath, debugDescription: "not a string"))
            }
        }
    }

    var run_id: String
    var start: Start?
    var params: [String: Text]?
    var metrics: [Metric]?
    var tags: [String: Text]?
    var end: End?

    func batch() throws -> RunBatch {
        guard RunsLimits.isValidRunID(run_id) else {
            throw TrackingError.batch(
                line: 0, entry: "run_id",
                reason: "'\(run_id)' is not a valid run id (1 to 64 letters, digits, '-_.')")
        }
        var end: RunBatch.End?
        if let wireEnd = self.end {
            guard let status = RunStatus(rawValue: wireEnd.status.uppercased()),
                status != .running
            else {
                throw TrackingError.batch(
                    line: 0, entry: "end.status",
                    reason: "'\(wireEnd.status)' is not FINISHED, FAILED or KILLED")
            }
            end = RunBatch.End(status: status, time: wireEnd.time)
        }
        func integer(_ value: Double?, _ entry: String) throws -> Int64? {
            guard let value else { return nil }
            guard value == value.rounded(), abs(value) < 9e15 else {
                throw TrackingError.batch(
                    line: 0, entry: entry, reason: "\(value) is not a whole number")
            }
            return Int64(value)
        }
        let points = try (metrics ?? []).enumerated().map { index, metric in
            MetricPoint(
                key: metric.key, value: metric.value.number,
                step: try integer(metric.step, "metrics[\(index)].step") ?? 0,
                timestamp: try integer(metric.timestamp, "metrics[\(index)].timestamp"))
        }
        return RunBatch(
            runID: run_id,
            start: start.map {
                RunBatch.Start(
                    experiment: $0.experiment, name: $0.name, student: $0.student, lab: $0.lab,
                    gitCommit: $0.git_commit, host: $0.host, environment: $0.environment,
                    time: $0.time)
            },
            params: (params ?? [:]).mapValues(\.text), metrics: points,
            tags: (tags ?? [:]).mapValues(\.text), end: end)
    }
}
