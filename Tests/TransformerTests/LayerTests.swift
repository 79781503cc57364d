// Layer norm, GELU, linear, MLP, multi-head self- and cross-attention, the block and the
// embeddings against the NumPy oracle (float64), plus hand-worked values.
import Foundation
import Tensors
import Testing

@testable import Transformer

@Suite struct LayerTests {
    let o: OracleCase
    let x: Tensor  // [7, 16]

    init() throws {
        o = try SharedOracle.layers.get()
        x = try o.tensor("x")
    }

    func attentionWeights() throws -> AttentionWeights {
        AttentionWeights(
            cAttnWeight: try o.tensor("c_attn_w"), cAttnBias: try o.tensor("c_attn_b"),
            cProjWeight: try o.tensor("c_proj_w"), cProjBias: try o.tensor("c_proj_b"))
    }

    func mlpWeights() throws -> MLPWeights {
        MLPWeights(
            cFcWeight: try o.tensor("c_fc_w"), cFcBias: try o.tensor("c_fc_b"),
            cProjWeight: try o.tensor("mlp_proj_w"), cProjBias: try o.tensor("mlp_proj_b"))
    }

    @Test func layerNormMatchesOracle() throws {
        let y = layerNorm(x, weight: try o.tensor("ln_1_g"), bias: try o.tensor("ln_1_b"))
        expectClose(y, try o.tensor("out_layer_norm"), tolerance: 1e-5, "layerNorm")
    }

    @Test func layerNormHandWorked() {
        // [1, 2, 3]: mean 2, biased variance 2/3 -> (x - 2) / sqrt(2/3 + eps).
        let y = layerNorm(
            Tensor(shape: [1, 3], data: [1, 2, 3]), weight: Tensor(repeating: 1, shape: [3]),
            bias: Tensor(zeros: [3]), eps: 0)
        let s = Float(1.5).squareRoot()
        #expect(abs(y.data[0] + s) < 1e-6 && abs(y.data[1]) < 1e-6 && abs(y.data[2] - s) < 1e-6)
    }

    @Test func geluMatchesOracleAndPublishedValues() throws {
        expectClose(gelu(x * 3), try o.tensor("out_gelu"), tolerance: 1e-5, "gelu")
        // gelu_new(1) = 0.8411920, gelu_new(-1) = -0.1588080 (tanh approximation).
        #expect(abs(gelu(Float(1)) - 0.841192) < 1e-6 && abs(gelu(Float(-1)) + 0.158808) < 1e-6)
        #expect(gelu(Float(0)) == 0)
    }

    @Test func fastExpAgreesWithLibm() {
        var worst: Float = 0  // relative error
        var x: Float = -86.5
        while x <= 88.72 {
            worst = max(worst, abs(fastExp(x) - expf(x)) / expf(x))
            x += 0.0137
        }
        print("max relative |diff| fastExp vs expf: \(worst)")
        #expect(worst < 3e-7, "fastExp vs expf: max relative diff \(worst)")
        #expect(fastExp(-.infinity) == 0 && fastExp(-200) == 0 && fastExp(0) == 1)
        #expect(fastExp(100) == .infinity)
    }

    @Test func linearMatchesOracleAndNaive() throws {
        let (w, b) = (try o.tensor("c_attn_w"), try o.tensor("c_attn_b"))
        let y = linear(x, weight: w, bias: b)
        expectClose(y, try o.tensor("out_linear"), tolerance: 1e-5, "linear")
        expectClose(y, naiveMatmul(x, w) + b, tolerance: 1e-5, "linear vs naive loop")
        // One row takes the sgemv path.
        expectClose(
            linear(x.rows(2..<3), weight: w, bias: b), (try o.tensor("out_linear")).rows(2..<3),
            tolerance: 1e-5, "linear, one row (sgemv)")
    }

    @Test func mlpMatchesOracle() throws {
        expectClose(
            mlp(x, weights: try mlpWeights()), try o.tensor("out_mlp"), tolerance: 1e-4, "mlp")
    }

    @Test func splitAndMergeHeads() throws {
        let split = splitHeads(x, heads: 4)
        #expect(split == (try o.tensor("out_split")))  // a pure permutation: exact
        #expect(mergeHeads(split) == x)
    }

    @Test func selfAttentionMatchesOracle() throws {
        let w = try attentionWeights()
        let want = try o.tensor("out_mha")
        expectClose(
            multiHeadSelfAttention(x, weights: w, heads: 4), want, tolerance: 1e-4,
            "multi-head self-attention (strided sgemm)")
        expectClose(
            composedMultiHeadSelfAttention(x, weights: w, heads: 4), want, tolerance: 1e-4,
            "multi-head self-attention (composed)")
        // Causality: the first position only sees itself, so it ignores later tokens.
        let first = multiHeadSelfAttention(x.rows(0..<1), weights: w, heads: 4)
        expectClose(first, want.rows(0..<1), tolerance: 1e-4, "self-attention, T = 1")
    }

    @Test func blockMatchesOracle() throws {
        let w = BlockWeights(
            ln1Weight: try o.tensor("ln_1_g"), ln1Bias: try o.tensor("ln_1_b"),
            attention: try attentionWeights(), ln2Weight: try o.tensor("ln_2_g"),
            ln2Bias: try o.tensor("ln_2_b"), mlp: try mlpWeights())
        expectClose(
            transformerBlock(x, weights: w, heads: 4), try o.tensor("out_block"), tolerance: 1e-4,
            "transformer block")
    }
}

@Suite struct CrossAttentionAndEmbeddingTests {
    @Test func crossAttentionMatchesOracle() throws {
        let o = try OracleCase("cross")
        let w = CrossAttentionWeights(
            qWeight: try o.tensor("w_q"), qBias: try o.tensor("b_q"),
            kvWeight: try o.tensor("w_kv"),
            kvBias: try o.tensor("b_kv"), outWeight: try o.tensor("w_o"),
            outBias: try o.tensor("b_o"))
        let y = crossAttention(
            try o.tensor("x"), context: try o.tensor("ctx"), weights: w, heads: 4)
        expectClose(y, try o.tensor("out_cross"), tolerance: 1e-5, "cross-attention")
    }

    @Test func embeddingWithOffsetMatchesOracle() throws {
        let o = try OracleCase("embed")
        let y = embed(
            ids: try o.ints("ids"), wte: try o.tensor("wte"), wpe: try o.tensor("wpe"), offset: 3)
        expectClose(y, try o.tensor("out_embed"), tolerance: 0, "embedding with offset 3")
    }
}
