// GELU, GPT-2's activation, in the tanh approximation ("gelu_new"):
// 0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³))).
import Foundation
import Tensors

/// Elementwise GELU (tanh approximation), any shape.
public func gelu(_ x: Tensor) -> Tensor {
    var out = x
    out.data.withUnsafeMutableBufferPointer { y in
        for i in 0..<y.count { y[i] = gelu(y[i]) }
    }
    return out
}

/// GELU of one value (tanh approximation).
/// Computed through the identity 0.5 (1 + tanh(y)) = 1 / (1 + e^(-2y)), so the formula becomes
/// x / (1 + e^(-2y)) with y = √(2/π) (x + 0.044715 x³): one exp, no cancellation, and with
/// `fastExp` the loop over a tensor vectorizes (GELU runs on every [T, 4C] activation).
@inline(__always)
public func gelu(_ x: Float) -> Float {
    let sqrt2OverPi: Float = 0.7978845608028654
    let y = sqrt2OverPi * (x + 0.044715 * x * x * x)
    return x / (1 + fastExp(-2 * y))
}
