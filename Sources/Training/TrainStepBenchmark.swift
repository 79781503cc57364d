// `lmlab bench train`: the time of one full training step (forward, backward, clipping, AdamW)
// on fixed windows, to set beside bench/numpy_train_step.py running the same step in NumPy.
import Foundation
import Tensors
import Transformer

public struct TrainStepBenchmark: Sendable, Equatable {
    public var batchSize: Int
    public var sequenceLength: Int
    public var repeats: Int
    /// The fastest step, seconds.
    public var bestSeconds: Double
    public var meanSeconds: Double
    /// B·T / bestSeconds.
    public var tokensPerSecond: Double
    /// The loss of the first (untimed warm-up) step, for a cross-check with the peer.
    public var firstLoss: Float
}

/// B windows of T + 1 token ids uniform over the vocabulary from `RNG(seed:)` (the CLI writes
/// them to .npy for the NumPy peer so both time the same batch).
public func benchmarkWindows(config: GPT2Config, batchSize: Int, sequenceLength: Int, seed: UInt64 = 0) -> [[Int]] {
    var rng = RNG(seed: seed)
    return (0..<batchSize).map { _ in (0...sequenceLength).map { _ in rng.int(below: config.vocabSize) } }
}

/// One warm-up step, then `repeats` timed steps, each updating the weights as training would.
/// windows: B sequences of T + 1 tokens.
public func trainStepBenchmark(
    model: GPT2Model, windows: [[Int]], repeats: Int = 3, learningRate: Float = 1e-4
) throws -> TrainStepBenchmark {
    guard repeats >= 1 else { throw TrainingError.invalidOption(name: "repeats", reason: "must be at least 1, got \(repeats)") }
    guard let t = windows.first.map({ $0.count - 1 }), t >= 1 else {
        throw TrainingError.badBatch("the benchmark needs windows of at least 2 tokens")
    }
    let inputs = windows.map { Array($0.dropLast()) }
    let targets = windows.map { Array($0.dropFirst()) }
    let options = TrainingOptions(
        steps: repeats + 1, batchSize: windows.count, sequenceLength: t, learningRate: learningRate,
        minLearningRate: learningRate, warmupSteps: 0)
    var trainer = try Trainer(model: model, options: options)
    let first = try trainer.step(inputs: inputs, targets: targets)
    var times: [Double] = []
    for _ in 0..<repeats { times.append(try trainer.step(inputs: inputs, targets: targets).seconds) }
    let best = times.min() ?? first.seconds
    return TrainStepBenchmark(
        batchSize: windows.count, sequenceLength: t, repeats: repeats, bestSeconds: best,
        meanSeconds: times.reduce(0, +) / Double(times.count),
        tokensPerSecond: Double(windows.count * t) / best, firstLoss: first.loss)
}
