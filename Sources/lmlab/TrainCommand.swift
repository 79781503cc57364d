// `lmlab model train`: trains a GPT-2 on a text file with a progress bar, saves checkpoints and
// records the run; the work is Experiments' `runTraining`.
import ArgumentParser
import Experiments
import Foundation
import Tensors
import Training
import Transformer

/// Where a run is recorded: the experiment, the student it belongs to, the data directory.
struct RunOptions: ParsableArguments {
    @Option(help: "The experiment the run is recorded in.")
    var experiment: String?
    @Option(help: "The student the run belongs to (default: none, an instructor's run).")
    var student: String?
    @Option(help: "A display name for the run.")
    var name: String?
    @OptionGroup var data: DataOptions

    func target(defaultExperiment: String) throws -> RunTarget {
        RunTarget(
            store: try data.openStore(), experiment: experiment ?? defaultExperiment, name: name,
            studentID: student)
    }
}

/// The one-line progress detail of a training step.
func stepDetail(_ m: StepMetrics, tokensPerStep: Int) -> String {
    String(
        format: "loss %.4f  lr %.2e  %.0f tok/s", m.loss, m.learningRate,
        Double(tokensPerStep) / max(m.seconds, 1e-9))
}

extension ModelCommand {
    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Train a GPT-2 on a text file and record the run.",
            discussion: """
                Continues from --model DIR, or starts a fresh model of --init layers,heads,embd,ctx
                with --tokenizer DIR or a tokenizer trained on the corpus (--vocab-size). Windows
                of --seq + 1 tokens are sampled from the corpus (seeded); AdamW on a cosine
                schedule with --warmup steps. Held-out text: --eval-file, else the corpus's last
                10% (not trained on). The run (source built-in) logs every option, the model's
                shape and size, loss/lr/grad_norm per step, eval_loss/perplexity and the time.
                """)

        @Option(help: "A model folder to continue training from.")
        var model: String?
        @Option(name: .customLong("init"), help: "A fresh model's shape: layers,heads,embd,ctx (e.g. 4,4,128,128).")
        var initShape: String?
        @Option(help: "The tokenizer folder (default: the model folder; with --init, one trained on the corpus).")
        var tokenizer: String?
        @Option(help: "The vocabulary of a tokenizer trained on the corpus (with --init).")
        var vocabSize = 2048
        @Option(help: "The UTF-8 training text.")
        var corpus: String?
        @Option(help: "The number of optimisation steps.")
        var steps: Int?
        @Option(help: "Sequences per step.")
        var batch = 4
        @Option(help: "Tokens per sequence (at most the model's context).")
        var seq = 64
        @Option(help: "The peak learning rate.")
        var lr: Float = 1e-3
        @Option(help: "The floor of the cosine decay (default: --lr / 10).")
        var minLr: Float?
        @Option(help: "Linear warmup steps.")
        var warmup = 10
        @Option(help: "Held-out text to evaluate on (default: the corpus's last 10%).")
        var evalFile: String?
        @Option(help: "Evaluate every this many steps (0: only at the end).")
        var evalEvery = 0
        @Option(help: "Save a checkpoint every this many steps (0: only at the end).")
        var checkpointEvery = 0
        @Option(help: "The folder checkpoints (HF GPT-2 + tokenizer) are saved to.")
        var out: String?
        @Option(help: "Seeds the window sampler and a fresh model's initialisation.")
        var seed: UInt64 = 0
        @Option(
            help: ArgumentHelp(
                "Write the loss and every gradient of one step on --tokens to this folder.",
                discussion: "Nothing is sampled, trained or recorded: the batch is --tokens, "
                    + "each sequence's first T ids the inputs and its last T the targets. "
                    + "DIR/grads.safetensors holds dLoss/dW under the Hugging Face names (F32), "
                    + "DIR/loss.json the mean loss in full precision."))
        var dumpGrads: String?
        @Option(help: "Token ids for --dump-grads: a .npy [B, T+1] or one sequence per line.")
        var tokens: String?
        @OptionGroup var recording: RunOptions

        func validate() throws {
            if dumpGrads != nil {
                guard model != nil, tokens != nil else {
                    throw ValidationError("--dump-grads needs --model DIR and --tokens FILE.")
                }
                return
            }
            guard (model == nil) != (initShape == nil) else {
                throw ValidationError("Give exactly one of --model DIR or --init layers,heads,embd,ctx.")
            }
            guard corpus != nil, out != nil, let steps else {
                throw ValidationError("Give --corpus FILE, --steps N and --out DIR.")
            }
            guard steps >= 1 else { throw ValidationError("--steps must be at least 1.") }
        }

        func run() throws {
            if let dumpGrads, let model, let tokens {
                try dumpGradients(model: model, tokens: tokens, to: dumpGrads)
                return
            }
            guard let corpus, let steps, let out else { return }
            let source: ModelSource =
                try model.map { .folder(URL(fileURLWithPath: $0)) }
                ?? .fresh(ModelShape(parsing: initShape ?? ""))
            let options = TrainingOptions(
                steps: steps, batchSize: batch, sequenceLength: seq, learningRate: lr,
                minLearningRate: minLr ?? lr / 10, warmupSteps: warmup, evalInterval: evalEvery,
                checkpointInterval: checkpointEvery,
                checkpointFolder: URL(fileURLWithPath: out), seed: seed)
            let spec = TrainSpec(
                model: source, tokenizer: tokenizer.map { URL(fileURLWithPath: $0) },
                vocabSize: vocabSize, corpus: URL(fileURLWithPath: corpus),
                evalFile: evalFile.map { URL(fileURLWithPath: $0) }, options: options,
                initSeed: seed)
            let progress = ProgressBar("train", total: steps, delay: 0)
            let outcome = try runTraining(
                spec, target: try recording.target(defaultExperiment: "train"),
                onStep: { progress.update($0.step, detail: stepDetail($0, tokensPerStep: batch * seq)) },
                onEval: { e in
                    progress.finish()
                    FileHandle.standardError.write(
                        Data(String(format: "eval step %d: loss %.4f, perplexity %.2f\n", e.step, e.loss, e.perplexity).utf8))
                })
            progress.finish()
            printTrainingSummary(outcome, out: out)
        }
    }
}

