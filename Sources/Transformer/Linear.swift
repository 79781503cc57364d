// A linear layer in GPT-2's Conv1D layout: y = x W + b with W stored [in, out].
import Tensors

/// x [..., in] @ weight [in, out] + bias [out] -> [..., out]. Leading axes are folded into the
/// rows of one sgemm; a single row uses `matvec`, our kernel (decoding is bound by reading W).
public func linear(_ x: Tensor, weight: Tensor, bias: Tensor?) -> Tensor {
    precondition(
        x.rank >= 1 && weight.rank == 2,
        "linear needs x [..., in], W [in, out]: \(x.shape), \(weight.shape)")
    let (nIn, nOut) = (weight.shape[0], weight.shape[1])
    precondition(
        x.shape[x.rank - 1] == nIn, "linear: x \(x.shape) does not match W \(weight.shape)")
    let rows = x.count / max(nIn, 1)
    var out = Tensor(zeros: Array(x.shape.dropLast()) + [nOut])
    if let bias {
        precondition(
            bias.shape == [nOut], "linear: bias \(bias.shape) does not match W \(weight.shape)")
        // Start from the bias in every row, then accumulate x W on top (beta = 1).
        out.data.withUnsafeMutableBufferPointer { y in
            bias.data.withUnsafeBufferPointer { b in
                for r in 0..<rows {
                    for j in 0..<nOut { y[r * nOut + j] = b[j] }
                }
            }
        }
    }
    guard rows > 0, nOut > 0, nIn > 0 else { return out }
    x.data.withUnsafeBufferPointer { xs in
        weight.data.withUnsafeBufferPointer { w in
            out.data.withUnsafeMutableBufferPointer { y in
                guard let xs = xs.baseAddress, let w = w.baseAddress, let y = y.baseAddress else {
                    return
                }
                if rows == 1 {
                    // y[out] = Wᵀ x
                    matvec(
                        transposed: true, rows: nIn, cols: nOut, a: w, lda: nOut, x: xs, beta: 1,
                        y: y)
                } else {
                    sgemm(
                        transA: false, transB: false, m: rows, n: nOut, k: nIn,
                        a: xs, lda: nIn, b: w, ldb: nOut, beta: 1, c: y, ldc: nOut)
                }
            }
        }
    }
    return out
}
