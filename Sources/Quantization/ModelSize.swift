// Model sizes as the lecture compares them: a configuration (GPT-2 or LLaMA-style) -> its
// parameter count, its weights' memory in each storage format, and the KV cache at a context.
// Computed from the configuration alone: nothing is downloaded or loaded.
//
// Which tensors a format stores follows `QuantizedGPT2`: the linear layers' matrices are in the
// format; the token embedding (and an untied head) stays fp32 for fp32 and is fp16 for every
// other format; biases, position embeddings and norms stay fp32. A LLaMA-style model is counted
// by the same rule (q, k, v, o, gate, up, down in the format; embeddings fp16; RMSNorm fp32).
// Shapes: L layers, C hidden, I intermediate, H heads, Hkv key/value heads, hd = C / H, V vocab.
import Foundation
import Transformer

/// The hyperparameters that decide a model's size.
public struct ModelSizeConfig: Sendable, Equatable, Codable {
    public enum Family: String, Sendable, Codable {
        /// GPT-2: learned positions, layer norms with biases, biased linears, a GELU MLP.
        case gpt2
        /// LLaMA-style: RoPE (no position table), RMSNorm, no biases, SwiGLU, grouped KV heads.
        case llama
    }

    public var name: String
    public var family: Family
    public var layers: Int  // L
    public var hidden: Int  // C
    public var intermediate: Int  // I
    public var heads: Int  // H
    public var kvHeads: Int  // Hkv
    public var vocab: Int  // V
    /// The longest context (n_positions / max_position_embeddings).
    public var context: Int
    /// The output head is the token embedding (GPT-2), or a matrix of its own.
    public var tiedHead: Bool

    public init(
        name: String, family: Family, layers: Int, hidden: Int, intermediate: Int, heads: Int,
        kvHeads: Int, vocab: Int, context: Int, tiedHead: Bool
    ) {
        self.name = name
        self.family = family
        self.layers = layers
        self.hidden = hidden
        self.intermediate = intermediate
        self.heads = heads
        self.kvHeads = kvHeads
        self.vocab = vocab
        self.context = context
        self.tiedHead = tiedHead
    }

    /// A GPT-2 configuration (config.json's n_layer, n_embd, n_inner, n_head, vocab_size,
    /// n_positions, tie_word_embeddings).
    public init(name: String, gpt2 c: GPT2Config) {
        self.init(
            name: name, family: .gpt2, layers: c.nLayer, hidden: c.nEmbd,
            intermediate: c.innerSize, heads: c.nHead, kvHeads: c.nHead, vocab: c.vocabSize,
            context: c.nPositions, tiedHead: c.tieWordEmbeddings)
    }

    /// hd: the width of one head.
    public var headDim: Int { hidden / heads }

    /// GPT-2 small, medium, large and XL (Radford et al. 2019; Hugging Face's configs).
    public static let gpt2Presets: [ModelSizeConfig] = [
        gpt2("gpt2", layers: 12, heads: 12, embd: 768),
        gpt2("gpt2-medium", layers: 24, heads: 16, embd: 1024),
        gpt2("gpt2-large", layers: 36, heads: 20, embd: 1280),
        gpt2("gpt2-xl", layers: 48, heads: 25, embd: 1600),
    ]

    /// LLaMA-style models from their published config.json files.
    public static let llamaPresets: [ModelSizeConfig] = [
        ModelSizeConfig(
            name: "tinyllama-1.1b", family: .llama, layers: 22, hidden: 2048,
            intermediate: 5632, heads: 32, kvHeads: 4, vocab: 32000, context: 2048,
            tiedHead: false),
        ModelSizeConfig(
            name: "llama-2-7b", family: .llama, layers: 32, hidden: 4096, intermediate: 11008,
            heads: 32, kvHeads: 32, vocab: 32000, context: 4096, tiedHead: false),
        ModelSizeConfig(
            name: "llama-3-8b", family: .llama, layers: 32, hidden: 4096, intermediate: 14336,
            heads: 32, kvHeads: 8, vocab: 128256, context: 8192, tiedHead: false),
    ]

