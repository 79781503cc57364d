// Text for experiments: reading UTF-8 files, the tokenizer that goes with a model (its folder's,
// or one trained on the corpus), and splitting a text into training and held-out parts.
import Foundation
import Tokenizer
import Transformer

/// The UTF-8 text of `file`; `what` names it in errors ("training corpus").
public func readTextFile(_ file: URL, what: String) throws -> String {
    let data: Data
    do {
        data = try Data(contentsOf: file)
    } catch {
        throw ExperimentError.badText(
            file: file.path, reason: "cannot read the \(what) (\(error.localizedDescription))")
    }
    // String(validating:) keeps a leading byte-order mark, as tiktoken and HF tokenizers
    // do; String(data:encoding:) would silently drop it.
    guard let text = String(validating: data, as: UTF8.self) else {
        throw ExperimentError.badText(file: file.path, reason: "the \(what) is not UTF-8 text")
    }
    guard !text.isEmpty else {
        throw ExperimentError.badText(file: file.path, reason: "the \(what) is empty")
    }
    return text
}

/// The tokenizer in `folder` (vocab.json + merges.txt), checked against the model: every token
/// id must be a row of wte.
public func loadTokenizer(_ folder: URL, for config: GPT2Config) throws -> BPETokenizer {
    let bpe = try BPETokenizer(folder: folder)
    guard bpe.vocabSize <= config.vocabSize else {
        throw ExperimentError.tokenizerMismatch(
            tokenizer: folder.path, tokens: bpe.vocabSize, vocabSize: config.vocabSize)
    }
    return bpe
}

/// Splits `text` at a line boundary so that about `heldOut` of it (by characters) is the second
/// part: the training text and the held-out evaluation text.
public func splitText(_ text: String, heldOut: Double) -> (train: String, eval: String) {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    let cut = max(1, min(lines.count - 1, Int((Double(lines.count) * (1 - heldOut)).rounded())))
    guard lines.count >= 2 else { return (text, text) }
    return (
        lines[..<cut].joined(separator: "\n") + "\n", lines[cut...].joined(separator: "\n")
    )
}

/// Tokens of `text`, refusing a text too short for one window of `window` + 1 tokens.
func tokens(_ text: String, _ bpe: BPETokenizer, what: String, file: String, window: Int) throws
    -> [Int]
{
    let ids = bpe.encode(text, allowSpecial: false)
    guard ids.count >= window + 1 else {
        throw ExperimentError.badText(
            file: file,
            reason: "the \(what) has \(ids.count) tokens but needs at least \(window + 1) (one "
                + "window of --seq + 1); use a longer text or a shorter --seq")
    }
    return ids
}
