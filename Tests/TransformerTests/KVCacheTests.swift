// Incremental decoding with the KV cache must give the logits of the full recompute.
import Tensors
import Testing

@testable import Transformer

@Suite struct KVCacheTests {
    let ids = [5, 0, 49, 17, 17, 3, 8, 21, 44, 1, 2, 30, 11, 6, 9, 12]

    @Test func decodeOneAtATimeEqualsFullForward() throws {
        let model = try tinyModel()
        let full = try model.forward(ids)  // [16, 50], validated against the oracle elsewhere
        var cache = KVCache(config: model.config)
        var worst: Float = 0
        for (t, id) in ids.enumerated() {
            let logits = try model.decode(token: id, cache: &cache)  // [50]
            worst = max(worst, logits.maxAbsDifference(full.rows(t..<(t + 1)).reshaped([50])))
        }
        print("max |diff| KV-cache decode vs full forward: \(worst)")
        #expect(worst < 1e-5, "KV-cache decode vs full forward: max |diff| = \(worst)")
        #expect(cache.length == ids.count)
    }

    @Test func prefillThenDecodeEqualsFullForward() throws {
        let model = try tinyModel()
        let full = try model.forward(ids)
        var cache = KVCache(config: model.config)
        let prefix = try model.forward(Array(ids[..<10]), cache: &cache)  // [10, 50]
        expectClose(prefix, full.rows(0..<10), tolerance: 1e-5, "cached prefill vs full forward")
        let rest = try model.forward(Array(ids[10...]), cache: &cache)  // [6, 50]
        expectClose(
            rest, full.rows(10..<16), tolerance: 1e-5, "cached chunk after prefill vs full forward")
        // The cached keys of layer 0 are the heads of ln_1(x) W_k + b_k for all 16 positions.
        let w = model.weights.blocks[0]
        let x = embed(ids: ids, wte: model.weights.wte, wpe: model.weights.wpe)
        let kv = linear(
            layerNorm(x, weight: w.ln1Weight, bias: w.ln1Bias), weight: w.attention.cAttnWeight,
            bias: w.attention.cAttnBias)
        expectClose(
            cache.keys(layer: 0), splitHeads(kv.sliced(axis: -1, 16..<32), heads: 2),
            tolerance: 1e-6, "cached keys")
    }

    @Test func fullCacheThrows() throws {
        let model = try tinyModel()
        var cache = KVCache(config: model.config, capacity: 4)
        _ = try model.forward([1, 2, 3, 4], cache: &cache)
        #expect(throws: TransformerError.sequenceTooLong(length: 5, maxPositions: 4)) {
            try model.decode(token: 1, cache: &cache)
        }
    }
}
