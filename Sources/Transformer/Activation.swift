// The MLP's activation, named as Hugging Face's config.json names it (activation_function).
// GPT-2 uses the tanh GELU ("gelu_new"); the others are what HF's ACT2FN maps the common names to.
import Foundation
import Tensors

/// An elementwise activation function of the MLP.
public enum Activation: String, Sendable, Equatable, CaseIterable {
    /// 0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³))): gelu_new, gelu_pytorch_tanh, gelu_fast.
    case geluTanh = "gelu_new"
    /// x Φ(x) = 0.5 x (1 + erf(x / √2)): gelu, gelu_python.
    case geluErf = "gelu"
    /// max(0, x).
    case relu
    /// x σ(x): silu, swish.
    case silu
    /// x σ(1.702 x).
    case quickGelu = "quick_gelu"

    /// Every activation_function value lmlab computes, with the activation it names.
    public static let names: [String: Activation] = [
        "gelu_new": .geluTanh, "gelu_pytorch_tanh": .geluTanh, "gelu_fast": .geluTanh,
        "gelu": .geluErf, "gelu_python": .geluErf, "relu": .relu, "silu": .silu,
        "swish": .silu, "quick_gelu": .quickGelu,
    ]

    /// The activation of one value.
    @inline(__always)
    public func callAsFunction(_ x: Float) -> Float {
        switch self {
        case .geluTanh: return gelu(x)
        case .relu: return max(0, x)
        default: break
        }
        // The others in Double, rounded once.
        let v = Double(x)
        switch self {
        case .geluErf: return Float(0.5 * v * (1 + erf(v / 2.0.squareRoot())))
        case .silu: return Float(v / (1 + exp(-v)))
        default: return Float(v / (1 + exp(-1.702 * v)))  // quick_gelu
        }
    }

    /// The activation elementwise, any shape.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        if self == .geluTanh { return gelu(x) }  // the vectorised path
        var out = x
        out.data.withUnsafeMutableBufferPointer { y in
            for i in 0..<y.count { y[i] = self(y[i]) }
        }
        return out
    }
}
