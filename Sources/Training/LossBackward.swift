// Cross-entropy with its gradient in one pass: loss = mean over N rows of -log softmax(z)[y],
// dz = (softmax(z) - onehot(y)) / N.
import Foundation
import Tensors
import Transformer

/// logits [N, V], targets [N] -> the mean loss and dlogits [N, V]. The loss is computed as
/// `crossEntropy(logits:targets:)` computes it (the same `logSumExp`), so the two agree.
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
            let zTarget = z[row + target]
            // One exp per logit: keep e = exp(z - max) in place, then scale by 1 / (N Σe). The
            // log-sum-exp is `crossEntropy`'s own, so the loss is the same to the bit.
            let (logZ, sum) = logSumExp(zs + row, count: v, exps: zs + row)
            nll -= Double(zTarget - logZ)
            let scale = invN / sum
            for j in 0..<v { z[row + j] *= scale }  // softmax / N
            z[row + target] -= invN  // - onehot / N
        }
    }
    return (Float(nll / Double(targets.count)), dLogits)
}
