// The feedback's attention figure: for an answer the NumPy oracle (grading_mistakes.py) computed
// with a mistake, the figure holds the reference's weights and that mistake's, per head — each
// checked against attention weights computed here with plain loops, from the case's own
// tensors. No figure for a correct answer, a component that is not attention, or a mistake
// that was not diagnosed.
import Foundation
import Tensors
import TestSupport
import Testing

@testable import Diagnosis

@Suite struct AttentionFigureTests {
    /// softmax over keys of (q_i · k_j) · scale for one head, with the causal mask (j ≤ i) when
    /// `causal`; q, k [T, hs] row-major.
    static func loopWeights(q: [Float], k: [Float], t: Int, hs: Int, scale: Float, causal: Bool)
        -> [[Float]]
    {
        (0..<t).map { i in
            let keys = causal ? Array(0...i) : Array(0..<t)
            let scores = keys.map { j in
                (0..<hs).reduce(Float(0)) { $0 + q[i * hs + $1] * k[j * hs + $1] } * scale
            }
            let m = scores.max() ?? 0
            let e = scores.map { expf($0 - m) }
            let total = e.reduce(0, +)
            var row = [Float](repeating: 0, count: t)
            for (n, j) in keys.enumerated() { row[j] = e[n] / total }
            return row
        }
    }

    /// Head h's q and k ([T, hs] each) from x [T, C] through c_attn, by loops.
    static func heads(_ args: CaseArguments, h: Int) throws -> (q: [Float], k: [Float], t: Int, hs: Int) {
        let (x, w, b) = (try args.tensor("x"), try args.tensor("c_attn_w"), try args.tensor("c_attn_b"))
        let (t, c, nHead) = (x.shape[0], x.shape[1], try args.int("n_head"))
        let hs = c / nHead
        func column(_ i: Int, _ col: Int) -> Float {
            (0..<c).reduce(b.data[col]) { $0 + x.data[i * c + $1] * w.data[$1 * 3 * c + col] }
        }
        var q = [Float](), k = [Float]()
        for i in 0..<t {
            for d in 0..<hs {
                q.append(column(i, h * hs + d))
                k.append(column(i, c + h * hs + d))
            }
        }
        return (q, k, t, hs)
    }

    static func close(_ a: [[Float]], _ b: [[Float]]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { ra, rb in
            ra.count == rb.count && zip(ra, rb).allSatisfy { abs($0 - $1) < 1e-4 }
        }
    }

    @Test func aDiagnosedAttentionMistakeDrawsBothWeights() throws {
        let mha = try #require(try loadOracleCases().first { $0.component == "multi_head_attention" })
        let got = try #require(mha.mistakes["no_scaling"]?.first)  // NumPy's answer with the mistake
        let comparison = matches(got, mha.correct, mha.component)
        let diagnosis = try #require(diagnose(
            component: mha.component, args: mha.args, got: got, expected: mha.correct,
            returns: .tensor, tolerance: oracleTolerance, comparison: comparison))
        #expect(diagnosis.mistakeID == "no_scaling")
        let figure = try #require(attentionFigure(
            component: mha.component, args: mha.args, diagnosis: diagnosis, got: got))
        #expect(figure.mistakeID == "no_scaling")
        #expect(figure.queries == 5 && figure.keys == 5 && figure.headCount == 4)
        #expect(figure.heads.count == 4)
        for (h, head) in figure.heads.enumerated() {
            let (q, k, t, hs) = try Self.heads(mha.args, h: h)
            let scale = 1 / Float(hs).squareRoot()
            #expect(Self.close(head.reference,
                               Self.loopWeights(q: q, k: k, t: t, hs: hs, scale: scale, causal: true)),
                    "head \(h): the reference's weights")
            #expect(Self.close(head.mistake,
                               Self.loopWeights(q: q, k: k, t: t, hs: hs, scale: 1, causal: true)),
                    "head \(h): the unscaled weights")
        }
    }

    @Test func theVariantNearestTheAnswerIsDrawn() throws {
        // causal_off_by_one has three variants; NumPy's offset +1 answer must draw offset +1:
        // query 0 then attends to keys 0 and 1 (a weight right of the diagonal).
        let mha = try #require(try loadOracleCases().first { $0.component == "multi_head_attention" })
        let got = try #require(mha.mistakes["causal_off_by_one"]?.first)
        let diagnosis = try #require(diagnose(
            component: mha.component, args: mha.args, got: got, expected: mha.correct,
            returns: .tensor, tolerance: oracleTolerance,
            comparison: matches(got, mha.correct, mha.component)))
        #expect(diagnosis.mistakeID == "causal_off_by_one")
        let figure = try #require(attentionFigure(
            component: mha.component, args: mha.args, diagnosis: diagnosis, got: got))
        for head in figure.heads {
            #expect(head.mistake[0][1] > 0 && head.mistake[0][2] == 0)
            #expect(head.reference[0][1] == 0)
        }
    }

    @Test func noFigureWithoutADiagnosedAttentionMistake() throws {
        let cases = try loadOracleCases()
        let mha = try #require(cases.first { $0.component == "multi_head_attention" })
        let near = Diagnosis(kind: .nearMiss, mistakeID: nil, title: nil, hint: nil, message: "close")
        #expect(attentionFigure(
            component: mha.component, args: mha.args, diagnosis: near, got: mha.correct) == nil)
        // A mistake of another component's family (layer norm's) draws nothing for attention.
        let other = Diagnosis(kind: .mistake, mistakeID: "layernorm_unbiased_variance", title: nil,
                              hint: nil, message: "")
        #expect(attentionFigure(
            component: mha.component, args: mha.args, diagnosis: other, got: mha.correct) == nil)
        // Softmax is attention's family, but its answers are not weights of a case to draw.
        let softmax = try #require(cases.first { $0.component == "softmax" })
        let axis = Diagnosis(kind: .mistake, mistakeID: "softmax_wrong_axis", title: nil,
                             hint: nil, message: "")
        #expect(attentionFigure(
            component: "softmax", args: softmax.args, diagnosis: axis, got: softmax.correct) == nil)
    }
}
