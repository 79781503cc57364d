// The attention weights a forward pass computes, for looking at (the lecture's attention
// explorer): step 2 of attention, softmax(q kᵀ · scale + causal mask), per layer and head.
// The forward itself never keeps them (its fast path overwrites them head by head).
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
