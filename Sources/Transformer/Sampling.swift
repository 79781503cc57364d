// Choosing the next token from logits: temperature, top-k, top-p, then one uniform draw.
// The procedure is shared with the course's lab 03, so a grader passing the same u gets the
// same token as a correct student: follow the numbered steps exactly.
import Foundation
import Tensors

/// The next token id from `logits` [V]:
/// 1. temperature == 0 -> argmax (ties -> lowest id). Otherwise divide logits by temperature.
/// 2. probabilities = stable softmax, in Double.
/// 3. order ids by probability descending, ties by lower id.
/// 4. top-k: keep the first k (k <= 0 keeps all).
/// 5. top-p: keep the shortest prefix whose cumulative probability (of step 2) is >= topP
///    (at least one id; topP >= 1 keeps all).
/// 6. renormalise the kept probabilities; walk them in order accumulating; return the first id
///    whose cumulative sum is > u (u in [0, 1)); if none (rounding), the last kept id.
public func sampleToken(logits: [Float], temperature: Float, topK: Int, topP: Float, u: Float)
    -> Int
{
    precondition(!logits.isEmpty, "sampleToken needs at least one logit")
    precondition(temperature >= 0, "temperature must be >= 0, got \(temperature)")
    if temperature == 0 { return argmax(logits) }
    return KeptTokens(logits: logits, temperature: temperature, topK: topK, topP: topP)
        .token(at: Double(u))
}

/// Steps 1–5 of `sampleToken` at a temperature > 0, and step 6's running sums: the ids it can
/// return, in the order it walks them, each with the renormalised cumulative probability up to
/// and including it. A grader reads off it which u gives which id.
public struct KeptTokens: Sendable, Equatable {
    public var ids: [Int]
    /// cumulative[i] = p(ids[0]) + … + p(ids[i]), renormalised over the kept ids.
    public var cumulative: [Double]

    public init(logits: [Float], temperature: Float, topK: Int, topP: Float) {
        precondition(!logits.isEmpty && temperature > 0, "KeptTokens needs logits and T > 0")
        // 1–2. p = softmax(logits / T), shifted by the max so exp cannot overflow.
        let scaled = logits.map { Double($0) / Double(temperature) }
        let m = scaled.max() ?? 0
        let e = scaled.map { exp($0 - m) }
        let z = e.reduce(0, +)
        let p = e.map { $0 / z }

        // 3. Most probable first; equal probabilities in id order.
        var order = Array(p.indices)
        order.sort { p[$0] != p[$1] ? p[$0] > p[$1] : $0 < $1 }

        // 4. top-k.
        if topK > 0 && topK < order.count { order.removeSubrange(topK...) }

        // 5. top-p (nucleus): the shortest prefix reaching topP.
        if topP < 1 {
            var cumulative = 0.0
            var keep = order.count
            for (i, id) in order.enumerated() {
                cumulative += p[id]
                if cumulative >= Double(topP) {
                    keep = i + 1
                    break
                }
            }
            order.removeSubrange(max(keep, 1)...)
        }

        // 6. Renormalise and accumulate.
        let kept = order.reduce(0.0) { $0 + p[$1] }
        var cumulative = 0.0
        self.ids = order
        self.cumulative = order.map { id in
            cumulative += p[id] / kept
            return cumulative
        }
    }

    /// The first id whose cumulative probability is > u; the last kept id if none (rounding).
    public func token(at u: Double) -> Int {
        var low = 0
        var high = cumulative.count  // the first index with cumulative > u lies in [low, high]
        while low < high {
            let mid = (low + high) / 2
            if cumulative[mid] > u { high = mid } else { low = mid + 1 }
        }
        return ids[min(low, ids.count - 1)]
    }
}
