// The GPT-2 model: its configuration (Hugging Face config.json keys), its weights under Swift
// names with the one map to checkpoint names, and the forward pass from token ids to logits.
// Shapes: T time, C = n_embd, V = vocab_size, P = n_positions, L = n_layer, H = n_head.
import Foundation
import Tensors

// MARK: - Configuration

/// GPT-2's hyperparameters, coded with the keys of a Hugging Face config.json.
public struct GPT2Config: Codable, Sendable, Equatable {
    public var vocabSize: Int  // V
    public var nPositions: Int  // P, the longest sequence
    public var nEmbd: Int  // C
    public var nLayer: Int  // L
    public var nHead: Int  // H
    public var layerNormEpsilon: Float
    public var bosTokenId: Int?
    public var eosTokenId: Int?

    enum CodingKeys: String, CodingKey {
        case vocabSize = "vocab_size"
        case nPositions = "n_positions"
        case nCtx = "n_ctx"
        case nEmbd = "n_embd"
        case nLayer = "n_layer"
        case nHead = "n_head"
        case layerNormEpsilon = "layer_norm_epsilon"
        case bosTokenId = "bos_token_id"
        case eosTokenId = "eos_token_id"
        case activationFunction = "activation_function"
    }

    /// A validated configuration; throws `TransformerError.badConfig` naming the bad key.
    public init(
        vocabSize: Int, nPositions: Int, nEmbd: Int, nLayer: Int, nHead: Int,
        layerNormEpsilon: Float = 1e-5, bosTokenId: Int? = nil, eosTokenId: Int? = nil
    ) throws {
        self.vocabSize = vocabSize
        self.nPositions = nPositions
        self.nEmbd = nEmbd
        self.nLayer = nLayer
        self.nHead = nHead
        self.layerNormEpsilon = layerNormEpsilon
        self.bosTokenId = bosTokenId
        self.eosTokenId = eosTokenId
        try validate()
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func int(_ key: CodingKeys) throws -> Int? {
            do { return try c.decodeIfPresent(Int.self, forKey: key) } catch {
                throw TransformerError.badConfig(
                    key: key.rawValue, reason: "must be an integer", file: "config.json")
            }
        }
        func required(_ key: CodingKeys) throws -> Int {
            guard let v = try int(key) else {
                throw TransformerError.badConfig(
                    key: key.rawValue, reason: "is missing", file: "config.json")
            }
            return v
        }
        vocabSize = try required(.vocabSize)
        nEmbd = try required(.nEmbd)
        nLayer = try required(.nLayer)
        nHead = try required(.nHead)
        // Old checkpoints name the context length n_ctx; n_positions wins when both appear.
        guard let positions = try int(.nPositions) ?? int(.nCtx) else {
            throw TransformerError.badConfig(
                key: "n_positions", reason: "is missing (and so is n_ctx)", file: "config.json")
        }
        nPositions = positions
        do {
            layerNormEpsilon = try c.decodeIfPresent(Float.self, forKey: .layerNormEpsilon) ?? 1e-5
        } catch {
            throw TransformerError.badConfig(
                key: "layer_norm_epsilon", reason: "must be a number", file: "config.json")
        }
        // Only GPT-2's tanh GELU is implemented; refuse a checkpoint trained with another.
        if let activation = try? c.decodeIfPresent(String.self, forKey: .activationFunction),
            !["gelu_new", "gelu_pytorch_tanh"].contains(activation)
        {
            throw TransformerError.badConfig(
                key: "activation_function",
                reason: "is \"\(activation)\" but only gelu_new (tanh GELU) is supported",
                file: "config.json")
        }
        bosTokenId = try int(.bosTokenId)
        eosTokenId = try int(.eosTokenId)
        try validate()
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(vocabSize, forKey: .vocabSize)
        try c.encode(nPositions, forKey: .nPositions)
        try c.encode(nPositions, forKey: .nCtx)
        try c.encode(nEmbd, forKey: .nEmbd)
        try c.encode(nLayer, forKey: .nLayer)
        try c.encode(nHead, forKey: .nHead)
        // Through its shortest decimal form, so 1e-5 is written as 1e-05, not 9.99999974e-06.
        try c.encode(
            Double("\(layerNormEpsilon)") ?? Double(layerNormEpsilon), forKey: .layerNormEpsilon)
        try c.encodeIfPresent(bosTokenId, forKey: .bosTokenId)
        try c.encodeIfPresent(eosTokenId, forKey: .eosTokenId)
    }

