// Layer normalisation over the last axis: (x - mean) / sqrt(var + eps) * weight + bias,
// with the biased variance (divide by C), as GPT-2 and PyTorch compute it.
import Foundation
import Tensors

/// x [..., C], weight [C], bias [C] -> [..., C], each row normalised on its own.
public func layerNorm(_ x: Tensor, weight: Tensor, bias: Tensor, eps: Float = 1e-5) -> Tensor {
    precondition(x.rank >= 1, "layerNorm needs x [..., C], got \(x.shape)")
    let c = x.shape[x.rank - 1]
    precondition(
        weight.shape == [c] && bias.shape == [c],
        "layerNorm: weight \(weight.shape), bias \(bias.shape) for x \(x.shape)")
    var out = x
    guard c > 0 else { return out }
    let rows = x.count / c
    out.data.withUnsafeMutableBufferPointer { y in
        weight.data.withUnsafeBufferPointer { g in
            bias.data.withUnsafeBufferPointer { b in
                guard let base = y.baseAddress else { return }
                for r in 0..<rows {
                    let row = base + r * c  // [C]
                    // Two passes (mean, then squared deviations): no cancellation for large means.
                    var sum: Float = 0
                    for j in 0..<c { sum += row[j] }
                    let mean = sum / Float(c)
                    var sq: Float = 0
                    for j in 0..<c {
                        let d = row[j] - mean
                        sq += d * d
                    }
                    let inv = 1 / (sq / Float(c) + eps).squareRoot()
                    for j in 0..<c { row[j] = (row[j] - mean) * inv * g[j] + b[j] }
                }
            }
        }
    }
    return out
}
