// `lmlab model`: create, inspect and run reference GPT-2 checkpoints (Hugging Face folders).
import ArgumentParser
import Foundation
import Quantization
import Tensors
import Tokenizer
import Training
import Transformer

struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Create, inspect and run GPT-2 checkpoints with the reference transformer.",
        discussion: """
            A model is a Hugging Face GPT-2 folder: config.json + model.safetensors, with
            vocab.json + merges.txt for text. A real GPT-2 folder downloaded elsewhere works
            as is.
            """,
        subcommands: [
            Init.self, Info.self, Size.self, Forward.self, Generate.self, Eval.self, Train.self,
            Merge.self,
        ]
    )
}

/// Where a command finds its model, and the tokenizer that goes with it.
struct ModelOptions: ParsableArguments {
    @Option(help: "The model folder (config.json + model.safetensors).")
    var model: String

    @Option(help: "The tokenizer folder (vocab.json + merges.txt); default: the model folder.")
    var tokenizer: String?

    @Option(
        help: ArgumentHelp(
            "A PEFT LoRA adapter folder merged into the model before it runs.",
            discussion: "Merged as PEFT merges it (W += s·(B·A)ᵀ with its ranks, alphas, "
                + "rank_pattern, alpha_pattern, use_rslora and layers_to_transform), by the "
                + "loader `experiment verify` and the daemon use."))
    var adapter: String?

    /// The model, with --adapter merged in when given.
    func loadModel() throws -> GPT2Model {
        let base = try loadCheckpoint(URL(fileURLWithPath: model))
        guard let adapter else { return base }
        let lora = try LoRAWeights.load(from: URL(fileURLWithPath: adapter), for: base.config)
        return try lora.merged(into: base)
    }

    /// The tokenizer, checked against the model: every token id must be a row of wte.
    func loadTokenizer(for model: GPT2Model) throws -> BPETokenizer {
        let folder = URL(fileURLWithPath: tokenizer ?? self.model)
        let bpe = try BPETokenizer(folder: folder)
        guard bpe.vocabSize <= model.config.vocabSize else {
            throw ModelCommandError(
                "the tokenizer in \(folder.path) has \(bpe.vocabSize) tokens but the model's "
                    + "vocab_size is \(model.config.vocabSize); use the tokenizer the model was "
                    + "made with (--tokenizer DIR)")
        }
        return bpe
    }
}

