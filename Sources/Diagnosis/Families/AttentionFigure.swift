// The attention weights behind a failing attention test, for the feedback's heatmaps (the
// lecture's "visualization of the attention mechanism", made personal): per head, the weights
// the reference computes on the test's own case beside the weights of the mistake the answer
// was diagnosed with. Computed when the test is graded and stored with its result, so a page
// never has to draw the case again.
import Tensors
import Transformer

/// Per head, the reference's and the diagnosed mistake's attention weights on a test's case.
public struct AttentionFigure: Sendable, Codable, Hashable {
    public struct Head: Sendable, Codable, Hashable {
        /// weights[i][j]: how much query i attends to key j, [Tq, Tk] cut to the first positions.
        public var reference: [[Float]]
        public var mistake: [[Float]]

        public init(reference: [[Float]], mistake: [[Float]]) {
            self.reference = reference
            self.mistake = mistake
        }
    }

    /// The diagnosed mistake whose weights are shown beside the reference's.
    public var mistakeID: String
    /// The case's query and key counts (the maps may show fewer: `maxPositions`).
    public var queries: Int
    public var keys: Int
    /// The case's heads (the maps show at most `maxHeads`).
    public var headCount: Int
    public var heads: [Head]

    public init(mistakeID: String, queries: Int, keys: Int, headCount: Int, heads: [Head]) {
        (self.mistakeID, self.queries, self.keys) = (mistakeID, queries, keys)
        (self.headCount, self.heads) = (headCount, heads)
    }

    /// Positions and heads a figure keeps: enough to see the pattern, small enough to store.
    public static let maxPositions = 16
    public static let maxHeads = 4
    /// The components whose failures get a figure.
    public static let components: Set<String> = [
        "scaled_dot_product_attention", "multi_head_attention", "cross_attention",
    ]
}

/// The figure for a failing attention test diagnosed as a catalogued mistake, or nil (another
/// component, no knob-made mistake, a case whose weights are not finite). Of the mistake's
/// variants, the one whose output is closest to the student's answer is drawn.
public func attentionFigure(
    component: String, args: CaseArguments, diagnosis: Diagnosis, got: GradedValue,
    catalogue: [Mistake] = mistakeCatalogue
) -> AttentionFigure? {
    guard AttentionFigure.components.contains(component),
        diagnosis.kind != .nearMiss, let id = diagnosis.mistakeID,
        let mistake = catalogue.first(where: { $0.id == id && $0.pythonOutput == nil }),
        mistake.components.contains(component)
    else { return nil }
    // The variant nearest the answer (students write a mistake several ways).
    var best: (knobs: Knobs, error: Double)?
    for knobs in mistake.variants(component, args) {
        guard case .array(let output)? = try? evaluate(component, args, knobs),
            case .array(let answer) = got, output.count == answer.count
        else { continue }
        var error = 0.0
        for i in output.values.indices {
            error = max(error, abs(output.values[i] - answer.values[i]))
        }
        if !error.isNaN, error < (best?.error ?? .infinity) { best = (knobs, error) }
    }
    guard let knobs = best?.knobs,
        let (reference, wrong) = try? weightsPair(component, args, knobs.attention),
        reference.shape == wrong.shape, reference.rank >= 2
    else { return nil }
    let (tq, tk) = (reference.shape[reference.rank - 2], reference.shape[reference.rank - 1])
    let maps = reference.count / (tq * tk)  // heads (and batch) in front
    let shown = (q: min(tq, AttentionFigure.maxPositions), k: min(tk, AttentionFigure.maxPositions))
    var heads: [AttentionFigure.Head] = []
    for h in 0..<min(maps, AttentionFigure.maxHeads) {
        func map(_ w: Tensor) -> [[Float]] {
            (0..<shown.q).map { i in
                (0..<shown.k).map { j in w.data[(h * tq + i) * tk + j] }
            }
        }
        heads.append(.init(reference: map(reference), mistake: map(wrong)))
    }
    // JSON holds no NaN: a mistake whose weights are not numbers has no picture.
    guard heads.allSatisfy({ head in
        (head.reference + head.mistake).allSatisfy { $0.allSatisfy(\.isFinite) }
    }) else { return nil }
    return AttentionFigure(
        mistakeID: id, queries: tq, keys: tk, headCount: maps, heads: heads)
}

/// The reference's weights and `variant`'s on a case of `component`: [..., Tq, Tk] each.
private func weightsPair(_ component: String, _ a: CaseArguments, _ variant: MultiHeadVariant)
    throws -> (Tensor, Tensor)?
{
    switch component {
    case "scaled_dot_product_attention":
        let (q, k, mask) = (try a.tensor("q"), try a.tensor("k"), attentionMask(a))
        return (
            attentionWeights(q: q, k: k, mask: mask),
            variantAttentionWeights(q: q, k: k, mask: mask, variant.attention)
        )
    case "multi_head_attention":
        let (x, w, heads) = (try a.tensor("x"), try attentionWeights(a), try a.int("n_head"))
        return (
            selfAttentionWeights(x, weights: w, heads: heads),
            selfAttentionWeights(x, weights: w, heads: heads, variant: variant)
        )
    case "cross_attention":
        let (x, context) = (try a.tensor("x"), try a.tensor("context"))
        let (w, heads) = (try crossAttentionWeights(a), try a.int("n_head"))
        return (
            crossAttentionWeights(x, context: context, weights: w, heads: heads),
            crossAttentionWeights(x, context: context, weights: w, heads: heads, variant: variant)
        )
    default:
        return nil
    }
}