    /// Checks every size is positive and n_embd splits evenly into n_head heads.
    public func validate(file: String = "config.json") throws {
        for (key, value) in [
            ("vocab_size", vocabSize), ("n_positions", nPositions), ("n_embd", nEmbd),
            ("n_layer", nLayer), ("n_head", nHead),
        ] where value <= 0 {
            throw TransformerError.badConfig(
                key: key, reason: "must be positive, got \(value)", file: file)
        }
        guard nEmbd % nHead == 0 else {
            throw TransformerError.badConfig(
                key: "n_embd", reason: "(\(nEmbd)) must be divisible by n_head (\(nHead))",
                file: file)
        }
        guard layerNormEpsilon > 0, layerNormEpsilon.isFinite else {
            throw TransformerError.badConfig(
                key: "layer_norm_epsilon",
                reason: "must be a positive number, got \(layerNormEpsilon)",
                file: file)
        }
    }
}

// MARK: - Weights

/// All of GPT-2's parameters under Swift names.
public struct GPT2Weights: Sendable, Equatable {
    public var wte: Tensor  // [V, C] token embedding, also the output head (tied)
    public var wpe: Tensor  // [P, C] position embedding
    public var blocks: [BlockWeights]  // L blocks
    public var lnFWeight: Tensor  // [C] final layer norm
    public var lnFBias: Tensor  // [C]

    public init(
        wte: Tensor, wpe: Tensor, blocks: [BlockWeights], lnFWeight: Tensor, lnFBias: Tensor
    ) {
        self.wte = wte
        self.wpe = wpe
        self.blocks = blocks
        self.lnFWeight = lnFWeight
        self.lnFBias = lnFBias
    }

    /// Every tensor zero, shaped for `config` (to be filled by a loader or an initialiser).
    public init(zerosFor config: GPT2Config) {
        let z = { (shape: [Int]) in Tensor(zeros: shape) }
        let (c, v, p) = (config.nEmbd, config.vocabSize, config.nPositions)
        let block = BlockWeights(
            ln1Weight: z([c]), ln1Bias: z([c]),
            attention: AttentionWeights(
                cAttnWeight: z([c, 3 * c]), cAttnBias: z([3 * c]), cProjWeight: z([c, c]),
                cProjBias: z([c])),
            ln2Weight: z([c]), ln2Bias: z([c]),
            mlp: MLPWeights(
                cFcWeight: z([c, 4 * c]), cFcBias: z([4 * c]), cProjWeight: z([4 * c, c]),
                cProjBias: z([c])))
        self.init(
            wte: z([v, c]), wpe: z([p, c]), blocks: Array(repeating: block, count: config.nLayer),
            lnFWeight: z([c]), lnFBias: z([c]))
    }

    /// One named parameter: its Hugging Face name, where it lives in GPT2Weights, its shape.
    public struct Parameter {
        public let name: String
        public let field: WritableKeyPath<GPT2Weights, Tensor>
        public let shape: [Int]
    }

    /// THE map between Hugging Face GPT-2 tensor names and the Swift fields, with the shape
    /// config.json implies for each. Loading, saving, initialising and validating all use it.
    public static func parameters(for config: GPT2Config) -> [Parameter] {
        let (c, v, p) = (config.nEmbd, config.vocabSize, config.nPositions)
        var out = [
            Parameter(name: "wte.weight", field: \.wte, shape: [v, c]),
            Parameter(name: "wpe.weight", field: \.wpe, shape: [p, c]),
        ]
        for i in 0..<config.nLayer {
            let h = "h.\(i)."
            out += [
                Parameter(name: h + "ln_1.weight", field: \.blocks[i].ln1Weight, shape: [c]),
                Parameter(name: h + "ln_1.bias", field: \.blocks[i].ln1Bias, shape: [c]),
                Parameter(
                    name: h + "attn.c_attn.weight", field: \.blocks[i].attention.cAttnWeight,
                    shape: [c, 3 * c]),
                Parameter(
                    name: h + "attn.c_attn.bias", field: \.blocks[i].attention.cAttnBias,
                    shape: [3 * c]),
                Parameter(
                    name: h + "attn.c_proj.weight", field: \.blocks[i].attention.cProjWeight,
                    shape: [c, c]),
                Parameter(
                    name: h + "attn.c_proj.bias", field: \.blocks[i].attention.cProjBias,
                    shape: [c]),
                Parameter(name: h + "ln_2.weight", field: \.blocks[i].ln2Weight, shape: [c]),
                Parameter(name: h + "ln_2.bias", field: \.blocks[i].ln2Bias, shape: [c]),
                Parameter(
                    name: h + "mlp.c_fc.weight", field: \.blocks[i].mlp.cFcWeight,
                    shape: [c, 4 * c]),
                Parameter(
                    name: h + "mlp.c_fc.bias", field: \.blocks[i].mlp.cFcBias, shape: [4 * c]),
                Parameter(
                    name: h + "mlp.c_proj.weight", field: \.blocks[i].mlp.cProjWeight,
                    shape: [4 * c, c]),
                Parameter(
                    name: h + "mlp.c_proj.bias", field: \.blocks[i].mlp.cProjBias, shape: [c]),
            ]
        }
        out += [
            Parameter(name: "ln_f.weight", field: \.lnFWeight, shape: [c]),
            Parameter(name: "ln_f.bias", field: \.lnFBias, shape: [c]),
        ]
        return out
    }
}

