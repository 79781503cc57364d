// The GPT-2 model: its configuration (Hugging Face config.json keys), its weights under Swift
// names with the one map to checkpoint names, and the forward pass from token ids to logits.
// Shapes: T time, C = n_embd, V = vocab_size, P = n_positions, L = n_layer, H = n_head.
import Foundation
import Tensors

// MARK: - Configuration

/// GPT-2's hyperparameters, coded with the keys of a Hugging Face config.json. Every key of HF's
/// GPT2Config is either honoured, known to leave the logits unchanged (dropout, initialisation,
/// generation defaults, …), or refused by name when set to something lmlab does not compute:
/// see `GPT2Config.keyPolicy` and the README's "GPT-2 checkpoints".
public struct GPT2Config: Codable, Sendable, Equatable {
    public var vocabSize: Int  // V
    public var nPositions: Int  // P, the longest sequence
    public var nEmbd: Int  // C
    public var nLayer: Int  // L
    public var nHead: Int  // H
    public var layerNormEpsilon: Float
    public var bosTokenId: Int?
    public var eosTokenId: Int?
    /// n_inner: the MLP's hidden width; nil means 4C.
    public var nInner: Int?
    /// activation_function: the MLP's activation (GPT-2's tanh GELU by default).
    public var activation: Activation
    /// scale_attn_weights: scores divided by √hs (true in GPT-2).
    public var scaleAttnWeights: Bool
    /// scale_attn_by_inverse_layer_idx: scores of block i (0-based) also divided by i + 1.
    public var scaleAttnByInverseLayerIdx: Bool
    /// reorder_and_upcast_attn: HF then computes the scores in fp32 with the scale folded in;
    /// lmlab always computes in fp32, so the logits are the same either way.
    public var reorderAndUpcastAttn: Bool
    /// tie_word_embeddings: the output head is wte (true in GPT-2); false means the checkpoint
    /// carries its own lm_head.weight [V, C].
    public var tieWordEmbeddings: Bool

    enum CodingKeys: String, CodingKey {
        case vocabSize = "vocab_size"
        case nPositions = "n_positions"
        case nCtx = "n_ctx"
        case nEmbd = "n_embd"
        case nLayer = "n_layer"
        case nHead = "n_head"
        case nInner = "n_inner"
        case layerNormEpsilon = "layer_norm_epsilon"
        case bosTokenId = "bos_token_id"
        case eosTokenId = "eos_token_id"
        case activationFunction = "activation_function"
        case scaleAttnWeights = "scale_attn_weights"
        case scaleAttnByInverseLayerIdx = "scale_attn_by_inverse_layer_idx"
        case reorderAndUpcastAttn = "reorder_and_upcast_attn"
        case tieWordEmbeddings = "tie_word_embeddings"
    }

    /// A validated configuration; throws `TransformerError.badConfig` naming the bad key.
    public init(
        vocabSize: Int, nPositions: Int, nEmbd: Int, nLayer: Int, nHead: Int,
        layerNormEpsilon: Float = 1e-5, bosTokenId: Int? = nil, eosTokenId: Int? = nil,
        nInner: Int? = nil, activation: Activation = .geluTanh, scaleAttnWeights: Bool = true,
        scaleAttnByInverseLayerIdx: Bool = false, reorderAndUpcastAttn: Bool = false,
        tieWordEmbeddings: Bool = true
    ) throws {
        self.vocabSize = vocabSize
        self.nPositions = nPositions
        self.nEmbd = nEmbd
        self.nLayer = nLayer
        self.nHead = nHead
        self.layerNormEpsilon = layerNormEpsilon
        self.bosTokenId = bosTokenId
        self.eosTokenId = eosTokenId
        self.nInner = nInner
        self.activation = activation
        self.scaleAttnWeights = scaleAttnWeights
        self.scaleAttnByInverseLayerIdx = scaleAttnByInverseLayerIdx
        self.reorderAndUpcastAttn = reorderAndUpcastAttn
        self.tieWordEmbeddings = tieWordEmbeddings
        try validate()
    }

