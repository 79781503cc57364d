// Global-norm gradient clipping as torch.nn.utils.clip_grad_norm_ does it: the L2 norm over all
// gradient values together; if it exceeds maxNorm, every gradient is scaled by
// maxNorm / (norm + 1e-6).
import Tensors
import Transformer

/// √(Σ g²) over every tensor at `paths`: each tensor's sum in Float (16 partial sums), the
/// total in Double.
public func globalNorm<P>(_ gradients: P, paths: [WritableKeyPath<P, Tensor>]) -> Float {
    var sum: Double = 0
    for path in paths {
        gradients[keyPath: path].data.withUnsafeBufferPointer { g in
            guard let base = g.baseAddress else { return }
            sum += Double(vectorSumOfSquares(base, count: g.count))
        }
    }
    return Float(sum.squareRoot())
}

/// Scales the gradients down to a global norm of `maxNorm` if above it; returns the norm
/// before clipping (what a training log reports).
@discardableResult
public func clipGradients<P>(_ gradients: inout P, paths: [WritableKeyPath<P, Tensor>], maxNorm: Float) -> Float {
    let norm = globalNorm(gradients, paths: paths)
    let factor = maxNorm / (norm + 1e-6)
    guard factor < 1 else { return norm }
    for path in paths {
        withUniqueTensor(&gradients, at: path) { g in
            g.data.withUnsafeMutableBufferPointer { g in
                for j in 0..<g.count { g[j] *= factor }
            }
        }
    }
    return norm
}

/// `clipGradients` over every parameter of the model.
@discardableResult
public func clipGradients(_ gradients: inout Gradients, maxNorm: Float) -> Float {
    clipGradients(&gradients, paths: gradients.tensorPaths, maxNorm: maxNorm)
}

/// `clipGradients` over every adapter tensor.
@discardableResult
public func clipGradients(_ gradients: inout LoRAWeights, maxNorm: Float) -> Float {
    clipGradients(&gradients, paths: gradients.tensorPaths, maxNorm: maxNorm)
}
