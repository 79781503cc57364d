// Softmax, the causal mask and scaled dot-product attention against the NumPy oracle, the naive
// loop version, and hand-worked cases.
import Foundation
import Tensors
import Testing

@testable import Transformer

@Suite struct SoftmaxTests {
    @Test func everyAxisMatchesOracle() throws {
        let o = try OracleCase("softmax")
        let x = try o.tensor("x")  // [3, 4, 5]
        expectClose(
            softmax(x, axis: 0), try o.tensor("out_axis0"), tolerance: 1e-6, "softmax axis 0")
        expectClose(
            softmax(x, axis: 1), try o.tensor("out_axis1"), tolerance: 1e-6, "softmax axis 1")
        expectClose(
            softmax(x, axis: -2), try o.tensor("out_axis1"), tolerance: 1e-6, "softmax axis -2")
        expectClose(softmax(x), try o.tensor("out_last"), tolerance: 1e-6, "softmax axis -1")
        let big = softmax(try o.tensor("big"))  // logits around +1000
        #expect(!big.data.contains { $0.isNaN })
        expectClose(big, try o.tensor("out_big"), tolerance: 1e-6, "softmax of +1000 logits")
    }

    @Test func handWorked() {
        // softmax([0, ln 3]) = [1/4, 3/4]; a row of -inf gives zeros, not NaN.
        let x = Tensor(shape: [2, 2], data: [0, logf(3), -.infinity, -.infinity])
        let y = softmax(x)
        #expect(abs(y.data[0] - 0.25) < 1e-7 && abs(y.data[1] - 0.75) < 1e-7)
        #expect(y.data[2] == 0 && y.data[3] == 0)
        // Same along axis 0 (strided path): columns [0, -inf] and [ln 3, -inf].
        let z = softmax(x, axis: 0)
        #expect(z.data == [1, 1, 0, 0])
    }
}

@Suite struct AttentionTests {
    @Test func causalMaskIsLowerTriangular() throws {
        let o = try SharedOracle.attention.get()
        #expect(
            causalMask(5).additiveTensor.map { $0 == 0 ? 1 : 0 } == (try o.tensor("out_causal")))
        // 3 new queries after 4 cached positions see keys 0 ... 4+i.
        #expect(
            causalMask(queries: 3, keys: 7).additiveTensor.map { $0 == 0 ? 1 : 0 }
                == (try o.tensor("out_causal_offset")))
    }

    @Test func batchedHeadsWithAndWithoutMasks() throws {
        let o = try SharedOracle.attention.get()
        let (q, k, v) = (try o.tensor("q"), try o.tensor("k"), try o.tensor("v"))  // [2, 3, T, d]
        let boolean = AttentionMask(allowing: try o.tensor("allowed"))  // [4, 6]
        let additive = AttentionMask.additive(try o.tensor("additive"))  // [3, 4, 6]
        let cases: [(String, AttentionMask?, String)] = [
            ("no mask", nil, "out_plain"), ("boolean mask", boolean, "out_boolean"),
            ("additive mask", additive, "out_additive"),
        ]
        for (name, mask, expected) in cases {
            let want = try o.tensor(expected)
            expectClose(
                scaledDotProductAttention(q: q, k: k, v: v, mask: mask), want, tolerance: 2e-6,
                "attention (BLAS) \(name)")
            expectClose(
                naiveScaledDotProductAttention(q: q, k: k, v: v, mask: mask), want,
                tolerance: 2e-6, "attention (naive) \(name)")
        }
    }

    @Test func handWorkedSingleQuery() {
        // q = [1, 0], keys [1, 0] and [0, 1], dk = 2: scores [1/√2, 0].
        let q = Tensor(shape: [1, 2], data: [1, 0])
        let k = Tensor(shape: [2, 2], data: [1, 0, 0, 1])
        let v = Tensor(shape: [2, 1], data: [10, 20])
        let w0 = 1 / (1 + expf(-1 / 2.0.squareRoot().float))
        let out = scaledDotProductAttention(q: q, k: k, v: v)
        #expect(abs(out.data[0] - (10 * w0 + 20 * (1 - w0))) < 1e-5)
        // Masking out the first key leaves exactly v[1].
        let masked = scaledDotProductAttention(
            q: q, k: k, v: v, mask: .boolean(shape: [1, 2], allowed: [false, true]))
        #expect(masked.data == [20])
    }

    @Test func fullyMaskedRowGivesZeros() {
        let q = Tensor(shape: [2, 2], data: [1, 2, 3, 4])
        let v = Tensor(shape: [2, 2], data: [5, 6, 7, 8])
        let mask = AttentionMask.boolean(shape: [2, 2], allowed: [false, false, true, true])
        let out = scaledDotProductAttention(q: q, k: q, v: v, mask: mask)
        #expect(out.data[0] == 0 && out.data[1] == 0)
        #expect(!out.data.contains { $0.isNaN })
        #expect(naiveScaledDotProductAttention(q: q, k: q, v: v, mask: mask).data[0...1] == [0, 0])
    }
}

extension Double {
    var float: Float { Float(self) }
}
