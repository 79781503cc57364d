// GPT-2's blocks (lab 02): layer norm, GELU, the Conv1D linear layer, the MLP and the pre-LN
// transformer block. The family's one home: each component's call into the Transformer (its
// reference with `Knobs()`), and the catalogued mistakes, each the Transformer's block maths with
// one knob of `BlockVariant` (or the MLP's `Activation`) turned.
import Tensors
import Transformer

/// One block's weights from HF-named params (prefix e.g. "h.0." or "").
func blockWeights(_ p: [String: Tensor], prefix: String) throws -> BlockWeights {
    func w(_ name: String) throws -> Tensor {
        guard let t = p[prefix + name] else {
            throw GradingError.badArgument("params[\"\(prefix + name)\"]", "a tensor")
        }
        return t
    }
    return BlockWeights(
        ln1Weight: try w("ln_1.weight"), ln1Bias: try w("ln_1.bias"),
        attention: AttentionWeights(
            cAttnWeight: try w("attn.c_attn.weight"), cAttnBias: try w("attn.c_attn.bias"),
            cProjWeight: try w("attn.c_proj.weight"), cProjBias: try w("attn.c_proj.bias")),
        ln2Weight: try w("ln_2.weight"), ln2Bias: try w("ln_2.bias"),
        mlp: MLPWeights(
            cFcWeight: try w("mlp.c_fc.weight"), cFcBias: try w("mlp.c_fc.bias"),
            cProjWeight: try w("mlp.c_proj.weight"), cProjBias: try w("mlp.c_proj.bias")))
}

/// Where a block's mistakes also show: the block itself, and the models that run it.
let blockComponents = ["transformer_block"]
let modelComponents = ["gpt2_forward", "generate_greedy"]

let blocksFamily = ComponentFamily(
    name: "GPT-2 block",
    buildsOn: ["attention"],
    components: [
        Component(name: "layer_norm") { a, k in
            let eps = Float(try a.double("eps", default: 1e-5))
            return .tensor(layerNorm(try a.tensor("x"), weight: try a.tensor("gamma"),
                                     bias: try a.tensor("beta"), eps: eps,
                                     variant: k.gpt2.block.layerNorm))
        },
        Component(name: "gelu") { a, k in .tensor(k.activation(try a.tensor("x"))) },
        Component(name: "linear") { a, _ in
            .tensor(linear(try a.tensor("x"), weight: try a.tensor("w"), bias: try a.tensor("b")))
        },
        Component(name: "mlp") { a, k in
            let w = MLPWeights(
                cFcWeight: try a.tensor("c_fc_w"), cFcBias: try a.tensor("c_fc_b"),
                cProjWeight: try a.tensor("c_proj_w"), cProjBias: try a.tensor("c_proj_b"))
            return .tensor(mlp(try a.tensor("x"), weights: w, activation: k.activation))
        },
        Component(name: "transformer_block") { a, k in
            let w = try blockWeights(try a.params("params"), prefix: "")
            return .tensor(transformerBlock(try a.tensor("x"), weights: w, heads: try a.int("n_head"),
                                            activation: k.activation, variant: k.gpt2.block))
        },
    ],
    mistakes: [
        Mistake(
            id: "layernorm_unbiased_variance", title: "Layer norm with the unbiased variance",
            components: ["layer_norm"] + blockComponents + modelComponents,
            hint: "Layer norm uses the biased variance — the mean of squared deviations, dividing "
                + "by n (np.var's default, ddof=0; torch.var needs correction=0), not n − 1.",
            nonFiniteSignature: false, variants: one { $0.gpt2.block.layerNorm.unbiased = true }),
        Mistake(
            id: "eps_outside_sqrt", title: "Layer norm's eps added outside the square root",
            components: ["layer_norm"] + blockComponents + modelComponents,
            hint: "eps goes inside the square root: (x − mean) / √(var + eps).",
            nonFiniteSignature: false, variants: one { $0.gpt2.block.layerNorm.epsOutsideSqrt = true }),
        Mistake(
            id: "gelu_erf", title: "GELU's erf form instead of the tanh approximation",
            components: ["gelu", "mlp"] + blockComponents + modelComponents,
            hint: "GPT-2 uses the tanh approximation 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))); "
                + "the exact erf form differs by up to ~1e-3.",
            nonFiniteSignature: false, variants: one { $0.activation = .geluErf }),
        Mistake(
            id: "relu_instead_of_gelu", title: "ReLU instead of GELU",
            components: ["gelu", "mlp"] + blockComponents + modelComponents,
            hint: "The MLP's non-linearity in GPT-2 is GELU (tanh approximation), which is smooth "
                + "and lets small negative values through; ReLU cuts them to 0.",
            nonFiniteSignature: false, variants: one { $0.activation = .relu }),
        Mistake(
            id: "missing_residual", title: "Missing residual connection",
            components: blockComponents + modelComponents,
            hint: "Each sub-layer adds its output back to its input: x = x + attn(ln_1(x)), then "
                + "x = x + mlp(ln_2(x)). The residual path is what lets layers be stacked.",
            nonFiniteSignature: false,
            variants: { _, _ in
                [knobs { $0.gpt2.block.attentionResidual = false; $0.gpt2.block.mlpResidual = false },
                 knobs { $0.gpt2.block.attentionResidual = false },
                 knobs { $0.gpt2.block.mlpResidual = false }]
            }),
        Mistake(
            id: "post_ln", title: "Post-LN block instead of GPT-2's pre-LN",
            components: blockComponents + modelComponents,
            hint: "GPT-2 normalises BEFORE each sub-layer (pre-LN): x + attn(ln_1(x)), not "
                + "ln_1(x + attn(x)) as in the original Transformer.",
            nonFiniteSignature: false, variants: one { $0.gpt2.block.postLN = true }),
    ])
