// Incremental decoding for QuantizedGPT2 with the reference's KV cache: a new token costs one
// pass over the quantized weights. Shapes: T new tokens, C channels.
import Foundation
import Tensors
import Transformer

/// The reference's cache: keys and values stay fp32 (only weights are quantized), and attention
/// over them is the reference's own `KVCache.attend`.
public typealias QuantizedKVCache = KVCache

extension QuantizedGPT2 {
    /// Logits [V] for the position after `token`, appending it to the cache.
    public func decode(token: Int, cache: inout QuantizedKVCache) throws -> Tensor {
        try forward([token], cache: &cache).reshaped([config.vocabSize])
    }

    /// Runs `ids` after the cache's positions, appending them: ids [T] -> logits [T, V].
    /// With an empty cache this equals `forward(ids)`.
    public func forward(_ ids: [Int], cache: inout QuantizedKVCache) throws -> Tensor {
        let start = cache.length
        try config.validate(ids, offset: start, capacity: cache.capacity)
        let eps = config.layerNormEpsilon
        var x = embedTokens(ids, offset: start)  // [T, C]
        for (layer, b) in blocks.enumerated() {
            let h = layerNorm(x, weight: b.ln1Weight, bias: b.ln1Bias, eps: eps)  // [T, C]
            x = x + cachedSelfAttention(h, block: b, layer: layer, cache: &cache)
            let m = layerNorm(x, weight: b.ln2Weight, bias: b.ln2Bias, eps: eps)
            x = x + b.mlpProj(config.activation(b.cFc(m)))  // [T, C]
        }
        cache.advance(by: ids.count)
        x = layerNorm(x, weight: lnFWeight, bias: lnFBias, eps: eps)
        return head(x)  // [T, C] -> [T, V]
    }

    /// T new positions attend to the cache plus themselves: x [T, C] -> [T, C]; writes their
    /// k, v at positions length ..< length + T.
    func cachedSelfAttention(
        _ x: Tensor, block b: QuantizedBlock, layer: Int, cache: inout QuantizedKVCache
    ) -> Tensor {
        let merged = cache.attend(
            qkv: b.cAttn(x), layer: layer, heads: config.nHead,
            scale: config.attentionScale(layer: layer))  // [T, C]
        return b.attnProj(merged)  // [T, C]
    }
}
