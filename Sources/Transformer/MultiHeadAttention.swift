// Multi-head attention as GPT-2 uses it: causal self-attention with a fused q|k|v projection,
// and cross-attention (queries from one sequence, keys and values from another).
// Shapes: T time, C channels, H heads, hs = C / H head size.
import Foundation
import Tensors

/// The self-attention weights of one block, in Conv1D layout (x W + b).
public struct AttentionWeights: Sendable, Equatable {
    public var cAttnWeight: Tensor  // [C, 3C]: q | k | v along the last axis
    public var cAttnBias: Tensor  // [3C]
    public var cProjWeight: Tensor  // [C, C]
    public var cProjBias: Tensor  // [C]

    public init(cAttnWeight: Tensor, cAttnBias: Tensor, cProjWeight: Tensor, cProjBias: Tensor) {
        self.cAttnWeight = cAttnWeight
        self.cAttnBias = cAttnBias
        self.cProjWeight = cProjWeight
        self.cProjBias = cProjBias
    }
}

/// Cross-attention weights: queries from x, keys and values (fused k | v) from the context.
public struct CrossAttentionWeights: Sendable, Equatable {
    public var qWeight: Tensor  // [C, C]
    public var qBias: Tensor  // [C]
    public var kvWeight: Tensor  // [C, 2C]: k | v along the last axis
    public var kvBias: Tensor  // [2C]
    public var outWeight: Tensor  // [C, C]
    public var outBias: Tensor  // [C]

    public init(
        qWeight: Tensor, qBias: Tensor, kvWeight: Tensor, kvBias: Tensor, outWeight: Tensor,
        outBias: Tensor
    ) {
        self.qWeight = qWeight
        self.qBias = qBias
        self.kvWeight = kvWeight
        self.kvBias = kvBias
        self.outWeight = outWeight
        self.outBias = outBias
    }
}

/// [T, C] -> [H, T, C/H]: head h gets channels h·hs ..< (h+1)·hs. `transpose: false` is the
/// catalogued bare reshape to [H, T, hs], which mixes tokens and channels.
public func splitHeads(_ x: Tensor, heads: Int, transpose: Bool = true) -> Tensor {
    precondition(
        x.rank == 2 && heads > 0 && x.shape[1] % heads == 0,
        "splitHeads: \(x.shape) into \(heads) heads")
    let (t, c) = (x.shape[0], x.shape[1])
    guard transpose else { return x.reshaped([heads, t, c / heads]) }
    return x.reshaped([t, heads, c / heads]).permuted([1, 0, 2])  // [T, H, hs] -> [H, T, hs]
}

/// [H, T, hs] -> [T, H·hs]: the heads' outputs side by side again. `transpose: false` is the
/// catalogued bare reshape, which interleaves the heads' rows.
public func mergeHeads(_ x: Tensor, transpose: Bool = true) -> Tensor {
    precondition(x.rank == 3, "mergeHeads needs [H, T, hs], got \(x.shape)")
    let (h, t, hs) = (x.shape[0], x.shape[1], x.shape[2])
    guard transpose else { return x.reshaped([t, h * hs]) }
    return x.permuted([1, 0, 2]).reshaped([t, h * hs])  // [H, T, hs] -> [T, H, hs] -> [T, C]
}

/// GPT-2's causal multi-head self-attention. x [T, C] -> [T, C].
/// Each head runs as two sgemms on strided views of the fused qkv buffer, with no copies:
/// scores = q kᵀ / √hs, causal softmax, then the weighted sum of v written straight into the
/// head's columns of the merged output. `scale` replaces 1/√hs when a config asks for another
/// (`GPT2Config.attentionScale(layer:)`). A `variant` other than the default is a catalogued
/// mistake, computed by `variantSelfAttention` (its scale is the variant's, not `scale`).
public func multiHeadSelfAttention(
    _ x: Tensor, weights w: AttentionWeights, heads: Int, scale: Float? = nil,
    variant: MultiHeadVariant = MultiHeadVariant()
) -> Tensor {
    precondition(
        x.rank == 2 && heads > 0 && x.shape[1] % heads == 0,
        "self-attention: x \(x.shape) with \(heads) heads")
    guard variant.isCorrect else {
        return variantSelfAttention(x, weights: w, heads: heads, variant)
    }
    let qkv = linear(x, weight: w.cAttnWeight, bias: w.cAttnBias)  // [T, C] -> [T, 3C]
    let merged = causalSelfAttention(qkv: qkv, heads: heads, scale: scale)  // [T, C]
    return linear(merged, weight: w.cProjWeight, bias: w.cProjBias)  // [T, C] -> [T, C]
}

/// The heads of causal self-attention from the fused projection, before the output projection:
/// qkv [T, 3C] (q | k | v) -> the merged heads [T, C]. `scale` multiplies the scores (1/√hs by
/// default). Shared by every model that computes GPT-2's attention (the quantized one too).
public func causalSelfAttention(qkv: Tensor, heads: Int, scale requested: Float? = nil)
    -> Tensor
{
    let (t, c) = qkvShape(qkv, heads: heads)
    let hs = c / heads
    var merged = Tensor(zeros: [t, c])  // [T, C], head h in columns h·hs ..< (h+1)·hs
    var scores = [Float](repeating: 0, count: t * t)  // one head's [T, T]
    let scale = requested ?? 1 / Float(hs).squareRoot()
    qkv.data.withUnsafeBufferPointer { qkv in
        merged.data.withUnsafeMutableBufferPointer { out in
            scores.withUnsafeMutableBufferPointer { s in
                guard let qkv = qkv.baseAddress, let out = out.baseAddress, let s = s.baseAddress
                else { return }
                for h in 0..<heads {
                    let q = qkv + h * hs  // [T, hs], row stride 3C
                    let k = q + c  // [T, hs], row stride 3C
                    let v = q + 2 * c  // [T, hs], row stride 3C
                    // scores = q kᵀ / √hs : [T, T]
                    sgemm(
                        transA: false, transB: true, m: t, n: t, k: hs, alpha: scale,
                        a: q, lda: 3 * c, b: k, ldb: 3 * c, c: s, ldc: t)
                    // weights = softmax over keys 0 ... i for query i
                    causalSoftmaxInPlace(s, rows: t, cols: t, offset: 0)
                    // out_h = weights v : [T, T] @ [T, hs] -> [T, hs], into the merged columns
                    sgemm(
                        transA: false, transB: false, m: t, n: hs, k: t,
                        a: s, lda: t, b: v, ldb: 3 * c, c: out + h * hs, ldc: c)
                }
            }
        }
    }
    return merged
}

