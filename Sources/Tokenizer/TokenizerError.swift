// Everything that can go wrong loading, using, training or saving a tokenizer, each case
// with a message that names the file, line, token or id and says what to do.
import Foundation

public enum TokenizerError: Error, CustomStringConvertible, Equatable {
    case cannotRead(path: String, reason: String)
    case cannotWrite(path: String, reason: String)
    case malformedVocab(path: String, reason: String)
    case malformedMerge(location: String, line: String)
    case idOutOfRange(token: String, id: Int, vocabSize: Int)
    case duplicateID(id: Int, first: String, second: String)
    case missingByteSymbol(byte: UInt8, symbol: String)
    case missingMergePart(location: String, part: String)
    case missingMergeResult(location: String, result: String)
    case duplicateMerge(location: String, left: String, right: String)
    case unknownID(id: Int, vocabSize: Int)
    case vocabSizeTooSmall(requested: Int, minimum: Int)
    case invalidSpecialToken(token: String, reason: String)

    public var description: String {
        switch self {
        case .cannotRead(let path, let reason):
            return "cannot read \(path): \(reason). A tokenizer folder needs vocab.json and "
                + "merges.txt (as written by `lmlab tokenizer train` or Hugging Face)."
        case .cannotWrite(let path, let reason):
            return "cannot write \(path): \(reason). Check that the folder is writable."
        case .malformedVocab(let path, let reason):
            return "\(path) is not a JSON object mapping each token to an integer id: \(reason)."
        case .malformedMerge(let location, let line):
            return "\(location): expected two tokens separated by one space, found "
                + "\(quoted(line)). Each line of merges.txt is `left right`."
        case .idOutOfRange(let token, let id, let vocabSize):
            return "token \(quoted(token)) has id \(id), outside 0..<\(vocabSize): ids must "
                + "number the \(vocabSize) tokens of the vocabulary from 0 without gaps."
        case .duplicateID(let id, let first, let second):
            return "tokens \(quoted(first)) and \(quoted(second)) share id \(id): every token "
                + "needs its own id."
        case .missingByteSymbol(let byte, let symbol):
            return "the vocabulary has no token for byte \(byte) (symbol \(quoted(symbol))): a "
                + "byte-level vocabulary must hold all 256 byte symbols."
        case .missingMergePart(let location, let part):
            return "\(location): \(quoted(part)) is not in the vocabulary; vocab.json and "
                + "merges.txt do not belong together."
        case .missingMergeResult(let location, let result):
            return "\(location): the merged token \(quoted(result)) is not in the vocabulary; "
                + "vocab.json and merges.txt do not belong together."
        case .duplicateMerge(let location, let left, let right):
            return "\(location): the merge \(quoted(left + " " + right)) appears twice; each "
                + "pair may be merged only once."
        case .unknownID(let id, let vocabSize):
            return "token id \(id) is not in the vocabulary (ids are 0..<\(vocabSize)); was it "
                + "produced by a different tokenizer?"
        case .vocabSizeTooSmall(let requested, let minimum):
            return "vocabulary size \(requested) is too small: it must hold the 256 byte "
                + "symbols and the special tokens, so use at least \(minimum)."
        case .invalidSpecialToken(let token, let reason):
            return "special token \(quoted(token)) cannot be used: \(reason)."
        }
    }
}

/// A string in double quotes with control characters escaped, so blanks and newlines show
/// (the same escapes as the JSON files lmlab writes).
func quoted(_ text: String) -> String { jsonString(text) }
