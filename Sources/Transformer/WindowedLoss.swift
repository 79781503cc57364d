// The loss of a whole text under a model with a bounded context: consecutive windows, each
// window's last token the next one's first input, so every token after the first is predicted
// exactly once (the quantization report and the verified runs score their evaluation text so).

/// Mean next-token loss over `tokens` scored in consecutive windows of at most `window` inputs,
/// and how many targets were scored. `loss` scores one window of inputs + 1 tokens. The caller
/// makes sure there are at least 2 tokens (with fewer there is no target and the mean is NaN).
public func windowedLoss(_ tokens: [Int], window: Int, loss: ([Int]) throws -> Float) throws
    -> (loss: Float, targets: Int)
{
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
