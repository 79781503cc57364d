// Softmax and attention (labs 01): softmax, the causal mask, scaled dot-product attention,
// GPT-2's multi-head self-attention and cross-attention. The family's one home: each component's
// call into the Transformer (its reference with `Knobs()`), and the catalogued mistakes, each
// the Transformer's attention with one knob of `AttentionVariant`/`MultiHeadVariant` turned.
import Tensors
import Transformer

func attentionWeights(_ a: CaseArguments) throws -> AttentionWeights {
    AttentionWeights(cAttnWeight: try a.tensor("c_attn_w"), cAttnBias: try a.tensor("c_attn_b"),
                     cProjWeight: try a.tensor("c_proj_w"), cProjBias: try a.tensor("c_proj_b"))
}

/// A case's optional boolean `mask` argument (true: the query may attend to that key).
func attentionMask(_ a: CaseArguments) -> AttentionMask? {
    guard case .mask(let shape, let values) = a["mask"] else { return nil }
    return .boolean(shape: shape, allowed: values)
}

func crossAttentionWeights(_ a: CaseArguments) throws -> CrossAttentionWeights {
    CrossAttentionWeights(
        qWeight: try a.tensor("w_q"), qBias: try a.tensor("b_q"),
        kvWeight: try a.tensor("w_kv"), kvBias: try a.tensor("b_kv"),
        outWeight: try a.tensor("w_o"), outBias: try a.tensor("b_o"))
}

private let attentionComponents = [
    "scaled_dot_product_attention", "multi_head_attention", "cross_attention",
]