/// (T, C) of a fused projection qkv [T, 3C] split into `heads` heads (a programmer error if it
/// cannot be).
func qkvShape(_ qkv: Tensor, heads: Int) -> (t: Int, c: Int) {
    precondition(
        qkv.rank == 2 && qkv.shape[1] % 3 == 0 && heads > 0 && (qkv.shape[1] / 3) % heads == 0,
        "self-attention: qkv \(qkv.shape) with \(heads) heads")
    return (qkv.shape[0], qkv.shape[1] / 3)
}

/// The same self-attention composed from the lecture's pieces (split heads, scaled dot-product
/// attention with the causal mask, merge heads): slower, kept as the readable reference.
public func composedMultiHeadSelfAttention(_ x: Tensor, weights w: AttentionWeights, heads: Int)
    -> Tensor
{
    let c = x.shape[1]
    let qkv = linear(x, weight: w.cAttnWeight, bias: w.cAttnBias)  // [T, C] -> [T, 3C]
    let q = splitHeads(qkv.sliced(axis: -1, 0..<c), heads: heads)  // [H, T, hs]
    let k = splitHeads(qkv.sliced(axis: -1, c..<(2 * c)), heads: heads)  // [H, T, hs]
    let v = splitHeads(qkv.sliced(axis: -1, (2 * c)..<(3 * c)), heads: heads)  // [H, T, hs]
    let heads = scaledDotProductAttention(q: q, k: k, v: v, mask: causalMask(x.shape[0]))
    return linear(mergeHeads(heads), weight: w.cProjWeight, bias: w.cProjBias)  // [T, C]
}

/// A catalogued mistake of self-attention: the composed path above with the variant's changes,
/// its attention computed as a student's NumPy does (`variantAttention`, so a query that may
/// see no key gets NaN). x [T, C] -> [T, C].
func variantSelfAttention(
    _ x: Tensor, weights w: AttentionWeights, heads: Int, _ variant: MultiHeadVariant
) -> Tensor {
    let t = x.shape[0]
    let qkv = linear(x, weight: w.cAttnWeight, bias: w.cAttnBias)  // [T, C] -> [T, 3C]
    let part = { (i: Int) in variantHead(qkv, i, heads: heads, variant) }
    let mask = variant.causalOffset.map { causalMask(t, offset: $0) }
    let out = variantAttention(
        q: part(0), k: part(1), v: part(2), mask: mask, variant.attention)  // [H, T, hs]
    let merged = mergeHeads(out, transpose: variant.mergeTranspose)  // [T, C]
    return linear(merged, weight: w.cProjWeight, bias: w.cProjBias)  // [T, C]
}

/// The third of the fused projection qkv [T, 3C] read as q (0), k (1) or v (2) under
/// `variant` (its order of the thirds, its split with or without the transpose) -> [H, T, hs].
func variantHead(_ qkv: Tensor, _ i: Int, heads: Int, _ variant: MultiHeadVariant) -> Tensor {
    let c = qkv.shape[1] / 3
    let from = variant.qkvOrder[i] * c
    return splitHeads(
        qkv.sliced(axis: -1, from..<(from + c)), heads: heads, transpose: variant.splitTranspose)
}

/// Cross-attention: x [Tq, C] attends to context [Tk, C] (no mask) -> [Tq, C]. A `variant`
/// other than the default is a catalogued mistake (its causal mask is not used: there is none).
public func crossAttention(
    _ x: Tensor, context: Tensor, weights w: CrossAttentionWeights, heads: Int,
    variant: MultiHeadVariant = MultiHeadVariant()
) -> Tensor {
    precondition(
        x.rank == 2 && context.rank == 2 && x.shape[1] == context.shape[1],
        "cross-attention: x \(x.shape), context \(context.shape)")
    let c = x.shape[1]
    let q = linear(x, weight: w.qWeight, bias: w.qBias)  // [Tq, C]
    let kv = linear(context, weight: w.kvWeight, bias: w.kvBias)  // [Tk, C] -> [Tk, 2C]
    let (kFrom, vFrom) = variant.kvSwapped ? (c, 0) : (0, c)
    let k = kv.sliced(axis: -1, kFrom..<(kFrom + c))  // [Tk, C]
    let v = kv.sliced(axis: -1, vFrom..<(vFrom + c))  // [Tk, C]
    let split = { (m: Tensor) in splitHeads(m, heads: heads, transpose: variant.splitTranspose) }
    let out = variant.isCorrect
        ? scaledDotProductAttention(q: split(q), k: split(k), v: split(v))
        : variantAttention(q: split(q), k: split(k), v: split(v), mask: nil, variant.attention)
    // out [H, Tq, hs] -> [Tq, C]
    return linear(
        mergeHeads(out, transpose: variant.mergeTranspose), weight: w.outWeight, bias: w.outBias)
}
