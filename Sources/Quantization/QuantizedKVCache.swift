// Incremental decoding for QuantizedGPT2: each layer keeps the keys and values seen so far
// (fp32; only weights are quantized), so a new token costs one pass over the quantized weights.
// Shapes: H heads, Tmax capacity, hs head size, L cached length, T new tokens.
import Foundation
import Tensors
import Transformer

/// Per layer K and V [H, Tmax, hs], filled for positions 0 ..< length.
public struct QuantizedKVCache: Sendable {
    public let capacity: Int
    public internal(set) var length: Int = 0
    var keys: [[Float]]  // L layers of [H, Tmax, hs]
    var values: [[Float]]  // L layers of [H, Tmax, hs]

    /// An empty cache holding up to `capacity` positions (n_positions by default).
    public init(config: GPT2Config, capacity: Int? = nil) {
        let cap = min(capacity ?? config.nPositions, config.nPositions)
        self.capacity = cap
        let layer = [Float](repeating: 0, count: config.nEmbd * cap)
        keys = Array(repeating: layer, count: config.nLayer)
        values = Array(repeating: layer, count: config.nLayer)
    }

    /// Forget every position (the buffers are kept).
    public mutating func reset() { length = 0 }
}

extension QuantizedGPT2 {
    /// Logits [V] for the position after `token`, appending it to the cache.
    public func decode(token: Int, cache: inout QuantizedKVCache) throws -> Tensor {
        try forward([token], cache: &cache).reshaped([config.vocabSize])
    }

    /// Runs `ids` after the cache's positions, appending them: ids [T] -> logits [T, V].
    /// With an empty cache this equals `forward(ids)`.
    public func forward(_ ids: [Int], cache: inout QuantizedKVCache) throws -> Tensor {
        let start = cache.length
        try validate(ids, offset: start, capacity: cache.capacity)
        let eps = config.layerNormEpsilon
        var x = embed(ids: ids, wte: wte, wpe: wpe, offset: start)  // [T, C]
        for (layer, b) in blocks.enumerated() {
            let h = layerNorm(x, weight: b.ln1Weight, bias: b.ln1Bias, eps: eps)  // [T, C]
            x = x + cachedSelfAttention(h, block: b, layer: layer, cache: &cache)
            let m = layerNorm(x, weight: b.ln2Weight, bias: b.ln2Bias, eps: eps)
            x = x + b.mlpProj(gelu(b.cFc(m)))  // [T, C]
        }
        cache.length = start + ids.count
        x = layerNorm(x, weight: lnFWeight, bias: lnFBias, eps: eps)
        return tiedHead(x, wte: wte)  // [T, V]
    }

    /// T new positions attend to the cache plus themselves: x [T, C] -> [T, C]; writes their
    /// k, v at positions length ..< length + T.
    func cachedSelfAttention(
        _ x: Tensor, block b: QuantizedBlock, layer: Int, cache: inout QuantizedKVCache
    ) -> Tensor {
        let (t, c, heads) = (x.shape[0], config.nEmbd, config.nHead)
        let hs = c / heads
        let (start, cap) = (cache.length, cache.capacity)
        let total = start + t
        let qkv = b.cAttn(x)  // [T, C] -> [T, 3C]
        var merged = [Float](repeating: 0, count: t * c)  // [T, C]
        var scores = [Float](repeating: 0, count: t * total)  // one head's [T, L + T]
        let scale = 1 / Float(hs).squareRoot()
        qkv.data.withUnsafeBufferPointer { qkv in
            cache.keys[layer].withUnsafeMutableBufferPointer { kc in
                cache.values[layer].withUnsafeMutableBufferPointer { vc in
                    merged.withUnsafeMutableBufferPointer { out in
                        scores.withUnsafeMutableBufferPointer { s in
                            guard let qkv = qkv.baseAddress, let kc = kc.baseAddress,
                                let vc = vc.baseAddress, let out = out.baseAddress,
                                let s = s.baseAddress
                            else { return }
                            for h in 0..<heads {
                                let kh = kc + h * cap * hs  // [Tmax, hs]
                                let vh = vc + h * cap * hs  // [Tmax, hs]
                                for i in 0..<t {
                                    let row = qkv + i * 3 * c + h * hs
                                    (kh + (start + i) * hs).update(from: row + c, count: hs)
                                    (vh + (start + i) * hs).update(from: row + 2 * c, count: hs)
                                }
                                // scores = q Kᵀ / √hs : [T, hs] @ [hs, L+T] -> [T, L+T]
                                sgemm(
                                    transA: false, transB: true, m: t, n: total, k: hs,
                                    alpha: scale, a: qkv + h * hs, lda: 3 * c, b: kh, ldb: hs,
                                    c: s, ldc: total)
                                causalSoftmaxRows(s, rows: t, cols: total, offset: start)
                                // out_h = weights V : [T, L+T] @ [L+T, hs] -> [T, hs]
                                sgemm(
                                    transA: false, transB: false, m: t, n: hs, k: total,
                                    a: s, lda: total, b: vh, ldb: hs, c: out + h * hs, ldc: c)
                            }
                        }
                    }
                }
            }
        }
        return b.attnProj(Tensor(shape: [t, c], data: merged))  // [T, C]
    }
}

/// Row i of the [rows, cols] scores may see columns 0 ... offset + i: softmax over those
/// (max subtracted first), zeros after.
private func causalSoftmaxRows(
    _ s: UnsafeMutablePointer<Float>, rows: Int, cols: Int, offset: Int
) {
    for i in 0..<rows {
        let row = s + i * cols
        let visible = min(cols, offset + i + 1)
        var m = -Float.infinity
        for j in 0..<visible { m = max(m, row[j]) }
        var sum: Float = 0
        for j in 0..<visible {
            row[j] = expf(row[j] - m)
            sum += row[j]
        }
        let inv = 1 / sum
        for j in 0..<visible { row[j] *= inv }
        for j in visible..<cols { row[j] = 0 }
    }
}
