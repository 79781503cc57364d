// The LLaMA-style reference (RMSNorm, RoPE, repeat_kv, SwiGLU, grouped-query attention, the
// block) against the independent NumPy oracle Tests/Oracle/llama_oracle.py, and RoPE's
// rotate-half convention worked by hand.
import Foundation
import Tensors
import TestSupport
import Testing

@testable import Transformer

@Suite struct LlamaTests {
    // n_head, n_kv_head, theta and eps of the oracle's case.
    let heads = 6
    let kvHeads = 2
    let theta: Float = 500
    let eps: Float = 1e-6

    func weights(_ o: OracleCase) throws -> LlamaBlockWeights {
        LlamaBlockWeights(
            attentionNorm: try o.tensor("attn_norm"),
            attention: GQAWeights(q: try o.tensor("w_q"), k: try o.tensor("w_k"),
                                  v: try o.tensor("w_v"), o: try o.tensor("w_o")),
            mlpNorm: try o.tensor("mlp_norm"),
            mlp: SwiGLUWeights(gate: try o.tensor("w_gate"), up: try o.tensor("w_up"),
                               down: try o.tensor("w_down")))
    }

    @Test func everyPieceMatchesTheNumPyOracle() throws {
        let o = try OracleCase(script: "llama_oracle.py", "llama")
        let x = try o.tensor("x")
        let w = try weights(o)
        expectClose(rmsNorm(x, weight: w.attentionNorm, eps: eps), try o.tensor("out_rms_norm"),
                    tolerance: 1e-5, "rms_norm")
        let h = try o.tensor("heads")
        expectClose(rotaryEmbedding(h, theta: theta), try o.tensor("out_rope"), tolerance: 1e-5,
                    "rope theta 500")
        expectClose(rotaryEmbedding(h, theta: 10000), try o.tensor("out_rope_10000"),
                    tolerance: 1e-5, "rope theta 10000")
        expectClose(repeatKV(try o.tensor("kv"), nRep: heads / kvHeads),
                    try o.tensor("out_repeat_kv"), tolerance: 0, "repeat_kv")
        expectClose(swiGLU(x, weights: w.mlp), try o.tensor("out_swiglu"), tolerance: 1e-4,
                    "swiglu")
        expectClose(groupedQueryAttention(x, weights: w.attention, heads: heads,
                                          kvHeads: kvHeads, theta: theta),
                    try o.tensor("out_gqa"), tolerance: 1e-4, "grouped-query attention")
        expectClose(llamaBlock(x, weights: w, heads: heads, kvHeads: kvHeads, theta: theta,
                               eps: eps),
                    try o.tensor("out_block"), tolerance: 1e-4, "llama block")
    }

    /// HF's rotate-half on one head, d = 4, theta = 100, by hand: pairs (0, 2) and (1, 3); at
    /// position 1 the angles are 1·100^0 = 1 rad and 1·100^(-1/2) = 0.1 rad; position 0 stays.
    @Test func rotateHalfByHand() {
        let x = Tensor(shape: [1, 2, 4], data: [1, 2, 3, 4, 1, 2, 3, 4])
        let (cos1, sin1, cos01, sin01): (Float, Float, Float, Float) =
            (0.5403023, 0.8414710, 0.9950042, 0.0998334)
        let expected: [Float] = [
            1, 2, 3, 4,
            1 * cos1 - 3 * sin1,  // -1.9841107
            2 * cos01 - 4 * sin01,  // 1.5906748
            3 * cos1 + 1 * sin1,  // 2.4623779
            4 * cos01 + 2 * sin01,  // 4.1796836
        ]
        let out = rotaryEmbedding(x, theta: 100)
        for (a, b) in zip(out.data, expected) { #expect(abs(a - b) < 1e-6, "\(out.data)") }
        // The paper's interleaved layout pairs (0, 1) and (2, 3) instead: a different answer.
        let interleaved = rotaryEmbedding(x, theta: 100, variant: RoPEVariant(pairing: .interleaved))
        #expect(abs(interleaved.data[4] - (1 * cos1 - 2 * sin1)) < 1e-6)
    }

    @Test func repeatKVGroupsConsecutiveHeads() {
        let kv = Tensor(shape: [2, 1, 1], data: [10, 20])
        #expect(repeatKV(kv, nRep: 2).data == [10, 10, 20, 20])
        #expect(repeatKV(kv, nRep: 2, order: .tiled).data == [10, 20, 10, 20])
    }

    @Test func rmsNormOfAConstantRowIsTheWeight() {
        // mean(x²) of [3, 3] is 9, so x / 3 = 1 and the output is the weight (eps 0).
        let out = rmsNorm(Tensor(shape: [1, 2], data: [3, 3]),
                          weight: Tensor(shape: [2], data: [0.5, 2]), eps: 0)
        #expect(out.data == [0.5, 2])
    }
}
