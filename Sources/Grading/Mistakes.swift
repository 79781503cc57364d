// The catalogue of named mistakes: for each, the components it can show up in, the lecture's
// words for a hint, and its output on a test case (the maths of MistakeMaths with one knob
// turned). Diagnose matches a failing answer against these outputs.
import Tensors

/// Every knob of the lab maths; `Knobs()` is the correct computation.
struct Knobs: Sendable {
    var attention = MultiHeadVariant()
    /// The softmax component normalises over this axis instead of the requested one.
    var softmaxAxis: Int?
    var block = BlockVariant()
    var gpt2 = GPT2Variant()
    var crossEntropySum = false
    var bpe = BPEVariant()
    /// bytes_to_unicode returns the identity table {b: chr(b)}.
    var identityByteTable = false
    /// Lab 05's LoRA knobs (MistakeLoRA.swift).
    var lora = LoRAVariant()
    /// Lab 06's quantization knobs (MistakeQuant.swift).
    var quant = QuantVariant()
    /// Lab 07's LLaMA knobs (LlamaComponents.swift).
    var llama = LlamaKnobs()
}

/// A component's output under `knobs`, or nil where the catalogue does not model it (or a
/// student's code would have raised, e.g. a token missing from the vocabulary).
func evaluate(_ component: String, _ args: CaseArguments, _ knobs: Knobs) throws -> GradedValue? {
    let attn = knobs.attention
    func out(_ t: Tensor) -> GradedValue { .floats(t.data, shape: t.shape) }
    switch component {
    case "softmax":
        let x = try args.tensor("x")
        let requested = try args.int("axis", default: -1)
        let axis = knobs.softmaxAxis ?? requested
        return out(softmaxAlong(x, axis: axis, maxShift: attn.attention.maxShift))
    case "scaled_dot_product_attention":
        let mask = maskArgument(args["mask"])
        return out(attention(try args.tensor("q"), try args.tensor("k"), try args.tensor("v"),
                             mask: mask, attn.attention))
    case "causal_mask":
        let t = try args.int("T")
        guard let offset = attn.causalOffset else {
            return .array(NumericArray(bools: Array(repeating: true, count: t * t), shape: [t, t]))
        }
        let mask = BoolMask.causal(t, offset: offset)
        return .array(NumericArray(bools: mask.values, shape: mask.shape))
    case "multi_head_attention":
        return out(multiHeadAttention(
            try args.tensor("x"), cAttnW: try args.tensor("c_attn_w"),
            cAttnB: try args.tensor("c_attn_b"), cProjW: try args.tensor("c_proj_w"),
            cProjB: try args.tensor("c_proj_b"), heads: try args.int("n_head"), attn))
    case "cross_attention":
        return out(crossAttention(
            try args.tensor("x"), context: try args.tensor("context"), wQ: try args.tensor("w_q"),
            bQ: try args.tensor("b_q"), wKV: try args.tensor("w_kv"), bKV: try args.tensor("b_kv"),
            wO: try args.tensor("w_o"), bO: try args.tensor("b_o"), heads: try args.int("n_head"),
            attn))
    case "layer_norm":
        let eps = Float(try args.double("eps", default: 1e-5))
        return out(layerNorm(try args.tensor("x"), gamma: try args.tensor("gamma"),
                             beta: try args.tensor("beta"), eps: eps, knobs.block.layerNorm))
    case "gelu":
        return out(activation(try args.tensor("x"), knobs.block.activation))
    case "mlp":
        return out(mlp(try args.tensor("x"), cFcW: try args.tensor("c_fc_w"),
                       cFcB: try args.tensor("c_fc_b"), cProjW: try args.tensor("c_proj_w"),
                       cProjB: try args.tensor("c_proj_b"), knobs.block.activation))
    case "transformer_block":
        return out(try transformerBlock(try args.tensor("x"), params: try args.params("params"),
                                        heads: try args.int("n_head"), knobs.block))
    case "embeddings":
        return out(try embeddings(try args.ids("ids"), wte: try args.tensor("wte"),
                                  wpe: try args.tensor("wpe"), knobs.gpt2.positions))
    case "gpt2_forward":
        return out(try gpt2Forward(try args.ids("ids"), params: try args.params("params"),
                                   heads: try args.int("n_head"), knobs.gpt2, block: knobs.block))
    case "generate_greedy":
        return .ids(try generateGreedy(
            try args.ids("ids"), params: try args.params("params"), heads: try args.int("n_head"),
            count: try args.int("n_new"), knobs.gpt2, block: knobs.block))
    case "cross_entropy":
        return .float(try crossEntropy(try args.tensor("logits"), targets: try args.ids("targets"),
                                       sum: knobs.crossEntropySum))
    case "bytes_to_unicode":
        var table: [String: GradedValue] = [:]
        for (b, scalar) in byteToUnicodeTable() {
            let value = knobs.identityByteTable ? Unicode.Scalar(b) : scalar
            table[String(b)] = .text(String(Character(value)))
        }
        return .dict(table)
    case "pretokenize":
        return .strings(pretokenize(try args.string("text"), knobs.bpe.pattern))
    case "bpe_encode":
        let (encoder, merges) = try vocabulary(args, "encoder", merges: "merges")
        return bpeEncode(try args.string("text"), encoder: encoder, merges: merges, knobs.bpe)
            .map(GradedValue.ids)
    case "decode":
        let (vocab, _) = try vocabulary(args, "decoder_vocab", merges: nil)
        return bpeDecode(try args.ids("ids"), vocab: vocab, mapBytes: knobs.bpe.mapBytes)
            .map(GradedValue.text)
    default:
        return try evaluateLoRA(component, args, knobs.lora)
            ?? evaluateQuant(component, args, knobs.quant)
            ?? evaluateLlama(component, args, knobs.llama)
    }
}

