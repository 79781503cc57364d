// The LLaMA family (lab 07): RMSNorm, RoPE, repeat_kv, SwiGLU, grouped-query attention and the
// decoder block. Its one home: each component's call (its reference with `Knobs()`), the
// catalogued mistakes (each the Transformer module's LLaMA maths with one knob of `LlamaVariant`
// turned), their titles and hints.
import Tensors
import Transformer

/// Lab 07's knobs: the Transformer's variant, plus the one slip that is an argument, not maths.
struct LlamaKnobs: Sendable {
    var variant = LlamaVariant()
    /// theta hard-coded to 10000 whatever the caller passes.
    var thetaIgnored = false
}

extension CaseArguments {
    /// A float tensor of exactly `shape`.
    func tensor(_ name: String, shape: [Int]) throws -> Tensor {
        let t = try tensor(name)
        guard t.shape == shape else {
            throw GradingError.badArgument(name, "a tensor of shape \(shape), not \(t.shape)")
        }
        return t
    }
}

/// The attention weights of a case, checked against x [T, C] and the head counts.
private func gqaWeights(_ a: CaseArguments, c: Int, heads: Int, kvHeads: Int) throws -> GQAWeights {
    guard heads >= 1, kvHeads >= 1, heads % kvHeads == 0, c % heads == 0 else {
        throw GradingError.badArgument("n_head", "a divisor of C and a multiple of n_kv_head")
    }
    let hd = c / heads
    return GQAWeights(q: try a.tensor("w_q", shape: [c, heads * hd]),
                      k: try a.tensor("w_k", shape: [c, kvHeads * hd]),
                      v: try a.tensor("w_v", shape: [c, kvHeads * hd]),
                      o: try a.tensor("w_o", shape: [heads * hd, c]))
}

private func swiGLUWeights(_ a: CaseArguments, c: Int) throws -> SwiGLUWeights {
    let gate = try a.tensor("w_gate")
    guard gate.rank == 2, gate.shape[0] == c else {
        throw GradingError.badArgument("w_gate", "a matrix [C, F]")
    }
    return SwiGLUWeights(gate: gate, up: try a.tensor("w_up", shape: gate.shape),
                         down: try a.tensor("w_down", shape: [gate.shape[1], c]))
}

/// A component of the family under `knobs`.
private func evaluateLlama(_ component: String, _ a: CaseArguments, _ knobs: LlamaKnobs) throws
    -> GradedValue
{
    let v = knobs.variant
    func theta() throws -> Float {
        let theta = try a.double("theta", default: 10000)
        guard theta > 1 else { throw GradingError.badArgument("theta", "a base above 1") }
        return knobs.thetaIgnored ? 10000 : Float(theta)
    }
    let eps = Float(try a.double("eps", default: 1e-6))
    switch component {
    case "rms_norm":
        let x = try a.tensor("x")
        return .tensor(rmsNorm(x, weight: try a.tensor("weight", shape: [x.shape.last ?? 0]), eps: eps,
                           subtractMean: v.normSubtractsMean))
    case "rope":
        let x = try a.tensor("x")
        guard x.rank >= 2, x.shape[x.rank - 1] % 2 == 0 else {
            throw GradingError.badArgument("x", "a tensor [..., T, d] with d even")
        }
        return .tensor(rotaryEmbedding(x, theta: try theta(), variant: v.rope))
    case "repeat_kv":
        let kv = try a.tensor("kv")
        let nRep = try a.int("n_rep")
        guard kv.rank == 3, nRep >= 1 else {
            throw GradingError.badArgument("kv", "a tensor [n_kv_head, T, hd] and n_rep ≥ 1")
        }
        return .tensor(repeatKV(kv, nRep: nRep, order: v.kvOrder))
    case "swiglu_mlp":
        let x = try a.matrix("x")
        return .tensor(swiGLU(x, weights: try swiGLUWeights(a, c: x.shape[1]), variant: v))
    case "grouped_query_attention":
        let x = try a.matrix("x")
        let (heads, kvHeads) = (try a.int("n_head"), try a.int("n_kv_head"))
        let w = try gqaWeights(a, c: x.shape[1], heads: heads, kvHeads: kvHeads)
        return .tensor(groupedQueryAttention(x, weights: w, heads: heads, kvHeads: kvHeads,
                                         theta: try theta(), variant: v))
    default:  // llama_block
        let x = try a.matrix("x")
        let c = x.shape[1]
        let (heads, kvHeads) = (try a.int("n_head"), try a.int("n_kv_head"))
        let w = LlamaBlockWeights(
            attentionNorm: try a.tensor("attn_norm", shape: [c]),
            attention: try gqaWeights(a, c: c, heads: heads, kvHeads: kvHeads),
            mlpNorm: try a.tensor("mlp_norm", shape: [c]), mlp: try swiGLUWeights(a, c: c))
        return .tensor(llamaBlock(x, weights: w, heads: heads, kvHeads: kvHeads, theta: try theta(),
                              eps: eps, variant: v))
    }
}

