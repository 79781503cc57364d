// Scaled dot-product attention as the lecture builds it: scores = Q Kᵀ / √dk, softmax, weighted
// sum of V. Also softmax on any axis and the causal mask. Shapes: T time, dk/dv head widths.
import Foundation
import Tensors

// MARK: - Softmax

/// Softmax along `axis` (negative counts from the end), numerically stable: each slice has its
/// maximum subtracted before exp, so logits of +1000 give no overflow.
/// A slice whose every entry is -inf (nothing may be attended to) gives all zeros, not NaN.
/// `maxShift: false` is the catalogued unstable softmax (`naiveSoftmax` without the max).
public func softmax(_ x: Tensor, axis: Int = -1, maxShift: Bool = true) -> Tensor {
    guard maxShift else { return naiveSoftmax(x, axis: axis, maxShift: false) }
    let a = x.normalizedAxis(axis)
    // View x as [outer, n, inner] with the softmax axis in the middle.
    let n = x.shape[a]
    let outer = x.shape[..<a].reduce(1, *)
    let inner = x.shape[(a + 1)...].reduce(1, *)
    var out = x
    guard out.count > 0 else { return out }
    out.data.withUnsafeMutableBufferPointer { y in
        guard let base = y.baseAddress else { return }
        if inner == 1 {
            for row in 0..<outer { softmaxRowInPlace(base + row * n, count: n) }
            return
        }
        // Strided slices: work on whole rows of `inner` values at once so the loops stay
        // contiguous (column j of the block is one softmax).
        var rowMax = [Float](repeating: 0, count: inner)
        var rowSum = [Float](repeating: 0, count: inner)
        for o in 0..<outer {
            let block = base + o * n * inner
            for j in 0..<inner { rowMax[j] = -.infinity }
            for i in 0..<n {
                for j in 0..<inner { rowMax[j] = max(rowMax[j], block[i * inner + j]) }
            }
            for j in 0..<inner { rowSum[j] = 0 }
            for i in 0..<n {
                for j in 0..<inner {
                    // A fully masked slice (max = -inf) contributes exp(-inf) = 0 everywhere.
                    let e = rowMax[j] == -.infinity ? 0 : fastExp(block[i * inner + j] - rowMax[j])
                    block[i * inner + j] = e
                    rowSum[j] += e
                }
            }
            for j in 0..<inner { rowSum[j] = rowSum[j] > 0 ? 1 / rowSum[j] : 0 }
            for i in 0..<n {
                for j in 0..<inner { block[i * inner + j] *= rowSum[j] }
            }
        }
    }
    return out
}

/// Softmax as the formula reads, exp(x − max) / Σ exp(x − max) one slice at a time with the
/// library's exp: the plain version beside `softmax`, and the softmax of the catalogued mistakes,
/// which compute as a student's NumPy does. So a slice that is all -inf gives NaN (0/0), and
/// `maxShift: false` (the unstable form, no max subtracted) overflows to inf/inf = NaN on large
/// logits. x [outer, n, inner] viewed around `axis` -> the same shape.
public func naiveSoftmax(_ x: Tensor, axis: Int = -1, maxShift: Bool = true) -> Tensor {
    let a = x.normalizedAxis(axis)
    let n = x.shape[a]
    let outer = x.shape[..<a].reduce(1, *)
    let inner = x.shape[(a + 1)...].reduce(1, *)
    var out = x
    out.data.withUnsafeMutableBufferPointer { y in
        for o in 0..<outer {
            for i in 0..<inner {
                let base = o * n * inner + i  // element j of the slice is y[base + j · inner]
                var m: Float = maxShift ? -.infinity : 0
                if maxShift { for j in 0..<n { m = max(m, y[base + j * inner]) } }
                var sum: Float = 0
                for j in 0..<n {
                    let e = Foundation.exp(y[base + j * inner] - m)
                    y[base + j * inner] = e
                    sum += e
                }
                for j in 0..<n { y[base + j * inner] /= sum }
            }
        }
    }
    return out
}

/// Softmax of `count` contiguous values in place; all -inf gives zeros.
@inline(__always)
func softmaxRowInPlace(_ row: UnsafeMutablePointer<Float>, count n: Int) {
    var m = -Float.infinity
    for j in 0..<n { m = max(m, row[j]) }
    if m == -.infinity {
        row.update(repeating: 0, count: n)
        return
    }
    for j in 0..<n { row[j] = fastExp(row[j] - m) }  // vectorizes
    var sum: Float = 0
    for j in 0..<n { sum += row[j] }
    let inv = 1 / sum
    for j in 0..<n { row[j] *= inv }
}