/// A problem with what the user asked a model command to do.
struct ModelCommandError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension ModelCommand {
    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a randomly initialised GPT-2 folder.",
            discussion: """
                Weights are N(0, 0.02), residual projections scaled by 1/sqrt(2·layers), as in
                GPT-2. With --tokenizer, its vocab.json and merges.txt are copied in and
                --vocab defaults to its size.
                """)

        @Option(help: "The number of transformer blocks.")
        var layers = 2
        @Option(help: "The number of attention heads; must divide --embd.")
        var heads = 2
        @Option(help: "The embedding width C.")
        var embd = 64
        @Option(help: "The vocabulary size; default: the tokenizer's size, else 50257.")
        var vocab: Int?
        @Option(help: "The context length (n_positions).")
        var ctx = 128
        @Option(help: "The seed of the random initialisation.")
        var seed: UInt64 = 0
        @Option(help: "A tokenizer folder to copy into the model folder.")
        var tokenizer: String?
        @Option(help: "The folder to create; it must not exist yet.")
        var out: String

        func validate() throws {
            guard layers > 0, heads > 0, embd > 0, ctx > 0 else {
                throw ValidationError("--layers, --heads, --embd and --ctx must be positive.")
            }
            guard embd % heads == 0 else {
                throw ValidationError(
                    "--embd \(embd) is not divisible by --heads \(heads); each head gets "
                        + "embd/heads channels.")
            }
            if let vocab, vocab <= 0 { throw ValidationError("--vocab must be positive.") }
        }

        func run() throws {
            let outURL = URL(fileURLWithPath: out)
            guard !FileManager.default.fileExists(atPath: outURL.path) else {
                throw ModelCommandError("\(out) already exists; choose a new --out folder")
            }
            let bpe = try tokenizer.map { try BPETokenizer(folder: URL(fileURLWithPath: $0)) }
            let vocabSize = vocab ?? bpe?.vocabSize ?? 50257
            if let bpe, bpe.vocabSize > vocabSize {
                throw ModelCommandError(
                    "--vocab \(vocabSize) is smaller than the tokenizer's \(bpe.vocabSize) tokens")
            }
            let eot = bpe?.eotID
            let config = try GPT2Config(
                vocabSize: vocabSize, nPositions: ctx, nEmbd: embd, nLayer: layers, nHead: heads,
                bosTokenId: eot, eosTokenId: eot)
            let model = GPT2Model.randomInit(config, seed: seed)
            try saveCheckpoint(model, to: outURL)
            try bpe?.write(to: outURL)
            print("wrote \(out): \(describe(config)), \(formatCount(parameterCount(config))) parameters")
        }
    }

    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a model's configuration, parameter count and memory.")

        @OptionGroup var options: ModelOptions

        func run() throws {
            let config = try loadConfig(URL(fileURLWithPath: options.model).appendingPathComponent("config.json"))
            let model = try options.loadModel()
            let n = parameterCount(config)
            print("model      \(options.model)")
            print("config     \(describe(config)), layer_norm_epsilon \(config.layerNormEpsilon)")
            print("parameters \(formatCount(n)) (\(n))")
            print("memory     \(formatBytes(n * 4)) as fp32, \(formatBytes(n * 2)) as fp16")
            let kv = try ModelSize(ModelSizeConfig(name: "", gpt2: config), cache: .fp32)
                .kvCacheBytes
            print("kv cache   \(formatBytes(kv)) at the full context of \(config.nPositions) tokens")
            let groups: [(String, Int)] = [
                ("wte", config.vocabSize * config.nEmbd),
                ("wpe", config.nPositions * config.nEmbd),
                ("blocks", n - config.vocabSize * config.nEmbd - config.nPositions * config.nEmbd
                    - 2 * config.nEmbd),
                ("ln_f", 2 * config.nEmbd),
            ]
            for (name, count) in groups {
                print("  \(name.padding(toLength: 8, withPad: " ", startingAt: 0)) \(formatCount(count))")
            }
            if let bpe = try? BPETokenizer(folder: URL(fileURLWithPath: options.tokenizer ?? options.model)) {
                print("tokenizer  \(bpe.vocabSize) tokens, <|endoftext|> = \(bpe.eotID.map(String.init) ?? "none")")
            } else {
                print("tokenizer  none (no vocab.json + merges.txt beside the model)")
            }
            _ = model
        }
    }

    struct Size: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print models' parameters, weight memory per format and KV-cache memory.",
            discussion: """
                Computed from configurations, nothing downloaded: presets (gpt2, gpt2-medium,
                gpt2-large, gpt2-xl, tinyllama-1.1b, llama-2-7b, llama-3-8b) or a Hugging Face
                config.json (GPT-2 or LLaMA-style) alone. As `experiment quantize` stores a
                model, the linear layers are in the format, the token embedding (and an untied
                head) is fp16 except in fp32, and biases, positions and norms stay fp32. The KV
                cache holds 2 · layers · context · kv_heads · head_dim values for one sequence.
                """)

        @Option(help: "A preset to size (repeatable; default: the four GPT-2 sizes).")
        var preset: [String] = []
        @Option(help: "A config.json to size instead of presets (GPT-2 or LLaMA-style).")
        var config: String?
        @Option(help: "Tokens in the KV cache (default: each model's context length).")
        var context: Int?
        @Option(help: "The KV cache's element type: fp32, fp16 or bf16.")
        var cache: CacheFormat = .fp16
        @Option(
            help: "The weight formats, comma-separated (default: fp32,fp16,bf16,int8,q8_0,q4_0).")
        var formats: String?
        @Flag(help: "Print the sizes as JSON, bytes exact.")
        var json = false

        func validate() throws {
            guard config == nil || preset.isEmpty else {
                throw ValidationError("Give --config or --preset, not both.")
            }
            if let context, context < 1 { throw ValidationError("--context must be >= 1.") }
            _ = try schemes()
        }

        func schemes() throws -> [QuantScheme] {
            guard let formats else { return ModelSize.lectureFormats }
            return try formats.split(separator: ",").map { name in
                guard let scheme = QuantScheme(rawValue: name.trimmingCharacters(in: .whitespaces))
                else {
                    throw ValidationError(
                        "--formats: \"\(name)\" is not a format; the formats are "
                            + QuantScheme.allCases.map(\.rawValue).joined(separator: ", ") + ".")
                }
                return scheme
            }
        }

        func run() throws {
            let configs =
                try config.map { [try ModelSizeConfig(configFile: URL(fileURLWithPath: $0))] }
                ?? (preset.isEmpty
                    ? ModelSizeConfig.gpt2Presets : preset.map { try ModelSizeConfig.preset($0) })
            let sizes = try configs.map {
                try ModelSize($0, formats: schemes(), context: context, cache: cache)
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try encoder.encode(sizes), as: UTF8.self))
                return
            }
            print(sizeTable(sizes))
        }
    }

    struct Forward: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the forward pass and write the logits [T, V] as a .npy file.")

        @OptionGroup var options: ModelOptions
        @Option(help: "Token ids, separated by spaces or commas.")
        var ids: String?
        @Option(help: "Text to tokenize with the model's tokenizer instead of --ids.")
        var text: String?
        @Option(help: "The .npy file to write the float32 logits to.")
        var out: String

        func validate() throws {
            guard (ids == nil) != (text == nil) else {
                throw ValidationError("Give exactly one of --ids or --text.")
            }
        }

        func run() throws {
            let model = try options.loadModel()
            let tokens: [Int]
            if let text {
                tokens = try options.loadTokenizer(for: model).encode(text)
            } else {
                tokens = try parseIDs(ids ?? "")
            }
            guard !tokens.isEmpty else { throw ModelCommandError("there are no tokens to run") }
            let logits = try model.forward(tokens)  // [T, V]
            try Npy.write(logits, to: URL(fileURLWithPath: out))
            print("wrote \(out): logits \(logits.shape) for \(tokens.count) tokens")
        }
    }

    struct Merge: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Merge a PEFT LoRA adapter into a model and save the merged GPT-2 folder.",
            discussion: """
                The folder written is an ordinary Hugging Face GPT-2 folder (config.json +
                model.safetensors, F32) that every model command, transformers and NumPy read
                back; the tokenizer's vocab.json and merges.txt are copied in when present.
                """)

        @OptionGroup var options: ModelOptions
        @Option(help: "The folder to write the merged model to; it must not exist yet.")
        var out: String

        func validate() throws {
            guard options.adapter != nil else {
                throw ValidationError("Give the adapter to merge with --adapter DIR.")
            }
            guard !FileManager.default.fileExists(atPath: out) else {
                throw ValidationError("--out \(out) already exists; choose a new folder.")
            }
        }

        func run() throws {
            let merged = try options.loadModel()
            let folder = URL(fileURLWithPath: out)
            try saveCheckpoint(merged, to: folder)
            let source = URL(fileURLWithPath: options.tokenizer ?? options.model)
            for name in ["vocab.json", "merges.txt"] {
                let file = source.appendingPathComponent(name)
                guard FileManager.default.fileExists(atPath: file.path) else { continue }
                try FileManager.default.copyItem(at: file, to: folder.appendingPathComponent(name))
            }
            print("wrote \(out): \(options.model) with the adapter \(options.adapter ?? "") merged")
        }
    }

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate text after a prompt, printing tokens as they come.",
            discussion: """
                --temperature 0 is greedy and draws no random numbers. Otherwise each new token
                draws one u in [0, 1) from the seeded stream and is chosen by sampleToken
                (softmax of logits/T in Double, ids by probability then id, top-k, top-p, the
                first id whose renormalised cumulative probability exceeds u). The stream is
                xoshiro256** seeded with the first four outputs of SplitMix64(--seed); u is
                (next() >> 40) · 2⁻²⁴. The same seed gives the same tokens. Generation stops at
                <|endoftext|> (the tokenizer's, else config.json's eos_token_id).
                """)

        @OptionGroup var options: ModelOptions
        @Option(help: "The prompt text.")
        var prompt: String?
        @Option(help: "The prompt as token ids (spaces or commas) instead of --prompt.")
        var promptIds: String?
        @Option(help: "The largest number of new tokens.")
        var maxTokens = 50
        @Option(help: "Sampling temperature; 0 picks the most likely token.")
        var temperature: Float = 1
        @Option(help: "Keep only the k most likely tokens (0 keeps all).")
        var topK = 0
        @Option(help: "Keep the smallest set of tokens whose probability reaches p (1 keeps all).")
        var topP: Float = 1
        @Option(help: "The seed of the sampler.")
        var seed: UInt64 = 0
        @Flag(help: "Print the generated token ids as one JSON array instead of text.")
        var ids = false
        @Option(
            help: ArgumentHelp(
                "Print each step as a JSON line with the k most probable tokens.",
                discussion: "Each line holds the step, u, the chosen id and the top k as "
                    + "[id, logit, probability] with probabilities of softmax(logits/T) "
                    + "(T = 1 when greedy), every number in full precision.",
                valueName: "k"))
        var explain: Int?

        func validate() throws {
            guard maxTokens >= 0 else { throw ValidationError("--max-tokens must be >= 0.") }
            guard temperature >= 0 else { throw ValidationError("--temperature must be >= 0.") }
            guard topP > 0 && topP <= 1 else { throw ValidationError("--top-p must be in (0, 1].") }
            guard (prompt == nil) != (promptIds == nil) else {
                throw ValidationError("Give exactly one of --prompt or --prompt-ids.")
            }
            if let explain, explain < 1 { throw ValidationError("--explain must be >= 1.") }
        }

        func run() throws {
            let model = try options.loadModel()
            let textOut = !ids && explain == nil
            let bpe = try prompt != nil || textOut ? options.loadTokenizer(for: model) : nil
            let prompt = try promptIds.map(parseIDs) ?? bpe?.encode(self.prompt ?? "") ?? []
            // Check before printing the prompt, so an error is not mixed into the output.
            guard !prompt.isEmpty else { throw TransformerError.emptyPrompt }
            guard prompt.count + maxTokens <= model.config.nPositions else {
                throw TransformerError.generationTooLong(
                    promptLength: prompt.count, maxNewTokens: maxTokens,
                    maxPositions: model.config.nPositions)
            }
            var stream = bpe.map { TokenTextStream(tokenizer: $0) }
            if textOut, let bpe { writeOut(try self.prompt ?? bpe.decode(prompt)) }
            var step = 0
            let generated = try generate(
                model, prompt: prompt, maxNewTokens: maxTokens, temperature: temperature,
                topK: topK, topP: topP, seed: seed, stopAt: bpe?.eotID ?? model.config.eosTokenId,
                onToken: { token in
                    if textOut, let text = stream?.append(token) { writeOut(text) }
                },
                onStep: { logits, u, token in
                    guard let explain else { return }
                    print(explainStep(GenerationStep(
                        step: step, u: u, token: token,
                        top: TopTokens(logits: logits, temperature: temperature, k: explain))))
                    step += 1
                })
            if textOut { writeOut((stream?.flush() ?? "") + "\n") }
            if ids && explain == nil { print("[" + generated.map(String.init).joined(separator: ",") + "]") }
            FileHandle.standardError.write(
                Data("[\(generated.count) tokens, prompt \(prompt.count) tokens]\n".utf8))
        }
    }

    struct Eval: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the loss and perplexity of a text file under the model.",
            discussion: """
                The text is tokenized and cut into windows of the model's context; every token
                after the first is predicted once, and the loss is the mean over them.
                """)

        @OptionGroup var options: ModelOptions
        @Option(help: "The UTF-8 text file to evaluate.")
        var file: String
        @Option(help: "Tokens per window (default: the model's context).")
        var window: Int?
        @Option(help: "Evaluate at most this many tokens (default: all).")
        var maxTokens: Int?
        @Flag(help: "Print the figures as JSON, in full precision.")
        var json = false

        func run() throws {
            let model = try options.loadModel()
            let bpe = try options.loadTokenizer(for: model)
            var tokens = bpe.encode(try readText(file, what: "evaluation"))
            if let maxTokens { tokens = Array(tokens.prefix(maxTokens)) }
            guard tokens.count >= 2 else {
                throw ModelCommandError(
                    "\(file) holds \(tokens.count) token(s); evaluation needs at least 2")
            }
            let window = min(self.window ?? model.config.nPositions, model.config.nPositions)
            guard window >= 1 else { throw ValidationError("--window must be >= 1.") }
            let result = try evaluate(model, tokens: tokens, window: window)
            if json {
                print(
                    "{\"tokens\":\(result.predicted),\"loss\":\(result.loss),"
                        + "\"perplexity\":\(exp(result.loss))}")
                return
            }
            print("tokens     \(result.predicted)")
            print(String(format: "loss       %.4f nats/token", result.loss))
            print(String(format: "perplexity %.3f", exp(result.loss)))
        }
    }
}