func maskArgument(_ value: CaseValue?) -> BoolMask? {
    if case .mask(let shape, let values) = value { return BoolMask(shape: shape, values: values) }
    return nil
}

/// The encoder dict (str → int) and the merges list of [a, b] pairs from a case's arguments.
func vocabulary(_ args: CaseArguments, _ name: String, merges mergesName: String?) throws
    -> ([String: Int], [(String, String)])
{
    guard let dict = args[name]?.dictValue else { throw GradingError.badArgument(name, "a dict") }
    var encoder: [String: Int] = [:]
    for (token, id) in dict {
        guard let id = id.intValue else { throw GradingError.badArgument("\(name)[\(token)]", "an int") }
        encoder[token] = id
    }
    var merges: [(String, String)] = []
    if let mergesName {
        guard case .list(let items) = args[mergesName] else {
            throw GradingError.badArgument(mergesName, "a list of pairs")
        }
        for item in items {
            guard case .list(let pair) = item, pair.count == 2, let a = pair[0].stringValue,
                let b = pair[1].stringValue
            else { throw GradingError.badArgument(mergesName, "a list of [a, b] string pairs") }
            merges.append((a, b))
        }
    }
    return (encoder, merges)
}

/// One catalogued mistake.
public struct Mistake: Sendable {
    public let id: String
    public let title: String
    /// The components (Python function names) whose output can show this mistake.
    public let components: [String]
    /// What to look at, in the lecture's words.
    public let hint: String
    /// Recognised by its signature (NaN/inf where the reference is finite) rather than by value.
    public let nonFiniteSignature: Bool
    /// The knob settings that produce the mistake (several when students write it several ways).
    let variants: @Sendable (_ component: String, _ args: CaseArguments) -> [Knobs]
    /// Recognises the mistake from the exception it makes the student's code raise, if any.
    public var errorSignature: (@Sendable (_ component: String, _ type: String, _ message: String) -> Bool)? = nil
    /// An instructor's mistake from mistakes.py: its output, computed in the instructor's
    /// session (InstructorCode.swift), instead of knobs.
    var pythonOutput: (@Sendable (_ component: String, _ args: CaseArguments) -> GradedValue?)? = nil

    /// The mistake's outputs for a component on a case (empty if it does not apply).
    public func outputs(component: String, args: CaseArguments) -> [GradedValue] {
        guard components.contains(component) else { return [] }
        if let pythonOutput { return pythonOutput(component, args).map { [$0] } ?? [] }
        var outputs: [GradedValue] = []
        for knobs in variants(component, args) {
            guard let output = try? evaluate(component, args, knobs) else { continue }
            if !outputs.contains(output) { outputs.append(output) }
        }
        return outputs
    }
}