private func llama(_ change: @escaping @Sendable (inout LlamaKnobs) -> Void)
    -> @Sendable (String, CaseArguments) -> [Knobs]
{
    one { change(&$0.llama) }
}

private let ropeUsers = ["rope", "grouped_query_attention", "llama_block"]
private let attentionUsers = ["grouped_query_attention", "llama_block"]

let llamaFamily = ComponentFamily(
    name: "LLaMA",
    components: [
        "rms_norm", "rope", "repeat_kv", "swiglu_mlp", "grouped_query_attention", "llama_block",
    ].map { name in Component(name: name) { a, k in try evaluateLlama(name, a, k.llama) } },
    mistakes: [  // in the handout's order
        Mistake(
            id: "rmsnorm_subtracts_mean", title: "RMSNorm subtracting the mean like layer norm",
            components: ["rms_norm", "llama_block"],
            hint: "RMSNorm only rescales: x / sqrt(mean(x²) + eps) · weight. It does not centre the "
                + "row (no x − mean) and has no bias; that is what makes it cheaper than layer norm.",
            nonFiniteSignature: false, variants: llama { $0.variant.normSubtractsMean = true }),
        Mistake(
            id: "rope_interleaved", title: "RoPE pairs neighbouring dimensions (2i, 2i+1)",
            components: ropeUsers,
            hint: "The Hugging Face LLaMA convention rotates dimension i together with i + d/2: "
                + "x·cos + rotate_half(x)·sin, where rotate_half(x) = concatenate(−x[d/2:], x[:d/2]) "
                + "and cos/sin repeat the d/2 angles twice. Pairing (2i, 2i+1) is the paper's layout, "
                + "and it gives different numbers on the same weights.",
            nonFiniteSignature: false, variants: llama { $0.variant.rope.pairing = .interleaved }),
        Mistake(
            id: "rope_rotates_backwards", title: "RoPE rotates by −angle (rotate_half's sign)",
            components: ropeUsers,
            hint: "rotate_half(x) is concatenate(−x2, x1) with x1 the first half: the minus sign goes "
                + "on the SECOND half. With concatenate(x2, −x1) every pair turns the other way.",
            nonFiniteSignature: false, variants: llama { $0.variant.rope.sign = -1 }),
        Mistake(
            id: "rope_theta_ignored", title: "RoPE's theta ignored (10000 hard-coded)",
            components: ropeUsers,
            hint: "The angle of pair i at position p is p · theta^(−2i/d), with theta the argument "
                + "(LLaMA 3 uses 500000, not 10000): use the theta you are given.",
            nonFiniteSignature: false, variants: llama { $0.thetaIgnored = true }),
        Mistake(
            id: "rope_on_values", title: "RoPE applied to the Values",
            components: attentionUsers,
            hint: "Rotary embeddings encode position in the attention SCORES, so only the Queries "
                + "and Keys are rotated before q·kᵀ. The Values carry each token's information "
                + "and stay as they are.",
            nonFiniteSignature: false, variants: llama { $0.variant.ropeOnValues = true }),
        Mistake(
            id: "kv_repeat_tiled", title: "KV heads repeated in the wrong order (tile, not repeat)",
            components: ["repeat_kv"] + attentionUsers,
            hint: "In grouped-query attention each Key/Value head serves a GROUP of consecutive query "
                + "heads: head h reads KV head h // (n_head / n_kv_head), i.e. [k0, k0, k1, k1] "
                + "(np.repeat along the head axis), not [k0, k1, k0, k1] (np.tile).",
            nonFiniteSignature: false, variants: llama { $0.variant.kvOrder = .tiled }),
        Mistake(
            id: "gqa_no_causal_mask", title: "Grouped-query attention without the causal mask",
            components: attentionUsers,
            hint: "A decoder predicts the next token, so position i may only attend to positions "
                + "0 … i: mask the scores above the diagonal with −inf before the softmax, for every "
                + "head.",
            nonFiniteSignature: false, variants: llama { $0.variant.noCausalMask = true }),
        Mistake(
            id: "swiglu_gelu", title: "GELU instead of SiLU in the SwiGLU gate",
            components: ["swiglu_mlp", "llama_block"],
            hint: "LLaMA's MLP is SwiGLU: silu(x·W_gate) ⊙ (x·W_up), then ·W_down, with "
                + "silu(z) = z · sigmoid(z). GPT-2's GELU is a different curve.",
            nonFiniteSignature: false, variants: llama { $0.variant.gate = .gelu }),
        Mistake(
            id: "swiglu_gate_up_swapped", title: "SiLU applied to the up projection, not the gate",
            components: ["swiglu_mlp", "llama_block"],
            hint: "The activation goes on the GATE: silu(x·W_gate) ⊙ (x·W_up). The up projection "
                + "enters linearly; swapping the two weights changes the output.",
            nonFiniteSignature: false, variants: llama { $0.variant.gateUpSwapped = true }),
    ])