/// Mean next-token loss over `tokens` (Transformer's windowedLoss: windows that overlap by one
/// token, so every token but the first is predicted exactly once), with a progress bar.
func evaluate(_ model: GPT2Model, tokens: [Int], window: Int) throws -> (loss: Double, predicted: Int) {
    let progress = ProgressBar("eval", total: tokens.count - 1)
    var done = 0
    let result = try windowedLoss(tokens, window: window) { piece in
        let loss = try model.loss(tokens: piece)
        done += piece.count - 1
        progress.update(done)
        return loss
    }
    progress.finish()
    return (Double(result.loss), result.targets)
}

/// One generation step as a JSON line: {"step", "u", "token", "top": [[id, logit, p], …]} with
/// the step's `TopTokens` (p = softmax(logits / T) in Double, T = 1 when greedy).
/// Numbers are printed in their shortest exact form, so they read back bit for bit.
func explainStep(_ step: GenerationStep) -> String {
    let top = step.top.entries.map { "[\($0.id),\($0.logit),\($0.probability)]" }
        .joined(separator: ",")
    return "{\"step\":\(step.step),\"u\":\(step.u),\"token\":\(step.token),\"top\":[\(top)]}"
}

/// Turns generated token ids into printable text, holding back bytes of a character that is
/// not complete yet.
struct TokenTextStream {
    let tokenizer: BPETokenizer
    private var pending: [UInt8] = []

