// The course's base model when no GPT-2 weights are at hand: a small GPT-2 (4 layers, 4 heads,
// C = 128, context 128, a 2048-token BPE) trained in a few minutes on text every Debian machine
// has (/usr/share/common-licenses), and the demo built on it — one quantization study and one
// LoRA run on the course's own lab handouts, all recorded as runs.
import Foundation
import Quantization
import Store
import Tokenizer
import Tracking
import Training
import Transformer

/// How the base model is trained. The defaults take about 2–3 minutes in a release build on
/// two cores.
public struct BaseModelRecipe: Sendable, Equatable {
    public var shape = ModelShape(layers: 4, heads: 4, embd: 128, context: 128)
    public var vocabSize = 2048
    public var steps = 500
    public var batchSize = 8
    public var sequenceLength = 128
    public var learningRate: Float = 3e-3
    public var minLearningRate: Float = 3e-4
    public var warmupSteps = 25
    public var evalInterval = 100
    /// The last fraction of every corpus file's lines is held out for evaluation.
    public var heldOut = 0.1
    public var seed: UInt64 = 0

    public init() {}

    public var options: TrainingOptions {
        TrainingOptions(
            steps: steps, batchSize: batchSize, sequenceLength: sequenceLength,
            learningRate: learningRate, minLearningRate: minLearningRate, warmupSteps: warmupSteps,
            evalInterval: evalInterval, evalWindows: 32, seed: seed)
    }
}

/// The corpus files: every distinct regular file of /usr/share/common-licenses (symlinks such
/// as GPL -> GPL-3 counted once), in name order.
public func licenseFiles(_ folder: URL = URL(fileURLWithPath: "/usr/share/common-licenses"))
    -> [URL]
{
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
    var seen = Set<String>()
    var files: [URL] = []
    for name in names.sorted() {
        let url = folder.appendingPathComponent(name).resolvingSymlinksInPath()
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory),
            !isDirectory.boolValue, seen.insert(url.path).inserted
        else { continue }
        files.append(url)
    }
    return files
}

/// Writes `folder`/train.txt and `folder`/eval.txt from `files`: the last `heldOut` of each
/// file's lines go to eval.txt, the rest to train.txt. Returns the two files.
public func writeCorpus(_ files: [URL], heldOut: Double, to folder: URL) throws
    -> (train: URL, eval: URL)
{
    var train = ""
    var eval = ""
    for file in files {
        guard let text = try? readTextFile(file, what: "corpus file") else { continue }
        let (a, b) = splitText(text, heldOut: heldOut)
        train += a + "\n"
        eval += b + "\n"
    }
    guard !train.isEmpty, !eval.isEmpty else {
        throw ExperimentError.badText(
            file: files.first?.deletingLastPathComponent().path ?? "(no files)",
            reason: "no readable text to build a corpus from")
    }
    try write(train, to: folder, "train.txt")
    try write(eval, to: folder, "eval.txt")
    return (folder.appendingPathComponent("train.txt"), folder.appendingPathComponent("eval.txt"))
}

/// Trains the course base model on `corpus` (train and eval files) into `out` (a HF GPT-2
/// folder with its tokenizer, trained on the corpus), recording a built-in run in `target`.
public func courseBaseModel(
    corpus: (train: URL, eval: URL), out: URL, recipe: BaseModelRecipe = BaseModelRecipe(),
    target: RunTarget?, onStep: (StepMetrics) -> Void = { _ in },
    onEval: (EvalPoint) -> Void = { _ in }
) throws -> TrainOutcome {
    var options = recipe.options
    options.checkpointFolder = out
    let spec = TrainSpec(
        model: .fresh(recipe.shape), vocabSize: recipe.vocabSize, corpus: corpus.train,
        evalFile: corpus.eval, options: options, initSeed: recipe.seed)
    return try runTraining(spec, target: target, onStep: onStep, onEval: onEval)
}

/// What the demo produced.
public struct DemoStudy: Sendable {
    public var study: QuantizationStudy
    public var lora: FinetuneOutcome
    /// Files written: study.md, study.svg, lora.svg, the adapter folder.
    public var files: [URL]
}

/// The demo on a base model folder: a quantization study of every scheme on `evalText` (at
/// most `maxEvalTokens` tokens) into `out`/study.{md,svg}, and a LoRA run (r 8, alpha 16,
/// c_attn) on `loraTrain`/`loraEval` whose loss and eval-loss curves go to `out`/lora.svg and
/// whose adapter goes to `out`/adapter. Runs are recorded in experiments `experiment`-quantize
/// and `experiment`-lora of `store`.
public func runDemoStudy(
    base: URL, evalText: URL, loraTrain: URL, loraEval: URL, out: URL, store: LabStore,
    experiment: String = "course-base", loraSteps: Int = 60, maxEvalTokens: Int = 4096,
    onStep: (StepMetrics) -> Void = { _ in }
) throws -> DemoStudy {
    let model = try loadCheckpoint(base)
    let bpe = try loadTokenizer(base, for: model.config)
    let evalIDs = Array(
        bpe.encode(try readTextFile(evalText, what: "evaluation text"), allowSpecial: false)
            .prefix(maxEvalTokens))
    let study = try runQuantizationStudy(
        model: model, modelPath: base.path,
        schemes: [.fp16, .bf16, .int8, .int8Channel, .q8_0, .q4_0], evalTokens: evalIDs,
        evalFile: evalText.path, out: out,
        target: RunTarget(store: store, experiment: experiment + "-quantize", name: "study"))

    let adapter = out.appendingPathComponent("adapter")
    let spec = FinetuneSpec(
        base: base, lora: try LoRAConfig(rank: 8, alpha: 16, targets: [.cAttn]),
        trainFile: loraTrain, evalFile: loraEval,
        options: TrainingOptions(
            steps: loraSteps, batchSize: 8, sequenceLength: min(64, model.config.nPositions),
            learningRate: 3e-3, minLearningRate: 3e-4, warmupSteps: 5, evalInterval: 10,
            checkpointFolder: adapter, seed: 1))
    let lora = try runFinetune(
        spec, base: model, tokenizer: bpe,
        target: RunTarget(store: store, experiment: experiment + "-lora", name: "lora-r8"),
        onStep: onStep)
    let curve = out.appendingPathComponent("lora.svg")
    if let id = lora.runID {
        let series = try ["loss", "eval_loss"].map { key in
            PlotSeries(
                label: key,
                points: try store.metricHistory(runID: id, key: key).map {
                    (Double($0.step), $0.loggedValue)
                })
        }
        try write(
            try SVGPlot.render(series, title: "LoRA on the course base model", yLabel: "loss"),
            to: out, "lora.svg")
    }
    return DemoStudy(
        study: study, lora: lora,
        files: [
            out.appendingPathComponent("study.md"), out.appendingPathComponent("study.svg"),
            curve, adapter,
        ])
}

/// The lab handouts (labs/*/README.md and other Markdown under `labs`), the LoRA demo's text.
public func labHandouts(_ labs: URL) -> [URL] {
    guard let walker = FileManager.default.enumerator(at: labs, includingPropertiesForKeys: nil)
    else { return [] }
    var files: [URL] = []
    for case let url as URL in walker where url.pathExtension == "md" { files.append(url) }
    return files.sorted { $0.path < $1.path }
}
