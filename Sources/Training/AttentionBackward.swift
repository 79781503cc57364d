// Causal multi-head attention for training: the forward that keeps each head's softmax
// probabilities, and its backward through head merge, P·V, softmax, the causal mask, the 1/√hs
// scaling and the head split of the fused q|k|v buffer. Per sequence and head (all [T, ·]):
//   S = q kᵀ/√hs, P = causal softmax(S), O = P v
//   dP = dO vᵀ, dv = Pᵀ dO, dS = P ⊙ (dP - rowsum(dP ⊙ P)), dq = dS k/√hs, dk = dSᵀ q/√hs.
// Masked entries have P = 0, so dS = 0 there: the mask needs no backward of its own.
import Foundation
import Tensors

/// Softmax backward on rows: y = softmax(x) [..., n], dy [..., n] -> dx = y ⊙ (dy - Σ dy·y).
public func softmaxBackward(_ dy: Tensor, y: Tensor) -> Tensor {
    precondition(dy.shape == y.shape && y.rank >= 1, "softmaxBackward: dy \(dy.shape), y \(y.shape)")
    var dx = dy
    let n = y.shape[y.rank - 1]
    guard n > 0 else { return dx }
    dx.data.withUnsafeMutableBufferPointer { d in
        y.data.withUnsafeBufferPointer { p in
            guard let d = d.baseAddress, let p = p.baseAddress else { return }
            for r in 0..<(y.count / n) { softmaxRowBackwardInPlace(d + r * n, p + r * n, count: n) }
        }
    }
    return dx
}

/// d ← p ⊙ (d - Σ d·p) on one row.
@inline(__always)
func softmaxRowBackwardInPlace(_ d: UnsafeMutablePointer<Float>, _ p: UnsafePointer<Float>, count n: Int) {
    var dot: Float = 0
    for j in 0..<n { dot += d[j] * p[j] }
    for j in 0..<n { d[j] = p[j] * (d[j] - dot) }
}

/// The same stable row softmax the reference uses (max subtracted, `fastExp` in its own loop so
/// it vectorizes, a left-to-right sum, one reciprocal), over the first `visible` entries; the
/// rest are masked to 0.
@inline(__always)
func causalSoftmaxRow(_ row: UnsafeMutablePointer<Float>, visible: Int, count n: Int) {
    let m = vectorMax(row, count: visible)
    for j in 0..<visible { row[j] = fastExp(row[j] - m) }
    var sum: Float = 0
    for j in 0..<visible { sum += row[j] }
    let inv = 1 / sum
    for j in 0..<visible { row[j] *= inv }
    if visible < n { (row + visible).update(repeating: 0, count: n - visible) }
}

/// Causal attention over the fused projection of B sequences of length T.
/// qkv [B·T, 3C] (q | k | v) -> merged heads [B·T, C] and the probabilities [B, H, T, T].
public func causalAttentionForward(qkv: Tensor, batch: Int, heads: Int)
    -> (out: Tensor, probabilities: Tensor)
{
    precondition(qkv.rank == 2 && qkv.shape[1] % 3 == 0 && batch > 0 && qkv.shape[0] % batch == 0, "causalAttentionForward: qkv \(qkv.shape), batch \(batch)")
    let (n, c) = (qkv.shape[0], qkv.shape[1] / 3)
    precondition(heads > 0 && c % heads == 0, "causalAttentionForward: C \(c) with \(heads) heads")
    let (t, hs) = (n / batch, c / heads)
    let scale = 1 / Float(hs).squareRoot()
    var out = Tensor(zeros: [n, c])
    var probs = Tensor(zeros: [batch, heads, t, t])
    qkv.data.withUnsafeBufferPointer { qkv in
        out.data.withUnsafeMutableBufferPointer { out in
            probs.data.withUnsafeMutableBufferPointer { probs in
                guard let qkv = qkv.baseAddress, let out = out.baseAddress,
                    let probs = probs.baseAddress
                else { return }
                for b in 0..<batch {
                    for h in 0..<heads {
                        let q = qkv + b * t * 3 * c + h * hs  // [T, hs], row stride 3C
                        let k = q + c
                        let v = q + 2 * c
                        let p = probs + (b * heads + h) * t * t  // [T, T]
                        // S = q kᵀ / √hs
                        sgemm(
                            transA: false, transB: true, m: t, n: t, k: hs, alpha: scale, a: q,
                            lda: 3 * c, b: k, ldb: 3 * c, c: p, ldc: t)
                        for i in 0..<t { causalSoftmaxRow(p + i * t, visible: i + 1, count: t) }
                        // O = P v, written into the head's columns of the merged output
                        sgemm(
                            transA: false, transB: false, m: t, n: hs, k: t, a: p, lda: t, b: v,
                            ldb: 3 * c, c: out + b * t * c + h * hs, ldc: c)
                    }
                }
            }
        }
    }
    return (out, probs)
}

