// AdamW as PyTorch's torch.optim.AdamW computes it (Loshchilov & Hutter, decoupled decay):
//   m ← β1 m + (1-β1) g,  v ← β2 v + (1-β2) g²,  m̂ = m/(1-β1ᵗ),  v̂ = v/(1-β2ᵗ)
//   θ ← θ·(1 - lr·λ) - lr · m̂ / (√v̂ + ε)
// with λ applied to matrices only (rank-2 tensors: wte, wpe, c_attn, c_proj, c_fc, LoRA A/B),
// never to biases or layer-norm parameters.
import Foundation
import Tensors
import Transformer

public struct AdamWHyperparameters: Sendable, Equatable {
    public var beta1: Float
    public var beta2: Float
    public var epsilon: Float
    /// λ, the decoupled weight decay for rank-2 tensors.
    public var weightDecay: Float

    public init(beta1: Float = 0.9, beta2: Float = 0.95, epsilon: Float = 1e-8, weightDecay: Float = 0.1) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
    }
}

/// The optimizer state: the first and second moments of every tensor it updates, and t.
public struct AdamW: Sendable {
    public var hyperparameters: AdamWHyperparameters
    /// Updates taken so far (t of the bias correction after the next update is step + 1).
    public private(set) var step: Int = 0
    var m: [[Float]] = []
    var v: [[Float]] = []

    public init(_ hyperparameters: AdamWHyperparameters = AdamWHyperparameters()) {
        self.hyperparameters = hyperparameters
    }

    /// One update of every tensor at `paths` of `parameters` by the matching gradient. The
    /// moments are created (zero) at the first call; later calls must pass the same tensors.
    public mutating func update<P>(
        _ parameters: inout P, gradients: P, paths: [WritableKeyPath<P, Tensor>], learningRate lr: Float
    ) {
        if m.isEmpty {
            m = paths.map { [Float](repeating: 0, count: parameters[keyPath: $0].count) }
            v = m
        }
        precondition(m.count == paths.count, "AdamW: \(paths.count) tensors, state for \(m.count)")
        step += 1
        let (b1, b2, eps) = (hyperparameters.beta1, hyperparameters.beta2, hyperparameters.epsilon)
        let correction1 = 1 - pow(b1, Float(step))
        let correction2 = 1 - pow(b2, Float(step))
        for (i, path) in paths.enumerated() {
            let g = gradients[keyPath: path]
            precondition(g.count == m[i].count, "AdamW: gradient \(i) has \(g.count) values, state \(m[i].count)")
            withUniqueTensor(&parameters, at: path) { p in
                let decay: Float = p.rank == 2 ? 1 - lr * hyperparameters.weightDecay : 1
                p.data.withUnsafeMutableBufferPointer { p in
                    g.data.withUnsafeBufferPointer { g in
                        m[i].withUnsafeMutableBufferPointer { m in
                            v[i].withUnsafeMutableBufferPointer { v in
                                for j in 0..<p.count {
                                    m[j] = b1 * m[j] + (1 - b1) * g[j]
                                    v[j] = b2 * v[j] + (1 - b2) * g[j] * g[j]
                                    let mHat = m[j] / correction1
                                    // v̂ ≥ 0 already; the max tells the compiler so, and then it
                                    // uses the sqrt instruction instead of calling libm's sqrtf
                                    // (which sets errno below 0), so the loop vectorizes.
                                    let vHat = max(v[j] / correction2, 0)
                                    p[j] = p[j] * decay - lr * mHat / (vHat.squareRoot() + eps)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// One update of a whole model.
    public mutating func update(_ weights: inout GPT2Weights, gradients: Gradients, learningRate: Float) {
        update(&weights, gradients: gradients, paths: weights.tensorPaths, learningRate: learningRate)
    }

    /// One update of LoRA adapters (the base is frozen).
    public mutating func update(_ adapters: inout LoRAWeights, gradients: LoRAWeights, learningRate: Float) {
        update(&adapters, gradients: gradients, paths: adapters.tensorPaths, learningRate: learningRate)
    }
}

@inline(__always)
func pow(_ x: Float, _ y: Float) -> Float { Float(Foundation.pow(Double(x), Double(y))) }
