// The loss and perplexity of a whole evaluation text under a model: consecutive windows of at
// most n_positions inputs, each window's last token the next one's first input, so every token
// after the first is predicted exactly once (as `lmlab model eval` and the quantization report).
import Foundation
import Transformer

/// The mean next-token loss over every target of `tokens`, and how many targets were scored.
/// `loss` scores one window of inputs + 1 tokens.
public func textLoss(_ tokens: [Int], window: Int, loss: ([Int]) throws -> Float) throws
    -> (loss: Float, targets: Int)
{
    guard tokens.count >= 2 else {
        throw ExperimentError.invalidOption(
            name: "eval text", reason: "has \(tokens.count) token(s); a loss needs at least 2")
    }
    precondition(window >= 1, "window must be positive")
    var total: Double = 0
    var targets = 0
    var start = 0
    while start + 1 < tokens.count {
        let end = min(tokens.count, start + window + 1)
        let n = end - start - 1
        total += Double(try loss(Array(tokens[start..<end]))) * Double(n)
        targets += n
        start = end - 1
    }
    return (Float(total / Double(targets)), targets)
}

/// `textLoss` of an fp32 reference model in windows of its context.
public func textLoss(model: GPT2Model, tokens: [Int]) throws -> (loss: Float, targets: Int) {
    try textLoss(tokens, window: model.config.nPositions) { try model.loss(tokens: $0) }
}
