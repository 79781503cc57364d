// The loss and perplexity of a whole evaluation text under a model: consecutive windows of at
// most n_positions inputs, each window's last token the next one's first input, so every token
// after the first is predicted exactly once (as `lmlab model eval` and the quantization report).
import Foundation
import Transformer

/// The mean next-token loss over every target of `tokens` under an fp32 reference model, scored
/// in windows of its context (`windowedLoss`), and how many targets were scored.
public func textLoss(model: GPT2Model, tokens: [Int]) throws -> (loss: Float, targets: Int) {
    guard tokens.count >= 2 else {
        throw ExperimentError.invalidOption(
            name: "eval text", reason: "has \(tokens.count) token(s); a loss needs at least 2")
    }
    return try windowedLoss(tokens, window: model.config.nPositions) {
        try model.loss(tokens: $0)
    }
}
