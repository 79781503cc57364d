// A linear layer with an optional LoRA adapter, forward and backward:
//   y = x W + b + s·(x Aᵀ) Bᵀ
//   dB = s·dYᵀ (x Aᵀ), dA = s·(dY B)ᵀ x, dX = dY Wᵀ + s·(dY B) A.
// The frozen base needs no dW, db when only adapters train.
import Tensors
import Transformer

/// x [N, in], weight [in, out], bias [out] -> y [N, out] and x Aᵀ [N, r] (kept for backward).
func adaptedLinear(_ x: Tensor, weight: Tensor, bias: Tensor, adapter: LoRAAdapter?)
    -> (y: Tensor, xa: Tensor?)
{
    var y = linear(x, weight: weight, bias: bias)  // [N, in] -> [N, out]
    guard let adapter else { return (y, nil) }
    let xa = x.matmul(adapter.a, transposeOther: true)  // [N, in] @ [in, r] -> [N, r]
    let (n, nOut, r) = (x.shape[0], weight.shape[1], adapter.rank)
    xa.data.withUnsafeBufferPointer { xa in
        adapter.b.data.withUnsafeBufferPointer { bv in
            y.data.withUnsafeMutableBufferPointer { yv in
                guard let xa = xa.baseAddress, let bv = bv.baseAddress, let yv = yv.baseAddress
                else { return }
                // y += s · xa Bᵀ : [N, r] @ [r, out]
                sgemm(
                    transA: false, transB: true, m: n, n: nOut, k: r, alpha: adapter.scaling,
                    a: xa, lda: r, b: bv, ldb: r, beta: 1, c: yv, ldc: nOut)
            }
        }
    }
    return (y, xa)
}

/// The LoRA half of the backward: dy [N, out], x [N, in], xa = x Aᵀ [N, r] ->
/// dA [r, in], dB [out, r] (masked rows zero) and the adapter's share of dx [N, in].
public func loraBackward(_ dy: Tensor, x: Tensor, xa: Tensor, adapter: LoRAAdapter)
    -> (dA: Tensor, dB: Tensor, dx: Tensor)
{
    let s = adapter.scaling
    var dB = dy.matmul(xa, transposeSelf: true) * s  // [out, N] @ [N, r] -> [out, r]
    if let mask = adapter.outputMask {
        let r = adapter.rank
        for (row, keep) in mask.enumerated() where !keep {
            for j in 0..<r { dB.data[row * r + j] = 0 }
        }
    }
    let dyB = dy.matmul(adapter.b)  // [N, out] @ [out, r] -> [N, r]
    let dA = dyB.matmul(x, transposeSelf: true) * s  // [r, N] @ [N, in] -> [r, in]
    let dx = dyB.matmul(adapter.a) * s  // [N, r] @ [r, in] -> [N, in]
    return (dA, dB, dx)
}

/// Backward of `adaptedLinear`: dx always; (dW, db) only if `baseGradients`; the adapter's
/// gradient if there is an adapter.
func adaptedLinearBackward(
    _ dy: Tensor, x: Tensor, xa: Tensor?, weight: Tensor, adapter: LoRAAdapter?,
    baseGradients: Bool
) -> (dx: Tensor, dWeight: Tensor?, dBias: Tensor?, adapter: LoRAAdapter?) {
    var dx = linearInputGradient(dy, weight: weight)  // [N, in]
    var dWeight: Tensor?
    var dBias: Tensor?
    if baseGradients { (dWeight, dBias) = linearParameterGradients(dy, x: x) }
    guard let adapter, let xa else { return (dx, dWeight, dBias, nil) }
    let g = loraBackward(dy, x: x, xa: xa, adapter: adapter)
    dx = dx + g.dx
    var grad = adapter
    grad.a = g.dA
    grad.b = g.dB
    return (dx, dWeight, dBias, grad)
}
