// The training loop: random contiguous windows of a tokenised corpus (seeded, so a run can be
// repeated), forward + backward + clipping + AdamW on a cosine schedule, a callback per step,
// periodic evaluation on held-out tokens and checkpoints as Hugging Face folders.
import Foundation
import Tensors
import Transformer

/// Everything a training (or fine-tuning) run is configured by.
public struct TrainingOptions: Sendable, Equatable {
    public var steps: Int
    /// B, sequences per step.
    public var batchSize: Int
    /// T, tokens per sequence (each window holds T + 1 tokens: inputs and shifted targets).
    public var sequenceLength: Int
    /// The schedule's peak learning rate.
    public var learningRate: Float
    /// The floor the cosine decays to.
    public var minLearningRate: Float
    public var warmupSteps: Int
    public var adamW: AdamWHyperparameters
    /// Global gradient-norm clip (0 or less: no clipping).
    public var maxGradNorm: Float
    /// Evaluate every this many steps (0: only after the last step).
    public var evalInterval: Int
    /// At most this many non-overlapping windows of the held-out tokens per evaluation.
    public var evalWindows: Int
    /// Save every this many steps (0: only after the last step) when `checkpointFolder` is set.
    public var checkpointInterval: Int
    /// Where checkpoints go: a HF GPT-2 folder (training) or a PEFT folder (fine-tuning).
    public var checkpointFolder: URL?
    /// Seeds the window sampler (and LoRA's A initialisation when fine-tuning).
    public var seed: UInt64

    public init(
        steps: Int, batchSize: Int = 4, sequenceLength: Int = 64, learningRate: Float = 1e-3,
        minLearningRate: Float = 1e-4, warmupSteps: Int = 10,
        adamW: AdamWHyperparameters = AdamWHyperparameters(), maxGradNorm: Float = 1,
        evalInterval: Int = 0, evalWindows: Int = 16, checkpointInterval: Int = 0,
        checkpointFolder: URL? = nil, seed: UInt64 = 0
    ) {
        self.steps = steps
        self.batchSize = batchSize
        self.sequenceLength = sequenceLength
        self.learningRate = learningRate
        self.minLearningRate = minLearningRate
        self.warmupSteps = warmupSteps
        self.adamW = adamW
        self.maxGradNorm = maxGradNorm
        self.evalInterval = evalInterval
        self.evalWindows = evalWindows
        self.checkpointInterval = checkpointInterval
        self.checkpointFolder = checkpointFolder
        self.seed = seed
    }

    /// Throws `invalidOption` naming the first bad option.
    public func validate(for config: GPT2Config) throws {
        func check(_ ok: Bool, _ name: String, _ reason: String) throws {
            if !ok { throw TrainingError.invalidOption(name: name, reason: reason) }
        }
        try check(steps >= 1, "steps", "must be at least 1, got \(steps)")
        try check(batchSize >= 1, "batch size", "must be at least 1, got \(batchSize)")
        try check(
            sequenceLength >= 1 && sequenceLength <= config.nPositions, "sequence length",
            "must be in 1 ... \(config.nPositions) (the model's n_positions), got \(sequenceLength)")
        try check(learningRate > 0 && learningRate.isFinite, "learning rate", "must be positive, got \(learningRate)")
        try check(
            minLearningRate >= 0 && minLearningRate <= learningRate, "min learning rate",
            "must be in 0 ... learning rate (\(learningRate)), got \(minLearningRate)")
        try check(warmupSteps >= 0, "warmup steps", "must not be negative, got \(warmupSteps)")
        try check(evalWindows >= 1, "eval windows", "must be at least 1, got \(evalWindows)")
    }

    public var schedule: CosineSchedule {
        CosineSchedule(
            maxLearningRate: learningRate, minLearningRate: minLearningRate,
            warmupSteps: warmupSteps, totalSteps: steps)
    }
}

/// What one optimisation step reports (the CLI prints it and logs it as a run's metrics).
public struct StepMetrics: Sendable, Equatable {
    /// 1-based.
    public var step: Int
    /// The training loss of this step's batch, before the update.
    public var loss: Float
    public var learningRate: Float
    /// The global gradient norm before clipping.
    public var gradNorm: Float
    /// Wall-clock seconds of the step.
    public var seconds: Double
}

/// One evaluation on the held-out tokens.
public struct EvalMetrics: Sendable, Equatable {
    /// After this many steps.
    public var step: Int
    public var loss: Float
    public var perplexity: Float { expf(loss) }
}

/// A finished training run.
public struct TrainingResult: Sendable {
    public var model: GPT2Model
    public var steps: [StepMetrics]
    public var evals: [EvalMetrics]
    public var seconds: Double
}

