// Backward of layer normalisation. With x̂ = (x - μ)·rstd and y = x̂·g + b:
// dg = Σ_rows dy·x̂, db = Σ_rows dy, dx = rstd·(dx̂ - mean(dx̂) - x̂·mean(dx̂·x̂)) where dx̂ = dy·g.
import Tensors

/// dy [N, C], x [N, C] (the forward's input), weight [C] -> dx [N, C], dWeight [C], dBias [C].
/// μ and rstd are recomputed from x exactly as the forward computes them (two passes, biased
/// variance), so the cache holds only the input.
public func layerNormBackward(_ dy: Tensor, x: Tensor, weight: Tensor, eps: Float = 1e-5)
    -> (dx: Tensor, dWeight: Tensor, dBias: Tensor)
{
    precondition(dy.shape == x.shape && x.rank >= 1, "layerNormBackward: dy \(dy.shape), x \(x.shape)")
    let c = x.shape[x.rank - 1]
    precondition(weight.shape == [c], "layerNormBackward: weight \(weight.shape) for x \(x.shape)")
    let rows = c == 0 ? 0 : x.count / c
    var dx = Tensor(zeros: x.shape)
    var dWeight = Tensor(zeros: [c])
    var dBias = Tensor(zeros: [c])
    var xhat = [Float](repeating: 0, count: c)
    x.data.withUnsafeBufferPointer { xs in
        dy.data.withUnsafeBufferPointer { dys in
            weight.data.withUnsafeBufferPointer { g in
                dx.data.withUnsafeMutableBufferPointer { dxs in
                    dWeight.data.withUnsafeMutableBufferPointer { dg in
                        dBias.data.withUnsafeMutableBufferPointer { db in
                            for r in 0..<rows {
                                let base = r * c
                                var sum: Float = 0
                                for j in 0..<c { sum += xs[base + j] }
                                let mean = sum / Float(c)
                                var sq: Float = 0
                                for j in 0..<c {
                                    let d = xs[base + j] - mean
                                    sq += d * d
                                }
                                let rstd = 1 / (sq / Float(c) + eps).squareRoot()
                                var meanDxhat: Float = 0
                                var meanDxhatXhat: Float = 0
                                for j in 0..<c {
                                    xhat[j] = (xs[base + j] - mean) * rstd
                                    let dxhat = dys[base + j] * g[j]
                                    meanDxhat += dxhat
                                    meanDxhatXhat += dxhat * xhat[j]
                                    dg[j] += dys[base + j] * xhat[j]
                                    db[j] += dys[base + j]
                                }
                                meanDxhat /= Float(c)
                                meanDxhatXhat /= Float(c)
                                for j in 0..<c {
                                    let dxhat = dys[base + j] * g[j]
                                    dxs[base + j] = rstd * (dxhat - meanDxhat - xhat[j] * meanDxhatXhat)
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    return (dx, dWeight, dBias)
}
