// `lmlab experiment`: fine-tuning, quantization, studies, verified runs and the course base
// model — each a thin command over a function of the Experiments module that records runs.
import ArgumentParser
import Experiments
import Foundation
import Harness
import LabConfig
import Quantization
import Service
import Tokenizer
import Training
import Transformer

struct ExperimentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "experiment",
        abstract: "Run LoRA, quantization and verification experiments and record them as runs.",
        subcommands: [
            Finetune.self, Quantize.self, Study.self, Verify.self, BaseModel.self,
            DemoStudy.self,
        ])
}

/// A model folder and the tokenizer that goes with it, loaded together.
struct LoadedModel {
    let model: GPT2Model
    let tokenizer: BPETokenizer
    let path: String

    init(_ path: String, tokenizer: String?) throws {
        model = try loadCheckpoint(URL(fileURLWithPath: path))
        self.tokenizer = try loadTokenizer(
            URL(fileURLWithPath: tokenizer ?? path), for: model.config)
        self.path = path
    }

    /// The tokens of a text file, at most `limit` of them.
    func tokens(_ file: String, limit: Int?) throws -> [Int] {
        let ids = tokenizer.encode(
            try readTextFile(URL(fileURLWithPath: file), what: "evaluation text"),
            allowSpecial: false)
        return limit.map { Array(ids.prefix($0)) } ?? ids
    }
}

/// Schemes from "fp16,q8_0,…".
func parseSchemes(_ text: String) throws -> [QuantScheme] {
    try text.split(separator: ",").map { try QuantScheme(parsing: String($0)) }
}

func note(_ text: String) { FileHandle.standardError.write(Data((text + "\n").utf8)) }

