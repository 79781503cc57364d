// What can go wrong when an experiment runs: each case names the file, option, tensor or student
// function at fault and says what to do.

public enum ExperimentError: Error, CustomStringConvertible, Equatable {
    /// A text file could not be read or holds too little text.
    case badText(file: String, reason: String)
    /// An option is out of range or clashes with another.
    case invalidOption(name: String, reason: String)
    /// The tokenizer does not fit the model.
    case tokenizerMismatch(tokenizer: String, tokens: Int, vocabSize: Int)
    /// A file could not be written.
    case io(file: String, reason: String)
    /// The student's quantizer module lacks the functions the scheme needs.
    case missingQuantizer(function: String, file: String, found: [String])
    /// The student's quantizer raised, timed out or crashed on a weight matrix.
    case quantizerFailed(function: String, tensor: String, reason: String)
    /// The student's quantizer returned something lmlab cannot read as the scheme's codes.
    case malformedQuantizerOutput(function: String, tensor: String, reason: String)
    /// Only the ggml block schemes can be verified from a student's quantizer.
    case unverifiableScheme(String)
    /// The base model for verified runs cannot be used.
    case baseModel(folder: String, reason: String)

    public var description: String {
        switch self {
        case .badText(let file, let reason):
            return "\(file): \(reason)"
        case .invalidOption(let name, let reason):
            return "option \(name) \(reason)"
        case .tokenizerMismatch(let tokenizer, let tokens, let vocabSize):
            return "the tokenizer in \(tokenizer) has \(tokens) tokens but the model's vocab_size "
                + "is \(vocabSize); use the tokenizer the model was made with (--tokenizer DIR)"
        case .io(let file, let reason):
            return "\(file): \(reason)"
        case .missingQuantizer(let function, let file, let found):
            let listed = found.isEmpty ? "none" : found.sorted().joined(separator: ", ")
            return "\(file) does not define \(function) (it defines: \(listed)); verification "
                + "calls the lab's functions, or one function quantize_<scheme>(w) returning "
                + "(codes, scales)"
        case .quantizerFailed(let function, let tensor, let reason):
            return "\(function) failed on \(tensor): \(reason)"
        case .malformedQuantizerOutput(let function, let tensor, let reason):
            return "\(function) returned an unusable result for \(tensor): \(reason); nothing was "
                + "recorded"
        case .unverifiableScheme(let scheme):
            return "a student quantizer can be verified for q8_0 or q4_0, not \(scheme)"
        case .baseModel(let folder, let reason):
            return "base model \(folder) \(reason)"
        }
    }
}
