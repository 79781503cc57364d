// What can go wrong when a user asks to quantize a model or names a scheme: each case names the
// offending tensor or value and says what to do.

public enum QuantizationError: Error, CustomStringConvertible, Equatable {
    /// A scheme name that is not one of QuantScheme's.
    case unknownScheme(String)
    /// A block format needs the input dimension to be a multiple of 32.
    case notBlockAligned(tensor: String, inputs: Int, scheme: QuantScheme)
    /// A weight holds NaN or infinity, which no integer scheme can represent.
    case nonFiniteWeight(tensor: String)
    /// wte can only be kept in fp32 or fp16.
    case unsupportedEmbeddingScheme(QuantScheme)
    /// A quantized checkpoint is missing something or holds the wrong dtype/shape.
    case badQuantizedFile(file: String, reason: String)
    /// Too few evaluation tokens for a loss.
    case tooFewEvalTokens(count: Int)
    /// The model's head is untied (tie_word_embeddings false); quantized models keep one wte.
    case untiedHead

    public var description: String {
        switch self {
        case .unknownScheme(let name):
            let known = QuantScheme.allCases.map(\.rawValue).joined(separator: ", ")
            return "unknown quantization scheme \"\(name)\"; use one of: \(known)"
        case .notBlockAligned(let tensor, let inputs, let scheme):
            return "\(tensor) has \(inputs) inputs per output row, not a multiple of "
                + "\(QuantScheme.blockSize), so it cannot be stored as \(scheme.rawValue); "
                + "choose int8, int8-channel, fp16 or bf16 for this model"
        case .nonFiniteWeight(let tensor):
            return "\(tensor) holds NaN or infinite values; integer schemes cannot represent "
                + "them — check the checkpoint"
        case .unsupportedEmbeddingScheme(let scheme):
            return "the token embedding (and tied head) can be kept in fp32 or fp16, not "
                + "\(scheme.rawValue)"
        case .badQuantizedFile(let file, let reason):
            return "\(file): \(reason); write it again with QuantizedGPT2.save(to:)"
        case .untiedHead:
            return "config key \"tie_word_embeddings\" is false (the model has its own "
                + "lm_head.weight), but a quantized model stores one wte for the embedding and the "
                + "head; quantize a model with a tied head"
        case .tooFewEvalTokens(let count):
            return "the evaluation text has \(count) token(s); a loss needs at least 2"
        }
    }
}

extension QuantScheme {
    /// The scheme named `name` (its raw value, e.g. "q4_0", "int8-channel").
    public init(parsing name: String) throws {
        guard let scheme = QuantScheme(rawValue: name.lowercased()) else {
            throw QuantizationError.unknownScheme(name)
        }
        self = scheme
    }
}