private let attentionComponents = [
    "scaled_dot_product_attention", "multi_head_attention", "cross_attention",
]
private let blockComponents = ["transformer_block"]
private let modelComponents = ["gpt2_forward", "generate_greedy"]

private func knobs(_ change: (inout Knobs) -> Void) -> Knobs {
    var k = Knobs()
    change(&k)
    return k
}

private func one(_ change: @escaping @Sendable (inout Knobs) -> Void)
    -> @Sendable (String, CaseArguments) -> [Knobs]
{
    { _, _ in [knobs(change)] }
}

/// The catalogue, in the course's order (attention, blocks, model, tokenizer).
public let mistakeCatalogue: [Mistake] = [
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
            [knobs { $0.attention.attention.maskAfterSoftmax = .negativeInfinity },
             knobs { $0.attention.attention.maskAfterSoftmax = .large }]
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
                 $0.attention.attention.fill = .large
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
            if component == "cross_attention" { return [knobs { $0.attention.order = [1, 0, 2] }] }
            return [[0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]].map { order in
                knobs { $0.attention.order = order }
            }
        }),
    Mistake(
        id: "layernorm_unbiased_variance", title: "Layer norm with the unbiased variance",
        components: ["layer_norm"] + blockComponents + modelComponents,
        hint: "Layer norm uses the biased variance — the mean of squared deviations, dividing "
            + "by n (np.var's default, ddof=0; torch.var needs correction=0), not n − 1.",
        nonFiniteSignature: false, variants: one { $0.block.layerNorm.unbiased = true }),
    Mistake(
        id: "eps_outside_sqrt", title: "Layer norm's eps added outside the square root",
        components: ["layer_norm"] + blockComponents + modelComponents,
        hint: "eps goes inside the square root: (x − mean) / √(var + eps).",
        nonFiniteSignature: false, variants: one { $0.block.layerNorm.epsOutsideSqrt = true }),
    Mistake(
        id: "gelu_erf", title: "GELU's erf form instead of the tanh approximation",
        components: ["gelu", "mlp"] + blockComponents + modelComponents,
        hint: "GPT-2 uses the tanh approximation 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))); "
            + "the exact erf form differs by up to ~1e-3.",
        nonFiniteSignature: false, variants: one { $0.block.activation = .geluErf }),
    Mistake(
        id: "relu_instead_of_gelu", title: "ReLU instead of GELU",
        components: ["gelu", "mlp"] + blockComponents + modelComponents,
        hint: "The MLP's non-linearity in GPT-2 is GELU (tanh approximation), which is smooth "
            + "and lets small negative values through; ReLU cuts them to 0.",
        nonFiniteSignature: false, variants: one { $0.block.activation = .relu }),
    Mistake(
        id: "missing_residual", title: "Missing residual connection",
        components: blockComponents + modelComponents,
        hint: "Each sub-layer adds its output back to its input: x = x + attn(ln_1(x)), then "
            + "x = x + mlp(ln_2(x)). The residual path is what lets layers be stacked.",
        nonFiniteSignature: false,
        variants: { _, _ in
            [knobs { $0.block.attentionResidual = false; $0.block.mlpResidual = false },
             knobs { $0.block.attentionResidual = false },
             knobs { $0.block.mlpResidual = false }]
        }),
    Mistake(
        id: "post_ln", title: "Post-LN block instead of GPT-2's pre-LN",
        components: blockComponents + modelComponents,
        hint: "GPT-2 normalises BEFORE each sub-layer (pre-LN): x + attn(ln_1(x)), not "
            + "ln_1(x + attn(x)) as in the original Transformer.",
        nonFiniteSignature: false, variants: one { $0.block.postLN = true }),
    Mistake(
        id: "missing_ln_f", title: "Final layer norm (ln_f) missing",
        components: modelComponents,
        hint: "After the last block GPT-2 applies one more layer norm, ln_f, before the "
            + "output projection to the vocabulary.",
        nonFiniteSignature: false, variants: one { $0.gpt2.finalLayerNorm = false }),
    Mistake(
        id: "missing_position_embeddings", title: "Position embeddings missing",
        components: ["embeddings"] + modelComponents,
        hint: "Attention itself ignores order; GPT-2 adds a learned position embedding to each "
            + "token embedding: x = wte[ids] + wpe[0..T).",
        nonFiniteSignature: false, variants: one { $0.gpt2.positions = .missing }),
    Mistake(
        id: "positions_off_by_one", title: "Position embeddings off by one",
        components: ["embeddings"] + modelComponents,
        hint: "Positions start at 0: the first token gets wpe[0], so use wpe[np.arange(T)] "
            + "(wpe[:T]), not wpe[1:T+1].",
        nonFiniteSignature: false, variants: one { $0.gpt2.positions = .offByOne }),
    Mistake(
        id: "head_not_tied", title: "Output head not tied to the token embeddings",
        components: modelComponents,
        hint: "GPT-2 ties its output projection to the token embedding: logits = x @ wte.T. "
            + "Don't use a separate lm_head.weight (in Hugging Face's checkpoint it is the same "
            + "matrix as wte).",
        nonFiniteSignature: false, variants: one { $0.gpt2.untiedHead = true }),
    Mistake(
        id: "cross_entropy_sum", title: "Cross-entropy summed instead of averaged",
        components: ["cross_entropy"],
        hint: "The language-modelling loss is the MEAN negative log-likelihood over the "
            + "positions, so it does not grow with the sequence length.",
        nonFiniteSignature: false, variants: one { $0.crossEntropySum = true }),
    Mistake(
        id: "bpe_merge_by_frequency", title: "BPE merges applied by frequency, not by rank",
        components: ["bpe_encode"],
        hint: "When encoding, BPE repeatedly merges the adjacent pair with the LOWEST rank "
            + "(earliest line in merges.txt) — the order they were learned in training — not the "
            + "pair that occurs most often in the word.",
        nonFiniteSignature: false, variants: one { $0.bpe.order = .frequency }),
    Mistake(
        id: "missing_byte_to_unicode", title: "Bytes not mapped through bytes_to_unicode",
        components: ["bytes_to_unicode", "bpe_encode", "decode"],
        hint: "GPT-2's tokenizer works on UTF-8 bytes, each shown as a printable character by "
            + "bytes_to_unicode (a space becomes 'Ġ'). Encode: text → UTF-8 bytes → those "
            + "characters; decode: the inverse table back to bytes, then UTF-8.",
        nonFiniteSignature: false,
        variants: one {
            $0.bpe.mapBytes = false
            $0.identityByteTable = true
        },
        // Looking up raw characters such as ' ' (GPT-2's vocabulary has 'Ġ') fails.
        errorSignature: { component, type, message in
            component == "bpe_encode" && type == "KeyError" && message.count == 3
                && message.hasPrefix("'") && message.hasSuffix("'")
                && message.dropFirst().first.map { !$0.isLetter || !$0.isASCII } == true
        }),
    Mistake(
        id: "wrong_pretokenize_pattern", title: "Wrong pre-tokenization pattern",
        components: ["pretokenize", "bpe_encode"],
        hint: "GPT-2 splits text with one regex before BPE: contractions, ' ?\\p{L}+', "
            + "' ?\\p{N}+', ' ?[^\\s\\p{L}\\p{N}]+', '\\s+(?!\\S)', '\\s+' — a word keeps its "
            + "leading space, and runs of spaces leave the last one for the next word.",
        nonFiniteSignature: false,
        variants: { _, _ in
            PretokenizePattern.allCases.filter { $0 != .gpt2 }.map { p in knobs { $0.bpe.pattern = p } }
        }),
    // Lab 05: LoRA.
    Mistake(
        id: "lora_alpha_not_scaled", title: "LoRA update scaled by alpha instead of alpha/r",
        components: ["lora_forward", "lora_merge", "lora_grad_a", "lora_grad_b"],
        hint: "LoRA trains a small low-rank update B·A instead of the whole weight, and scales it "
            + "by alpha / r (PEFT's `scaling`), so changing the rank r does not change how strong "
            + "the adapter is. Multiply by alpha / r, not by alpha — in the forward, the merge and "
            + "both gradients.",
        nonFiniteSignature: false, variants: one { $0.lora.alphaNotDividedByR = true }),
    Mistake(
        id: "lora_ba_transposed", title: "B·A used without transposing it",
        components: ["lora_forward", "lora_merge"],
        hint: "A is [r, in] and B is [out, r], so B·A is [out, in] — the PyTorch layout. GPT-2's "
            + "Conv1D weight W is [in, out] (y = x·W), so the update in W's layout is (B·A)ᵀ = "
            + "Aᵀ·Bᵀ, and the adapter's forward is x·Aᵀ·Bᵀ. A square layer hides the mistake "
            + "from the shapes, not from the values.",
        nonFiniteSignature: false, variants: one { $0.lora.baNotTransposed = true }),
    Mistake(
        id: "lora_merge_wrong_sign", title: "Adapter merged with a minus sign",
        components: ["lora_merge"],
        hint: "Merging folds the adapter into the frozen weight so inference costs nothing extra: "
            + "W' = W + (alpha/r)·(B·A)ᵀ, and x·W' must equal the adapted forward x·W + "
            + "(alpha/r)·x·Aᵀ·Bᵀ. Subtracting is unmerging.",
        nonFiniteSignature: false, variants: one { $0.lora.mergeSubtracts = true }),
    // Lab 06: quantization.
    Mistake(
        id: "int8_128_not_127", title: "Absmax divided by 128 instead of 127",
        components: [
            "int8_scale", "quantize_int8", "int8_channel_scales", "quantize_int8_per_channel",
            "q8_0_quantize", "q8_0_scales",
        ],
        hint: "Symmetric int8 uses the codes -127 … 127 so that 0 stays exactly 0 and both signs "
            + "get the same range: scale = absmax / 127, and the largest weight maps to ±127. "
            + "With 128 the largest weight becomes 128, which int8 cannot hold (it is clipped, or "
            + "wraps to -128).",
        nonFiniteSignature: false,
        variants: { _, _ in
            [QuantVariant.Overflow.clampSymmetric, .clampInt8, .wrap].map { o in
                knobs {
                    $0.quant.divisor = 128
                    $0.quant.overflow = o
                }
            }
        }),
    Mistake(
        id: "quant_floor_not_round", title: "Floor instead of rounding to the nearest code",
        components: [
            "quantize_int8", "quantize_int8_per_channel", "q8_0_quantize", "q4_0_quantize",
        ],
        hint: "Quantization maps each weight to the NEAREST code: q = round(x / scale) (np.round "
            + "for int8; Q8_0 rounds halves away from zero, and Q4_0 adds 8.5 before truncating). "
            + "np.floor or astype(int) on its own always rounds down, which doubles the error and "
            + "biases every weight towards -∞.",
        nonFiniteSignature: false, variants: one { $0.quant.floorNotRound = true }),
    Mistake(
        id: "per_tensor_not_per_channel", title: "One scale for the whole matrix, not per channel",
        components: ["int8_channel_scales", "quantize_int8_per_channel"],
        hint: "Per-channel quantization gives every OUTPUT channel its own scale: GPT-2's Conv1D "
            + "weight is [in, out], so that is one absmax per column (np.abs(w).max(axis=0)), "
            + "and a column of small weights keeps its precision even next to a column of "
            + "large ones.",
        nonFiniteSignature: false, variants: one { $0.quant.perTensorNotPerChannel = true }),
    Mistake(
        id: "q4_0_nibble_order", title: "Q4_0 nibbles packed in the wrong order",
        components: ["q4_0_pack", "q4_0_unpack"],
        hint: "ggml packs a block of 32 four-bit codes into 16 bytes: byte j holds element j in "
            + "its LOW nibble and element j + 16 in its HIGH nibble (byte = q[j] | q[j+16] << 4) "
            + "— not neighbouring pairs (2j, 2j+1), and not the other way round.",
        nonFiniteSignature: false,
        variants: { _, _ in
            [QuantVariant.NibbleOrder.swapped, .consecutive].map { o in
                knobs { $0.quant.nibbleOrder = o }
            }
        }),
    Mistake(
        id: "scale_not_fp16", title: "Block scale not rounded to fp16",
        components: ["q8_0_scales", "q4_0_scales"],
        hint: "Q8_0 and Q4_0 store each block's scale d as a 16-bit float (that is part of their "
            + "8.5 and 4.5 bits per weight), so the value the model uses is np.float16(d). "
            + "Round the scale with np.float16 — the codes are still computed with the float32 d, "
            + "as ggml does.",
        nonFiniteSignature: false, variants: one { $0.quant.scaleNotFP16 = true }),
] + llamaMistakes

/// The catalogue by id.
public func mistake(_ id: String) -> Mistake? { mistakeCatalogue.first { $0.id == id } }
