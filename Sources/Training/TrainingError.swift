// What can go wrong when a user trains or fine-tunes: each case names the offending value, file
// or key and says what to do.

public enum TrainingError: Error, CustomStringConvertible, Equatable {
    /// An option (steps, batch size, rank, …) is out of range.
    case invalidOption(name: String, reason: String)
    /// A batch's sequences disagree in length or their targets do not match their inputs.
    case badBatch(String)
    /// A target id outside 0 ..< vocabSize.
    case targetOutOfRange(id: Int, sequence: Int, position: Int, vocabSize: Int)
    /// Too few tokens to cut one training or evaluation window.
    case corpusTooShort(what: String, tokens: Int, needed: Int)
    /// adapter_config.json is missing a key or holds a value lmlab cannot use.
    case badAdapterConfig(key: String, reason: String, file: String)
    /// Adapter tensors missing from, or unknown to, adapter_model.safetensors.
    case adapterTensors(missing: [String], unused: [String], file: String)
    /// An adapter tensor's shape disagrees with the config and the base model.
    case adapterShape(tensor: String, expected: [Int], actual: [Int], file: String)
    /// The base model's config.json sets a key the training backward does not implement.
    case unsupportedConfig(key: String)
    /// A file could not be read or written.
    case io(file: String, reason: String)

    public var description: String {
        switch self {
        case .invalidOption(let name, let reason):
            return "option \(name) \(reason)"
        case .badBatch(let message):
            return "bad training batch: \(message)"
        case .targetOutOfRange(let id, let sequence, let position, let vocabSize):
            return "target id \(id) (sequence \(sequence), position \(position)) is outside the "
                + "vocabulary of \(vocabSize) tokens; check the tokenizer matches the model"
        case .corpusTooShort(let what, let tokens, let needed):
            return "the \(what) has \(tokens) tokens but needs at least \(needed) (one window of "
                + "sequence length + 1); use a longer text or a shorter --seq-len"
        case .badAdapterConfig(let key, let reason, let file):
            return "\(file): adapter config key \"\(key)\" \(reason)"
        case .adapterTensors(let missing, let unused, let file):
            var parts: [String] = []
            if !missing.isEmpty { parts.append("missing tensors: \(missing.joined(separator: ", "))") }
            if !unused.isEmpty { parts.append("unknown tensors: \(unused.joined(separator: ", "))") }
            return "\(file) does not match adapter_config.json; " + parts.joined(separator: "; ")
                + " (expected PEFT names such as base_model.model.h.0.attn.c_attn.lora_A.weight)"
        case .adapterShape(let tensor, let expected, let actual, let file):
            return "\(file): tensor \(tensor) has shape \(actual) but the config and base model "
                + "imply \(expected); check the adapter was trained for this base model and rank"
        case .unsupportedConfig(let key):
            return "config key \"\(key)\" of the base model differs from GPT-2's, and lmlab's "
                + "training backward implements only GPT-2's own value (scaled attention by "
                + "1/√hs, tanh GELU, tied head); the model runs forward but cannot be trained here"
        case .io(let file, let reason):
            return "\(file): \(reason)"
        }
    }
}