/// Row-wise softmax of a [rows, cols] score block where row i may attend only to columns
/// 0 ... i + offset (causal; `offset` = number of earlier positions). Masked entries become 0.
/// This is the fast path the model uses instead of materialising a -inf mask.
@inline(__always)
func causalSoftmaxInPlace(_ s: UnsafeMutablePointer<Float>, rows: Int, cols: Int, offset: Int) {
    for i in 0..<rows {
        let row = s + i * cols
        let visible = min(cols, i + offset + 1)
        softmaxRowInPlace(row, count: visible)
        if visible < cols { (row + visible).update(repeating: 0, count: cols - visible) }
    }
}

// MARK: - Masks

/// Which scores attention may use. Either mask has shape [Tq, Tk] or any shape broadcastable
/// (NumPy rules) to the scores [..., Tq, Tk].
public enum AttentionMask: Sendable, Equatable {
    /// true = the query may attend to that key.
    case boolean(shape: [Int], allowed: [Bool])
    /// Added to the scaled scores before softmax: 0 to keep, -inf to block, or any bias.
    case additive(Tensor)

    /// A boolean mask from a 0/1 tensor (as a grader reads it from .npy): nonzero = allowed.
    public init(allowing tensor: Tensor) {
        self = .boolean(shape: tensor.shape, allowed: tensor.data.map { $0 != 0 })
    }

    /// The mask as the tensor added to the scores: boolean true -> 0, false -> -inf.
    public var additiveTensor: Tensor {
        switch self {
        case .additive(let t):
            return t
        case .boolean(let shape, let allowed):
            return Tensor(shape: shape, data: allowed.map { $0 ? 0 : -Float.infinity })
        }
    }

    public var shape: [Int] {
        switch self {
        case .additive(let t): return t.shape
        case .boolean(let shape, _): return shape
        }
    }

    /// Row-major, true where the query may attend (an additive mask: where it is not -inf).
    public var allowed: [Bool] {
        switch self {
        case .additive(let t): return t.data.map { $0 != -.infinity }
        case .boolean(_, let allowed): return allowed
        }
    }
}

/// The causal mask [T, T]: position i may attend to positions 0 ... i + offset. The offset is
/// the catalogued off-by-one (±1 diagonal); 0, the default, is the causal mask.
public func causalMask(_ t: Int, offset: Int = 0) -> AttentionMask {
    guard offset != 0 else { return causalMask(queries: t, keys: t) }
    var allowed = [Bool](repeating: false, count: t * t)
    for i in 0..<t {
        for j in 0..<t where j <= i + offset { allowed[i * t + j] = true }
    }
    return .boolean(shape: [t, t], allowed: allowed)
}

/// The causal mask [Tq, Tk] for Tq new queries after Tk - Tq earlier positions (decoding with a
/// cache): query i sits at position Tk - Tq + i and may attend to keys 0 ... Tk - Tq + i.
public func causalMask(queries tq: Int, keys tk: Int) -> AttentionMask {
    precondition(tq >= 0 && tk >= tq, "causal mask needs keys >= queries, got \(tq), \(tk)")
    var allowed = [Bool](repeating: false, count: tq * tk)
    for i in 0..<tq {
        for j in 0...(tk - tq + i) where j < tk { allowed[i * tk + j] = true }
    }
    return .boolean(shape: [tq, tk], allowed: allowed)
}

// MARK: - Scaled dot-product attention

/// Step 2 of the lecture, the attention scores: Q Kᵀ / √dk.
/// q [..., Tq, dk], k [..., Tk, dk] with the same leading (batch/head) axes -> [..., Tq, Tk].
public func attentionScores(q: Tensor, k: Tensor) -> Tensor {
    checkAttentionShapes(q: q, k: k, v: nil)
    let dk = q.shape[q.rank - 1]
    return q.matmul(k, transposeOther: true) * (1 / Float(dk).squareRoot())  // [..., Tq, Tk]
}

/// Step 2 completed, the attention weights: softmax(Q Kᵀ / √dk + mask) over the keys.
/// q [..., Tq, dk], k [..., Tk, dk] -> [..., Tq, Tk]; each row sums to 1, or is all zeros when
/// the mask blocks every key of that query.
public func attentionWeights(q: Tensor, k: Tensor, mask: AttentionMask? = nil) -> Tensor {
    var scores = attentionScores(q: q, k: k)  // [..., Tq, Tk]
    if let mask {
        precondition(
            Tensor.broadcastShape(scores.shape, mask.shape) == scores.shape,
            "mask \(mask.shape) does not broadcast to the scores \(scores.shape)")
        scores = scores + mask.additiveTensor  // broadcast over leading axes
    }
    return softmax(scores, axis: -1)  // [..., Tq, Tk]
}

