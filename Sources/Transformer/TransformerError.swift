// What can go wrong when a user hands the model token ids, a generation request or a checkpoint:
// each case names the offending value and says what to do.

public enum TransformerError: Error, CustomStringConvertible, Equatable {
    /// A token id outside 0 ..< vocabSize.
    case tokenOutOfRange(id: Int, position: Int, vocabSize: Int)
    /// More tokens than the model has positions.
    case sequenceTooLong(length: Int, maxPositions: Int)
    /// Generation was asked to start from no tokens.
    case emptyPrompt
    /// A loss needs at least two tokens (one input, one target).
    case tooFewTokens(count: Int)
    /// prompt + new tokens would run past the model's positions.
    case generationTooLong(promptLength: Int, maxNewTokens: Int, maxPositions: Int)
    /// config.json is missing a key or holds a bad value for it.
    case badConfig(key: String, reason: String, file: String)
    /// Checkpoint tensors the model needs are absent, or tensors it does not know are present.
    case tensorNames(missing: [String], unused: [String], file: String)
    /// A checkpoint tensor's shape disagrees with config.json.
    case shapeMismatch(tensor: String, expected: [Int], actual: [Int], file: String)
    /// A file could not be read or written.
    case io(file: String, reason: String)

    public var description: String {
        switch self {
        case .tokenOutOfRange(let id, let position, let vocabSize):
            return "token id \(id) at position \(position) is outside the vocabulary of "
                + "\(vocabSize) tokens (valid ids are 0 ..< \(vocabSize)); check the tokenizer "
                + "matches the model"
        case .sequenceTooLong(let length, let maxPositions):
            return "sequence of \(length) tokens is longer than the model's \(maxPositions) "
                + "positions (n_positions); truncate the input to at most \(maxPositions) tokens"
        case .emptyPrompt:
            return "the prompt is empty; generation needs at least one token (e.g. the "
                + "end-of-text token)"
        case .tooFewTokens(let count):
            return "the loss needs at least 2 tokens (inputs and their next-token targets), "
                + "got \(count)"
        case .generationTooLong(let promptLength, let maxNewTokens, let maxPositions):
            return "prompt of \(promptLength) tokens + \(maxNewTokens) new tokens exceeds the "
                + "model's \(maxPositions) positions (n_positions); ask for at most "
                + "\(max(0, maxPositions - promptLength)) new tokens, or truncate the prompt to "
                + "its last \(max(1, maxPositions - maxNewTokens)) tokens"
        case .badConfig(let key, let reason, let file):
            return "\(file): config key \"\(key)\" \(reason)"
        case .tensorNames(let missing, let unused, let file):
            var parts: [String] = []
            if !missing.isEmpty {
                parts.append("missing tensors: \(missing.joined(separator: ", "))")
            }
            if !unused.isEmpty {
                parts.append("unknown tensors: \(unused.joined(separator: ", "))")
            }
            return "\(file) does not match a GPT-2 checkpoint; " + parts.joined(separator: "; ")
                + " (expected Hugging Face GPT-2 names such as h.0.attn.c_attn.weight)"
        case .shapeMismatch(let tensor, let expected, let actual, let file):
            return "\(file): tensor \(tensor) has shape \(actual) but config.json implies "
                + "\(expected); check config.json belongs to these weights"
        case .io(let file, let reason):
            return "\(file): \(reason)"
        }
    }
}
