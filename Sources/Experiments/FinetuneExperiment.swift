// `lmlab experiment finetune`: LoRA adapters on a frozen base, trained on one text and evaluated
// on another, saved in PEFT's layout and recorded as a built-in run: params, loss by step, eval
// loss and perplexity before and after, trainable parameters, time.
import Foundation
import Store
import Tokenizer
import Training
import Transformer

/// Everything `lmlab experiment finetune` is configured by.
public struct FinetuneSpec: Sendable {
    /// The base model folder (HF GPT-2).
    public var base: URL
    /// The tokenizer folder (default: the base folder).
    public var tokenizer: URL?
    public var lora: LoRAConfig
    public var trainFile: URL
    public var evalFile: URL
    /// `checkpointFolder` is where the adapter (PEFT folder) is saved.
    public var options: TrainingOptions

    public init(
        base: URL, tokenizer: URL? = nil, lora: LoRAConfig, trainFile: URL, evalFile: URL,
        options: TrainingOptions
    ) {
        self.base = base
        self.tokenizer = tokenizer
        self.lora = lora
        self.trainFile = trainFile
        self.evalFile = evalFile
        self.options = options
    }
}

/// A finished fine-tuning experiment.
public struct FinetuneOutcome: Sendable {
    public var runID: String?
    public var result: FineTuneResult
}

/// Fine-tunes as `spec` says, recording a built-in run in `target` if given.
public func runFinetune(
    _ spec: FinetuneSpec, target: RunTarget?, onStep: (StepMetrics) -> Void = { _ in },
    onEval: (EvalMetrics) -> Void = { _ in }
) throws -> FinetuneOutcome {
    let base = try loadCheckpoint(spec.base)
    let bpe = try loadTokenizer(spec.tokenizer ?? spec.base, for: base.config)
    return try runFinetune(
        spec, base: base, tokenizer: bpe, target: target, onStep: onStep, onEval: onEval)
}

/// `runFinetune` on an already loaded base and tokenizer.
public func runFinetune(
    _ spec: FinetuneSpec, base: GPT2Model, tokenizer bpe: BPETokenizer, target: RunTarget?,
    onStep: (StepMetrics) -> Void = { _ in }, onEval: (EvalMetrics) -> Void = { _ in }
) throws -> FinetuneOutcome {
    let options = spec.options
    try options.validate(for: base.config)
    let t = options.sequenceLength
    let trainIDs = try tokens(
        try readTextFile(spec.trainFile, what: "training text"), bpe, what: "training text",
        file: spec.trainFile.path, window: t)
    let evalIDs = try tokens(
        try readTextFile(spec.evalFile, what: "evaluation text"), bpe, what: "evaluation text",
        file: spec.evalFile.path, window: t)
    var lora = spec.lora
    if lora.baseModelNameOrPath.isEmpty { lora.baseModelNameOrPath = spec.base.path }

    var params = modelParams(base.config)
    params.merge(trainingParams(options)) { a, _ in a }
    params["base_model"] = spec.base.path
    params["lora_r"] = "\(lora.rank)"
    params["lora_alpha"] = param(lora.alpha)
    params["lora_targets"] = lora.targets.map(\.rawValue).joined(separator: ",")
    params["lora_qv_only"] = "\(lora.queryValueOnly)"
    params["train_file"] = spec.trainFile.path
    params["eval_file"] = spec.evalFile.path
    params["train_tokens"] = "\(trainIDs.count)"
    params["eval_tokens"] = "\(evalIDs.count)"
    params["adapter_out"] = options.checkpointFolder?.path ?? "-"

    func tune(_ recorder: RunRecorder?) throws -> FinetuneOutcome {
        try recorder?.log(params: params)
        var logError: Error?
        let result = try finetune(
            base: base, adapterConfig: lora, trainTokens: trainIDs, evalTokens: evalIDs,
            options: options,
            onStep: { m in
                onStep(m)
                do {
                    try recorder?.log("loss", Double(m.loss), step: m.step)
                    try recorder?.log("lr", Double(m.learningRate), step: m.step)
                    try recorder?.log("grad_norm", Double(m.gradNorm), step: m.step)
                } catch { logError = logError ?? error }
            },
            onEval: { e in
                onEval(e)
                do {
                    try recorder?.log("eval_loss", Double(e.loss), step: e.step)
                    try recorder?.log("perplexity", Double(e.perplexity), step: e.step)
                } catch { logError = logError ?? error }
            })
        if let logError { throw logError }
        if let recorder {
            try recorder.log(params: [
                "trainable_parameters": "\(result.trainableParameters)",
                "base_parameters": "\(result.baseParameters)",
            ])
            // Step 0 is the base model before training: the "before" of the curve.
            try recorder.log("eval_loss", Double(result.baseEvalLoss), step: 0)
            try recorder.log("perplexity", Double(expf(result.baseEvalLoss)), step: 0)
            try recorder.log("eval_loss_before", Double(result.baseEvalLoss), step: 0)
            try recorder.log("perplexity_before", Double(expf(result.baseEvalLoss)), step: 0)
            try recorder.log("eval_loss_after", Double(result.evalLoss), step: options.steps)
            try recorder.log("perplexity_after", Double(result.perplexity), step: options.steps)
            try recorder.log(
                "trainable_parameters", Double(result.trainableParameters), step: options.steps)
            try recorder.log("seconds", result.seconds, step: options.steps)
        }
        return FinetuneOutcome(runID: recorder?.runID, result: result)
    }
    guard let target else { return try tune(nil) }
    let recorder = try RunRecorder(target: target, source: .builtIn, tags: ["kind": "lora"])
    return try recorder.recording { try tune($0) }
}
