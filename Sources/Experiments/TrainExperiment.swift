// `lmlab model train`: trains every parameter of a GPT-2 (a folder to continue from, or a fresh
// model of a given shape with a tokenizer given or trained on the corpus), saves HF checkpoints
// and records a built-in run: every option and the model as params, loss / lr / grad_norm per
// step, eval_loss / perplexity per evaluation, the time and throughput.
import Foundation
import Store
import Tensors
import Tokenizer
import Training
import Transformer

/// The shape of a fresh model: `--init layers,heads,embd,ctx`.
public struct ModelShape: Sendable, Equatable {
    public var layers: Int
    public var heads: Int
    public var embd: Int
    public var context: Int

    public init(layers: Int, heads: Int, embd: Int, context: Int) {
        self.layers = layers
        self.heads = heads
        self.embd = embd
        self.context = context
    }

    /// Parses "layers,heads,embd,ctx", e.g. "4,4,128,128".
    public init(parsing text: String) throws {
        let parts = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 4, let l = parts[0], let h = parts[1], let c = parts[2],
            let p = parts[3], l > 0, h > 0, c > 0, p > 0
        else {
            throw ExperimentError.invalidOption(
                name: "--init", reason: "must be four positive integers layers,heads,embd,ctx "
                    + "(e.g. 4,4,128,128), got \"\(text)\"")
        }
        guard c % h == 0 else {
            throw ExperimentError.invalidOption(
                name: "--init", reason: "embd \(c) is not divisible by heads \(h)")
        }
        self.init(layers: l, heads: h, embd: c, context: p)
    }

    public var description: String { "\(layers),\(heads),\(embd),\(context)" }
}

/// Where the model to train comes from.
public enum ModelSource: Sendable, Equatable {
    /// A HF GPT-2 folder to continue from.
    case folder(URL)
    /// A fresh model (GPT-2's initialisation, `initSeed`) of this shape.
    case fresh(ModelShape)
}

/// Everything `lmlab model train` is configured by.
public struct TrainSpec: Sendable {
    public var model: ModelSource
    /// The tokenizer folder (default: the model folder; for a fresh model, one is trained on
    /// the corpus with `vocabSize` tokens).
    public var tokenizer: URL?
    public var vocabSize: Int
    public var corpus: URL
    /// Held-out text (default: the corpus's last `heldOut` fraction, not trained on).
    public var evalFile: URL?
    public var heldOut: Double
    /// Steps, batch, sequence length, rates, eval and checkpoint intervals, the sampler's seed.
    /// `checkpointFolder` is where the model (and its tokenizer) is saved.
    public var options: TrainingOptions
    /// Seeds a fresh model's initialisation.
    public var initSeed: UInt64

    public init(
        model: ModelSource, tokenizer: URL? = nil, vocabSize: Int = 2048, corpus: URL,
        evalFile: URL? = nil, heldOut: Double = 0.1, options: TrainingOptions, initSeed: UInt64 = 0
    ) {
        self.model = model
        self.tokenizer = tokenizer
        self.vocabSize = vocabSize
        self.corpus = corpus
        self.evalFile = evalFile
        self.heldOut = heldOut
        self.options = options
        self.initSeed = initSeed
    }
}

/// One evaluation on the held-out tokens during training.
public struct EvalPoint: Sendable, Equatable {
    /// After this many steps.
    public var step: Int
    public var loss: Float
    public var perplexity: Float { expf(loss) }
}

/// A finished training experiment.
public struct TrainOutcome: Sendable {
    /// The run recorded (nil when no store was given).
    public var runID: String?
    /// The trained model.
    public var model: GPT2Model
    public var steps: [StepMetrics]
    public var evals: [EvalPoint]
    public var seconds: Double
    public var tokenizer: BPETokenizer
    public var trainTokens: Int
    public var evalTokens: Int
    /// Training tokens per second over the whole run (B·T·steps / seconds).
    public var tokensPerSecond: Double
}

/// The model and tokenizer a spec starts from.
func startingPoint(_ spec: TrainSpec, corpusText: String) throws -> (GPT2Model, BPETokenizer) {
    switch spec.model {
    case .folder(let folder):
        let model = try loadCheckpoint(folder)
        return (model, try loadTokenizer(spec.tokenizer ?? folder, for: model.config))
    case .fresh(let shape):
        let bpe: BPETokenizer
        if let folder = spec.tokenizer {
            bpe = try BPETokenizer(folder: folder)
        } else {
            bpe = try BPETrainer.train(corpus: corpusText, vocabSize: spec.vocabSize)
        }
        let config = try GPT2Config(
            vocabSize: bpe.vocabSize, nPositions: shape.context, nEmbd: shape.embd,
            nLayer: shape.layers, nHead: shape.heads, bosTokenId: bpe.eotID,
            eosTokenId: bpe.eotID)
        return (GPT2Model.randomInit(config, seed: spec.initSeed), bpe)
    }
}

