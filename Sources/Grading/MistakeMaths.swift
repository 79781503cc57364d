// The lab maths with knobs: attention, GPT-2 blocks and the model written once with a switch for
// each catalogued mistake, so a mistake's output is "the lecture's formula with one step changed".
// Defaults give the correct result (tested against the reference and the NumPy oracle).
import Foundation
import Tensors

// MARK: - Small tensor helpers (row-major Float; loops over contiguous memory)

/// softmax along `axis`, optionally without subtracting the max (the unstable form).
func softmaxAlong(_ x: Tensor, axis: Int, maxShift: Bool = true) -> Tensor {
    // x: [outer, n, inner] viewed around `axis`
    let a = axis < 0 ? axis + x.rank : axis
    precondition(a >= 0 && a < x.rank, "softmax axis \(axis) for shape \(x.shape)")
    let n = x.shape[a]
    let outer = x.shape[..<a].reduce(1, *)
    let inner = x.shape[(a + 1)...].reduce(1, *)
    var out = x
    out.data.withUnsafeMutableBufferPointer { y in
        for o in 0..<outer {
            for i in 0..<inner {
                let base = o * n * inner + i
                var m: Float = -.infinity
                if maxShift { for j in 0..<n { m = max(m, y[base + j * inner]) } } else { m = 0 }
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

/// x[..., n] + b[n], broadcast over the leading axes.
func addBias(_ x: Tensor, _ b: Tensor) -> Tensor {
    let n = b.count
    precondition(x.shape.last == n, "bias \(b.shape) for \(x.shape)")
    var out = x
    out.data.withUnsafeMutableBufferPointer { y in
        b.data.withUnsafeBufferPointer { bias in
            for row in 0..<(x.count / max(n, 1)) {
                for j in 0..<n { y[row * n + j] += bias[j] }
            }
        }
    }
    return out
}

func elementwise(_ a: Tensor, _ b: Tensor, _ op: (Float, Float) -> Float) -> Tensor {
    precondition(a.shape == b.shape, "elementwise \(a.shape) vs \(b.shape)")
    var out = a
    for i in 0..<a.count { out.data[i] = op(a.data[i], b.data[i]) }
    return out
}

func mapTensor(_ a: Tensor, _ f: (Float) -> Float) -> Tensor {
    Tensor(shape: a.shape, data: a.data.map(f))
}

/// x [N, in] @ w [in, out] + b [out] (Conv1D layout).
func conv1D(_ x: Tensor, _ w: Tensor, _ b: Tensor) -> Tensor {
    addBias(x.matmul(w), b)
}

/// Columns [from, from + count) of a [T, N] matrix.
func columns(_ x: Tensor, from: Int, count: Int) -> Tensor {
    let t = x.shape[0]
    let n = x.shape[1]
    var out = Tensor(zeros: [t, count])
    for r in 0..<t {
        for c in 0..<count { out.data[r * count + c] = x.data[r * n + from + c] }
    }
    return out
}

/// [T, C] -> [H, T, C/H]: the lecture's split into heads (reshape, then swap T and H).
func splitHeads(_ x: Tensor, heads: Int, transpose: Bool = true) -> Tensor {
    let t = x.shape[0]
    let c = x.shape[1]
    let hs = c / heads
    guard transpose else { return x.reshaped([heads, t, hs]) }
    var out = Tensor(zeros: [heads, t, hs])
    for h in 0..<heads {
        for i in 0..<t {
            for d in 0..<hs { out.data[(h * t + i) * hs + d] = x.data[i * c + h * hs + d] }
        }
    }
    return out
}

/// [H, T, hs] -> [T, H·hs], the inverse of `splitHeads`.
func mergeHeads(_ x: Tensor, transpose: Bool = true) -> Tensor {
    let heads = x.shape[0]
    let t = x.shape[1]
    let hs = x.shape[2]
    guard transpose else { return x.reshaped([t, heads * hs]) }
    var out = Tensor(zeros: [t, heads * hs])
    for h in 0..<heads {
        for i in 0..<t {
            for d in 0..<hs { out.data[i * heads * hs + h * hs + d] = x.data[(h * t + i) * hs + d] }
        }
    }
    return out
}

/// A boolean mask broadcastable to the scores [..., Tq, Tk] (true = may attend).
struct BoolMask: Sendable {
    var shape: [Int]
    var values: [Bool]

    /// The lower-triangular causal mask, shifted by `offset` diagonals (0 is correct).
    static func causal(_ t: Int, offset: Int = 0) -> BoolMask {
        var values = [Bool](repeating: false, count: t * t)
        for i in 0..<t { for j in 0..<t where j <= i + offset { values[i * t + j] = true } }
        return BoolMask(shape: [t, t], values: values)
    }

    /// Whether position `flat` of a tensor of `target` shape may attend (right-aligned broadcast).
    func allows(_ flat: Int, in target: [Int]) -> Bool {
        var rest = flat
        var offset = 0
        var step = 1
        for axis in (0..<target.count).reversed() {
            let i = rest % target[axis]
            rest /= target[axis]
            let maskAxis = axis - (target.count - shape.count)
            if maskAxis >= 0 {
                let size = shape[maskAxis]
                offset += (size == 1 ? 0 : i) * step
                step *= size
            }
        }
        return values[offset]
    }
}

// MARK: - Attention

/// How the attention scores are scaled: the lecture's 1/√d_k, none, or 1/d_k.
enum ScoreScale: Sendable { case sqrtDk, none, dk }

/// What a masked score becomes: -inf (the spec) or a large negative number (a common variant).
enum MaskFill: Sendable { case negativeInfinity, large }

struct AttentionVariant: Sendable {
    var scale: ScoreScale = .sqrtDk
    /// Axis of the scores softmax runs over: -1 (keys, correct) or -2 (queries).
    var softmaxAxis: Int = -1
    var maxShift = true
    var fill: MaskFill = .negativeInfinity
    /// Mask applied to the probabilities after softmax (zeroing them), not to the scores before.
    var maskAfterSoftmax: MaskFill? = nil
    var ignoreMask = false
}

/// softmax(q kᵀ · scale + mask) v with q [..., Tq, dk], k [..., Tk, dk], v [..., Tk, dv].
func attention(_ q: Tensor, _ k: Tensor, _ v: Tensor, mask: BoolMask?,
               _ variant: AttentionVariant = AttentionVariant()) -> Tensor
{
    let dk = Float(q.shape[q.rank - 1])
    var scores = q.matmul(k, transposeOther: true)  // [..., Tq, Tk]
    let factor: Float
    switch variant.scale {
    case .sqrtDk: factor = 1 / dk.squareRoot()
    case .none: factor = 1
    case .dk: factor = 1 / dk
    }
    for i in 0..<scores.count { scores.data[i] *= factor }
    let fill: (MaskFill) -> Float = { $0 == .negativeInfinity ? -.infinity : -1e9 }
    if let mask, !variant.ignoreMask, variant.maskAfterSoftmax == nil {
        for i in 0..<scores.count where !mask.allows(i, in: scores.shape) {
            scores.data[i] = fill(variant.fill)
        }
    }
    var weights = softmaxAlong(scores, axis: variant.softmaxAxis, maxShift: variant.maxShift)
    if let mask, !variant.ignoreMask, let after = variant.maskAfterSoftmax {
        for i in 0..<weights.count where !mask.allows(i, in: weights.shape) {
            weights.data[i] = after == .negativeInfinity ? 0 : fill(.large)
        }
    }
    return weights.matmul(v)  // [..., Tq, dv]
}

/// The order q|k|v are read from the fused projection; [0, 1, 2] is correct.
struct MultiHeadVariant: Sendable {
    var attention = AttentionVariant()
    /// Diagonal offset of the causal mask (0 correct, ±1 off by one); nil: no mask at all.
    var causalOffset: Int? = 0
    var order = [0, 1, 2]
    var splitTranspose = true
    var mergeTranspose = true
}

/// GPT-2 causal self-attention. x [T, C], c_attn_w [C, 3C], c_proj_w [C, C].
func multiHeadAttention(_ x: Tensor, cAttnW: Tensor, cAttnB: Tensor, cProjW: Tensor,
                        cProjB: Tensor, heads: Int, _ variant: MultiHeadVariant = .init())
    -> Tensor
{
    let t = x.shape[0]
    let c = x.shape[1]
    let qkv = conv1D(x, cAttnW, cAttnB)  // [T, C] -> [T, 3C]
    let parts = (0..<3).map { columns(qkv, from: variant.order[$0] * c, count: c) }
    let (q, k, v) = (parts[0], parts[1], parts[2])  // [T, C] each
    let split = { (m: Tensor) in splitHeads(m, heads: heads, transpose: variant.splitTranspose) }
    let mask = variant.causalOffset.map { BoolMask.causal(t, offset: $0) }
    let out = attention(split(q), split(k), split(v), mask: mask, variant.attention)  // [H, T, hs]
    let merged = mergeHeads(out, transpose: variant.mergeTranspose)  // [H, T, hs] -> [T, C]
    return conv1D(merged, cProjW, cProjB)
}

/// Cross-attention: q from x [Tq, C], k|v from context [Tk, C] through w_kv [C, 2C]; no mask.
func crossAttention(_ x: Tensor, context: Tensor, wQ: Tensor, bQ: Tensor, wKV: Tensor,
                    bKV: Tensor, wO: Tensor, bO: Tensor, heads: Int,
                    _ variant: MultiHeadVariant = .init()) -> Tensor
{
    let c = x.shape[1]
    let q = conv1D(x, wQ, bQ)  // [Tq, C]
    let kv = conv1D(context, wKV, bKV)  // [Tk, 2C]
    // order [1, 0, _] reads v from the first half and k from the second (halves swapped).
    let swapped = variant.order[0] != 0
    let k = columns(kv, from: swapped ? c : 0, count: c)
    let v = columns(kv, from: swapped ? 0 : c, count: c)
    let split = { (m: Tensor) in splitHeads(m, heads: heads, transpose: variant.splitTranspose) }
    let out = attention(split(q), split(k), split(v), mask: nil, variant.attention)
    return conv1D(mergeHeads(out, transpose: variant.mergeTranspose), wO, bO)
}

// MARK: - GPT-2 blocks

struct LayerNormVariant: Sendable {
    var unbiased = false
    var epsOutsideSqrt = false
}

/// Normalises over the last axis: (x − mean) / √(var + eps) · γ + β.
func layerNorm(_ x: Tensor, gamma: Tensor, beta: Tensor, eps: Float = 1e-5,
               _ variant: LayerNormVariant = .init()) -> Tensor
{
    let n = x.shape[x.rank - 1]
    var out = x
    for row in 0..<(x.count / max(n, 1)) {
        let base = row * n
        var mean: Double = 0
        for j in 0..<n { mean += Double(x.data[base + j]) }
        mean /= Double(n)
        var sq: Double = 0
        for j in 0..<n { sq += (Double(x.data[base + j]) - mean) * (Double(x.data[base + j]) - mean) }
        let variance = sq / Double(variant.unbiased ? n - 1 : n)
        let denom = variant.epsOutsideSqrt
            ? variance.squareRoot() + Double(eps) : (variance + Double(eps)).squareRoot()
        for j in 0..<n {
            let normed = (Double(x.data[base + j]) - mean) / denom
            out.data[base + j] = Float(normed) * gamma.data[j] + beta.data[j]
        }
    }
    return out
}

enum Activation: Sendable { case geluTanh, geluErf, relu }

func activation(_ x: Tensor, _ kind: Activation = .geluTanh) -> Tensor {
    switch kind {
    case .geluTanh:
        let c = (2 / Double.pi).squareRoot()
        return mapTensor(x) { v in
            let d = Double(v)
            return Float(0.5 * d * (1 + Foundation.tanh(c * (d + 0.044715 * d * d * d))))
        }
    case .geluErf:
        return mapTensor(x) { v in
            let d = Double(v)
            return Float(0.5 * d * (1 + Foundation.erf(d / 2.0.squareRoot())))
        }
    case .relu:
        return mapTensor(x) { max($0, 0) }
    }
}

func mlp(_ x: Tensor, cFcW: Tensor, cFcB: Tensor, cProjW: Tensor, cProjB: Tensor,
         _ kind: Activation = .geluTanh) -> Tensor
{
    conv1D(activation(conv1D(x, cFcW, cFcB), kind), cProjW, cProjB)  // [T, C] -> [T, 4C] -> [T, C]
}

struct BlockVariant: Sendable {
    var layerNorm = LayerNormVariant()
    var activation = Activation.geluTanh
    var attentionResidual = true
    var mlpResidual = true
    var postLN = false
}

/// One pre-LN transformer block from HF-named params (prefix e.g. "h.0." or "").
func transformerBlock(_ x: Tensor, params p: [String: Tensor], prefix: String = "",
                      heads: Int, _ variant: BlockVariant = .init()) throws -> Tensor
{
    func w(_ name: String) throws -> Tensor {
        guard let t = p[prefix + name] else {
            throw GradingError.badArgument("params[\"\(prefix + name)\"]", "a tensor")
        }
        return t
    }
    let ln1 = { (h: Tensor) in
        layerNorm(h, gamma: try w("ln_1.weight"), beta: try w("ln_1.bias"), variant.layerNorm)
    }
    let ln2 = { (h: Tensor) in
        layerNorm(h, gamma: try w("ln_2.weight"), beta: try w("ln_2.bias"), variant.layerNorm)
    }
    let attn = { (h: Tensor) in
        multiHeadAttention(h, cAttnW: try w("attn.c_attn.weight"), cAttnB: try w("attn.c_attn.bias"),
                           cProjW: try w("attn.c_proj.weight"), cProjB: try w("attn.c_proj.bias"),
                           heads: heads)
    }
    let ff = { (h: Tensor) in
        mlp(h, cFcW: try w("mlp.c_fc.weight"), cFcB: try w("mlp.c_fc.bias"),
            cProjW: try w("mlp.c_proj.weight"), cProjB: try w("mlp.c_proj.bias"),
            variant.activation)
    }
    let plus = { (a: Tensor, b: Tensor) in elementwise(a, b, +) }
    if variant.postLN {
        let h = try ln1(plus(x, try attn(x)))  // x = ln_1(x + attn(x))
        return try ln2(plus(h, try ff(h)))
    }
    let a = try attn(try ln1(x))
    let h = variant.attentionResidual ? plus(x, a) : a
    let m = try ff(try ln2(h))
    return variant.mlpResidual ? plus(h, m) : m
}

// MARK: - The model

/// Where the position embeddings come from: wpe[0..<T) (correct), none, or wpe[1...T].
enum PositionVariant: Sendable { case correct, missing, offByOne }

struct GPT2Variant: Sendable {
    var positions = PositionVariant.correct
    var finalLayerNorm = true
    /// Use params["lm_head.weight"] instead of tying the head to wte.
    var untiedHead = false
}

/// wte[ids] + wpe[0..<T). wte [V, C], wpe [ctx, C] -> [T, C].
func embeddings(_ ids: [Int], wte: Tensor, wpe: Tensor, _ positions: PositionVariant = .correct)
    throws -> Tensor
{
    let c = wte.shape[1]
    let vocab = wte.shape[0]
    var out = Tensor(zeros: [ids.count, c])
    for (t, id) in ids.enumerated() {
        guard id >= 0 && id < vocab else { throw GradingError.badArgument("ids", "ids < \(vocab)") }
        let p = positions == .offByOne ? t + 1 : t
        for j in 0..<c {
            var e = wte.data[id * c + j]
            if positions != .missing && p < wpe.shape[0] { e += wpe.data[p * c + j] }
            out.data[t * c + j] = e
        }
    }
    return out
}

/// logits [T, V] of ids under HF-named params (n_layer inferred from the "h.{i}." keys).
func gpt2Forward(_ ids: [Int], params p: [String: Tensor], heads: Int,
                 _ variant: GPT2Variant = .init(), block: BlockVariant = .init()) throws -> Tensor
{
    guard let wte = p["wte.weight"], let wpe = p["wpe.weight"] else {
        throw GradingError.badArgument("params", "GPT-2 params with wte.weight and wpe.weight")
    }
    var x = try embeddings(ids, wte: wte, wpe: wpe, variant.positions)  // [T, C]
    var layer = 0
    while p["h.\(layer).ln_1.weight"] != nil {
        x = try transformerBlock(x, params: p, prefix: "h.\(layer).", heads: heads, block)
        layer += 1
    }
    if variant.finalLayerNorm, let g = p["ln_f.weight"], let b = p["ln_f.bias"] {
        x = layerNorm(x, gamma: g, beta: b, block.layerNorm)
    }
    if variant.untiedHead {
        guard let head = p["lm_head.weight"] else {
            throw GradingError.badArgument("params[\"lm_head.weight\"]", "a tensor")
        }
        return x.matmul(head, transposeOther: true)  // [T, C] @ [V, C]ᵀ -> [T, V]
    }
    return x.matmul(wte, transposeOther: true)  // [T, C] @ [V, C]ᵀ -> [T, V]
}

/// Mean (or, mistakenly, summed) negative log-likelihood of targets under logits [T, V].
func crossEntropy(_ logits: Tensor, targets: [Int], sum: Bool = false) throws -> Double {
    let v = logits.shape[logits.rank - 1]
    let rows = logits.count / max(v, 1)
    guard targets.count == rows else {
        throw GradingError.badArgument("targets", "\(rows) ids (one per row of logits)")
    }
    var total = 0.0
    for r in 0..<rows {
        var m = -Double.infinity
        for j in 0..<v { m = max(m, Double(logits.data[r * v + j])) }
        var s = 0.0
        for j in 0..<v { s += Foundation.exp(Double(logits.data[r * v + j]) - m) }
        let target = targets[r]
        guard target >= 0 && target < v else {
            throw GradingError.badArgument("targets", "ids < \(v)")
        }
        total += m + Foundation.log(s) - Double(logits.data[r * v + target])
    }
    return sum ? total : total / Double(max(rows, 1))
}

/// Index of the largest value (ties: lowest index).
func argmax(_ values: ArraySlice<Float>) -> Int {
    var best = values.startIndex
    for i in values.indices where values[i] > values[best] { best = i }
    return best - values.startIndex
}

/// Greedy decoding: n new ids, each the argmax of the last position's logits (full recompute).
func generateGreedy(_ ids: [Int], params: [String: Tensor], heads: Int, count: Int,
                    _ variant: GPT2Variant = .init(), block: BlockVariant = .init()) throws
    -> [Int]
{
    var sequence = ids
    var new: [Int] = []
    for _ in 0..<count {
        let logits = try gpt2Forward(sequence, params: params, heads: heads, variant, block: block)
        let v = logits.shape[1]
        let last = logits.data[((sequence.count - 1) * v)..<(sequence.count * v)]
        let next = argmax(last)
        new.append(next)
        sequence.append(next)
    }
    return new
}