/// One step's loss and gradients on the sequences in `tokens`, written to `folder`.
func dumpGradients(model path: String, tokens: String, to folder: String) throws {
    let model = try loadCheckpoint(URL(fileURLWithPath: path))
    let sequences = try readTokenSequences(tokens)
    let (loss, grads) = try lossAndGradients(
        model: model, inputs: sequences.map { Array($0.dropLast()) },
        targets: sequences.map { Array($0.dropFirst()) })
    let out = URL(fileURLWithPath: folder)
    try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
    let entries = GPT2Weights.parameters(for: model.config).map {
        SafeTensorsEntry(name: $0.name, tensor: grads[keyPath: $0.field])
    }
    try SafeTensors.write(
        entries, metadata: ["format": "pt"], to: out.appendingPathComponent("grads.safetensors"))
    let targets = sequences.reduce(0) { $0 + $1.count - 1 }
    try Data("{\"loss\":\(loss),\"sequences\":\(sequences.count),\"targets\":\(targets)}\n".utf8)
        .write(to: out.appendingPathComponent("loss.json"))
    print("wrote \(folder): loss \(loss) over \(targets) targets, gradients of \(entries.count) tensors")
}

/// Token sequences from a .npy [B, T+1] (or [T+1]) of integers, or a text file with one
/// sequence per line (ids separated by spaces or commas).
func readTokenSequences(_ path: String) throws -> [[Int]] {
    if path.hasSuffix(".npy") {
        let array = try Npy.read(URL(fileURLWithPath: path))
        let ids = array.ints()
        let width = array.shape.last ?? 0
        guard array.shape.count <= 2, width >= 2 else {
            throw ModelCommandError("\(path) must hold [B, T+1] token ids with T >= 1, got \(array.shape)")
        }
        return stride(from: 0, to: ids.count, by: width).map { Array(ids[$0..<($0 + width)]) }
    }
    let text = try readText(path, what: "token")
    let lines = text.split(whereSeparator: \.isNewline).filter { !$0.allSatisfy(\.isWhitespace) }
    let sequences = try lines.map { try parseIDs(String($0)) }
    guard !sequences.isEmpty, sequences.allSatisfy({ $0.count >= 2 }) else {
        throw ModelCommandError("\(path) must hold sequences of at least 2 token ids, one per line")
    }
    return sequences
}

func printTrainingSummary(_ outcome: TrainOutcome, out: String) {
    let r = outcome
    print("run        \(outcome.runID ?? "-")")
    if let last = r.steps.last { print(String(format: "loss       %.4f at step %d", last.loss, last.step)) }
    if let e = r.evals.last {
        print(String(format: "eval       loss %.4f, perplexity %.3f (%d held-out tokens)", e.loss, e.perplexity, outcome.evalTokens))
    }
    print(String(format: "time       %.1f s, %.0f tokens/s", r.seconds, outcome.tokensPerSecond))
    print("saved      \(out)")
}
