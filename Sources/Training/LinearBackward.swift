// Backward of the Conv1D linear layer y = x W + b (W stored [in, out]):
// dX = dY Wᵀ, dW = Xᵀ dY, db = Σ_rows dY — the two products through sgemm.
import Tensors

/// dY Wᵀ: dy [N, out], weight [in, out] -> dx [N, in].
public func linearInputGradient(_ dy: Tensor, weight: Tensor) -> Tensor {
    precondition(dy.rank == 2 && weight.rank == 2 && dy.shape[1] == weight.shape[1], "linearInputGradient: dy \(dy.shape), W \(weight.shape)")
    let (n, nIn, nOut) = (dy.shape[0], weight.shape[0], weight.shape[1])
    var dx = Tensor(zeros: [n, nIn])
    guard n > 0, nIn > 0, nOut > 0 else { return dx }
    dy.data.withUnsafeBufferPointer { g in
        weight.data.withUnsafeBufferPointer { w in
            dx.data.withUnsafeMutableBufferPointer { d in
                guard let g = g.baseAddress, let w = w.baseAddress, let d = d.baseAddress else { return }
                sgemm(
                    transA: false, transB: true, m: n, n: nIn, k: nOut, a: g, lda: nOut, b: w,
                    ldb: nOut, c: d, ldc: nIn)  // [N, out] @ [out, in]
            }
        }
    }
    return dx
}

/// Xᵀ dY and Σ dY: dy [N, out], x [N, in] -> dWeight [in, out], dBias [out].
public func linearParameterGradients(_ dy: Tensor, x: Tensor) -> (dWeight: Tensor, dBias: Tensor) {
    precondition(dy.rank == 2 && x.rank == 2 && dy.shape[0] == x.shape[0], "linearParameterGradients: dy \(dy.shape), x \(x.shape)")
    let (n, nIn, nOut) = (x.shape[0], x.shape[1], dy.shape[1])
    var dWeight = Tensor(zeros: [nIn, nOut])
    var dBias = Tensor(zeros: [nOut])
    guard n > 0, nIn > 0, nOut > 0 else { return (dWeight, dBias) }
    dy.data.withUnsafeBufferPointer { g in
        x.data.withUnsafeBufferPointer { xs in
            dWeight.data.withUnsafeMutableBufferPointer { dw in
                guard let g = g.baseAddress, let xs = xs.baseAddress, let dw = dw.baseAddress
                else { return }
                sgemm(
                    transA: true, transB: false, m: nIn, n: nOut, k: n, a: xs, lda: nIn, b: g,
                    ldb: nOut, c: dw, ldc: nOut)  // [in, N] @ [N, out]
            }
            dBias.data.withUnsafeMutableBufferPointer { db in
                for r in 0..<n {
                    for j in 0..<nOut { db[j] += g[r * nOut + j] }
                }
            }
        }
    }
    return (dWeight, dBias)
}

/// All three gradients of y = x W + b: dy [N, out], x [N, in], weight [in, out].
public func linearBackward(_ dy: Tensor, x: Tensor, weight: Tensor)
    -> (dx: Tensor, dWeight: Tensor, dBias: Tensor)
{
    let (dWeight, dBias) = linearParameterGradients(dy, x: x)
    return (linearInputGradient(dy, weight: weight), dWeight, dBias)
}
