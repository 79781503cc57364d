// The language-modelling loss: cross-entropy = mean negative log-likelihood of the targets,
// with log-softmax computed stably; perplexity = exp(loss).
import Foundation
import Tensors

/// log Σ_j exp(x[j]) over one row of `count` logits, stably (max subtracted): the single
/// log-sum-exp behind `logSoftmax`, `crossEntropy` and the training loss, so they agree to the
/// bit. Writes exp(x[j] - max) to `exps` (which may be `x` itself) and returns their sum too.
/// `fastExp` and 16 partial sums keep both loops vectorized (a vocabulary-sized row per token).
@inlinable
public func logSumExp(
    _ x: UnsafePointer<Float>, count n: Int, exps: UnsafeMutablePointer<Float>
) -> (logZ: Float, sum: Float) {
    var peak = SIMD16<Float>(repeating: -.infinity)
    var j = 0
    while j + 16 <= n {
        let v = UnsafeRawPointer(x + j).loadUnaligned(as: SIMD16<Float>.self)
        peak = peak.replacing(with: v, where: v .> peak)
        j += 16
    }
    var m = peak.max()
    for k in j..<n where x[k] > m { m = x[k] }
    for k in 0..<n { exps[k] = fastExp(x[k] - m) }  // vectorizes
    var partial = SIMD16<Float>()
    j = 0
    while j + 16 <= n {
        partial += UnsafeRawPointer(exps + j).loadUnaligned(as: SIMD16<Float>.self)
        j += 16
    }
    var sum = partial.sum()
    for k in j..<n { sum += exps[k] }
    return (m + logf(sum), sum)
}

/// log softmax over the last axis, stable: x - max - log Σ exp(x - max). [..., V] -> [..., V].
public func logSoftmax(_ x: Tensor) -> Tensor {
    precondition(x.rank >= 1, "logSoftmax needs [..., V], got \(x.shape)")
    let v = x.shape[x.rank - 1]
    var out = x
    guard v > 0 else { return out }
    var exps = [Float](repeating: 0, count: v)  // scratch for one row
    out.data.withUnsafeMutableBufferPointer { y in
        exps.withUnsafeMutableBufferPointer { e in
            guard let y = y.baseAddress, let e = e.baseAddress else { return }
            for r in 0..<(x.count / v) {
                let row = y + r * v
                let logZ = logSumExp(row, count: v, exps: e).logZ
                for j in 0..<v { row[j] -= logZ }
            }
        }
    }
    return out
}

/// Mean over positions of -log p(target): logits [T, V], targets [T] (each in 0 ..< V).
/// `summed` is the catalogued mistake: the sum, which grows with the sequence length.
public func crossEntropy(logits: Tensor, targets: [Int], summed: Bool = false) -> Float {
    precondition(
        logits.rank == 2 && logits.shape[0] == targets.count && !targets.isEmpty,
        "crossEntropy: logits \(logits.shape) for \(targets.count) targets")
    let v = logits.shape[1]
    let logp = logSoftmax(logits)  // [T, V]
    var nll: Double = 0
    for (t, target) in targets.enumerated() {
        precondition(target >= 0 && target < v, "crossEntropy: target \(target) outside 0 ..< \(v)")
        nll -= Double(logp.data[t * v + target])
    }
    return Float(summed ? nll : nll / Double(targets.count))
}

/// exp(cross-entropy): the effective number of equally likely choices per token.
public func perplexity(logits: Tensor, targets: [Int]) -> Float {
    expf(crossEntropy(logits: logits, targets: targets))
}

extension GPT2Model {
    /// The loss of predicting each next token of `tokens`: inputs tokens[0 ..< T-1], targets
    /// tokens[1 ..< T]. Needs at least two tokens.
    public func loss(tokens: [Int]) throws -> Float {
        guard tokens.count >= 2 else {
            throw TransformerError.tooFewTokens(count: tokens.count)
        }
        let logits = try forward(Array(tokens.dropLast()))  // [T-1, V]
        return crossEntropy(logits: logits, targets: Array(tokens.dropFirst()))
    }
}