/// Trains as `spec` says, recording a built-in run in `target` if given. `onStep` and `onEval`
/// see every step and evaluation as they happen (the CLI's progress bar).
public func runTraining(
    _ spec: TrainSpec, target: RunTarget?, onStep: (StepMetrics) -> Void = { _ in },
    onEval: (EvalPoint) -> Void = { _ in }
) throws -> TrainOutcome {
    var text = try readTextFile(spec.corpus, what: "training corpus")
    var evalText: String
    if let evalFile = spec.evalFile {
        evalText = try readTextFile(evalFile, what: "evaluation text")
    } else {
        (text, evalText) = splitText(text, heldOut: spec.heldOut)
    }
    let (model, bpe) = try startingPoint(spec, corpusText: text)
    let options = spec.options
    try options.validate(for: model.config)
    let t = options.sequenceLength
    let trainIDs = try tokens(
        text, bpe, what: "training corpus", file: spec.corpus.path, window: t)
    let evalIDs = try tokens(
        evalText, bpe, what: "evaluation text", file: spec.evalFile?.path ?? spec.corpus.path,
        window: t)

    var params = modelParams(model.config)
    params.merge(trainingParams(options)) { a, _ in a }
    params["corpus"] = spec.corpus.path
    params["eval_file"] = spec.evalFile?.path ?? "held out: last \(spec.heldOut) of the corpus"
    params["train_tokens"] = "\(trainIDs.count)"
    params["eval_tokens"] = "\(evalIDs.count)"
    params["tokenizer.vocab_size"] = "\(bpe.vocabSize)"
    switch spec.model {
    case .folder(let folder): params["model"] = folder.path
    case .fresh(let shape):
        params["init"] = shape.description
        params["init_seed"] = "\(spec.initSeed)"
        params["tokenizer"] = spec.tokenizer?.path ?? "trained on the corpus"
    }
    params["out"] = options.checkpointFolder?.path ?? "-"

    func train(_ recorder: RunRecorder?) throws -> TrainOutcome {
        try recorder?.log(params: params)
        // Trainer.train's loop, with checkpoints that keep the tokenizer beside the weights
        // (saveCheckpoint replaces the whole folder).
        let clock = ContinuousClock()
        let start = clock.now
        var trainer = try Trainer(model: model, options: options)
        var rng = RNG(seed: options.seed)
        var steps: [StepMetrics] = []
        var evals: [EvalPoint] = []
        for s in 1...options.steps {
            let batch = try sampleWindows(
                tokens: trainIDs, batchSize: options.batchSize, sequenceLength: t, rng: &rng)
            let m = try trainer.step(inputs: batch.inputs, targets: batch.targets)
            steps.append(m)
            onStep(m)
            try recorder?.log("loss", Double(m.loss), step: m.step)
            try recorder?.log("lr", Double(m.learningRate), step: m.step)
            try recorder?.log("grad_norm", Double(m.gradNorm), step: m.step)
            let last = s == options.steps
            if last || (options.evalInterval > 0 && s % options.evalInterval == 0) {
                let loss = try evaluationLoss(
                    model: try trainer.model(), tokens: evalIDs, sequenceLength: t,
                    maxWindows: options.evalWindows)
                let e = EvalPoint(step: s, loss: loss)
                evals.append(e)
                onEval(e)
                try recorder?.log("eval_loss", Double(e.loss), step: e.step)
                try recorder?.log("perplexity", Double(e.perplexity), step: e.step)
            }
            if let folder = options.checkpointFolder,
                last || (options.checkpointInterval > 0 && s % options.checkpointInterval == 0)
            {
                try saveCheckpoint(try trainer.model(), to: folder)
                do {
                    try bpe.write(to: folder)
                } catch {
                    throw ExperimentError.io(
                        file: folder.path, reason: "cannot write the tokenizer: \(error)")
                }
            }
        }
        let elapsed = clock.now - start
        let seconds =
            Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        let rate = Double(options.batchSize * t * options.steps) / max(seconds, 1e-9)
        try recorder?.log("seconds", seconds, step: options.steps)
        try recorder?.log("tokens_per_s", rate, step: options.steps)
        return TrainOutcome(
            runID: recorder?.runID, model: try trainer.model(), steps: steps, evals: evals,
            seconds: seconds, tokenizer: bpe, trainTokens: trainIDs.count,
            evalTokens: evalIDs.count, tokensPerSecond: rate)
    }
    guard let target else { return try train(nil) }
    let recorder = try RunRecorder(
        target: target, source: .builtIn, tags: ["kind": "train"])
    return try recorder.recording { try train($0) }
}

/// The training options as params.
func trainingParams(_ o: TrainingOptions) -> [String: String] {
    [
        "steps": "\(o.steps)", "batch": "\(o.batchSize)", "seq": "\(o.sequenceLength)",
        "lr": param(o.learningRate), "min_lr": param(o.minLearningRate),
        "warmup": "\(o.warmupSteps)", "weight_decay": param(o.adamW.weightDecay),
        "max_grad_norm": param(o.maxGradNorm), "eval_every": "\(o.evalInterval)",
        "eval_windows": "\(o.evalWindows)", "checkpoint_every": "\(o.checkpointInterval)",
        "seed": "\(o.seed)",
    ]
}