    init(tokenizer: BPETokenizer) { self.tokenizer = tokenizer }

    mutating func append(_ token: Int) -> String {
        pending += (try? tokenizer.decodeBytes([token])) ?? []
        // Emit the longest prefix that is complete UTF-8; keep up to 3 trailing bytes.
        for keep in 0...min(3, pending.count) {
            let cut = pending.count - keep
            if let text = String(validating: pending[..<cut], as: UTF8.self) {
                pending.removeFirst(cut)
                return text
            }
        }
        return flush()
    }

    mutating func flush() -> String {
        defer { pending = [] }
        return String(decoding: pending, as: UTF8.self)
    }
}

/// Writes to stdout unbuffered, so streamed tokens appear as they come.
func writeOut(_ text: String) {
    FileHandle.standardOutput.write(Data(text.utf8))
}

/// Token ids from "1 2 3" or "1,2,3".
func parseIDs(_ text: String) throws -> [Int] {
    try text.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\n" }).map { piece in
        guard let id = Int(piece), id >= 0 else {
            throw ModelCommandError("\"\(piece)\" is not a token id (a non-negative integer)")
        }
        return id
    }
}

func parameterCount(_ c: GPT2Config) -> Int {
    GPT2Weights.parameters(for: c).reduce(0) { $0 + $1.shape.reduce(1, *) }
}

