// Gradients of GPT-2's parameters: one tensor per parameter, shaped and named like it, so the
// struct is GPT2Weights itself and the Hugging Face name map serves both.
import Tensors
import Transformer

/// dLoss/dParameter for every parameter of GPT2Weights (same fields, same shapes).
public typealias Gradients = GPT2Weights

extension GPT2Weights {
    /// Every tensor's key path, in `GPT2Weights.parameters(for:)` order.
    public var tensorPaths: [WritableKeyPath<GPT2Weights, Tensor>] {
        var paths: [WritableKeyPath<GPT2Weights, Tensor>] = [\.wte, \.wpe]
        for i in blocks.indices {
            paths += [
                \.blocks[i].ln1Weight, \.blocks[i].ln1Bias, \.blocks[i].attention.cAttnWeight,
                \.blocks[i].attention.cAttnBias, \.blocks[i].attention.cProjWeight,
                \.blocks[i].attention.cProjBias, \.blocks[i].ln2Weight, \.blocks[i].ln2Bias,
                \.blocks[i].mlp.cFcWeight, \.blocks[i].mlp.cFcBias, \.blocks[i].mlp.cProjWeight,
                \.blocks[i].mlp.cProjBias,
            ]
        }
        return paths + [\.lnFWeight, \.lnFBias]
    }

    /// The number of parameters.
    public var parameterCount: Int { tensorPaths.reduce(0) { $0 + self[keyPath: $1].count } }
}

extension LoRAWeights {
    /// Every adapter tensor's key path: A then B of each adapter, in adapter order.
    public var tensorPaths: [WritableKeyPath<LoRAWeights, Tensor>] {
        adapters.indices.flatMap { i in [\LoRAWeights.adapters[i].a, \LoRAWeights.adapters[i].b] }
    }
}

/// Runs `body` on the tensor at `path` of `root` with its buffer uniquely referenced, so the
/// body's writes happen in place. Writing through a key path that crosses an array subscript
/// (`\.blocks[i].mlp.cFcWeight`) goes through the subscript's getter and setter: the tensor's
/// buffer is shared while it is written and copy-on-write would copy it — every tensor of the
/// model, every optimizer step. Taking the tensor out first (leaving an empty one) avoids that.
@inline(__always)
func withUniqueTensor<P, R>(_ root: inout P, at path: WritableKeyPath<P, Tensor>, _ body: (inout Tensor) -> R)
    -> R
{
    var tensor = root[keyPath: path]
    root[keyPath: path] = Tensor(shape: [0], data: [])
    defer { root[keyPath: path] = tensor }
    return body(&tensor)
}