    public static let presets = gpt2Presets + llamaPresets

    /// The preset called `name` (case does not matter).
    public static func preset(_ name: String) throws -> ModelSizeConfig {
        guard let found = presets.first(where: { $0.name == name.lowercased() }) else {
            throw ModelSizeError.unknownPreset(name, known: presets.map(\.name))
        }
        return found
    }

    private static func gpt2(_ name: String, layers: Int, heads: Int, embd: Int)
        -> ModelSizeConfig
    {
        ModelSizeConfig(
            name: name, family: .gpt2, layers: layers, hidden: embd, intermediate: 4 * embd,
            heads: heads, kvHeads: heads, vocab: 50257, context: 1024, tiedHead: true)
    }
}

/// What a model's size could not be computed from.
public enum ModelSizeError: Error, CustomStringConvertible, Equatable {
    case unknownPreset(String, known: [String])
    /// config.json cannot be read or is not a JSON object.
    case unreadable(file: String, reason: String)
    /// A key is missing or holds a bad value.
    case badKey(file: String, key: String, reason: String)
    /// model_type names an architecture this module does not count.
    case unknownModelType(file: String, type: String)

    public var description: String {
        switch self {
        case .unknownPreset(let name, let known):
            return "there is no preset \"\(name)\"; the presets are "
                + known.joined(separator: ", ")
        case .unreadable(let file, let reason):
            return "\(file): \(reason); give a Hugging Face config.json (GPT-2 or LLaMA-style)"
        case .badKey(let file, let key, let reason):
            return "\(file): config key \"\(key)\" \(reason)"
        case .unknownModelType(let file, let type):
            return "\(file): model_type \"\(type)\" is neither GPT-2 (\"gpt2\") nor LLaMA-style "
                + "(\"llama\", \"mistral\"); its size cannot be counted here"
        }
    }
}

extension ModelSizeConfig {
    /// Reads a Hugging Face config.json: GPT-2 (n_layer, n_embd, …, read as `GPT2Config` reads
    /// it) or LLaMA-style (model_type "llama" or "mistral": num_hidden_layers, hidden_size,
    /// intermediate_size, num_attention_heads, num_key_value_heads, vocab_size,
    /// max_position_embeddings, tie_word_embeddings). Named after its folder.
    public init(configFile url: URL) throws {
        let file = url.path
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ModelSizeError.unreadable(file: file, reason: "cannot be read")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ModelSizeError.unreadable(file: file, reason: "is not a JSON object")
        }
        let name = url.deletingLastPathComponent().lastPathComponent
        let type = object["model_type"] as? String
        let looksLlama = object["num_hidden_layers"] != nil && object["n_layer"] == nil
        if type == "llama" || type == "mistral" || (type == nil && looksLlama) {
            try self.init(name: name, llama: object, file: file)
            return
        }
        if let type, type != "gpt2" {
            throw ModelSizeError.unknownModelType(file: file, type: type)
        }
        do {
            self.init(name: name, gpt2: try JSONDecoder().decode(GPT2Config.self, from: data))
        } catch let error as TransformerError {
            if case .badConfig(let key, let reason, _) = error {
                throw ModelSizeError.badKey(file: file, key: key, reason: reason)
            }
            throw ModelSizeError.unreadable(file: file, reason: error.description)
        }
    }

    private init(name: String, llama o: [String: Any], file: String) throws {
        func int(_ key: String, default value: Int? = nil) throws -> Int {
            guard let raw = o[key], !(raw is NSNull) else {
                guard let value else {
                    throw ModelSizeError.badKey(file: file, key: key, reason: "is missing")
                }
                return value
            }
            guard let number = raw as? NSNumber, !(raw is Bool),
                Double(number.intValue) == number.doubleValue, number.intValue > 0
            else {
                throw ModelSizeError.badKey(
                    file: file, key: key, reason: "must be a positive integer")
            }
            return number.intValue
        }
        let heads = try int("num_attention_heads")
        let hidden = try int("hidden_size")
        let tied: Bool
        switch o["tie_word_embeddings"] {
        case nil, is NSNull: tied = false
        case let flag as Bool: tied = flag
        default:
            throw ModelSizeError.badKey(
                file: file, key: "tie_word_embeddings", reason: "must be true or false")
        }
        self.init(
            name: name, family: .llama, layers: try int("num_hidden_layers"), hidden: hidden,
            intermediate: try int("intermediate_size"), heads: heads,
            kvHeads: try int("num_key_value_heads", default: heads), vocab: try int("vocab_size"),
            context: try int("max_position_embeddings"), tiedHead: tied)
        guard hidden % heads == 0 else {
            throw ModelSizeError.badKey(
                file: file, key: "num_attention_heads",
                reason: "(\(heads)) does not divide hidden_size (\(hidden))")
        }
        // Keys that would change the count, accepted only where they leave it as computed here.
        if let headDim = o["head_dim"] as? Int, headDim != hidden / heads {
            throw ModelSizeError.badKey(
                file: file, key: "head_dim",
                reason: "is \(headDim), not hidden_size / num_attention_heads "
                    + "(\(hidden / heads)); such models are not counted here")
        }
        for key in ["attention_bias", "mlp_bias"] where (o[key] as? Bool) == true {
            throw ModelSizeError.badKey(
                file: file, key: key, reason: "is true; LLaMA-style sizes count no biases")
        }
        guard heads % kvHeads == 0 else {
            throw ModelSizeError.badKey(
                file: file, key: "num_key_value_heads",
                reason: "(\(kvHeads)) does not divide num_attention_heads (\(heads))")
        }
    }
}

