// One pre-LayerNorm GPT-2 block for training: x1 = x + attn(ln_1(x)), out = x1 + mlp(ln_2(x1)).
// Backward: the residual passes the gradient straight through and each branch adds its own.
import Tensors
import Transformer

/// What a block's backward needs from its forward.
struct BlockCache {
    var x: Tensor  // [N, C] block input
    var ln1: Tensor  // [N, C]
    var qkv: Tensor  // [N, 3C]
    var probabilities: Tensor  // [B, H, T, T]
    var merged: Tensor  // [N, C] heads side by side, before c_proj
    var xaAttn: Tensor?  // [N, r]
    var xaAttnProj: Tensor?  // [N, r]
    var x1: Tensor  // [N, C] after the attention residual
    var mlp: MLPCache
}

/// x [N, C] (B sequences) -> [N, C], as `transformerBlock` computes it for each sequence.
func blockForward(
    _ x: Tensor, weights w: BlockWeights, batch: Int, heads: Int, eps: Float,
    adapters: [LoRATarget: LoRAAdapter]
) -> (Tensor, BlockCache) {
    let a = w.attention
    let ln1 = layerNorm(x, weight: w.ln1Weight, bias: w.ln1Bias, eps: eps)  // [N, C]
    let (qkv, xaAttn) = adaptedLinear(ln1, weight: a.cAttnWeight, bias: a.cAttnBias, adapter: adapters[.cAttn])  // [N, 3C]
    let (merged, probs) = causalAttentionForward(qkv: qkv, batch: batch, heads: heads)  // [N, C]
    let (attn, xaAttnProj) = adaptedLinear(
        merged, weight: a.cProjWeight, bias: a.cProjBias, adapter: adapters[.attnCProj])  // [N, C]
    let x1 = x + attn  // residual
    let ln2 = layerNorm(x1, weight: w.ln2Weight, bias: w.ln2Bias, eps: eps)  // [N, C]
    let (m, mlpCache) = mlpForward(ln2, weights: w.mlp, adapters: adapters)
    let cache = BlockCache(
        x: x, ln1: ln1, qkv: qkv, probabilities: probs, merged: merged, xaAttn: xaAttn,
        xaAttnProj: xaAttnProj, x1: x1, mlp: mlpCache)
    return (x1 + m, cache)  // residual
}

/// dOut [N, C] -> dx [N, C], the block's weight gradients (if `baseGradients`) and its adapters'.
func blockBackward(
    _ dOut: Tensor, cache: BlockCache, weights w: BlockWeights, eps: Float,
    adapters: [LoRATarget: LoRAAdapter], baseGradients: Bool
) -> (dx: Tensor, weights: BlockWeights?, adapters: [LoRAAdapter]) {
    let a = w.attention
    // out = x1 + mlp(ln_2(x1))
    let mlp = mlpBackward(dOut, cache: cache.mlp, weights: w.mlp, adapters: adapters, baseGradients: baseGradients)
    let ln2 = layerNormBackward(mlp.dx, x: cache.x1, weight: w.ln2Weight, eps: eps)
    let dx1 = dOut + ln2.dx  // [N, C]
    // x1 = x + c_proj(attention(c_attn(ln_1(x))))
    let proj = adaptedLinearBackward(
        dx1, x: cache.merged, xa: cache.xaAttnProj, weight: a.cProjWeight,
        adapter: adapters[.attnCProj], baseGradients: baseGradients)  // [N, C]
    let dqkv = causalAttentionBackward(proj.dx, qkv: cache.qkv, probabilities: cache.probabilities)  // [N, 3C]
    let qkv = adaptedLinearBackward(
        dqkv, x: cache.ln1, xa: cache.xaAttn, weight: a.cAttnWeight, adapter: adapters[.cAttn],
        baseGradients: baseGradients)  // [N, 3C] -> [N, C]
    let ln1 = layerNormBackward(qkv.dx, x: cache.x, weight: w.ln1Weight, eps: eps)
    let dx = dx1 + ln1.dx
    let lora = [qkv.adapter, proj.adapter].compactMap { $0 } + mlp.adapters
    guard baseGradients, let mlpGrads = mlp.weights, let dAttnW = qkv.dWeight, let dAttnB = qkv.dBias,
        let dProjW = proj.dWeight, let dProjB = proj.dBias
    else { return (dx, nil, lora) }
    let grads = BlockWeights(
        ln1Weight: ln1.dWeight, ln1Bias: ln1.dBias,
        attention: AttentionWeights(cAttnWeight: dAttnW, cAttnBias: dAttnB, cProjWeight: dProjW, cProjBias: dProjB),
        ln2Weight: ln2.dWeight, ln2Bias: ln2.dBias, mlp: mlpGrads)
    return (dx, grads, lora)
}
