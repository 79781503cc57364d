// Backward of GPT-2's tanh GELU, y = ½x(1 + tanh u) with u = √(2/π)(x + 0.044715x³):
// dy/dx = ½(1 + tanh u) + ½x(1 - tanh²u)·√(2/π)(1 + 3·0.044715x²).
import Foundation
import Tensors

/// The derivative of `gelu(_:)` at x.
@inline(__always)
public func geluDerivative(_ x: Float) -> Float {
    let k: Float = 0.7978845608028654  // √(2/π)
    let th = tanhf(k * (x + 0.044715 * x * x * x))
    return 0.5 * (1 + th) + 0.5 * x * (1 - th * th) * k * (1 + 3 * 0.044715 * x * x)
}

/// dy [...], x [...] (the forward's input) -> dx = dy · gelu'(x), same shape.
public func geluBackward(_ dy: Tensor, x: Tensor) -> Tensor {
    precondition(dy.shape == x.shape, "geluBackward: dy \(dy.shape), x \(x.shape)")
    var dx = dy
    dx.data.withUnsafeMutableBufferPointer { d in
        x.data.withUnsafeBufferPointer { xs in
            for i in 0..<d.count { d[i] *= geluDerivative(xs[i]) }
        }
    }
    return dx
}
