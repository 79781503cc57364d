// LLaMA's feed-forward network, SwiGLU: down(silu(x · W_gate) ⊙ (x · W_up)), no biases.
import Foundation
import Tensors

/// SiLU (swish): x · sigmoid(x).
public func silu(_ x: Tensor) -> Tensor {
    x.map { $0 / (1 + Foundation.exp(-$0)) }
}

/// The SwiGLU weights, x · W layout (no biases).
public struct SwiGLUWeights: Sendable, Equatable {
    public var gate: Tensor  // [C, F]
    public var up: Tensor  // [C, F]
    public var down: Tensor  // [F, C]

    public init(gate: Tensor, up: Tensor, down: Tensor) {
        self.gate = gate
        self.up = up
        self.down = down
    }
}

/// x [T, C] -> [T, C]. The variant's `gate` and `gateUpSwapped` are the catalogued mistakes.
public func swiGLU(_ x: Tensor, weights w: SwiGLUWeights, variant: LlamaVariant = LlamaVariant())
    -> Tensor
{
    var g = x.matmul(w.gate)  // [T, C] -> [T, F]
    var u = x.matmul(w.up)  // [T, C] -> [T, F]
    if variant.gateUpSwapped { swap(&g, &u) }
    let activated = variant.gate == .silu ? silu(g) : gelu(g)  // [T, F]
    return (activated * u).matmul(w.down)  // [T, F] -> [T, C]
}
