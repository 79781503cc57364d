// The knobs of the GPT-2 reference, as `LlamaVariant` is for LLaMA: each default is the lecture's
// computation (and keeps the fast path), each other setting is one step a student can get wrong.
// Grading names its catalogued mistakes by these knobs, so a mistake's output is this module's
// attention, layer norm, block and forward with one step changed, never a second copy.

/// What the attention scores q·kᵀ are multiplied by.
public enum ScoreScale: Sendable, Equatable {
    /// 1/√d_k, the lecture's scaling.
    case sqrtDk
    /// No scaling: large dot products push softmax towards one-hot weights.
    case none
    /// 1/d_k: divided by the key width instead of its square root.
    case dk

    /// The factor for keys of width `dk`.
    func factor(_ dk: Int) -> Float {
        switch self {
        case .sqrtDk: return 1 / Float(dk).squareRoot()
        case .none: return 1
        case .dk: return 1 / Float(dk)
        }
    }
}

/// How scaled dot-product attention may deviate from softmax(q kᵀ / √d_k + mask) v.
public struct AttentionVariant: Sendable, Equatable {
    public var scale = ScoreScale.sqrtDk
    /// The axis of the scores [..., T_q, T_k] softmax runs over: -1, the keys (each query's
    /// weights sum to 1); -2 normalises over the queries instead.
    public var softmaxAxis = -1
    /// Subtract each row's max before exp; without it exp overflows on large scores.
    public var maxShift = true
    /// What a masked score becomes before the softmax: -inf (the lecture), or a large negative
    /// number such as -1e9.
    public var maskFill = -Float.infinity
    /// When set, the mask is applied AFTER the softmax: masked weights are set to this value
    /// (0, or -1e9), so the rows no longer sum to 1.
    public var maskAfterSoftmax: Float? = nil
    /// The mask is not applied at all.
    public var ignoreMask = false

    public init() {}

    /// Whether this is the lecture's attention (then the fast path runs).
    public var isCorrect: Bool { self == AttentionVariant() }
}

/// How multi-head (and cross-) attention may deviate from GPT-2's.
public struct MultiHeadVariant: Sendable, Equatable {
    public var attention = AttentionVariant()
    /// The causal mask lets query i see keys 0 … i + causalOffset (0 is right, ±1 is off by one
    /// diagonal); nil: no causal mask at all.
    public var causalOffset: Int? = 0
    /// The thirds of c_attn's [T, 3C] output read as q, k and v: [0, 1, 2] is q | k | v.
    public var qkvOrder = [0, 1, 2]
    /// Cross-attention reads v from the first half of w_kv's output and k from the second.
    public var kvSwapped = false
    /// Heads are split by reshape [T, C] -> [T, H, hs] FOLLOWED by the transpose to [H, T, hs];
    /// false is the bare reshape to [H, T, hs], which mixes tokens and channels.
    public var splitTranspose = true
    /// Heads are merged by the transpose [H, T, hs] -> [T, H, hs] before the reshape to [T, C].
    public var mergeTranspose = true

    public init() {}

    /// Whether this is GPT-2's attention (then the fast path runs).
    public var isCorrect: Bool { self == MultiHeadVariant() }
}

/// How layer norm may deviate from (x − mean) / √(var + eps) · γ + β.
public struct LayerNormVariant: Sendable, Equatable {
    /// The unbiased variance (divide by n − 1) instead of the biased one (divide by n).
    public var unbiased = false
    /// (x − mean) / (√var + eps): eps added outside the square root.
    public var epsOutsideSqrt = false

    public init() {}
}

/// How a GPT-2 block may deviate from the pre-LN x + attn(ln_1(x)), x + mlp(ln_2(x)).
public struct BlockVariant: Sendable, Equatable {
    public var layerNorm = LayerNormVariant()
    /// The residual around attention: x + attn(ln_1(x)); false drops the "x +".
    public var attentionResidual = true
    /// The residual around the MLP: x + mlp(ln_2(x)); false drops the "x +".
    public var mlpResidual = true
    /// The original Transformer's post-LN block: ln_1(x + attn(x)), then ln_2(x + mlp(x)).
    public var postLN = false

    public init() {}
}

/// Where the position embeddings added to the token embeddings come from.
public enum PositionVariant: Sendable, Equatable {
    /// wpe[0 ..< T], the lecture's.
    case correct
    /// No position embedding: attention alone ignores order.
    case missing
    /// wpe[1 ... T], off by one (a position past the table adds nothing).
    case offByOne
}

/// How GPT-2's forward may deviate from the model's.
public struct GPT2Variant: Sendable, Equatable {
    public var block = BlockVariant()
    public var positions = PositionVariant.correct
    /// The final layer norm ln_f after the last block.
    public var finalLayerNorm = true

    public init() {}
}
