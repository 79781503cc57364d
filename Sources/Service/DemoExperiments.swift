// The demo's experiments: the course base model (trained from nothing on text every Debian
// machine has, or a GPT-2 folder given as is), then on it a quantization study and a LoRA run,
// shown at the end as the study's table and the LoRA run's before → after and loss sparkline.
import Experiments
import Foundation
import Store
import Tracking

/// What the demo does beyond grading (nil in DemoOptions: grading only).
public struct DemoStudyOptions: Sendable {
    /// A HF GPT-2 folder (weights + tokenizer) used as is; nil trains the course base model.
    public var model: URL?
    /// The study's evaluation text; with `model` it defaults to `model`/../corpus/eval.txt
    /// (the layout `lmlab experiment base-model` writes).
    public var evalText: URL?
    /// How the course base model is trained (the tests use a tiny one).
    public var recipe = BaseModelRecipe()
    /// The base model's corpus files (default: /usr/share/common-licenses).
    public var corpusFiles: [URL]?
    public var loraSteps = 60
    /// The study scores at most this many tokens of the evaluation text.
    public var maxEvalTokens = 4096

    public init(model: URL? = nil, evalText: URL? = nil) {
        self.model = model
        self.evalText = evalText
    }

    /// Where the study's evaluation text is, or an error saying what to pass.
    func resolvedEvalText() throws -> URL? {
        guard let model else { return evalText }
        let manager = FileManager.default
        guard manager.fileExists(atPath: model.appendingPathComponent("config.json").path) else {
            throw ServiceError.usage(
                "\(model.path) is not a GPT-2 folder (no config.json); give --model a folder"
                    + " with config.json, model.safetensors and the tokenizer files")
        }
        if let evalText {
            guard manager.fileExists(atPath: evalText.path) else {
                throw ServiceError.missingFile("\(evalText.path) (the --eval text)")
            }
            return evalText
        }
        let beside = model.deletingLastPathComponent()
            .appendingPathComponent("corpus/eval.txt").standardizedFileURL
        guard manager.fileExists(atPath: beside.path) else {
            throw ServiceError.usage(
                "--model \(model.path) needs --eval FILE, the text to measure perplexity on"
                    + " (there is no \(beside.path))")
        }
        return beside
    }
}

/// The model the demo's study runs on.
public struct DemoBaseModel: Sendable, Equatable {
    /// The HF GPT-2 folder (model + tokenizer).
    public var folder: URL
    /// The held-out text its quantization study is measured on.
    public var evalText: URL
    /// The training run (nil for a model given with --model).
    public var runID: String?
    /// Eval loss after training (nil for a model given with --model).
    public var evalLoss: Double?
    public var seconds: Double
}

/// Trains the course base model into `data`/base-model (corpus/ and model/, the run recorded in
/// experiment course-base), or checks the folder given in `options.model`.
public func prepareDemoBaseModel(
    _ options: DemoStudyOptions, dataDirectory data: URL, store: LabStore,
    say: @Sendable (String) -> Void, progress: @Sendable (String, _ final: Bool) -> Void
) throws -> DemoBaseModel {
    let start = Date()
    if let model = options.model, let eval = try options.resolvedEvalText() {
        say("Base model: \(model.path), used as is (perplexity measured on \(eval.path))")
        return DemoBaseModel(folder: model, evalText: eval, runID: nil, evalLoss: nil, seconds: 0)
    }
    let recipe = options.recipe
    let files = options.corpusFiles ?? licenseFiles()
    let folder = data.appendingPathComponent("base-model", isDirectory: true)
    let corpus = try writeCorpus(
        files, heldOut: recipe.heldOut, to: folder.appendingPathComponent("corpus"))
    let shape = recipe.shape
    say(
        "Training the course base model: GPT-2 with \(shape.layers) layers, \(shape.heads) heads,"
            + " C = \(shape.embd), context \(shape.context), a \(recipe.vocabSize)-token BPE,"
            + " \(recipe.steps) steps on \(files.count) files"
            + (options.corpusFiles == nil ? " of /usr/share/common-licenses" : ""))
    progress("base model: training the \(recipe.vocabSize)-token BPE on the corpus…", false)
    var lastEval: Float?
    let outcome = try courseBaseModel(
        corpus: corpus, out: folder.appendingPathComponent("model"), recipe: recipe,
        target: RunTarget(store: store, experiment: "course-base", name: "base-model"),
        onStep: { m in
            progress(
                "base model step \(m.step)/\(recipe.steps) · loss "
                    + String(format: "%.3f", m.loss)
                    + (lastEval.map { String(format: " · eval loss %.3f", $0) } ?? "") + " · "
                    + clock(Date().timeIntervalSince(start)),
                m.step == recipe.steps)
        },
        onEval: { lastEval = $0.loss })
    let seconds = Date().timeIntervalSince(start)
    let eval = outcome.evals.last
    say(
        "Base model ready in \(secondsText(seconds)): "
            + (eval.map {
                String(format: "eval loss %.3f (perplexity %.1f)", $0.loss, $0.perplexity)
            } ?? "no evaluation") + " on \(outcome.evalTokens) held-out tokens → "
            + folder.appendingPathComponent("model").path)
    return DemoBaseModel(
        folder: folder.appendingPathComponent("model"), evalText: corpus.eval,
        runID: outcome.runID, evalLoss: eval.map { Double($0.loss) }, seconds: seconds)
}

