// One generation step seen from the sampler: the k most probable next tokens with their logits
// and probabilities. `lmlab model generate --explain K` prints it; the lecture's "behind the
// pipeline" page shows it. Shapes: V vocab.
import Foundation

/// The k most probable tokens of logits [V] under p = softmax(logits / T) (T = 1 when greedy,
/// T = 0), computed in Double; most probable first, equal probabilities in id order.
public struct TopTokens: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var id: Int
        public var logit: Float
        public var probability: Double
    }

    public var entries: [Entry]

    public init(logits: [Float], temperature: Float, k: Int) {
        let t = Double(temperature > 0 ? temperature : 1)
        let scaled = logits.map { Double($0) / t }
        let m = scaled.max() ?? 0
        let e = scaled.map { exp($0 - m) }  // unnormalised probabilities, shifted by the max
        let z = e.reduce(0, +)
        let order = logits.indices.sorted { e[$0] != e[$1] ? e[$0] > e[$1] : $0 < $1 }.prefix(k)
        entries = order.map { Entry(id: $0, logit: logits[$0], probability: e[$0] / z) }
    }
}

/// One step of `generate`: the u drawn (0 when greedy), the token chosen, the top k before it.
public struct GenerationStep: Sendable, Equatable {
    public var step: Int
    public var u: Float
    public var token: Int
    public var top: TopTokens

    public init(step: Int, u: Float, token: Int, top: TopTokens) {
        self.step = step
        self.u = u
        self.token = token
        self.top = top
    }
}
