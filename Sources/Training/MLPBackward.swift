// The MLP for training: forward keeping its activations, and backward
// through c_proj, GELU and c_fc (each linear optionally LoRA-adapted).
import Tensors
import Transformer

/// What the MLP's backward needs from its forward.
struct MLPCache {
    var x: Tensor  // [N, C] input (ln_2's output)
    var h: Tensor  // [N, 4C] c_fc output, before GELU
    var g: Tensor  // [N, 4C] gelu(h)
    var xaFc: Tensor?  // [N, r] x Aᵀ of a c_fc adapter
    var xaProj: Tensor?  // [N, r] g Aᵀ of an mlp.c_proj adapter
}

/// x [N, C] -> [N, C]: c_fc, GELU, c_proj, as `mlp(_:weights:)` computes it.
func mlpForward(_ x: Tensor, weights w: MLPWeights, adapters: [LoRATarget: LoRAAdapter])
    -> (Tensor, MLPCache)
{
    let (h, xaFc) = adaptedLinear(x, weight: w.cFcWeight, bias: w.cFcBias, adapter: adapters[.cFc])  // [N, 4C]
    let g = gelu(h)  // [N, 4C]
    let (y, xaProj) = adaptedLinear(
        g, weight: w.cProjWeight, bias: w.cProjBias, adapter: adapters[.mlpCProj])  // [N, C]
    return (y, MLPCache(x: x, h: h, g: g, xaFc: xaFc, xaProj: xaProj))
}

/// dy [N, C] -> dx [N, C], the MLP's weight gradients (if `baseGradients`) and its adapters'.
func mlpBackward(
    _ dy: Tensor, cache: MLPCache, weights w: MLPWeights, adapters: [LoRATarget: LoRAAdapter],
    baseGradients: Bool
) -> (dx: Tensor, weights: MLPWeights?, adapters: [LoRAAdapter]) {
    let proj = adaptedLinearBackward(
        dy, x: cache.g, xa: cache.xaProj, weight: w.cProjWeight, adapter: adapters[.mlpCProj],
        baseGradients: baseGradients)  // [N, C] -> [N, 4C]
    let dh = geluBackward(proj.dx, x: cache.h)  // [N, 4C]
    let fc = adaptedLinearBackward(
        dh, x: cache.x, xa: cache.xaFc, weight: w.cFcWeight, adapter: adapters[.cFc],
        baseGradients: baseGradients)  // [N, 4C] -> [N, C]
    var grads: MLPWeights?
    if let dFcW = fc.dWeight, let dFcB = fc.dBias, let dProjW = proj.dWeight, let dProjB = proj.dBias {
        grads = MLPWeights(cFcWeight: dFcW, cFcBias: dFcB, cProjWeight: dProjW, cProjBias: dProjB)
    }
    return (fc.dx, grads, [fc.adapter, proj.adapter].compactMap { $0 })
}
