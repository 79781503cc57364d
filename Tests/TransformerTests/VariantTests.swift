// The GPT-2 reference's variants (GPT2Variant.swift), each against the NumPy oracle written as a
// student would write the mistake (gpt2_oracle.py `variants`, float32 NumPy), NaNs included;
// and the defaults give exactly the lecture's computation.
import Foundation
import Tensors
import Testing

@testable import Transformer

/// NaN where `expected` is NaN, and within `tolerance` everywhere else.
private func expectSame(
    _ actual: Tensor, _ expected: Tensor, tolerance: Float = 2e-5, _ what: String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(actual.shape == expected.shape, "\(what): shape \(actual.shape) vs \(expected.shape)",
            sourceLocation: sourceLocation)
    guard actual.shape == expected.shape else { return }
    var diff: Float = 0
    for (a, e) in zip(actual.data, expected.data) {
        if e.isNaN {
            #expect(a.isNaN, "\(what): \(a) where NumPy has NaN", sourceLocation: sourceLocation)
        } else {
            diff = max(diff, abs(a - e) / max(1, abs(e)))
        }
    }
    #expect(diff <= tolerance, "\(what): max difference \(diff)", sourceLocation: sourceLocation)
}

@Suite struct VariantTests {
    static let oracle = Result { try OracleCase("variants") }

    func mask(_ t: Tensor) -> AttentionMask { AttentionMask(allowing: t) }

    @Test func softmaxWithoutTheMaxShiftOverflowsToNaN() throws {
        let o = try Self.oracle.get()
        let big = try o.tensor("big")  // logits around +1000
        expectSame(softmax(big, maxShift: false), try o.tensor("out_unstable"), "unstable")
        #expect(!softmax(big).data.contains { $0.isNaN })
        // The plain softmax equals the fast one where both are defined.
        let x = try o.tensor("x")
        for axis in [0, 1] {
            #expect(naiveSoftmax(x, axis: axis).maxAbsDifference(softmax(x, axis: axis)) < 1e-6)
        }
    }

    @Test func causalMaskOffByOneDiagonal() throws {
        let o = try Self.oracle.get()
        let ones = { (m: AttentionMask) in Tensor(shape: m.shape, data: m.allowed.map { $0 ? 1 : 0 }) }
        #expect(ones(causalMask(5, offset: 1)) == (try o.tensor("out_causal_plus")))
        #expect(ones(causalMask(5, offset: -1)) == (try o.tensor("out_causal_minus")))
        #expect(causalMask(5, offset: 0) == causalMask(5))
    }

    @Test func attentionVariantsMatchTheStudentsNumPy() throws {
        let o = try Self.oracle.get()
        let (q, k, v) = (try o.tensor("q"), try o.tensor("k"), try o.tensor("v"))  // [2, 5, ·]
        let causal = causalMask(5)
        func run(_ mask: AttentionMask, _ change: (inout AttentionVariant) -> Void) -> Tensor {
            var variant = AttentionVariant()
            change(&variant)
            return scaledDotProductAttention(q: q, k: k, v: v, mask: mask, variant: variant)
        }
        expectSame(run(causal) { $0.scale = .none }, try o.tensor("out_att_none"), "no scaling")
        expectSame(run(causal) { $0.scale = .dk }, try o.tensor("out_att_dk"), "1/d_k")
        expectSame(run(causal) { $0.softmaxAxis = -2 }, try o.tensor("out_att_axis"), "axis -2")
        expectSame(run(causal) { $0.maskAfterSoftmax = 0 }, try o.tensor("out_att_after0"),
                   "masked after softmax (0)")
        expectSame(run(causal) { $0.maskAfterSoftmax = -1e9 },
                   try o.tensor("out_att_after_large"), "masked after softmax (-1e9)")
        let minus = causalMask(5, offset: -1)  // row 0 sees no key
        expectSame(run(minus) { $0.maskFill = -1e9 }, try o.tensor("out_att_fill_large"),
                   "fill -1e9")
        // The variant path with the lecture's knobs is NumPy's: 0/0 on a row with no key.
        expectSame(variantAttention(q: q, k: k, v: v, mask: minus, AttentionVariant()),
                   try o.tensor("out_att_empty_row"), "a query with nothing to attend")
    }

    @Test func multiHeadVariantsMatchTheStudentsNumPy() throws {
        let o = try Self.oracle.get()
        let w = AttentionWeights(cAttnWeight: try o.tensor("w"), cAttnBias: try o.tensor("b"),
                                 cProjWeight: try o.tensor("pw"), cProjBias: try o.tensor("pb"))
        let x = try o.tensor("x")  // [5, 8], 2 heads
        func run(_ change: (inout MultiHeadVariant) -> Void) -> Tensor {
            var variant = MultiHeadVariant()
            change(&variant)
            return multiHeadSelfAttention(x, weights: w, heads: 2, variant: variant)
        }
        expectSame(run { $0.qkvOrder = [2, 0, 1] }, try o.tensor("out_mha_order"), "v|q|k")
        expectSame(run { $0.splitTranspose = false; $0.mergeTranspose = false },
                   try o.tensor("out_mha_split"), "reshape without transposes")
        expectSame(run { $0.mergeTranspose = false }, try o.tensor("out_mha_merge"),
                   "merge without the transpose")
        expectSame(run { $0.causalOffset = 1 }, try o.tensor("out_mha_offset"), "offset +1")
        expectSame(run { $0.causalOffset = nil }, try o.tensor("out_mha_nomask"), "no mask")
        // The defaults are the fast path itself.
        #expect(run { _ in } == multiHeadSelfAttention(x, weights: w, heads: 2))
    }

