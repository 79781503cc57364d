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
public func transformerBlock(
    _ x: Tensor, weights w: BlockWeights, heads: Int, eps: Float = 1e-5,
    attentionScale: Float? = nil, activation: Activation = .geluTanh
) -> Tensor {
    let a = multiHeadSelfAttention(
        layerNorm(x, weight: w.ln1Weight, bias: w.ln1Bias, eps: eps), weights: w.attention,
        heads: heads, scale: attentionScale)  // [T, C]
    let x = x + a  // residual
    let m = mlp(
        layerNorm(x, weight: w.ln2Weight, bias: w.ln2Bias, eps: eps), weights: w.mlp,
        activation: activation)
    return x + m  // residual, [T, C]
}
