// Cross-entropy with its gradient in one pass: loss = mean over N rows of -log softmax(z)[y],
// dz = (softmax(z) - onehot(y)) / N.
import Foundation
import Tensors

/// logits [N, V], targets [N] -> the mean loss and dlogits [N, V]. The loss is computed as
/// `crossEntropy(logits:targets:)` computes it (log-sum-exp in Double), so the two agree.
public func crossEntropyBackward(logits: Tensor, targets: [Int]) -> (loss: Float, dLogits: Tensor) {
    precondition(logits.rank == 2 && logits.shape[0] == targets.count && !targets.isEmpty, "crossEntropyBackward: logits \(logits.shape) for \(targets.count) targets")
    let v = logits.shape[1]
    let invN = 1 / Float(targets.count)
    var dLogits = logits
    var nll: Double = 0
    dLogits.data.withUnsafeMutableBufferPointer { z in
        guard let zs = z.baseAddress else { return }
        for (r, target) in targets.enumerated() {
            precondition(target >= 0 && target < v, "crossEntropyBackward: target \(target) outside 0 ..< \(v)")
            let row = r * v
            let m = vectorMax(zs + row, count: v)
            let zTarget = z[row + target]
            // One exp per logit: keep e = exp(z - max) in place, then scale by 1 / (N Σe).
            // expf and the sequential Double sum are those of `crossEntropy`, so the loss is the
            // same to the bit (fastExp or partial sums would change its last digits).
            var sum: Double = 0
            for j in 0..<v {
                let e = expf(z[row + j] - m)
                z[row + j] = e
                sum += Double(e)
            }
            let logZ = m + Float(log(sum))
            nll -= Double(zTarget - logZ)
            let scale = invN / Float(sum)
            for j in 0..<v { z[row + j] *= scale }  // softmax / N
            z[row + target] -= invN  // - onehot / N
        }
    }
    return (Float(nll / Double(targets.count)), dLogits)
}
