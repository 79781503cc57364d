// RMSNorm (LLaMA's normalisation): x / sqrt(mean(x²) + eps) · weight over the last axis. Unlike
// layer norm it neither subtracts the mean nor adds a bias.
import Tensors

/// x [..., C], weight [C] -> [..., C], each row scaled by the inverse of its root mean square.
/// `subtractMean` is the catalogued mistake (centre the row first, as layer norm does).
public func rmsNorm(_ x: Tensor, weight: Tensor, eps: Float = 1e-6, subtractMean: Bool = false)
    -> Tensor
{
    precondition(x.rank >= 1 && weight.shape == [x.shape[x.rank - 1]],
                 "rmsNorm: weight \(weight.shape) for x \(x.shape)")
    let c = x.shape[x.rank - 1]
    var out = x
    guard c > 0 else { return out }
    for r in 0..<(x.count / c) {
        let row = r * c  // [C]
        var mean = 0.0
        if subtractMean {
            for j in 0..<c { mean += Double(x.data[row + j]) }
            mean /= Double(c)
        }
        var sq = 0.0  // sum of squares, in Double as layer norm does
        for j in 0..<c {
            let d = Double(x.data[row + j]) - mean
            sq += d * d
        }
        let inv = 1 / (sq / Double(c) + Double(eps)).squareRoot()  // 1 / RMS(x)
        for j in 0..<c {
            out.data[row + j] = Float((Double(x.data[row + j]) - mean) * inv) * weight.data[j]
        }
    }
    return out
}