// MARK: - Model

/// A GPT-2 language model: configuration plus weights whose shapes agree with it.
public struct GPT2Model: Sendable {
    public let config: GPT2Config
    public private(set) var weights: GPT2Weights

    /// Throws `shapeMismatch` if any weight's shape disagrees with `config`.
    public init(config: GPT2Config, weights: GPT2Weights, source: String = "weights") throws {
        try config.validate()
        guard weights.blocks.count == config.nLayer else {
            throw TransformerError.badConfig(
                key: "n_layer",
                reason: "is \(config.nLayer) but the weights have "
                    + "\(weights.blocks.count) blocks", file: source)
        }
        for p in GPT2Weights.parameters(for: config)
        where weights[keyPath: p.field].shape != p.shape {
            throw TransformerError.shapeMismatch(
                tensor: p.name, expected: p.shape, actual: weights[keyPath: p.field].shape,
                file: source)
        }
        self.config = config
        self.weights = weights
    }

    /// Checks ids are in the vocabulary and fit after `offset` earlier positions.
    public func validate(_ ids: [Int], offset: Int = 0) throws {
        try config.validate(ids, offset: offset)
    }

    /// The final hidden states after ln_f: ids [T] -> [T, C].
    public func hiddenStates(_ ids: [Int]) throws -> Tensor {
        try validate(ids)
        var x = embed(ids: ids, wte: weights.wte, wpe: weights.wpe)  // [T, C]
        for block in weights.blocks {
            x = transformerBlock(
                x, weights: block, heads: config.nHead, eps: config.layerNormEpsilon)
        }
        return layerNorm(
            x, weight: weights.lnFWeight, bias: weights.lnFBias, eps: config.layerNormEpsilon)
    }

    /// Next-token logits at every position: ids [T] -> [T, V].
    public func forward(_ ids: [Int]) throws -> Tensor {
        tiedHead(try hiddenStates(ids), wte: weights.wte)  // [T, C] -> [T, V]
    }
}

/// The output head tied to the token embedding: x [T, C] @ wteᵀ [C, V] -> [T, V].
/// One sgemm against wte read transposed (`matvec` for a single row).
public func tiedHead(_ x: Tensor, wte: Tensor) -> Tensor {
    precondition(
        x.rank == 2 && wte.rank == 2 && x.shape[1] == wte.shape[1],
        "tiedHead: x \(x.shape), wte \(wte.shape)")
    let (t, c, v) = (x.shape[0], x.shape[1], wte.shape[0])
    var out = Tensor(zeros: [t, v])
    guard t > 0, v > 0, c > 0 else { return out }
    x.data.withUnsafeBufferPointer { xs in
        wte.data.withUnsafeBufferPointer { w in
            out.data.withUnsafeMutableBufferPointer { y in
                guard let xs = xs.baseAddress, let w = w.baseAddress, let y = y.baseAddress else {
                    return
                }
                if t == 1 {
                    matvec(transposed: false, rows: v, cols: c, a: w, lda: c, x: xs, y: y)  // wte x
                } else {
                    sgemm(
                        transA: false, transB: true, m: t, n: v, k: c, a: xs, lda: c, b: w,
                        ldb: c, c: y, ldc: v)
                }
            }
        }
    }
    return out
}

extension GPT2Config {
    /// Checks ids are in the vocabulary and fit after `offset` earlier positions, within
    /// `capacity` positions (a KV cache's, at most n_positions; n_positions by default). Every
    /// model of this shape (the reference, a quantized one) checks its input here.
    public func validate(_ ids: [Int], offset: Int = 0, capacity: Int? = nil) throws {
        let limit = capacity ?? nPositions
        guard offset + ids.count <= limit else {
            throw TransformerError.sequenceTooLong(length: offset + ids.count, maxPositions: limit)
        }
        for (position, id) in ids.enumerated() where id < 0 || id >= vocabSize {
            throw TransformerError.tokenOutOfRange(id: id, position: position, vocabSize: vocabSize)
        }
    }
}
