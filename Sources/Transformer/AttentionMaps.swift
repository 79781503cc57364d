// The attention weights themselves, for looking at them: step 2 of attention, softmax(q kᵀ ·
// scale + mask), per head — the lecture's attention explorer (every layer of a forward pass) and
// the feedback's heatmaps (a case's weights beside a catalogued mistake's: with a `variant`
// other than the default, the weights that mistake computes). The forward itself never keeps
// them (its fast path overwrites them head by head).
// Shapes: L layers, H heads, T time, C channels, hs = C / H.
import Tensors

/// Causal self-attention weights from the fused projection: qkv [T, 3C] (q | k | v) -> [H, T, T].
/// Row i of head h sums to 1 over keys 0 … i; keys after i have weight 0. `scale` multiplies
/// the scores (1/√hs by default).
public func causalSelfAttentionWeights(qkv: Tensor, heads: Int, scale requested: Float? = nil)
    -> Tensor
{
    let (t, c) = qkvShape(qkv, heads: heads)
    let scale = requested ?? 1 / Float(c / heads).squareRoot()
    let q = splitHeads(qkv.sliced(axis: -1, 0..<c), heads: heads)  // [H, T, hs]
    let k = splitHeads(qkv.sliced(axis: -1, c..<(2 * c)), heads: heads)  // [H, T, hs]
    let scores = q.matmul(k, transposeOther: true) * scale  // [H, T, T]
    return softmax(scores + causalMask(t).additiveTensor, axis: -1)  // [H, T, T]
}

extension GPT2Model {
    /// The attention weights of every block for `ids`: L tensors [H, T, T], as the forward
    /// computes them (each block's input is the previous block's output).
    public func attentionWeights(_ ids: [Int]) throws -> [Tensor] {
        try validate(ids)
        var x = embed(ids: ids, wte: weights.wte, wpe: weights.wpe)  // [T, C]
        var maps: [Tensor] = []
        for (layer, block) in weights.blocks.enumerated() {
            let h = layerNorm(
                x, weight: block.ln1Weight, bias: block.ln1Bias, eps: config.layerNormEpsilon)
            let qkv = linear(
                h, weight: block.attention.cAttnWeight, bias: block.attention.cAttnBias)
            maps.append(causalSelfAttentionWeights(
                qkv: qkv, heads: config.nHead, scale: config.attentionScale(layer: layer)))
            x = transformerBlock(
                x, weights: block, heads: config.nHead, eps: config.layerNormEpsilon,
                attentionScale: config.attentionScale(layer: layer), activation: config.activation)
        }
        return maps
    }
}

/// Causal self-attention's weights per head: x [T, C] with GPT-2's fused c_attn -> [H, T, T],
/// row i the weights query i gives keys 0…T−1 (zero above the diagonal for the reference).
public func selfAttentionWeights(
    _ x: Tensor, weights w: AttentionWeights, heads: Int,
    variant: MultiHeadVariant = MultiHeadVariant()
) -> Tensor {
    precondition(
        x.rank == 2 && heads > 0 && x.shape[1] % heads == 0,
        "self-attention weights: x \(x.shape) with \(heads) heads")
    let t = x.shape[0]
    let qkv = linear(x, weight: w.cAttnWeight, bias: w.cAttnBias)  // [T, C] -> [T, 3C]
    let part = { (i: Int) in variantHead(qkv, i, heads: heads, variant) }  // [H, T, hs]
    guard !variant.isCorrect else { return causalSelfAttentionWeights(qkv: qkv, heads: heads) }
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