let attentionFamily = ComponentFamily(
    name: "attention",
    components: [
        Component(name: "softmax") { a, k in
            let axis = try k.softmaxAxis ?? a.int("axis", default: -1)
            let maxShift = k.attention.attention.maxShift
            return .tensor(softmax(try a.tensor("x"), axis: axis, maxShift: maxShift))
        },
        Component(name: "causal_mask") { a, k in
            let t = try a.int("T")
            let allowed = k.attention.causalOffset.map { causalMask(t, offset: $0).allowed }
                ?? Array(repeating: true, count: t * t)  // no mask: every key visible
            return .array(NumericArray(bools: allowed, shape: [t, t]))
        },
        Component(name: "scaled_dot_product_attention") { a, k in
            .tensor(scaledDotProductAttention(
                q: try a.tensor("q"), k: try a.tensor("k"), v: try a.tensor("v"),
                mask: attentionMask(a), variant: k.attention.attention))
        },
        Component(name: "multi_head_attention") { a, k in
            .tensor(multiHeadSelfAttention(try a.tensor("x"), weights: try attentionWeights(a),
                                           heads: try a.int("n_head"), variant: k.attention))
        },
        Component(name: "cross_attention") { a, k in
            .tensor(crossAttention(try a.tensor("x"), context: try a.tensor("context"),
                                   weights: try crossAttentionWeights(a), heads: try a.int("n_head"),
                                   variant: k.attention))
        },
    ],
    mistakes: [
        Mistake(
            id: "no_scaling", title: "Attention scores not scaled by 1/√d_k",
            components: attentionComponents,
            hint: "Step 2 of attention: the scores are the dot products of each Query with every "
                + "Key, scaled by 1/√d_k before the softmax. Without the scaling, large dot products "
                + "push softmax towards one-hot weights.",
            nonFiniteSignature: false, variants: one { $0.attention.attention.scale = .none }),
        Mistake(
            id: "scale_by_dk", title: "Scores divided by d_k instead of √d_k",
            components: attentionComponents,
            hint: "The scores are scaled by 1/√d_k (the square root of the key dimension), not by "
                + "1/d_k. Check the line that divides q·kᵀ.",
            nonFiniteSignature: false, variants: one { $0.attention.attention.scale = .dk }),
        Mistake(
            id: "softmax_wrong_axis", title: "Softmax over the wrong axis",
            components: ["softmax"] + attentionComponents,
            hint: "Each Query's attention weights must sum to 1 over the Keys: softmax runs along "
                + "the last axis of the scores [..., T_q, T_k] (axis=-1), and the max and sum need "
                + "keepdims=True to broadcast back.",
            nonFiniteSignature: false,
            variants: { component, args in
                guard component == "softmax" else {
                    return [knobs { $0.attention.attention.softmaxAxis = -2 }]
                }
                let rank = (args["x"]?.tensor?.rank) ?? 1
                let requested = (try? args.int("axis", default: -1)) ?? -1
                let wanted = requested < 0 ? requested + rank : requested
                return (0..<rank).filter { $0 != wanted }.map { axis in knobs { $0.softmaxAxis = axis } }
            }),
        Mistake(
            id: "mask_after_softmax", title: "Mask applied after the softmax",
            components: ["scaled_dot_product_attention", "multi_head_attention"],
            hint: "Masked positions must get a score of -inf BEFORE the softmax, so their weight "
                + "becomes 0 and the remaining weights still sum to 1. Zeroing weights after the "
                + "softmax leaves rows that no longer sum to 1.",
            nonFiniteSignature: false,
            variants: { _, _ in
                [knobs { $0.attention.attention.maskAfterSoftmax = 0 },
                 knobs { $0.attention.attention.maskAfterSoftmax = -1e9 }]
            }),
        Mistake(
            id: "no_causal_mask", title: "No causal mask",
            components: ["causal_mask", "scaled_dot_product_attention", "multi_head_attention"],
            hint: "In GPT-2's self-attention a token may only attend to itself and earlier tokens: "
                + "apply the causal mask (True on and below the diagonal) to the scores before the "
                + "softmax, otherwise the model peeks at the tokens it should predict.",
            nonFiniteSignature: false,
            variants: one {
                $0.attention.causalOffset = nil
                $0.attention.attention.ignoreMask = true
            }),
        Mistake(
            id: "causal_off_by_one", title: "Causal mask shifted by one diagonal",
            components: ["causal_mask", "multi_head_attention"],
            hint: "The causal mask is True on AND below the diagonal (np.tril(np.ones((T, T), "
                + "dtype=bool))): position i sees positions 0…i, itself included.",
            nonFiniteSignature: false,
            variants: { _, _ in
                [knobs { $0.attention.causalOffset = 1 },
                 knobs { $0.attention.causalOffset = -1 },
                 knobs {
                     $0.attention.causalOffset = -1
                     $0.attention.attention.maskFill = -1e9
                 }]
            }),
        Mistake(
            id: "softmax_no_max_shift", title: "Softmax without subtracting the max",
            components: ["softmax"] + attentionComponents,
            hint: "exp overflows for large scores (exp(1000) is inf, and inf/inf is NaN). Subtract "
                + "the row's max before exp — softmax(x) = softmax(x − max(x)) — so the largest "
                + "exponent is exp(0) = 1.",
            // On ordinary inputs the unstable form gives the right answer; only its NaNs on large
            // logits tell it apart, so it is recognised by that signature, not by value.
            nonFiniteSignature: true, variants: { _, _ in [] }),
        Mistake(
            id: "heads_no_transpose", title: "Heads split by reshape without the transpose",
            components: ["multi_head_attention", "cross_attention"],
            hint: "Splitting into heads is a reshape [T, C] -> [T, n_head, C/n_head] FOLLOWED by a "
                + "transpose to [n_head, T, C/n_head]; a bare reshape to [n_head, T, …] mixes tokens "
                + "and channels, so each head sees scrambled Queries, Keys and Values.",
            nonFiniteSignature: false,
            variants: { _, _ in
                // Students who forget the transpose on the way in may still have it on the way out.
                [knobs {
                    $0.attention.splitTranspose = false
                    $0.attention.mergeTranspose = false
                },
                 knobs { $0.attention.splitTranspose = false }]
            }),
        Mistake(
            id: "heads_concat_wrong_order", title: "Heads merged back in the wrong order",
            components: ["multi_head_attention", "cross_attention"],
            hint: "After attention, transpose [n_head, T, hs] back to [T, n_head, hs] before the "
                + "reshape to [T, C], so each token's row is the concatenation of its heads' "
                + "context vectors.",
            nonFiniteSignature: false, variants: one { $0.attention.mergeTranspose = false }),
        Mistake(
            id: "qkv_wrong_thirds", title: "Query, Key and Value taken from the wrong thirds",
            components: ["multi_head_attention", "cross_attention"],
            hint: "GPT-2's fused c_attn gives [T, 3C] = Query | Key | Value along the last axis, in "
                + "that order (np.split(qkv, 3, axis=-1)); for cross-attention w_kv gives Key | "
                + "Value.",
            nonFiniteSignature: false,
            variants: { component, _ in
                if component == "cross_attention" { return [knobs { $0.attention.kvSwapped = true }] }
                return [[0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]].map { order in
                    knobs { $0.attention.qkvOrder = order }
                }
            }),
    ])
