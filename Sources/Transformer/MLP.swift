// The position-wise feed-forward network of a GPT-2 block: c_fc (C -> 4C), GELU, c_proj (4C -> C).
import Tensors

/// The MLP's weights in Conv1D layout (x W + b).
public struct MLPWeights: Sendable, Equatable {
    public var cFcWeight: Tensor  // [C, 4C]
    public var cFcBias: Tensor  // [4C]
    public var cProjWeight: Tensor  // [4C, C]
    public var cProjBias: Tensor  // [C]

    public init(cFcWeight: Tensor, cFcBias: Tensor, cProjWeight: Tensor, cProjBias: Tensor) {
        self.cFcWeight = cFcWeight
        self.cFcBias = cFcBias
        self.cProjWeight = cProjWeight
        self.cProjBias = cProjBias
    }
}

/// x [T, C] -> [T, C]: linear up, the activation (GPT-2's GELU by default), linear down.
public func mlp(_ x: Tensor, weights w: MLPWeights, activation: Activation = .geluTanh) -> Tensor {
    let h = linear(x, weight: w.cFcWeight, bias: w.cFcBias)  // [T, C] -> [T, 4C]
    return linear(activation(h), weight: w.cProjWeight, bias: w.cProjBias)  // [T, 4C] -> [T, C]
}
