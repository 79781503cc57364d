// Backward of layer normalisation. With x̂ = (x - μ)·rstd and y = x̂·g + b:
// dg = Σ_rows dy·x̂, db = Σ_rows dy, dx = rstd·(dx̂ - mean(dx̂) - x̂·mean(dx̂·x̂)) where dx̂ = dy·g.
import Tensors

/// dy [N, C], x [N, C] (the forward's input), weight [C] -> dx [N, C], dWeight [C], dBias [C].
/// μ and rstd are recomputed from x as the forward computes them (two passes, biased variance;
/// the sums vectorized, so they agree with the forward's to float rounding), so the cache
/// holds only the input.
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
    guard rows > 0 else { return (dx, dWeight, dBias) }
    var scratch = [Float](repeating: 0, count: 2 * c)  // x̂ and dx̂ of one row
    x.data.withUnsafeBufferPointer { xs in
        dy.data.withUnsafeBufferPointer { dys in
            weight.data.withUnsafeBufferPointer { g in
                dx.data.withUnsafeMutableBufferPointer { dxs in
                    dWeight.data.withUnsafeMutableBufferPointer { dg in
                        dBias.data.withUnsafeMutableBufferPointer { db in
                            scratch.withUnsafeMutableBufferPointer { scratch in
                                guard let xs = xs.baseAddress, let dys = dys.baseAddress,
                                    let g = g.baseAddress, let dxs = dxs.baseAddress,
                                    let dg = dg.baseAddress, let db = db.baseAddress,
                                    let xhat = scratch.baseAddress
                                else { return }
                                let dxhat = xhat + c
                                for r in 0..<rows {
                                    let (x, dy, dx) = (xs + r * c, dys + r * c, dxs + r * c)  // [C]
                                    let mean = vectorSum(x, count: c) / Float(c)
                                    let variance = vectorSumOfSquares(x, minus: mean, count: c) / Float(c)
                                    let rstd = 1 / (variance + eps).squareRoot()
                                    for j in 0..<c {
                                        xhat[j] = (x[j] - mean) * rstd
                                        dxhat[j] = dy[j] * g[j]
                                        dg[j] += dy[j] * xhat[j]
                                        db[j] += dy[j]
                                    }
                                    let meanDxhat = vectorSum(dxhat, count: c) / Float(c)
                                    let meanDxhatXhat = vectorDot(dxhat, xhat, count: c) / Float(c)
                                    for j in 0..<c {
                                        dx[j] = rstd * (dxhat[j] - meanDxhat - xhat[j] * meanDxhatXhat)
                                    }
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