/// Runs the quantization study and the LoRA run (on the lab handouts, 20% held out) on
/// `base` into `data`/study.
func runDemoExperiments(
    _ options: DemoStudyOptions, base: DemoBaseModel, labsRoot: URL, dataDirectory data: URL,
    store: LabStore, say: @Sendable (String) -> Void,
    progress: @Sendable (String, _ final: Bool) -> Void
) throws -> DemoStudy {
    let start = Date()
    let out = data.appendingPathComponent("study", isDirectory: true)
    let handouts = labHandouts(labsRoot)
    guard !handouts.isEmpty else {
        throw ServiceError.missingFile("\(labsRoot.path)/**/*.md (the LoRA run's text)")
    }
    let loraText = try writeCorpus(
        handouts, heldOut: 0.2, to: out.appendingPathComponent("lora-text"))
    say(
        "Quantization study (fp16, bf16, int8, int8-channel, q8_0, q4_0 against fp32) and a LoRA"
            + " run (r 8 on c_attn, \(options.loraSteps) steps on \(handouts.count) lab handouts)…")
    progress("quantization study: quantizing and scoring 6 schemes…", false)
    let steps = options.loraSteps
    let study = try runDemoStudy(
        base: base.folder, evalText: base.evalText, loraTrain: loraText.train,
        loraEval: loraText.eval, out: out, store: store, loraSteps: steps,
        maxEvalTokens: options.maxEvalTokens,
        onStep: { m in
            progress(
                "LoRA step \(m.step)/\(steps) · loss " + String(format: "%.3f", m.loss) + " · "
                    + clock(Date().timeIntervalSince(start)), m.step == steps)
        })
    say("Study and LoRA run done in \(secondsText(Date().timeIntervalSince(start))) → \(out.path)")
    return study
}

/// The closing sections on the experiments: the study's table (read back from its recorded
/// runs, as the class report shows it), the LoRA run, and where the files are.
func renderDemoExperiments(
    _ study: DemoStudy, base: DemoBaseModel, store: LabStore, reportFiles: [URL],
    format: OutputFormat
) throws -> String {
    let gap = format == .markdown ? "\n" : ""
    var out = ""
    let tokens = study.study.reports.first?.evalTargets ?? 0
    out += format.heading("Quantization study of the base model") + "\n" + gap
    out += "Perplexity on \(tokens) tokens of \(base.evalText.lastPathComponent); size is the"
        + " linear layers' weights (codes + scales).\n" + gap
    if let table = StudyTable(try store.experimentReport(experiment: "course-base-quantize")) {
        out += renderStudyTable(table, format: format)
    }

    let result = study.lora.result
    out += "\n" + format.heading("LoRA run on the base model") + "\n" + gap
    let losses = result.steps.map { Double($0.loss) }
    let share = Double(result.trainableParameters) / Double(max(1, result.baseParameters))
    out += String(
        format: "eval loss %.3f → %.3f, perplexity %.2f → %.2f after %d steps"
            + " (r 8 on c_attn, lab handouts, 20%% held out)\n",
        result.baseEvalLoss, result.evalLoss, expf(result.baseEvalLoss), result.perplexity,
        result.steps.count)
    out += gap + "trainable parameters: \(result.trainableParameters) ("
        + String(format: "%.2f%%", share * 100) + " of the base's \(result.baseParameters))\n"
    if let first = losses.first, let last = losses.last {
        out += gap + "training loss: " + String(format: "%.3f ", first)
            + Sparkline.render(losses, width: 40) + String(format: " %.3f", last) + "\n"
    }

    out += try renderVerifiedLeaderboards(store: store, format: format)

    out += "\n" + format.heading("Files") + "\n" + gap
    let files = study.files.filter { $0.pathExtension == "svg" || $0.pathExtension == "md" }
    for file in [base.folder] + files + reportFiles.filter({ $0.pathExtension == "md" }) {
        out += (format == .markdown ? "- " : "  ") + file.path + "\n"
    }
    return out
}

/// m:ss.
func clock(_ seconds: Double) -> String {
    let s = Int(seconds)
    return String(format: "%d:%02d", s / 60, s % 60)
}

/// "4.2 s" under a minute, else "1 min 35 s".
func secondsText(_ seconds: Double) -> String {
    seconds < 60
        ? String(format: "%.1f s", seconds)
        : "\(Int(seconds) / 60) min \(Int(seconds) % 60) s"
}

/// The verified-run leaderboards the graded samples produced: lab 06's quantizers by scheme and
/// lab 05's adapters, by the perplexity lmlab measured on the base model (lower first).
func renderVerifiedLeaderboards(store: LabStore, format: OutputFormat) throws -> String {
    let gap = format == .markdown ? "\n" : ""
    let boards: [(title: String, experiment: String, filter: String?)] = [
        ("Q8_0 quantizers", "06-quantization-verified", "tags.scheme = 'q8_0'"),
        ("Q4_0 quantizers", "06-quantization-verified", "tags.scheme = 'q4_0'"),
        ("LoRA adapters", "05-lora-verified", nil),
    ]
    let known = Set(try store.experiments().map(\.name))
    var out = ""
    for board in boards where known.contains(board.experiment) {
        let rows = try store.experimentLeaderboard(
            experiment: board.experiment, metric: "perplexity", ascending: true,
            where: RunSource.filter(board.filter, verifiedOnly: true))
        guard !rows.isEmpty else { continue }
        if out.isEmpty {
            out += "\n" + format.heading("Verified runs: lmlab re-ran the submissions on the base model")
                + "\n" + gap
        }
        out += (format == .markdown ? "**\(board.title)**" : board.title)
            + " (experiment \(board.experiment), perplexity measured by lmlab)\n" + gap
        var table = TextTable(["rank", "student", "perplexity", "run"])
        for row in rows {
            table.append([
                "\(row.rank)", row.displayName, String(format: "%.3f", row.value),
                String(row.runID.prefix(12)),
            ])
        }
        out += table.render(format) + gap
    }
    return out
}