/// B random windows of T + 1 contiguous tokens: inputs are the first T, targets the last T.
/// Starts are uniform over every full window, drawn with `RNG.int(below:)`.
public func sampleWindows(tokens: [Int], batchSize: Int, sequenceLength t: Int, rng: inout RNG)
    throws -> (inputs: [[Int]], targets: [[Int]])
{
    guard tokens.count >= t + 1 else {
        throw TrainingError.corpusTooShort(what: "training corpus", tokens: tokens.count, needed: t + 1)
    }
    var inputs: [[Int]] = []
    var targets: [[Int]] = []
    for _ in 0..<batchSize {
        let start = rng.int(below: tokens.count - t)
        inputs.append(Array(tokens[start..<(start + t)]))
        targets.append(Array(tokens[(start + 1)..<(start + t + 1)]))
    }
    return (inputs, targets)
}

/// The mean next-token loss over up to `maxWindows` consecutive non-overlapping windows of
/// T + 1 tokens from the start of `tokens` (deterministic, so evaluations compare).
public func evaluationLoss(
    model: GPT2Model, adapters: LoRAWeights? = nil, tokens: [Int], sequenceLength t: Int,
    maxWindows: Int, batchSize: Int = 8
) throws -> Float {
    guard tokens.count >= t + 1 else {
        throw TrainingError.corpusTooShort(what: "evaluation text", tokens: tokens.count, needed: t + 1)
    }
    let windows = min(maxWindows, (tokens.count - 1) / t)
    var total: Double = 0
    var start = 0
    while start < windows {
        let group = start..<min(windows, start + max(1, batchSize))
        let inputs = group.map { Array(tokens[($0 * t)..<($0 * t + t)]) }
        let targets = group.map { Array(tokens[($0 * t + 1)..<($0 * t + t + 1)]) }
        let loss = try batchLoss(model: model, adapters: adapters, inputs: inputs, targets: targets)
        total += Double(loss) * Double(group.count)
        start = group.upperBound
    }
    return Float(total / Double(windows))
}

/// Trains every parameter of a GPT-2 (from scratch or further).
public struct Trainer: Sendable {
    public let config: GPT2Config
    public private(set) var weights: GPT2Weights
    public private(set) var optimizer: AdamW
    public let options: TrainingOptions
    /// Steps taken so far.
    public private(set) var stepsTaken = 0

    public init(model: GPT2Model, options: TrainingOptions) throws {
        try options.validate(for: model.config)
        self.config = model.config
        self.weights = model.weights
        self.optimizer = AdamW(options.adamW)
        self.options = options
    }

    /// The model as it stands.
    public func model() throws -> GPT2Model { try GPT2Model(config: config, weights: weights) }

    /// One step on a batch: loss and gradients, clipping, AdamW at the schedule's rate.
    public mutating func step(inputs: [[Int]], targets: [[Int]]) throws -> StepMetrics {
        let clock = ContinuousClock()
        let start = clock.now
        // The model is a temporary of this statement: once it is gone the weights' buffers are
        // referenced only by `weights`, and AdamW updates them in place instead of copying.
        var (loss, grads) = try lossAndGradients(model: try model(), inputs: inputs, targets: targets)
        let norm = options.maxGradNorm > 0
            ? clipGradients(&grads, maxNorm: options.maxGradNorm)
            : globalNorm(grads, paths: grads.tensorPaths)
        let lr = options.schedule.learningRate(at: stepsTaken)
        optimizer.update(&weights, gradients: grads, learningRate: lr)
        stepsTaken += 1
        return StepMetrics(
            step: stepsTaken, loss: loss, learningRate: lr, gradNorm: norm,
            seconds: seconds(clock.now - start))
    }

    /// Runs `options.steps` steps on windows of `tokens`, evaluating on `evalTokens` (if given)
    /// every `evalInterval` steps and after the last, and saving to `checkpointFolder` (if set)
    /// every `checkpointInterval` steps and after the last.
    public mutating func train(
        tokens: [Int], evalTokens: [Int]? = nil, onStep: (StepMetrics) -> Void = { _ in },
        onEval: (EvalMetrics) -> Void = { _ in }
    ) throws -> TrainingResult {
        let clock = ContinuousClock()
        let start = clock.now
        var rng = RNG(seed: options.seed)
        var steps: [StepMetrics] = []
        var evals: [EvalMetrics] = []
        for s in 1...options.steps {
            let batch = try sampleWindows(
                tokens: tokens, batchSize: options.batchSize, sequenceLength: options.sequenceLength,
                rng: &rng)
            let metrics = try step(inputs: batch.inputs, targets: batch.targets)
            steps.append(metrics)
            onStep(metrics)
            let last = s == options.steps
            if let evalTokens, last || (options.evalInterval > 0 && s % options.evalInterval == 0) {
                let loss = try evaluationLoss(
                    model: try model(), tokens: evalTokens, sequenceLength: options.sequenceLength,
                    maxWindows: options.evalWindows)
                evals.append(EvalMetrics(step: s, loss: loss))
                onEval(EvalMetrics(step: s, loss: loss))
            }
            if let folder = options.checkpointFolder,
                last || (options.checkpointInterval > 0 && s % options.checkpointInterval == 0)
            {
                try saveCheckpoint(try model(), to: folder)
            }
        }
        return TrainingResult(model: try model(), steps: steps, evals: evals, seconds: seconds(clock.now - start))
    }
}

func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
}