/// dOut [B·T, C] (gradient of the merged heads), qkv [B·T, 3C] and probabilities [B, H, T, T]
/// from the forward -> dqkv [B·T, 3C].
public func causalAttentionBackward(_ dOut: Tensor, qkv: Tensor, probabilities: Tensor)
    -> Tensor
{
    precondition(probabilities.rank == 4, "causalAttentionBackward: probabilities \(probabilities.shape)")
    let (batch, heads, t) = (probabilities.shape[0], probabilities.shape[1], probabilities.shape[2])
    let (n, c) = (qkv.shape[0], qkv.shape[1] / 3)
    precondition(n == batch * t && dOut.shape == [n, c], "causalAttentionBackward: dOut \(dOut.shape), qkv \(qkv.shape), P \(probabilities.shape)")
    let hs = c / heads
    let scale = 1 / Float(hs).squareRoot()
    var dqkv = Tensor(zeros: [n, 3 * c])
    var scratch = [Float](repeating: 0, count: t * t)  // dP, then dS, of one head
    qkv.data.withUnsafeBufferPointer { qkv in
        dOut.data.withUnsafeBufferPointer { dOut in
            probabilities.data.withUnsafeBufferPointer { probs in
                dqkv.data.withUnsafeMutableBufferPointer { dqkv in
                    scratch.withUnsafeMutableBufferPointer { ds in
                        guard let qkv = qkv.baseAddress, let dOut = dOut.baseAddress,
                            let probs = probs.baseAddress, let dqkv = dqkv.baseAddress,
                            let ds = ds.baseAddress
                        else { return }
                        for b in 0..<batch {
                            for h in 0..<heads {
                                let q = qkv + b * t * 3 * c + h * hs  // [T, hs], stride 3C
                                let (k, v) = (q + c, q + 2 * c)
                                let dq = dqkv + b * t * 3 * c + h * hs
                                let (dk, dv) = (dq + c, dq + 2 * c)
                                let dO = dOut + b * t * c + h * hs  // [T, hs], stride C
                                let p = probs + (b * heads + h) * t * t  // [T, T]
                                // dP = dO vᵀ : [T, T]
                                sgemm(
                                    transA: false, transB: true, m: t, n: t, k: hs, a: dO, lda: c,
                                    b: v, ldb: 3 * c, c: ds, ldc: t)
                                // dv = Pᵀ dO : [T, hs]
                                sgemm(
                                    transA: true, transB: false, m: t, n: hs, k: t, a: p, lda: t,
                                    b: dO, ldb: c, c: dv, ldc: 3 * c)
                                // dS = P ⊙ (dP - rowsum(dP ⊙ P)); only keys 0 ... i are visible
                                for i in 0..<t {
                                    softmaxRowBackwardInPlace(ds + i * t, p + i * t, count: i + 1)
                                    if i + 1 < t { (ds + i * t + i + 1).update(repeating: 0, count: t - i - 1) }
                                }
                                // dq = dS k / √hs, dk = dSᵀ q / √hs : [T, hs]
                                sgemm(
                                    transA: false, transB: false, m: t, n: hs, k: t, alpha: scale,
                                    a: ds, lda: t, b: k, ldb: 3 * c, c: dq, ldc: 3 * c)
                                sgemm(
                                    transA: true, transB: false, m: t, n: hs, k: t, alpha: scale,
                                    a: ds, lda: t, b: q, ldb: 3 * c, c: dk, ldc: 3 * c)
                            }
                        }
                    }
                }
            }
        }
    }
    return dqkv
}
