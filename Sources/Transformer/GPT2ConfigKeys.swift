// The audit of a GPT-2 config.json against Hugging Face's GPT2Config (and the PretrainedConfig
// keys every HF config may carry): which keys lmlab honours, which cannot change the logits, and
// which it refuses by name when they ask for something it does not compute.
import Foundation

extension GPT2Config {
    /// What lmlab does with one config.json key.
    public enum KeyPolicy: Sendable, Equatable {
        /// Read and computed with (GPT2Config's own fields).
        case honoured
        /// Cannot change the logits of a forward pass: dropout (the identity at inference),
        /// initialisation, heads other models put on GPT-2, generation defaults, bookkeeping.
        case noEffect
        /// Accepted only with the value(s) that leave GPT-2's computation as lmlab does it.
        case refusedUnless(String)
    }

    /// Every key HF's GPT2Config defines, plus the PretrainedConfig keys GPT-2 checkpoints carry.
    /// Keys not listed are stored by HF as plain attributes that no GPT-2 code reads; lmlab
    /// ignores them too.
    public static let keyPolicy: [String: KeyPolicy] = {
        var policy: [String: KeyPolicy] = [:]
        for key in [
            "vocab_size", "n_positions", "n_ctx", "n_embd", "n_layer", "n_head", "n_inner",
            "activation_function", "layer_norm_epsilon", "scale_attn_weights",
            "scale_attn_by_inverse_layer_idx", "reorder_and_upcast_attn", "tie_word_embeddings",
            "bos_token_id", "eos_token_id", "model_type", "architectures",
        ] { policy[key] = .honoured }
        for key in [
            "resid_pdrop", "embd_pdrop", "attn_pdrop", "summary_first_dropout",
            "initializer_range", "summary_type", "summary_use_proj", "summary_activation",
            "summary_proj_to_labels", "use_cache", "transformers_version", "torch_dtype", "dtype",
            "_name_or_path", "task_specific_params", "pad_token_id", "sep_token_id",
            "decoder_start_token_id", "output_attentions", "output_hidden_states", "return_dict",
            "id2label", "label2id", "num_labels", "_num_labels", "tokenizer_class", "prefix",
            "problem_type", "gradient_checkpointing", "_attn_implementation",
            "attn_implementation", "chunk_size_feed_forward", "torchscript", "is_decoder",
            "max_length", "min_length", "do_sample", "early_stopping", "num_beams",
            "num_beam_groups", "temperature", "top_k", "top_p", "typical_p",
            "repetition_penalty", "length_penalty", "no_repeat_ngram_size",
            "bad_words_ids", "num_return_sequences", "n_special", "predict_special_tokens",
            "finetuning_task", "use_bfloat16", "tf_legacy_loss",
        ] { policy[key] = .noEffect }
        policy["add_cross_attention"] = .refusedUnless("false (lmlab's GPT-2 has no cross-attention)")
        policy["is_encoder_decoder"] = .refusedUnless("false (GPT-2 is a decoder only)")
        policy["pruned_heads"] = .refusedUnless("empty (lmlab does not prune heads)")
        policy["quantization_config"] = .refusedUnless(
            "absent (lmlab reads unquantized weights; quantize with `lmlab experiment quantize`)")
        return policy
    }()

    /// The architectures whose next-token logits are GPT-2's body followed by the LM head.
    static let architectures: Set<String> = ["GPT2LMHeadModel", "GPT2Model"]

    /// Refuses model_type, architectures and the keys of `keyPolicy` marked refused, by name.
    static func checkOtherKeys(_ decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: AnyKey.self)
        func refuse(_ key: String, _ reason: String) -> TransformerError {
            .badConfig(key: key, reason: reason, file: "config.json")
        }
        if let type = try? c.decodeIfPresent(String.self, forKey: AnyKey("model_type")),
            type != "gpt2"
        {
            throw refuse(
                "model_type", "is \"\(type)\", but lmlab computes only GPT-2 (model_type \"gpt2\")")
        }
        if c.contains(AnyKey("architectures")) {
            guard let names = try? c.decode([String].self, forKey: AnyKey("architectures")) else {
                throw refuse("architectures", "must be a list of class names")
            }
            if let other = names.first(where: { !architectures.contains($0) }) {
                throw refuse(
                    "architectures",
                    "lists \"\(other)\", but lmlab computes only "
                        + architectures.sorted().joined(separator: " and "))
            }
        }
        for key in c.allKeys {
            guard case .refusedUnless(let allowed)? = keyPolicy[key.stringValue] else { continue }
            let isDefault: Bool
            switch key.stringValue {
            case "add_cross_attention", "is_encoder_decoder":
                isDefault = (try? c.decode(Bool.self, forKey: key)) == false
                    || (try? c.decodeNil(forKey: key)) == true
            case "pruned_heads":
                isDefault = (try? c.decode([String: [Int]].self, forKey: key))?.isEmpty == true
                    || (try? c.decodeNil(forKey: key)) == true
            default:
                isDefault = (try? c.decodeNil(forKey: key)) == true
            }
            guard isDefault else {
                throw refuse(key.stringValue, "must be \(allowed)")
            }
        }
    }
}

/// Any JSON object key.
struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
