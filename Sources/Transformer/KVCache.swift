// Incremental decoding: each layer keeps the keys and values of the positions seen so far, so a
// new token costs one pass over the weights instead of recomputing the whole sequence.
// Shapes: H heads, Tmax cache capacity, hs head size, L cached length, T new tokens.
import Foundation
import Tensors

/// Per layer K and V [H, Tmax, hs], filled for positions 0 ..< length.
public struct KVCache: Sendable {
    public let capacity: Int
    public internal(set) var length: Int = 0
    var keys: [Tensor]  // L layers of [H, Tmax, hs]
    var values: [Tensor]  // L layers of [H, Tmax, hs]

    /// An empty cache for `config`, holding up to `capacity` positions (n_positions by default).
    public init(config: GPT2Config, capacity: Int? = nil) {
        let cap = min(capacity ?? config.nPositions, config.nPositions)
        let shape = [config.nHead, cap, config.nEmbd / config.nHead]
        self.capacity = cap
        keys = Array(repeating: Tensor(zeros: shape), count: config.nLayer)
        values = Array(repeating: Tensor(zeros: shape), count: config.nLayer)
    }

    /// Forget every position (the buffers are kept).
    public mutating func reset() { length = 0 }

    /// Cached keys of `layer` [H, length, hs] (a copy, for inspection and tests).
    public func keys(layer: Int) -> Tensor { keys[layer].sliced(axis: 1, 0..<length) }
    /// Cached values of `layer` [H, length, hs] (a copy).
    public func values(layer: Int) -> Tensor { values[layer].sliced(axis: 1, 0..<length) }
}

extension GPT2Model {
    /// Logits [V] for the position after `token`, appending it to the cache.
    public func decode(token: Int, cache: inout KVCache) throws -> Tensor {
        let logits = try forward([token], cache: &cache)  // [1, V]
        return logits.reshaped([config.vocabSize])
    }

    /// Runs `ids` after the cache's positions, appending them: ids [T] -> logits [T, V].
    /// With an empty cache this equals `forward(ids)`; use it to prefill a prompt.
    public func forward(_ ids: [Int], cache: inout KVCache) throws -> Tensor {
        let start = cache.length
        try config.validate(ids, offset: start, capacity: cache.capacity)
        let eps = config.layerNormEpsilon
        var x = embed(ids: ids, wte: weights.wte, wpe: weights.wpe, offset: start)  // [T, C]
        for (layer, w) in weights.blocks.enumerated() {
            let h = layerNorm(x, weight: w.ln1Weight, bias: w.ln1Bias, eps: eps)  // [T, C]
            x = x + cachedSelfAttention(h, weights: w.attention, layer: layer, cache: &cache)
            let m = mlp(
                layerNorm(x, weight: w.ln2Weight, bias: w.ln2Bias, eps: eps), weights: w.mlp,
                activation: config.activation)
            x = x + m  // [T, C]
        }
        cache.advance(by: ids.count)
        x = layerNorm(x, weight: weights.lnFWeight, bias: weights.lnFBias, eps: eps)
        return tiedHead(x, wte: weights.outputHead)  // [T, V]
    }

    /// Self-attention of T new positions against the cache plus themselves: x [T, C] -> [T, C].
    /// Writes the new k, v into the cache at positions length ..< length + T.
    private func cachedSelfAttention(
        _ x: Tensor, weights w: AttentionWeights, layer: Int, cache: inout KVCache
    ) -> Tensor {
        let qkv = linear(x, weight: w.cAttnWeight, bias: w.cAttnBias)  // [T, C] -> [T, 3C]
        let merged = cache.attend(
            qkv: qkv, layer: layer, heads: config.nHead,
            scale: config.attentionScale(layer: layer))  // [T, C]
        return linear(merged, weight: w.cProjWeight, bias: w.cProjBias)  // [T, C]
    }
}

extension KVCache {
    /// Causal self-attention of T new positions against the cached ones plus themselves, per
    /// head: qkv [T, 3C] (q | k | v) -> the merged heads [T, C], before the output projection.
    /// Writes the new k, v of `layer` at positions length ..< length + T; call `advance(by:)`
    /// once every layer has run. Shared by every model that decodes with this cache. `scale`
    /// multiplies the scores (1/√hs by default).
    public mutating func attend(qkv: Tensor, layer: Int, heads: Int, scale requested: Float? = nil)
        -> Tensor
    {
        precondition(qkv.rank == 2 && qkv.shape[1] % 3 == 0, "attend needs qkv [T, 3C]")
        precondition(length + qkv.shape[0] <= capacity, "KV cache full")
        let (t, c) = (qkv.shape[0], qkv.shape[1] / 3)
        let hs = c / heads
        let (start, cap) = (length, capacity)
        let total = start + t  // keys visible to the last new query
        var merged = Tensor(zeros: [t, c])  // [T, C]
        var scores = [Float](repeating: 0, count: t * total)  // one head's [T, L + T]
        let scale = requested ?? 1 / Float(hs).squareRoot()
        qkv.data.withUnsafeBufferPointer { qkv in
            keys[layer].data.withUnsafeMutableBufferPointer { kc in
                values[layer].data.withUnsafeMutableBufferPointer { vc in
                    merged.data.withUnsafeMutableBufferPointer { out in
                        scores.withUnsafeMutableBufferPointer { s in
                            guard let qkv = qkv.baseAddress, let kc = kc.baseAddress,
                                let vc = vc.baseAddress, let out = out.baseAddress,
                                let s = s.baseAddress
                            else { return }
                            for h in 0..<heads {
                                let kh = kc + h * cap * hs  // [Tmax, hs]
                                let vh = vc + h * cap * hs  // [Tmax, hs]
                                // Append this head's new k, v rows.
                                for i in 0..<t {
                                    let row = qkv + i * 3 * c + h * hs
                                    (kh + (start + i) * hs).update(from: row + c, count: hs)
                                    (vh + (start + i) * hs).update(from: row + 2 * c, count: hs)
                                }
                                if t == 1 {
                                    // One new token (decoding): matrix-vector products through
                                    // `matvec`, which runs these small ones on this thread.
                                    // (OpenBLAS's sgemv woke its threads for every head from
                                    // about 144 cached positions on, and they spun against
                                    // matvec's workers for the cores.)
                                    // scores = K q / √hs : [L+1, hs] @ [hs] -> [L+1]
                                    matvec(
                                        transposed: false, rows: total, cols: hs, a: kh, lda: hs,
                                        x: qkv + h * hs, y: s)
                                    for j in 0..<total { s[j] *= scale }
                                    causalSoftmaxInPlace(s, rows: 1, cols: total, offset: start)
                                    // out_h = Vᵀ weights : [hs, L+1] @ [L+1] -> [hs]
                                    matvec(
                                        transposed: true, rows: total, cols: hs, a: vh, lda: hs,
                                        x: s, y: out + h * hs)
                                    continue
                                }
                                // scores = q Kᵀ / √hs : [T, hs] @ [hs, L+T] -> [T, L+T]
                                sgemm(
                                    transA: false, transB: true, m: t, n: total, k: hs,
                                    alpha: scale, a: qkv + h * hs, lda: 3 * c, b: kh, ldb: hs,
                                    c: s, ldc: total)
                                causalSoftmaxInPlace(s, rows: t, cols: total, offset: start)
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
        return merged
    }

    /// Marks `count` new positions as cached (after every layer has attended to them).
    public mutating func advance(by count: Int) { length += count }
}