    public init(from decoder: Decoder) throws {
        try Self.checkOtherKeys(decoder)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func int(_ key: CodingKeys) throws -> Int? {
            // null is what HF writes for an unset n_inner.
            if (try? c.decodeNil(forKey: key)) == true { return nil }
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
        func bool(_ key: CodingKeys, default value: Bool) throws -> Bool {
            do { return try c.decodeIfPresent(Bool.self, forKey: key) ?? value } catch {
                throw TransformerError.badConfig(
                    key: key.rawValue, reason: "must be true or false", file: "config.json")
            }
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
        let activationName: String?
        do {
            activationName = try c.decodeIfPresent(String.self, forKey: .activationFunction)
        } catch {
            throw TransformerError.badConfig(
                key: "activation_function", reason: "must be a string", file: "config.json")
        }
        if let activationName {
            guard let known = Activation.names[activationName] else {
                throw TransformerError.badConfig(
                    key: "activation_function",
                    reason: "is \"\(activationName)\", which lmlab does not compute; it computes "
                        + Activation.names.keys.sorted().joined(separator: ", "),
                    file: "config.json")
            }
            activation = known
        } else {
            activation = .geluTanh
        }
        nInner = try int(.nInner)
        scaleAttnWeights = try bool(.scaleAttnWeights, default: true)
        scaleAttnByInverseLayerIdx = try bool(.scaleAttnByInverseLayerIdx, default: false)
        reorderAndUpcastAttn = try bool(.reorderAndUpcastAttn, default: false)
        tieWordEmbeddings = try bool(.tieWordEmbeddings, default: true)
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
        try c.encodeIfPresent(nInner, forKey: .nInner)
        try c.encode(activation.rawValue, forKey: .activationFunction)
        try c.encode(scaleAttnWeights, forKey: .scaleAttnWeights)
        try c.encode(scaleAttnByInverseLayerIdx, forKey: .scaleAttnByInverseLayerIdx)
        try c.encode(reorderAndUpcastAttn, forKey: .reorderAndUpcastAttn)
        try c.encode(tieWordEmbeddings, forKey: .tieWordEmbeddings)
    }

    /// The MLP's hidden width: n_inner, else 4C.
    public var innerSize: Int { nInner ?? 4 * nEmbd }

    /// The factor the attention scores of block `layer` (0-based) are multiplied by:
    /// 1/√hs if scale_attn_weights, times 1/(layer + 1) if scale_attn_by_inverse_layer_idx.
    public func attentionScale(layer: Int) -> Float {
        var scale: Float = scaleAttnWeights ? 1 / Float(nEmbd / nHead).squareRoot() : 1
        if scaleAttnByInverseLayerIdx { scale /= Float(layer + 1) }
        return scale
    }

    /// Whether every key has GPT-2's own value, the only configuration the training backward
    /// implements; otherwise the first key that differs.
    public var firstNonDefaultKey: String? {
        if activation != .geluTanh { return "activation_function" }
        if !scaleAttnWeights { return "scale_attn_weights" }
        if scaleAttnByInverseLayerIdx { return "scale_attn_by_inverse_layer_idx" }
        if !tieWordEmbeddings { return "tie_word_embeddings" }
        return nil
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
        if let nInner, nInner <= 0 {
            throw TransformerError.badConfig(
                key: "n_inner", reason: "must be positive (or null for 4·n_embd), got \(nInner)",
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
    /// [V, C] lm_head.weight, only when the head is untied (tie_word_embeddings false).
    public var lmHead: Tensor?

    public init(
        wte: Tensor, wpe: Tensor, blocks: [BlockWeights], lnFWeight: Tensor, lnFBias: Tensor,
        lmHead: Tensor? = nil
    ) {
        self.wte = wte
        self.wpe = wpe
        self.blocks = blocks
        self.lnFWeight = lnFWeight
        self.lnFBias = lnFBias
        self.lmHead = lmHead
    }

    /// The output head [V, C]: lm_head.weight when untied, else wte.
    public var outputHead: Tensor { lmHead ?? wte }

    /// lm_head.weight as a non-optional field for the parameter map (empty when tied).
    var untiedHead: Tensor {
        get { lmHead ?? Tensor(zeros: [0]) }
        set { lmHead = newValue }
    }

    /// Every tensor zero, shaped for `config` (to be filled by a loader or an initialiser).
    public init(zerosFor config: GPT2Config) {
        let z = { (shape: [Int]) in Tensor(zeros: shape) }
        let (c, v, p, inner) = (config.nEmbd, config.vocabSize, config.nPositions, config.innerSize)
        let block = BlockWeights(
            ln1Weight: z([c]), ln1Bias: z([c]),
            attention: AttentionWeights(
                cAttnWeight: z([c, 3 * c]), cAttnBias: z([3 * c]), cProjWeight: z([c, c]),
                cProjBias: z([c])),
            ln2Weight: z([c]), ln2Bias: z([c]),
            mlp: MLPWeights(
                cFcWeight: z([c, inner]), cFcBias: z([inner]), cProjWeight: z([inner, c]),
                cProjBias: z([c])))
        self.init(
            wte: z([v, c]), wpe: z([p, c]), blocks: Array(repeating: block, count: config.nLayer),
            lnFWeight: z([c]), lnFBias: z([c]), lmHead: config.tieWordEmbeddings ? nil : z([v, c]))
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
        let (c, v, p, inner) = (config.nEmbd, config.vocabSize, config.nPositions, config.innerSize)
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
                    shape: [c, inner]),
                Parameter(
                    name: h + "mlp.c_fc.bias", field: \.blocks[i].mlp.cFcBias, shape: [inner]),
                Parameter(
                    name: h + "mlp.c_proj.weight", field: \.blocks[i].mlp.cProjWeight,
                    shape: [inner, c]),
                Parameter(
                    name: h + "mlp.c_proj.bias", field: \.blocks[i].mlp.cProjBias, shape: [c]),
            ]
        }
        out += [
            Parameter(name: "ln_f.weight", field: \.lnFWeight, shape: [c]),
            Parameter(name: "ln_f.bias", field: \.lnFBias, shape: [c]),
        ]
        if !config.tieWordEmbeddings {
            out.append(Parameter(name: "lm_head.weight", field: \.untiedHead, shape: [v, c]))
        }
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
        guard (weights.lmHead == nil) == config.tieWordEmbeddings else {
            throw TransformerError.badConfig(
                key: "tie_word_embeddings",
                reason: "is \(config.tieWordEmbeddings) but the weights "
                    + (weights.lmHead == nil ? "have no" : "have their own") + " lm_head.weight",
                file: source)
        }
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

    /// The final hidden states after ln_f: ids [T] -> [T, C]. A `variant` other than the
    /// default is a catalogued mistake (positions, ln_f missing, a block's).
    public func hiddenStates(_ ids: [Int], variant: GPT2Variant = GPT2Variant()) throws -> Tensor {
        try validate(ids)
        var x = embed(
            ids: ids, wte: weights.wte, wpe: weights.wpe, positions: variant.positions)  // [T, C]
        for (layer, block) in weights.blocks.enumerated() {
            x = transformerBlock(
                x, weights: block, heads: config.nHead, eps: config.layerNormEpsilon,
                attentionScale: config.attentionScale(layer: layer),
                activation: config.activation, variant: variant.block)
        }
        guard variant.finalLayerNorm else { return x }
        return layerNorm(
            x, weight: weights.lnFWeight, bias: weights.lnFBias, eps: config.layerNormEpsilon,
            variant: variant.block.layerNorm)
    }

    /// Next-token logits at every position: ids [T] -> [T, V].
    public func forward(_ ids: [Int], variant: GPT2Variant = GPT2Variant()) throws -> Tensor {
        tiedHead(try hiddenStates(ids, variant: variant), wte: weights.outputHead)  // [T, V]
    }
}

/// The output head tied to the token embedding: x [T, C] @ wteᵀ [C, V] -> [T, V]. An untied
/// lm_head.weight [V, C] is applied the same way (pass it as `wte`).
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
