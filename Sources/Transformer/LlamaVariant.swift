// The knobs of the LLaMA-style reference: `LlamaVariant()` is the lecture's computation, and each
// knob is one step a student can get wrong. Grading names its catalogued mistakes by these knobs,
// so a mistake's output is this module's maths with one step changed, never a second copy.

/// How the LLaMA reference functions may deviate from the correct computation.
public struct LlamaVariant: Sendable, Equatable {
    /// RMSNorm subtracts the row mean first (layer norm without its bias).
    public var normSubtractsMean = false
    public var rope = RoPEVariant()
    /// RoPE rotates the values as well as the queries and keys.
    public var ropeOnValues = false
    public var kvOrder = KVRepeatOrder.grouped
    /// Attention without the causal mask.
    public var noCausalMask = false
    public var gate = GateActivation.silu
    /// The activation applied to the up projection instead of the gate.
    public var gateUpSwapped = false

    public init() {}
}

/// Which dimensions RoPE rotates together, and in which direction.
public struct RoPEVariant: Sendable, Equatable {
    public enum Pairing: Sendable, Equatable {
        /// Hugging Face LLaMA: dimension i with i + d/2 (`rotate_half`).
        case rotateHalf
        /// The original paper's layout: dimension 2i with 2i + 1.
        case interleaved
    }

    public var pairing = Pairing.rotateHalf
    /// +1 rotates by +angle; -1 (rotate_half written as cat(x2, -x1)) rotates backwards.
    public var sign: Float = 1

    public init(pairing: Pairing = .rotateHalf, sign: Float = 1) {
        self.pairing = pairing
        self.sign = sign
    }
}

/// How n_kv_head key/value heads are repeated to serve n_head query heads.
public enum KVRepeatOrder: Sendable, Equatable {
    /// Query head h reads KV head h / (n_head / n_kv_head): [k0, k0, k1, k1] (HF `repeat_kv`).
    case grouped
    /// Query head h reads KV head h % n_kv_head: [k0, k1, k0, k1] (np.tile).
    case tiled
}

/// The activation of the SwiGLU gate.
public enum GateActivation: Sendable, Equatable {
    /// SiLU (swish): x · sigmoid(x), as LLaMA.
    case silu
    /// GPT-2's tanh GELU.
    case gelu
}
