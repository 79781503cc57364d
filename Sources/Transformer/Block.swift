// One GPT-2 transformer block, pre-LayerNorm: x + attn(ln_1(x)), then x + mlp(ln_2(x)).
import Tensors

/// A block's weights under Swift names (Checkpoint.swift maps them to Hugging Face names).
public struct BlockWeights: Sendable, Equatable {
    public var ln1Weight: Tensor  // [C]
    public var ln1Bias: Tensor  // [C]
    public var attention: AttentionWeights
    public var ln2Weight: Tensor  // [C]
    public var ln2Bias: Tensor  // [C]
    public var mlp: MLPWeights

    public init(
        ln1Weight: Tensor, ln1Bias: Tensor, attention: AttentionWeights, ln2Weight: Tensor,
        ln2Bias: Tensor, mlp: MLPWeights
    ) {
        self.ln1Weight = ln1Weight
        self.ln1Bias = ln1Bias
        self.attention = attention
        self.ln2Weight = ln2Weight
        self.ln2Bias = ln2Bias
        self.mlp = mlp
    }
}

/// x [T, C] -> [T, C] through one block with causal self-attention.
/// `attentionScale` multiplies the scores (1/√hs by default), `activation` is the MLP's.
/// A `variant` other than the default is a catalogued mistake (a residual dropped, post-LN,
/// layer norm's variance or eps).
public func transformerBlock(
    _ x: Tensor, weights w: BlockWeights, heads: Int, eps: Float = 1e-5,
    attentionScale: Float? = nil, activation: Activation = .geluTanh,
    variant: BlockVariant = BlockVariant()
) -> Tensor {
    let ln1 = { (h: Tensor) in
        layerNorm(h, weight: w.ln1Weight, bias: w.ln1Bias, eps: eps, variant: variant.layerNorm)
    }
    let ln2 = { (h: Tensor) in
        layerNorm(h, weight: w.ln2Weight, bias: w.ln2Bias, eps: eps, variant: variant.layerNorm)
    }
    let attn = { (h: Tensor) in
        multiHeadSelfAttention(h, weights: w.attention, heads: heads, scale: attentionScale)
    }
    let ff = { (h: Tensor) in mlp(h, weights: w.mlp, activation: activation) }
    if variant.postLN {  // the original Transformer: ln_1(x + attn(x)), then ln_2(x + mlp(x))
        let h = ln1(x + attn(x))
        return ln2(h + ff(h))
    }
    let a = attn(ln1(x))  // [T, C]
    let h = variant.attentionResidual ? x + a : a  // residual
    let m = ff(ln2(h))  // [T, C]
    return variant.mlpResidual ? h + m : m  // residual, [T, C]
}
