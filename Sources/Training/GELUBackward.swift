// Backward of GPT-2's tanh GELU, y = ½x(1 + tanh u) with u = √(2/π)(x + 0.044715x³):
// dy/dx = ½(1 + tanh u) + ½x(1 - tanh²u)·√(2/π)(1 + 3·0.044715x²).
import Foundation
import Tensors

/// The derivative of `gelu(_:)` at x.
/// tanh is written through e = exp(-2|u|) and r = 1 / (1 + e), like the forward:
///   ½(1 + tanh u) = σ(2u) = r if u ≥ 0, else e·r,    ½(1 - tanh²u) = 2σ(2u)σ(-2u) = 2e·r².
/// One `fastExp` and no libm call, so the loop over a tensor vectorizes; e ≤ 1 never overflows,
/// and neither term cancels (1 - tanh²u and 1 + tanh u, computed from tanhf, lose their
/// relative precision as |u| grows).
@inline(__always)
public func geluDerivative(_ x: Float) -> Float {
    let k: Float = 0.7978845608028654  // √(2/π)
    let u = k * (x + 0.044715 * x * x * x)
    let e = fastExp(-2 * abs(u))
    let r = 1 / (1 + e)
    let halfOnePlusTanh = u >= 0 ? r : e * r  // ½(1 + tanh u)
    let halfSech2 = 2 * e * r * r  // ½(1 - tanh²u)
    return halfOnePlusTanh + x * halfSech2 * k * (1 + 3 * 0.044715 * x * x)
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