func describe(_ c: GPT2Config) -> String {
    "\(c.nLayer) layers, \(c.nHead) heads, n_embd \(c.nEmbd), vocab \(c.vocabSize), "
        + "context \(c.nPositions)"
}

extension CacheFormat: ExpressibleByArgument {}

/// `model size`'s table: one line per model and format; a model's parameters, context and KV
/// cache on its first line.
func sizeTable(_ sizes: [ModelSize]) -> String {
    var rows = [["model", "parameters", "context", "KV cache", "format", "weights"]]
    for size in sizes {
        for (i, w) in size.weights.enumerated() {
            let first = i == 0
            rows.append([
                first ? size.config.name : "",
                first ? formatCount(size.parameters) : "",
                first ? "\(size.context)" : "",
                first ? "\(formatBytes(size.kvCacheBytes)) \(size.cacheFormat.rawValue)" : "",
                w.format.rawValue,
                w.bytes.map(formatBytes) ?? "— (\(w.reason ?? "cannot be stored"))",
            ])
        }
    }
    let widths = (0..<6).map { c in rows.map { $0[c].count }.max() ?? 0 }
    return rows.map { row in
        row.enumerated().map { c, cell in
            // Numbers right-aligned, names left-aligned; the last column is not padded.
            let pad = String(repeating: " ", count: widths[c] - cell.count)
            return c == 5 ? cell : [1, 2, 3].contains(c) ? pad + cell : cell + pad
        }.joined(separator: "  ")
    }.joined(separator: "\n")
}
