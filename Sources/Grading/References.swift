// The reference outputs: component name → the expected value, computed in lmlab's process with
// the reference Transformer and Tokenizer. Only the inputs ever reach the sandbox.
import Foundation
import Tensors
import Tokenizer
import Transformer

/// A component's reference: its expected value on a case's arguments.
public typealias Reference = @Sendable (CaseArguments) throws -> GradedValue

private func value(_ t: Tensor) -> GradedValue { .floats(t.data, shape: t.shape) }

private func attentionWeights(_ a: CaseArguments) throws -> AttentionWeights {
    AttentionWeights(cAttnWeight: try a.tensor("c_attn_w"), cAttnBias: try a.tensor("c_attn_b"),
                     cProjWeight: try a.tensor("c_proj_w"), cProjBias: try a.tensor("c_proj_b"))
}

private func blockWeights(_ p: [String: Tensor], prefix: String) throws -> BlockWeights {
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

/// GPT-2 logits [T, V] from HF-named params, composed from the reference's pieces.
func referenceForward(_ ids: [Int], params p: [String: Tensor], heads: Int) throws -> Tensor {
    guard let wte = p["wte.weight"], let wpe = p["wpe.weight"], let g = p["ln_f.weight"],
        let b = p["ln_f.bias"]
    else { throw GradingError.badArgument("params", "GPT-2 params (wte, wpe, ln_f)") }
    guard ids.allSatisfy({ $0 >= 0 && $0 < wte.shape[0] }), ids.count <= wpe.shape[0] else {
        throw GradingError.badArgument("ids", "ids below the vocabulary size, at most ctx of them")
    }
    var x = embed(ids: ids, wte: wte, wpe: wpe)  // [T, C]
    var layer = 0
    while p["h.\(layer).ln_1.weight"] != nil {
        x = transformerBlock(x, weights: try blockWeights(p, prefix: "h.\(layer)."), heads: heads)
        layer += 1
    }
    return tiedHead(layerNorm(x, weight: g, bias: b), wte: wte)  // [T, C] -> [T, V]
}

/// The registry of references by component (Python function) name.
public let references: [String: Reference] = coreReferences
    .merging(labs56References, uniquingKeysWith: { core, _ in core })
    .merging(llamaReferences, uniquingKeysWith: { core, _ in core })

/// Labs 01–04.
private let coreReferences: [String: Reference] = [
    "softmax": { a in value(softmax(try a.tensor("x"), axis: try a.int("axis", default: -1))) },
    "causal_mask": { a in
        let mask = BoolMask.causal(try a.int("T"))
        return .array(NumericArray(bools: mask.values, shape: mask.shape))
    },
    "scaled_dot_product_attention": { a in
        var mask: AttentionMask?
        if case .mask(let shape, let values) = a["mask"] {
            mask = .boolean(shape: shape, allowed: values)
        }
        return value(scaledDotProductAttention(
            q: try a.tensor("q"), k: try a.tensor("k"), v: try a.tensor("v"), mask: mask))
    },
    "multi_head_attention": { a in
        value(multiHeadSelfAttention(try a.tensor("x"), weights: try attentionWeights(a),
                                     heads: try a.int("n_head")))
    },
    "cross_attention": { a in
        let w = CrossAttentionWeights(
            qWeight: try a.tensor("w_q"), qBias: try a.tensor("b_q"), kvWeight: try a.tensor("w_kv"),
            kvBias: try a.tensor("b_kv"), outWeight: try a.tensor("w_o"), outBias: try a.tensor("b_o"))
        return value(crossAttention(try a.tensor("x"), context: try a.tensor("context"), weights: w,
                                    heads: try a.int("n_head")))
    },
    "layer_norm": { a in
        value(layerNorm(try a.tensor("x"), weight: try a.tensor("gamma"),
                        bias: try a.tensor("beta"), eps: Float(try a.double("eps", default: 1e-5))))
    },
    "gelu": { a in value(gelu(try a.tensor("x"))) },
    "linear": { a in
        value(linear(try a.tensor("x"), weight: try a.tensor("w"), bias: try a.tensor("b")))
    },
    "mlp": { a in
        value(mlp(try a.tensor("x"), weights: MLPWeights(
            cFcWeight: try a.tensor("c_fc_w"), cFcBias: try a.tensor("c_fc_b"),
            cProjWeight: try a.tensor("c_proj_w"), cProjBias: try a.tensor("c_proj_b"))))
    },
    "transformer_block": { a in
        value(transformerBlock(try a.tensor("x"), weights: try blockWeights(try a.params("params"),
                                                                            prefix: ""),
                               heads: try a.int("n_head")))
    },
    "embeddings": { a in
        value(embed(ids: try a.ids("ids"), wte: try a.tensor("wte"), wpe: try a.tensor("wpe")))
    },
    "gpt2_forward": { a in
        value(try referenceForward(try a.ids("ids"), params: try a.params("params"),
                                   heads: try a.int("n_head")))
    },
    "cross_entropy": { a in
        .float(Double(crossEntropy(logits: try a.tensor("logits"), targets: try a.ids("targets"))))
    },
    "generate_greedy": { a in
        let params = try a.params("params")
        let heads = try a.int("n_head")
        var ids = try a.ids("ids")
        var new: [Int] = []
        for _ in 0..<(try a.int("n_new")) {
            let logits = try referenceForward(ids, params: params, heads: heads)  // [T, V]
            let v = logits.shape[1]
            let next = argmax(logits.data[((ids.count - 1) * v)..<(ids.count * v)])
            new.append(next)
            ids.append(next)
        }
        return .ids(new)
    },
    "sample_next": { a in
        let logits = try a.tensor("logits")
        return .int(sampleToken(
            logits: logits.data, temperature: Float(try a.double("temperature", default: 1)),
            topK: try a.int("top_k", default: 0), topP: Float(try a.double("top_p", default: 1)),
            u: Float(try a.double("u"))))
    },
    "bytes_to_unicode": { _ in
        var table: [String: GradedValue] = [:]
        for b in 0...255 { table[String(b)] = .text(ByteUnicode.encode([UInt8(b)])) }
        return .dict(table)
    },
    "pretokenize": { a in .strings(PreTokenizer.split(try a.string("text"))) },
    "bpe_encode": { a in
        let (encoder, merges) = try vocabulary(a, "encoder", merges: "merges")
        let tokenizer = try BPETokenizer(vocab: encoder, merges: merges)
        return .ids(tokenizer.encode(try a.string("text"), allowSpecial: false))
    },
    "decode": { a in
        let (vocab, _) = try vocabulary(a, "decoder_vocab", merges: nil)
        var decoder: [Int: String] = [:]
        for (token, id) in vocab { decoder[id] = token }
        var joined = ""
        for id in try a.ids("ids") {
            guard let token = decoder[id] else { throw GradingError.badArgument("ids", "known ids") }
            joined += token
        }
        guard let bytes = ByteUnicode.decode(joined) else {
            throw GradingError.badArgument("decoder_vocab", "byte-level tokens")
        }
        return .text(String(decoding: bytes, as: UTF8.self))
    },
]

/// Labs 05-lora and 06-quantization: the correct computation of MistakeLoRA.swift and
/// MistakeQuant.swift, which is the Training and Quantization modules' own maths.
private let labs56References: [String: Reference] = {
    let lora = [
        "lora_forward", "lora_merge", "lora_grad_a", "lora_grad_b", "lora_trainable_params",
    ]
    let quant = [
        "int8_scale", "quantize_int8", "int8_channel_scales", "quantize_int8_per_channel",
        "dequantize_int8", "to_fp16", "q8_0_quantize", "q8_0_scales", "q8_0_dequantize",
        "q8_0_matmul", "q4_0_quantize", "q4_0_scales", "q4_0_pack", "q4_0_unpack",
    ]
    var table: [String: Reference] = [:]
    for name in lora {
        table[name] = { a in
            guard let v = try evaluateLoRA(name, a, LoRAVariant()) else {
                throw GradingError.badArgument(name, "arguments of the LoRA shapes")
            }
            return v
        }
    }
    for name in quant {
        table[name] = { a in
            guard let v = try evaluateQuant(name, a, QuantVariant()) else {
                throw GradingError.badArgument(name, "arguments of the quantization shapes")
            }
            return v
        }
    }
    return table
}()

/// Components lmlab has a reference for.
public let referenceComponentNames: [String] = references.keys.sorted()
