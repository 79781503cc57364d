// The attention weights themselves, per head, for the pictures of attention (the feedback's
// heatmaps, the lecture's attention explorer): the same maths as the attention that produces an
// output, stopped after the softmax. With a `variant` other than the default, the weights a
// catalogued mistake computes.
import Tensors

/// Causal self-attention's weights per head: x [T, C] with GPT-2's fused c_attn -> [H, T, T],
/// row i the weights query i gives keys 0…T−1 (zero above the diagonal for the reference).
public func selfAttentionWeights(
    _ x: Tensor, weights w: AttentionWeights, heads: Int,
    variant: MultiHeadVariant = MultiHeadVariant()
) -> Tensor {
    precondition(
        x.rank == 2 && heads > 0 && x.shape[1] % heads == 0,
        "self-attention weights: x \(x.shape) with \(heads) heads")
    let (t, c) = (x.shape[0], x.shape[1])
    let qkv = linear(x, weight: w.cAttnWeight, bias: w.cAttnBias)  // [T, C] -> [T, 3C]
    let part = { (i: Int) in  // the third read as q (0), k (1) or v (2): [T, C] -> [H, T, hs]
        let from = variant.qkvOrder[i] * c
        return splitHeads(
            qkv.sliced(axis: -1, from..<(from + c)), heads: heads,
            transpose: variant.splitTranspose)
    }
    guard !variant.isCorrect else {
        return attentionWeights(q: part(0), k: part(1), mask: causalMask(t))  // [H, T, T]
    }
    let mask = variant.causalOffset.map { causalMask(t, offset: $0) }
    return variantAttentionWeights(q: part(0), k: part(1), mask: mask, variant.attention)
}

/// Cross-attention's weights per head: x [Tq, C] attending to context [Tk, C] -> [H, Tq, Tk].
public func crossAttentionWeights(
    _ x: Tensor, context: Tensor, weights w: CrossAttentionWeights, heads: Int,
    variant: MultiHeadVariant = MultiHeadVariant()
) -> Tensor {
    precondition(
        x.rank == 2 && context.rank == 2 && x.shape[1] == context.shape[1]
            && x.shape[1] % heads == 0,
        "cross-attention weights: x \(x.shape), context \(context.shape), \(heads) heads")
    let c = x.shape[1]
    let q = linear(x, weight: w.qWeight, bias: w.qBias)  // [Tq, C]
    let kv = linear(context, weight: w.kvWeight, bias: w.kvBias)  // [Tk, 2C]
    let kFrom = variant.kvSwapped ? c : 0
    let k = kv.sliced(axis: -1, kFrom..<(kFrom + c))  // [Tk, C]
    let split = { (m: Tensor) in splitHeads(m, heads: heads, transpose: variant.splitTranspose) }
    guard !variant.isCorrect else { return attentionWeights(q: split(q), k: split(k)) }
    return variantAttentionWeights(q: split(q), k: split(k), mask: nil, variant.attention)
}