    @Test func attentionWeightsMatchTheStudentsNumPy() throws {
        let o = try Self.oracle.get()
        let w = AttentionWeights(cAttnWeight: try o.tensor("w"), cAttnBias: try o.tensor("b"),
                                 cProjWeight: try o.tensor("pw"), cProjBias: try o.tensor("pb"))
        let x = try o.tensor("x")  // [5, 8], 2 heads
        func weights(_ change: (inout MultiHeadVariant) -> Void) -> Tensor {
            var variant = MultiHeadVariant()
            change(&variant)
            return selfAttentionWeights(x, weights: w, heads: 2, variant: variant)  // [2, 5, 5]
        }
        let reference = weights { _ in }
        expectSame(reference, try o.tensor("out_w_ref"), "the reference's weights")
        // Causal: nothing above the diagonal, and every row sums to 1.
        for h in 0..<2 {
            for i in 0..<5 {
                let row = (0..<5).map { reference.data[(h * 5 + i) * 5 + $0] }
                #expect(abs(row.reduce(0, +) - 1) < 1e-5)
                #expect(row[(i + 1)...].allSatisfy { $0 == 0 })
            }
        }
        expectSame(weights { $0.causalOffset = nil }, try o.tensor("out_w_nomask"), "no mask")
        expectSame(weights { $0.qkvOrder = [2, 0, 1] }, try o.tensor("out_w_order"), "v|q|k")
        expectSame(weights { $0.splitTranspose = false }, try o.tensor("out_w_split"),
                   "reshape without the transpose")
        expectSame(weights { $0.attention.scale = .none }, try o.tensor("out_w_noscale"),
                   "no scaling")
        var dk = AttentionVariant()
        dk.scale = .dk
        expectSame(
            variantAttentionWeights(
                q: try o.tensor("q"), k: try o.tensor("k"), mask: causalMask(5), dk),
            try o.tensor("out_w_sdpa_dk"), "1/d_k")
    }

    @Test func layerNormVariantsMatchTheStudentsNumPy() throws {
        let o = try Self.oracle.get()
        let (x, g, b) = (try o.tensor("x"), try o.tensor("g"), try o.tensor("beta"))
        var unbiased = LayerNormVariant()
        unbiased.unbiased = true
        expectSame(layerNorm(x, weight: g, bias: b, variant: unbiased),
                   try o.tensor("out_ln_unbiased"), "n − 1")
        var outside = LayerNormVariant()
        outside.epsOutsideSqrt = true
        expectSame(layerNorm(x * 1e-3, weight: g, bias: b, variant: outside),
                   try o.tensor("out_ln_eps_outside"), tolerance: 1e-4, "eps outside the root")
    }

    @Test func blockAndEmbeddingVariantsByHand() {
        // Weights that make attention and the MLP output zero (all-zero projections): then
        // pre-LN without residuals is 0, with them x; post-LN is ln_2(ln_1(x)).
        let c = 4
        let zero = { (s: [Int]) in Tensor(zeros: s) }
        let ones = Tensor(shape: [c], data: Array(repeating: 1, count: c))
        let w = BlockWeights(
            ln1Weight: ones, ln1Bias: zero([c]),
            attention: AttentionWeights(cAttnWeight: zero([c, 3 * c]), cAttnBias: zero([3 * c]),
                                        cProjWeight: zero([c, c]), cProjBias: zero([c])),
            ln2Weight: ones, ln2Bias: zero([c]),
            mlp: MLPWeights(cFcWeight: zero([c, 4 * c]), cFcBias: zero([4 * c]),
                            cProjWeight: zero([4 * c, c]), cProjBias: zero([c])))
        let x = Tensor(shape: [2, c], data: [1, 2, 3, 4, -1, 0, 1, 6])
        var noResidual = BlockVariant()
        noResidual.attentionResidual = false
        noResidual.mlpResidual = false
        #expect(transformerBlock(x, weights: w, heads: 2, variant: noResidual) == zero([2, c]))
        #expect(transformerBlock(x, weights: w, heads: 2) == x)
        var post = BlockVariant()
        post.postLN = true
        // Row [1, 2, 3, 4]: mean 2.5, biased variance 1.25, so ln(x) = (x − 2.5)/√(1.25 + 1e-5).
        let s = Float((1.25 + 1e-5).squareRoot())
        let y = transformerBlock(x, weights: w, heads: 2, variant: post)
        let once = [-1.5 / s, -0.5 / s, 0.5 / s, 1.5 / s]
        #expect(zip(y.data.prefix(4), once).allSatisfy { abs($0 - $1) < 1e-3 }, "\(y.data)")
        // Embeddings: wte rows 10·id, wpe rows = position; off by one reads wpe[t + 1], and
        // the last position past the table adds nothing.
        let wte = Tensor(shape: [3, 2], data: [0, 0, 10, 10, 20, 20])
        let wpe = Tensor(shape: [2, 2], data: [0, 0, 1, 1])
        #expect(embed(ids: [2, 1], wte: wte, wpe: wpe).data == [20, 20, 11, 11])
        #expect(embed(ids: [2, 1], wte: wte, wpe: wpe, positions: .missing).data == [20, 20, 10, 10])
        #expect(embed(ids: [2, 1], wte: wte, wpe: wpe, positions: .offByOne).data == [21, 21, 10, 10])
        // Cross-entropy summed over 2 rows of uniform logits over 4 ids: 2·ln 4.
        let logits = Tensor(shape: [2, 4], data: Array(repeating: 0.3, count: 8))
        #expect(abs(crossEntropy(logits: logits, targets: [1, 2], summed: true) - 2 * logf(4)) < 1e-5)
    }
}