extension ExperimentCommand {
    struct Finetune: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fine-tune LoRA adapters on a frozen base and record the run.",
            discussion: """
                Adapters A (Kaiming-uniform) and B (zero) of rank --lora-r scaled by
                --lora-alpha / r on --targets; the base stays frozen. The run logs the options,
                loss by step, eval loss and perplexity before (step 0) and after, trainable
                parameters and time; --out receives the adapter in PEFT's layout.
                """)

        @Option(help: "The base model folder.")
        var model: String
        @Option(help: "The tokenizer folder (default: the model folder).")
        var tokenizer: String?
        @Option(help: "The adapters' rank r.")
        var loraR = 8
        @Option(help: "LoRA's alpha; updates are scaled by alpha / r.")
        var loraAlpha: Float = 16
        @Option(help: "Layers to adapt: c_attn, attn.c_proj, c_fc, mlp.c_proj, comma-separated.")
        var targets = "c_attn"
        @Flag(help: "Adapt only the query and value parts of c_attn.")
        var qvOnly = false
        @Option(help: "The UTF-8 training text.")
        var train: String
        @Option(help: "The UTF-8 evaluation text.")
        var eval: String
        @Option(help: "The number of optimisation steps.")
        var steps: Int
        @Option(help: "Sequences per step.")
        var batch = 4
        @Option(help: "Tokens per sequence.")
        var seq = 64
        @Option(help: "The peak learning rate.")
        var lr: Float = 1e-3
        @Option(help: "Linear warmup steps.")
        var warmup = 10
        @Option(help: "Evaluate every this many steps (0: only at the end).")
        var evalEvery = 0
        @Option(help: "The folder the PEFT adapter is saved to.")
        var out: String = "adapter"
        @Option(help: "Seeds A's initialisation and the window sampler.")
        var seed: UInt64 = 0
        @OptionGroup var recording: RunOptions

        func run() throws {
            let targets = try self.targets.split(separator: ",").map { name -> LoRATarget in
                guard let t = LoRATarget(rawValue: String(name)) else {
                    throw ValidationError(
                        "--targets: unknown layer \"\(name)\"; use \(LoRATarget.allCases.map(\.rawValue).joined(separator: ", ")).")
                }
                return t
            }
            let spec = FinetuneSpec(
                base: URL(fileURLWithPath: model), tokenizer: tokenizer.map { URL(fileURLWithPath: $0) },
                lora: try LoRAConfig(rank: loraR, alpha: loraAlpha, targets: targets, queryValueOnly: qvOnly),
                trainFile: URL(fileURLWithPath: train), evalFile: URL(fileURLWithPath: eval),
                options: TrainingOptions(
                    steps: steps, batchSize: batch, sequenceLength: seq, learningRate: lr,
                    minLearningRate: lr / 10, warmupSteps: warmup, evalInterval: evalEvery,
                    checkpointFolder: URL(fileURLWithPath: out), seed: seed))
            let progress = ProgressBar("lora", total: steps, delay: 0)
            let outcome = try runFinetune(
                spec, target: try recording.target(defaultExperiment: "lora"),
                onStep: { progress.update($0.step, detail: stepDetail($0, tokensPerStep: batch * seq)) })
            progress.finish()
            let r = outcome.result
            print("run        \(outcome.runID ?? "-")")
            print("trainable  \(r.trainableParameters) parameters (\(String(format: "%.2f", Double(r.trainableParameters) / Double(r.baseParameters) * 100))% of \(r.baseParameters))")
            print(String(format: "eval       loss %.4f → %.4f, perplexity %.3f → %.3f", r.baseEvalLoss, r.evalLoss, expf(r.baseEvalLoss), r.perplexity))
            print(String(format: "time       %.1f s", r.seconds))
            print("adapter    \(out)")
        }
    }

    struct Quantize: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Quantize a model's linear layers in one scheme and record what it costs.",
            discussion: """
                Schemes: fp16, bf16, int8 (per tensor), int8-channel, q8_0, q4_0 (ggml blocks of
                32 with an fp16 scale). The run logs bits per weight, sizes, max/mean weight
                error, perplexity on --eval and its change from fp32, and decode tokens/s.
                """)

        @Option(help: "The model folder.")
        var model: String
        @Option(help: "The tokenizer folder (default: the model folder).")
        var tokenizer: String?
        @Option(help: "fp16, bf16, int8, int8-channel, q8_0 or q4_0.")
        var scheme: String
        @Option(help: "The UTF-8 evaluation text.")
        var eval: String
        @Option(help: "Evaluate at most this many tokens (default: all).")
        var maxEvalTokens: Int?
        @Option(help: "Tokens to decode greedily when timing.")
        var decodeTokens = 32
        @Option(
            help: ArgumentHelp(
                "A folder to write the codes, scales and dequantized weights to.",
                discussion: "quantized.safetensors holds every linear layer's codes [out, in] "
                    + "(I8, or U8 nibble pairs for q4_0) and scales (fp16 bits as F16, F32 for "
                    + "int8); dequantized.safetensors the dequantized weights [in, out] under "
                    + "their Hugging Face names."))
        var dump: String?
        @Flag(help: "Print the figures as JSON, in full precision.")
        var json = false
        @OptionGroup var recording: RunOptions

        func run() throws {
            let loaded = try LoadedModel(model, tokenizer: tokenizer)
            let quantScheme = try QuantScheme(parsing: scheme)
            if let dump {
                try QuantizedGPT2(loaded.model, scheme: quantScheme)
                    .dump(to: URL(fileURLWithPath: dump))
            }
            let outcome = try runQuantize(
                model: loaded.model, modelPath: model, scheme: quantScheme,
                evalTokens: try loaded.tokens(eval, limit: maxEvalTokens), evalFile: eval,
                decodeTokens: decodeTokens, target: try recording.target(defaultExperiment: "quantize"))
            let r = outcome.report
            if json {
                struct Output: Encodable {
                    let run: String?
                    let report: QuantizationReport
                }
                print(try jsonString(Output(run: outcome.runID, report: r)), terminator: "")
                return
            }
            print("run          \(outcome.runID ?? "-")")
            print(String(format: "bits/weight  %.3f (%d bytes of linear weights; %d as fp32)", r.bitsPerWeight, r.quantizedWeightBytes, r.fp32WeightBytes))
            print(String(format: "model bytes  %d", r.modelBytes))
            print(String(format: "weight error max %.3e, mean %.3e", r.maxAbsWeightError, r.meanAbsWeightError))
            print(String(format: "perplexity   %.3f (fp32 %.3f, Δ %+.3f) over %d tokens", r.perplexity, r.fp32Perplexity, r.perplexityChange, r.evalTargets))
            print(String(format: "decode       %.1f tokens/s (fp32 %.1f)", r.decodeTokensPerSecond, r.fp32DecodeTokensPerSecond))
        }
    }

    struct Study: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Quantize a model in every scheme: a table, study.md and study.svg.",
            discussion: "Each scheme is recorded as a run; the SVG plots perplexity against bits per weight.")

        @Option(help: "The model folder.")
        var model: String
        @Option(help: "The tokenizer folder (default: the model folder).")
        var tokenizer: String?
        @Option(help: "The UTF-8 evaluation text.")
        var eval: String
        @Option(help: "Comma-separated schemes.")
        var schemes = "fp16,bf16,int8,int8-channel,q8_0,q4_0"
        @Option(help: "Evaluate at most this many tokens (default: all).")
        var maxEvalTokens: Int?
        @Option(help: "Tokens to decode greedily when timing.")
        var decodeTokens = 32
        @Option(help: "The folder study.md and study.svg are written to.")
        var out: String
        @OptionGroup var recording: RunOptions

        func run() throws {
            let loaded = try LoadedModel(model, tokenizer: tokenizer)
            let study = try runQuantizationStudy(
                model: loaded.model, modelPath: model, schemes: try parseSchemes(schemes),
                evalTokens: try loaded.tokens(eval, limit: maxEvalTokens), evalFile: eval,
                decodeTokens: decodeTokens, out: URL(fileURLWithPath: out),
                target: try recording.target(defaultExperiment: "quantization-study"))
            print(study.table)
            print("wrote \(out)/study.md and \(out)/study.svg; runs \(study.runIDs.joined(separator: " "))")
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-run a student's adapter or quantizer on the reference: a verified run.",
            discussion: """
                --adapter DIR: the student's PEFT adapter is merged into --model and lmlab
                measures the perplexity itself. --quantizer FILE.py --scheme q8_0|q4_0: the
                student's lab-06 functions run in the grading sandbox on every linear weight
                (w float32 [out, in], blocks of 32 along each row): for q8_0 codes =
                q8_0_quantize(w) (int8 [out, in]) and scales = q8_0_scales(w); for q4_0 packed =
                q4_0_pack(q4_0_quantize(w)) (uint8 [out, in/2], element j low and j+16 high in
                byte j of a block) and scales = q4_0_scales(w) (scales [out, in/32]). A module
                without them may define quantize_q8_0(w) -> (codes, scales) or quantize_q4_0(w)
                -> (packed, scales) instead. lmlab dequantizes the codes itself and measures the
                perplexity.
                The run has source verified and tag verified=true, so a leaderboard can be
                limited to it with `lmlab leaderboard --experiment E --metric perplexity.last
                --verified`. `lmlab serve` makes such runs itself from graded lab 05 and 06
                submissions (see --base-model).
                """)

        @Option(help: "The base model folder.")
        var model: String
        @Option(help: "The tokenizer folder (default: the model folder).")
        var tokenizer: String?
        @Option(help: "The UTF-8 evaluation text.")
        var eval: String
        @Option(help: "Evaluate at most this many tokens (default: all).")
        var maxEvalTokens: Int?
        @Option(help: "The student's PEFT adapter folder.")
        var adapter: String?
        @Option(help: "The student's quantizer (.py, folder or notebook).")
        var quantizer: String?
        @Option(help: "q8_0 or q4_0 (with --quantizer).")
        var scheme: String?
        @OptionGroup var labs: LabsOptions
        @Flag(help: "Run the quantizer without bubblewrap (only for code you trust).")
        var noSandbox = false
        @Option(help: "Seconds allowed per call of the student's quantizer.")
        var timeout: Double = 60
        @OptionGroup var recording: RunOptions

        func validate() throws {
            guard (adapter == nil) != (quantizer == nil) else {
                throw ValidationError("Give exactly one of --adapter DIR or --quantizer FILE.py.")
            }
            if quantizer != nil && scheme == nil {
                throw ValidationError("--quantizer needs --scheme q8_0 or q4_0.")
            }
            guard recording.student != nil else {
                throw ValidationError("--student is required: a verified run belongs to a student.")
            }
        }

        func run() throws {
            // The harness is looked for first, so a missing one is reported before the model
            // is loaded, with where lmlab looked.
            let harnessDirectory = try quantizer.map { _ in try labs.harness() }
            let loaded = try LoadedModel(model, tokenizer: tokenizer)
            let tokens = try loaded.tokens(eval, limit: maxEvalTokens)
            let target = try recording.target(defaultExperiment: "verified")
            if let adapter {
                let v = try verifyAdapter(
                    adapter: URL(fileURLWithPath: adapter), base: loaded.model, basePath: model,
                    evalTokens: tokens, evalFile: eval, target: target)
                print("run         \(v.runID ?? "-") (verified)")
                print(String(format: "perplexity  %.4f (base %.4f) over %d tokens", v.perplexity, expf(v.baseLoss), v.evalTargets))
                print("adapter     \(adapter) (sha256 \(v.adapterDigest.prefix(16))…)")
            } else if let quantizer, let scheme, let harnessDirectory {
                let isolation: Isolation = noSandbox ? .none : .sandbox
                let configuration = HarnessConfiguration(
                    sandbox: try Sandbox.make(harnessDirectory: harnessDirectory, isolation: isolation),
                    isolation: isolation)
                let v = try verifyQuantizer(
                    file: URL(fileURLWithPath: quantizer), scheme: try QuantScheme(parsing: scheme),
                    base: loaded.model, basePath: model, evalTokens: tokens, evalFile: eval,
                    harness: configuration, callTimeout: timeout, target: target)
                print("run          \(v.runID ?? "-") (verified)")
                print(String(format: "perplexity   %.4f (fp32 %.4f, Δ %+.4f) over %d tokens", v.perplexity, expf(v.fp32Loss), v.perplexity - expf(v.fp32Loss), v.evalTargets))
                print(String(format: "bits/weight  %.3f over %d matrices; weight error max %.3e, mean %.3e", v.bitsPerWeight, v.matrices, v.maxAbsWeightError, v.meanAbsWeightError))
                print(String(format: "agreement    %.2f%% of codes, %.2f%% of scales equal lmlab's reference", v.codeAgreement * 100, v.scaleAgreement * 100))
            }
        }
    }

    struct BaseModel: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "base-model",
            abstract: "Train the course's small GPT-2 on text every Debian machine has.",
            discussion: """
                4 layers, 4 heads, C = 128, context 128 and a 2048-token BPE trained on
                /usr/share/common-licenses (each file's last 10% of lines held out), in about
                2–3 minutes in a release build. Writes DIR/corpus/{train,eval}.txt and the model
                (HF GPT-2 + tokenizer) in DIR/model; the training is recorded as a run.
                """)

        @Option(help: "The folder to write the model and its corpus to.")
        var out: String
        @Option(help: "Use this text instead of /usr/share/common-licenses (10% held out).")
        var corpus: String?
        @Option(help: "Optimisation steps (default: the recipe's).")
        var steps: Int?
        @OptionGroup var recording: RunOptions

        func run() throws {
            let outURL = URL(fileURLWithPath: out)
            var recipe = BaseModelRecipe()
            if let steps { recipe.steps = steps }
            let files = corpus.map { [URL(fileURLWithPath: $0)] } ?? licenseFiles()
            let split = try writeCorpus(
                files, heldOut: recipe.heldOut, to: outURL.appendingPathComponent("corpus"))
            let progress = ProgressBar("base model", total: recipe.steps, delay: 0)
            let tokensPerStep = recipe.batchSize * recipe.sequenceLength
            let outcome = try courseBaseModel(
                corpus: split, out: outURL.appendingPathComponent("model"), recipe: recipe,
                target: try recording.target(defaultExperiment: "course-base"),
                onStep: { progress.update($0.step, detail: stepDetail($0, tokensPerStep: tokensPerStep)) },
                onEval: { e in
                    progress.finish()
                    note(String(format: "eval step %d: loss %.4f, perplexity %.2f", e.step, e.loss, e.perplexity))
                })
            progress.finish()
            printTrainingSummary(outcome, out: outURL.appendingPathComponent("model").path)
        }
    }

    struct DemoStudy: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "demo-study",
            abstract: "On the course base model: a quantization study and a LoRA run, recorded.",
            discussion: """
                Quantizes the model of `experiment base-model` in every scheme (DIR/study.md,
                study.svg) and fine-tunes LoRA adapters (r 8, alpha 16, c_attn) on the lab
                handouts (labs/**/*.md, 20% held out), plotting the loss and eval-loss curves
                from the recorded run to DIR/lora.svg.
                """)

        @Option(help: "The base model folder (from `lmlab experiment base-model`).")
        var model: String
        @Option(help: "Evaluation text for the study (default: MODEL/../corpus/eval.txt).")
        var eval: String?
        @OptionGroup var labs: LabsOptions
        @Option(help: "LoRA optimisation steps.")
        var loraSteps = 100
        @Option(help: "The folder to write the study, the curve and the adapter to.")
        var out: String
        @Option(help: "The experiment name prefix (runs go to PREFIX-quantize and PREFIX-lora).")
        var experiment = "course-base"
        @OptionGroup var data: DataOptions

        func run() throws {
            let outURL = URL(fileURLWithPath: out)
            try labs.requireFolder()
            let handouts = labHandouts(labs.root)
            guard !handouts.isEmpty else {
                throw CommandFailure(
                    description: "no Markdown under \(labs.root.path) (the labs folder chosen by"
                        + " \(labs.folder.chosenBy)) to fine-tune on; point lmlab at the course's"
                        + " labs with --labs DIR or \(LabsFolder.environmentVariable)=DIR")
            }
            let lora = try writeCorpus(handouts, heldOut: 0.2, to: outURL.appendingPathComponent("lora-text"))
            let progress = ProgressBar("lora", total: loraSteps, delay: 0)
            let demo = try runDemoStudy(
                base: URL(fileURLWithPath: model),
                evalText: URL(fileURLWithPath: eval ?? model + "/../corpus/eval.txt").standardizedFileURL,
                loraTrain: lora.train, loraEval: lora.eval, out: outURL, store: try data.openStore(),
                experiment: experiment, loraSteps: loraSteps,
                onStep: { progress.update($0.step, detail: String(format: "loss %.4f", $0.loss)) })
            progress.finish()
            print(demo.study.table)
            let r = demo.lora.result
            print(String(format: "LoRA: eval loss %.4f → %.4f (perplexity %.2f → %.2f), %d trainable parameters, run %@", r.baseEvalLoss, r.evalLoss, expf(r.baseEvalLoss), r.perplexity, r.trainableParameters, demo.lora.runID ?? "-"))
            print("wrote " + demo.files.map(\.path).joined(separator: ", "))
        }
    }
}