/// The element type of a KV cache.
public enum CacheFormat: String, Sendable, Codable, CaseIterable {
    case fp32, fp16, bf16

    public var bytesPerValue: Int { self == .fp32 ? 4 : 2 }
}

/// One tensor of a model as the size count sees it.
public struct SizedTensor: Sendable, Equatable {
    public enum Role: Sendable, Equatable {
        /// A linear layer's matrix [outputs, inputs]: stored in the format.
        case linear(outputs: Int, inputs: Int)
        /// The token embedding or an untied head [V, C]: fp32 for fp32, else fp16.
        case embedding
        /// Biases, position embeddings and norms: always fp32.
        case fp32
    }

    public var name: String
    public var count: Int
    public var role: Role
}

extension ModelSizeConfig {
    /// Every tensor of the model with its role. GPT-2's come from `GPT2Weights.parameters`
    /// (its one map of names and shapes); a LLaMA-style model's are Hugging Face's names.
    public func tensors() throws -> [SizedTensor] {
        switch family {
        case .gpt2:
            let config = try GPT2Config(
                vocabSize: vocab, nPositions: context, nEmbd: hidden, nLayer: layers, nHead: heads,
                nInner: intermediate, tieWordEmbeddings: tiedHead)
            return GPT2Weights.parameters(for: config).map { p in
                let count = p.shape.reduce(1, *)
                let role: SizedTensor.Role
                if p.name == "wte.weight" || p.name == "lm_head.weight" {
                    role = .embedding
                } else if p.shape.count == 2 && p.name != "wpe.weight" {
                    role = .linear(outputs: p.shape[1], inputs: p.shape[0])  // Conv1D [in, out]
                } else {
                    role = .fp32
                }
                return SizedTensor(name: p.name, count: count, role: role)
            }
        case .llama:
            let kv = kvHeads * headDim
            var out = [
                SizedTensor(
                    name: "model.embed_tokens.weight", count: vocab * hidden, role: .embedding)
            ]
            for i in 0..<layers {
                let p = "model.layers.\(i)."
                func linear(_ name: String, _ outputs: Int, _ inputs: Int) -> SizedTensor {
                    SizedTensor(
                        name: p + name, count: outputs * inputs,
                        role: .linear(outputs: outputs, inputs: inputs))
                }
                out += [
                    SizedTensor(name: p + "input_layernorm.weight", count: hidden, role: .fp32),
                    linear("self_attn.q_proj.weight", hidden, hidden),
                    linear("self_attn.k_proj.weight", kv, hidden),
                    linear("self_attn.v_proj.weight", kv, hidden),
                    linear("self_attn.o_proj.weight", hidden, hidden),
                    SizedTensor(
                        name: p + "post_attention_layernorm.weight", count: hidden, role: .fp32),
                    linear("mlp.gate_proj.weight", intermediate, hidden),
                    linear("mlp.up_proj.weight", intermediate, hidden),
                    linear("mlp.down_proj.weight", hidden, intermediate),
                ]
            }
            out.append(SizedTensor(name: "model.norm.weight", count: hidden, role: .fp32))
            if !tiedHead {
                out.append(
                    SizedTensor(name: "lm_head.weight", count: vocab * hidden, role: .embedding))
            }
            return out
        }
    }
}

