// The model the lecture's pages run on: the course base model (or any GPT-2 folder `lmlab serve
// --model DIR` names) with its tokenizer, loaded once when the daemon starts.
import Foundation
import Tokenizer
import Transformer

/// A GPT-2 and the tokenizer it was trained with.
public struct LectureModel: Sendable {
    public let model: GPT2Model
    public let tokenizer: BPETokenizer
    /// Where it came from (a path on the daemon's machine, for its log and errors).
    public let source: String

    /// How the pages name it: its folder's name (the parent's, for a base model's model/) and
    /// its shape; the daemon's paths stay on the daemon.
    public var displayName: String {
        var folder = URL(fileURLWithPath: source)
        if folder.lastPathComponent == "model" { folder.deleteLastPathComponent() }
        let c = model.config
        return "\(folder.lastPathComponent) (GPT-2, \(c.nLayer) layers, \(c.nHead) heads, "
            + "C = \(c.nEmbd))"
    }

    /// Checks every token id of the tokenizer is a row of the model's embedding.
    public init(model: GPT2Model, tokenizer: BPETokenizer, source: String) throws {
        guard tokenizer.vocabSize <= model.config.vocabSize else {
            throw TransformerError.badConfig(
                key: "vocab_size",
                reason: "is \(model.config.vocabSize) but the tokenizer has "
                    + "\(tokenizer.vocabSize) tokens; use the tokenizer the model was made with",
                file: source)
        }
        self.model = model
        self.tokenizer = tokenizer
        self.source = source
    }

    /// A Hugging Face GPT-2 folder with vocab.json and merges.txt, or what `lmlab experiment
    /// base-model --out DIR` wrote (its model/ subfolder).
    public static func load(folder: URL) throws -> LectureModel {
        let nested = folder.appendingPathComponent("model", isDirectory: true)
        let nestedConfig = nested.appendingPathComponent("config.json").path
        let modelFolder = FileManager.default.fileExists(atPath: nestedConfig) ? nested : folder
        return try LectureModel(
            model: try loadCheckpoint(modelFolder),
            tokenizer: try BPETokenizer(folder: modelFolder), source: modelFolder.path)
    }
}
