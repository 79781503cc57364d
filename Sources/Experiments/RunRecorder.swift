// Records one experiment as a run in the store: started with its source and tags, params and
// metric points logged in batches within the store's limits, ended FINISHED or FAILED.
import Foundation
import Store
import Transformer

/// Where and as whom an experiment is recorded.
public struct RunTarget: Sendable {
    public var store: LabStore
    public var experiment: String
    /// The run's display name (nil: none).
    public var name: String?
    /// The student the run belongs to (nil: the instructor's own run).
    public var studentID: String?

    public init(store: LabStore, experiment: String, name: String? = nil, studentID: String? = nil) {
        self.store = store
        self.experiment = experiment
        self.name = name
        self.studentID = studentID
    }
}

/// One run being recorded. Metric points are buffered and written in batches.
public final class RunRecorder {
    public let store: LabStore
    public let runID: String
    private var pending: [MetricPoint] = []
    /// Flush the buffer once it holds this many points.
    private let flushThreshold = 200

    /// Starts a run with `source` and `tags` in `target`'s experiment.
    public init(target: RunTarget, source: RunSource, tags: [String: String] = [:]) throws {
        store = target.store
        let run = try store.startRun(
            RunStart(
                experiment: target.experiment, studentID: target.studentID, name: target.name,
                source: source, host: ProcessInfo.processInfo.hostName,
                environment: "lmlab \(source.rawValue)"))
        runID = run.id
        if !tags.isEmpty { try store.logBatch(runID: runID, tags: tags) }
    }

    /// Logs params (at most `RunsLimits.maxParamsPerBatch` per write).
    public func log(params: [String: String]) throws {
        let sorted = params.sorted { $0.key < $1.key }
        var start = 0
        while start < sorted.count {
            let end = min(sorted.count, start + RunsLimits.maxParamsPerBatch)
            try store.logBatch(
                runID: runID, params: Dictionary(uniqueKeysWithValues: sorted[start..<end].map { $0 }))
            start = end
        }
    }

    /// Buffers one metric point (written by `flush` or when the buffer fills).
    public func log(_ key: String, _ value: Double, step: Int) throws {
        pending.append(MetricPoint(key: key, value: value, step: Int64(step)))
        if pending.count >= flushThreshold { try flush() }
    }

    /// Writes the buffered points.
    public func flush() throws {
        var start = 0
        while start < pending.count {
            let end = min(pending.count, start + RunsLimits.maxMetricsPerBatch)
            try store.logBatch(runID: runID, metrics: Array(pending[start..<end]))
            start = end
        }
        pending = []
    }

    /// Flushes and ends the run.
    public func finish(_ status: RunStatus = .finished) throws {
        try flush()
        try store.endRun(runID: runID, status: status)
    }

    /// Runs `body` with this recorder: FINISHED if it returns, FAILED (and rethrown) if it throws.
    public func recording<T>(_ body: (RunRecorder) throws -> T) throws -> T {
        do {
            let value = try body(self)
            try finish()
            return value
        } catch {
            try? flush()
            _ = try? store.endRun(runID: runID, status: .failed)
            throw error
        }
    }
}

/// The params every run of a model records: its configuration and size.
func modelParams(_ config: GPT2Config) -> [String: String] {
    [
        "model.n_layer": "\(config.nLayer)", "model.n_head": "\(config.nHead)",
        "model.n_embd": "\(config.nEmbd)", "model.n_positions": "\(config.nPositions)",
        "model.vocab_size": "\(config.vocabSize)",
        "model.parameters": "\(modelParameterCount(config))",
    ]
}

/// All parameters of a GPT-2 of this shape (the tied head counted once).
public func modelParameterCount(_ config: GPT2Config) -> Int {
    GPT2Weights.parameters(for: config).reduce(0) { $0 + $1.shape.reduce(1, *) }
}

/// A Float as a param value: the shortest text that reads back as the same Float.
func param(_ x: Float) -> String { "\(x)" }