/// A model's size: parameters, weight memory per format, KV cache at one context.
public struct ModelSize: Sendable, Equatable, Codable {
    public struct Weights: Sendable, Equatable, Codable {
        public var format: QuantScheme
        /// Bytes of every tensor as the format stores it; nil when the format cannot store a
        /// matrix of this model (`reason` says which).
        public var bytes: Int?
        public var reason: String?
    }

    public var config: ModelSizeConfig
    public var parameters: Int
    public var weights: [Weights]
    /// The context the KV cache is counted at, and its element type.
    public var context: Int
    public var cacheFormat: CacheFormat
    /// 2 (K and V) · L · context · Hkv · hd · bytes per value, for one sequence.
    public var kvCacheBytes: Int

    /// The formats the lecture compares.
    public static let lectureFormats: [QuantScheme] = [.fp32, .fp16, .bf16, .int8, .q8_0, .q4_0]

    public init(
        _ config: ModelSizeConfig, formats: [QuantScheme] = lectureFormats, context: Int? = nil,
        cache: CacheFormat = .fp16
    ) throws {
        let tensors = try config.tensors()
        self.config = config
        parameters = tensors.reduce(0) { $0 + $1.count }
        weights = formats.map { format in
            var total = 0
            for t in tensors {
                switch t.role {
                case .fp32: total += t.count * 4
                case .embedding: total += t.count * (format == .fp32 ? 4 : 2)
                case .linear(let outputs, let inputs):
                    guard let bytes = format.byteCount(outputs: outputs, inputs: inputs) else {
                        return Weights(
                            format: format, bytes: nil,
                            reason: "\(t.name) has \(inputs) inputs, not a multiple of "
                                + "\(QuantScheme.blockSize)")
                    }
                    total += bytes
                }
            }
            return Weights(format: format, bytes: total, reason: nil)
        }
        self.context = context ?? config.context
        cacheFormat = cache
        kvCacheBytes =
            2 * config.layers * self.context * config.kvHeads * config.headDim
            * cache.bytesPerValue
    }
}

/// "124.44M": a count for people.
public func formatCount(_ n: Int) -> String {
    switch n {
    case 1_000_000_000...: return String(format: "%.2fB", Double(n) / 1e9)
    case 1_000_000...: return String(format: "%.2fM", Double(n) / 1e6)
    case 1_000...: return String(format: "%.1fK", Double(n) / 1e3)
    default: return "\(n)"
    }
}

/// "474.7 MiB": bytes for people, in powers of 1024.
public func formatBytes(_ n: Int) -> String {
    switch n {
    case (1 << 30)...: return String(format: "%.2f GiB", Double(n) / Double(1 << 30))
    case (1 << 20)...: return String(format: "%.1f MiB", Double(n) / Double(1 << 20))
    case (1 << 10)...: return String(format: "%.1f KiB", Double(n) / Double(1 << 10))
    default: return "\(n) B"
    }
}
