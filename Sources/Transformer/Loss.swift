// The language-modelling loss: cross-entropy = mean negative log-likelihood of the targets,
// with log-softmax computed stably; perplexity = exp(loss).
import Foundation
import Tensors

/// log softmax over the last axis, stable: x - max - log Σ exp(x - max). [..., V] -> [..., V].
public func logSoftmax(_ x: Tensor) -> Tensor {
    precondition(x.rank >= 1, "logSoftmax needs [..., V], got \(x.shape)")
    let v = x.shape[x.rank - 1]
    var out = x
    guard v > 0 else { return out }
    out.data.withUnsafeMutableBufferPointer { y in
        for r in 0..<(y.count / v) {
            var m = -Float.infinity
            for j in 0..<v { m = max(m, y[r * v + j]) }
            var sum: Double = 0
            for j in 0..<v { sum += Double(expf(y[r * v + j] - m)) }
            let logZ = m + Float(log(sum))
            for j in 0..<v { y[r * v + j] -= logZ }
        }
    }
    return out
}

/// Mean over positions of -log p(target): logits [T, V], targets [T] (each in 0 ..< V).
public func crossEntropy(logits: Tensor, targets: [Int]) -> Float {
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
    return Float(nll / Double(targets.count))
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
