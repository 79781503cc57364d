// A LLaMA decoder block: pre-norm with RMSNorm, grouped-query attention with RoPE, SwiGLU MLP,
// a residual connection around each:  h = x + attn(rms(x));  out = h + mlp(rms(h)).
import Tensors

/// One block's weights.
public struct LlamaBlockWeights: Sendable, Equatable {
    public var attentionNorm: Tensor  // [C]
    public var attention: GQAWeights
    public var mlpNorm: Tensor  // [C]
    public var mlp: SwiGLUWeights

    public init(attentionNorm: Tensor, attention: GQAWeights, mlpNorm: Tensor, mlp: SwiGLUWeights) {
        self.attentionNorm = attentionNorm
        self.attention = attention
        self.mlpNorm = mlpNorm
        self.mlp = mlp
    }
}

/// x [T, C] -> [T, C].
public func llamaBlock(
    _ x: Tensor, weights w: LlamaBlockWeights, heads: Int, kvHeads: Int, theta: Float,
    eps: Float = 1e-6, variant: LlamaVariant = LlamaVariant()
) -> Tensor {
    let a = rmsNorm(x, weight: w.attentionNorm, eps: eps, subtractMean: variant.normSubtractsMean)
    let h = x + groupedQueryAttention(a, weights: w.attention, heads: heads, kvHeads: kvHeads,
                                      theta: theta, variant: variant)  // [T, C]
    let m = rmsNorm(h, weight: w.mlpNorm, eps: eps, subtractMean: variant.normSubtractsMean)
    return h + swiGLU(m, weights: w.mlp, variant: variant)  // [T, C]
}