/// Softmax(Q Kᵀ / √dk + mask) V.
/// q [..., Tq, dk], k [..., Tk, dk], v [..., Tk, dv] (same leading axes) -> [..., Tq, dv].
/// A query row whose keys are all masked gets zero weights, so its output row is zeros.
/// A `variant` other than the default is a catalogued mistake (`variantAttention`).
public func scaledDotProductAttention(
    q: Tensor, k: Tensor, v: Tensor, mask: AttentionMask? = nil,
    variant: AttentionVariant = AttentionVariant()
) -> Tensor {
    checkAttentionShapes(q: q, k: k, v: v)
    guard variant.isCorrect else { return variantAttention(q: q, k: k, v: v, mask: mask, variant) }
    let weights = attentionWeights(q: q, k: k, mask: mask)  // [..., Tq, Tk]
    return weights.matmul(v)  // [..., Tq, dv]: step 3, the weighted sum of the values
}

/// The same attention as plain loops, one query at a time: the reference the BLAS path is
/// tested against. Shapes as in `scaledDotProductAttention`.
public func naiveScaledDotProductAttention(
    q: Tensor, k: Tensor, v: Tensor, mask: AttentionMask? = nil
) -> Tensor {
    checkAttentionShapes(q: q, k: k, v: v)
    let (tq, dk) = (q.shape[q.rank - 2], q.shape[q.rank - 1])
    let (tk, dv) = (k.shape[k.rank - 2], v.shape[v.rank - 1])
    let lead = Array(q.shape.dropLast(2))
    let batch = lead.reduce(1, *)
    let maskFull = mask?.additiveTensor.broadcasted(to: lead + [tq, tk])
    let scale = 1 / Float(dk).squareRoot()
    var out = Tensor(zeros: lead + [tq, dv])
    for b in 0..<batch {
        for i in 0..<tq {
            var scores = [Float](repeating: 0, count: tk)
            for j in 0..<tk {
                var dot: Float = 0
                for d in 0..<dk {
                    dot += q.data[(b * tq + i) * dk + d] * k.data[(b * tk + j) * dk + d]
                }
                scores[j] = dot * scale + (maskFull?.data[(b * tq + i) * tk + j] ?? 0)
            }
            let m = scores.max() ?? -.infinity
            if m == -.infinity { continue }  // nothing visible: the output row stays zero
            let e = scores.map { expf($0 - m) }
            let total = e.reduce(0, +)
            for j in 0..<tk {
                for d in 0..<dv {
                    out.data[(b * tq + i) * dv + d] += e[j] / total * v.data[(b * tk + j) * dv + d]
                }
            }
        }
    }
    return out
}

/// The three steps of attention with the variant's changes, computed as a student's NumPy code
/// does (`naiveSoftmax`): a query whose keys are all masked with -inf gets NaN weights.
/// Shapes as in `scaledDotProductAttention`.
func variantAttention(
    q: Tensor, k: Tensor, v: Tensor, mask: AttentionMask?, _ variant: AttentionVariant
) -> Tensor {
    // [..., Tq, Tk] @ [..., Tk, dv] -> [..., Tq, dv]
    variantAttentionWeights(q: q, k: k, mask: mask, variant).matmul(v)
}

/// Steps 1–2 of attention with the variant's changes: the weights a student's code would
/// multiply the values by. q [..., Tq, dk], k [..., Tk, dk] -> [..., Tq, Tk].
public func variantAttentionWeights(
    q: Tensor, k: Tensor, mask: AttentionMask?, _ variant: AttentionVariant
) -> Tensor {
    var scores = q.matmul(k, transposeOther: true)  // [..., Tq, Tk]
    scores = scores * variant.scale.factor(q.shape[q.rank - 1])  // step 2: scaled
    // blocked[i]: score i is masked (the mask broadcast to the scores).
    let blocked = variant.ignoreMask ? nil : mask.map { mask in
        mask.additiveTensor.broadcasted(to: scores.shape).data.map { $0 == -.infinity }
    }
    if let blocked, variant.maskAfterSoftmax == nil {
        for i in blocked.indices where blocked[i] { scores.data[i] = variant.maskFill }
    }
    var weights = naiveSoftmax(scores, axis: variant.softmaxAxis, maxShift: variant.maxShift)
    if let blocked, let after = variant.maskAfterSoftmax {
        for i in blocked.indices where blocked[i] { weights.data[i] = after }
    }
    return weights  // [..., Tq, Tk]
}

private func checkAttentionShapes(q: Tensor, k: Tensor, v: Tensor?) {
    precondition(
        q.rank >= 2 && k.rank == q.rank,
        "attention needs q, k of equal rank >= 2: \(q.shape), \(k.shape)")
    precondition(
        q.shape.dropLast(2) == k.shape.dropLast(2),
        "q \(q.shape) and k \(k.shape) leading axes differ")
    precondition(
        q.shape[q.rank - 1] == k.shape[k.rank - 1], "q \(q.shape) and k \(k.shape) widths differ")
    if let v {
        precondition(
            v.rank == k.rank && v.shape.dropLast() == k.shape.dropLast(),
            "v \(v.shape) does not match k \(k.shape)")
    }
}
