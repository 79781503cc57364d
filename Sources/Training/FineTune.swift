// LoRA fine-tuning: adapters on a frozen base trained on a tokenised corpus, with the values an
// experiment run logs (losses by step, eval loss and perplexity, trainable parameters, time).
import Foundation
import Tensors
import Transformer

/// A finished fine-tuning run.
public struct FineTuneResult: Sendable {
    public var adapters: LoRAWeights
    public var steps: [StepMetrics]
    /// Evaluations during the run (the last one is after the final step).
    public var evals: [EvalMetrics]
    /// The base model's loss on the evaluation tokens, before any training.
    public var baseEvalLoss: Float
    public var evalLoss: Float
    public var perplexity: Float { expf(evalLoss) }
    public var trainableParameters: Int
    /// All parameters of the base (frozen).
    public var baseParameters: Int
    public var seconds: Double
}

/// Fine-tunes fresh adapters (A from `RNG(seed: options.seed)`, B zero) on `trainTokens` with
/// AdamW on the cosine schedule, the base frozen. Evaluates on `evalTokens` as `Trainer`
/// does; saves the adapters (PEFT folder) to `options.checkpointFolder` if set.
public func finetune(
    base: GPT2Model, adapterConfig: LoRAConfig, trainTokens: [Int], evalTokens: [Int],
    options: TrainingOptions, onStep: (StepMetrics) -> Void = { _ in },
    onEval: (EvalMetrics) -> Void = { _ in }
) throws -> FineTuneResult {
    try options.validate(for: base.config)
    let clock = ContinuousClock()
    let start = clock.now
    var adapters = LoRAWeights(config: adapterConfig, model: base.config, seed: options.seed)
    var optimizer = AdamW(options.adamW)
    var rng = RNG(seed: options.seed &+ 1)
    let schedule = options.schedule
    let evaluate = { (adapters: LoRAWeights?) in
        try evaluationLoss(
            model: base, adapters: adapters, tokens: evalTokens,
            sequenceLength: options.sequenceLength, maxWindows: options.evalWindows)
    }
    let baseEvalLoss = try evaluate(nil)
    var steps: [StepMetrics] = []
    var evals: [EvalMetrics] = []
    for s in 1...options.steps {
        let stepStart = clock.now
        let batch = try sampleWindows(
            tokens: trainTokens, batchSize: options.batchSize,
            sequenceLength: options.sequenceLength, rng: &rng)
        var (loss, grads) = try loraLossAndGradients(
            base: base, adapters: adapters, inputs: batch.inputs, targets: batch.targets)
        let norm = options.maxGradNorm > 0
            ? clipGradients(&grads, maxNorm: options.maxGradNorm)
            : globalNorm(grads, paths: grads.tensorPaths)
        let lr = schedule.learningRate(at: s - 1)
        optimizer.update(&adapters, gradients: grads, learningRate: lr)
        let metrics = StepMetrics(
            step: s, loss: loss, learningRate: lr, gradNorm: norm, seconds: seconds(clock.now - stepStart))
        steps.append(metrics)
        onStep(metrics)
        let last = s == options.steps
        if last || (options.evalInterval > 0 && s % options.evalInterval == 0) {
            let e = EvalMetrics(step: s, loss: try evaluate(adapters))
            evals.append(e)
            onEval(e)
        }
        if let folder = options.checkpointFolder,
            last || (options.checkpointInterval > 0 && s % options.checkpointInterval == 0)
        {
            try adapters.save(to: folder)
        }
    }
    return FineTuneResult(
        adapters: adapters, steps: steps, evals: evals, baseEvalLoss: baseEvalLoss,
        evalLoss: evals.last?.loss ?? baseEvalLoss, trainableParameters: adapters.trainableParameterCount,
        baseParameters: base.weights.parameterCount, seconds: seconds(clock.now - start))
}
