// The attention weights a forward pass computes (the lecture's attention explorer), against the
// NumPy oracle's own forward of the same Swift-saved checkpoint, and against what attention must
// be: causal rows that sum to 1, and the block's output when those weights mix the values.
import Foundation
import Tensors
import TestSupport
import Testing

@testable import Transformer

@Suite struct AttentionMapsTests {
    @Test func everyLayersWeightsMatchTheOracle() throws {
        let model = try tinyModel()
        let dir = try makeScratchDirectory("gpt2-attn").appendingPathComponent("ckpt")
        defer { try? FileManager.default.removeItem(at: dir.deletingLastPathComponent()) }
        try saveCheckpoint(model, to: dir)
        let ids = [5, 0, 49, 17, 17, 3, 8, 21, 44]
        try Npy.write(
            Tensor(shape: [ids.count], data: ids.map(Float.init)),
            to: dir.appendingPathComponent("ids.npy"))
        let expected = try OracleCase("attention_weights", folder: dir).tensor("out_attn")
        let maps = try model.attentionWeights(ids)  // L of [H, T, T]
        #expect(maps.count == model.config.nLayer)
        let (h, t) = (model.config.nHead, ids.count)
        for (layer, map) in maps.enumerated() {
            let oracle = Tensor(
                shape: [h, t, t],
                data: Array(expected.data[(layer * h * t * t)..<((layer + 1) * h * t * t)]))
            expectClose(map, oracle, tolerance: 1e-5, "layer \(layer) attention weights")
        }
    }

    @Test func weightsAreCausalRowsThatSumToOne() throws {
        let model = try tinyModel()
        let ids = [1, 2, 3, 4, 5, 6]
        for map in try model.attentionWeights(ids) {
            let (h, t) = (map.shape[0], map.shape[1])
            for head in 0..<h {
                for i in 0..<t {
                    let row = (0..<t).map { map.data[(head * t + i) * t + $0] }
                    #expect(abs(row.reduce(0, +) - 1) < 1e-5)
                    #expect(row[(i + 1)...].allSatisfy { $0 == 0 }, "query \(i) sees the future")
                    #expect(row[...i].allSatisfy { $0 > 0 })
                }
            }
        }
    }

    @Test func theWeightsMixTheValuesIntoTheBlocksAttentionOutput() throws {
        // The first block's attention through the fast path (sgemm, in-place causal softmax)
        // equals c_proj(merge(weights @ v)) with the weights returned here.
        let model = try tinyModel()
        let ids = [7, 3, 3, 9, 12]
        let block = model.weights.blocks[0]
        let x = embed(ids: ids, wte: model.weights.wte, wpe: model.weights.wpe)
        let h = layerNorm(x, weight: block.ln1Weight, bias: block.ln1Bias)
        let qkv = linear(h, weight: block.attention.cAttnWeight, bias: block.attention.cAttnBias)
        let c = model.config.nEmbd
        let v = splitHeads(qkv.sliced(axis: -1, (2 * c)..<(3 * c)), heads: model.config.nHead)
        let weights = try model.attentionWeights(ids)[0]
        let mixed = linear(
            mergeHeads(weights.matmul(v)), weight: block.attention.cProjWeight,
            bias: block.attention.cProjBias)
        let fast = multiHeadSelfAttention(h, weights: block.attention, heads: model.config.nHead)
        expectClose(mixed, fast, tolerance: 1e-5, "weights @ v vs the block's attention")
    }
}
