// Layer normalisation over the last axis: (x - mean) / sqrt(var + eps) * weight + bias,
// with the biased variance (divide by C), as GPT-2 and PyTorch compute it.
import Foundation
import Tensors

/// x [..., C], weight [C], bias [C] -> [..., C], each row normalised on its own. A `variant`
/// other than the default is a catalogued mistake (n − 1 in the variance, eps outside the root).
public func layerNorm(
    _ x: Tensor, weight: Tensor, bias: Tensor, eps: Float = 1e-5,
    variant: LayerNormVariant = LayerNormVariant()
) -> Tensor {
    precondition(x.rank >= 1, "layerNorm needs x [..., C], got \(x.shape)")
    let c = x.shape[x.rank - 1]
    precondition(
        weight.shape == [c] && bias.shape == [c],
        "layerNorm: weight \(weight.shape), bias \(bias.shape) for x \(x.shape)")
    var out = x
    guard c > 0 else { return out }
    let rows = x.count / c
    let n = Double(variant.unbiased ? c - 1 : c)  // the variance divides by n
    let epsOutside = variant.epsOutsideSqrt
    out.data.withUnsafeMutableBufferPointer { y in
        weight.data.withUnsafeBufferPointer { g in
            bias.data.withUnsafeBufferPointer { b in
                guard let base = y.baseAddress else { return }
                for r in 0..<rows {
                    let row = base + r * c  // [C]
                    // Two passes (mean, then squared deviations) accumulated in Double: a row
                    // like 3 + 0.001·N(0, 1) loses ~1e-4 of its deviations to a Float mean.
                    var sum: Double = 0
                    for j in 0..<c { sum += Double(row[j]) }
                    let mean = sum / Double(c)
                    var sq: Double = 0
                    for j in 0..<c {
                        let d = Double(row[j]) - mean
                        sq += d * d
                    }
                    let variance = sq / n
                    let inv = epsOutside
                        ? 1 / (variance.squareRoot() + Double(eps))  // the mistake: √var + eps
                        : 1 / (variance + Double(eps)).squareRoot()  // 1 / √(var + eps)
                    for j in 0..<c { row[j] = Float((Double(row[j]) - mean) * inv) * g[j] + b[j] }
                }
            }
        }
    }
    return out
}
