// `lmlab tokenizer`: train a GPT-2 style byte-level BPE tokenizer, encode text to token ids
// and decode ids back to text, with the files Hugging Face uses (vocab.json + merges.txt).
import ArgumentParser
import Foundation
import Tokenizer

struct TokenizerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenizer",
        abstract: "Train, encode and decode GPT-2 style byte-level BPE tokenizers.",
        subcommands: [Train.self, Encode.self, Decode.self]
    )
}

extension TokenizerCommand {
    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Train a byte-level BPE tokenizer on a UTF-8 text file.",
            discussion: "<|endoftext|> is added as the last token and never merged."
        )

        @Option(help: "The UTF-8 text file to train on.")
        var corpus: String

        @Option(help: "The vocabulary size, <|endoftext|> included; at least 257.")
        var vocabSize: Int

        @Option(help: "The folder to write vocab.json and merges.txt into.")
        var out: String

        func validate() throws {
            guard vocabSize >= 257 else {
                throw ValidationError(
                    "--vocab-size \(vocabSize) is too small: it must hold the 256 byte symbols "
                        + "and <|endoftext|>, so use at least 257.")
            }
        }

        func run() throws {
            let text = try readText(corpus, what: "corpus")
            let progress = ProgressBar("merges", total: vocabSize, delay: 1)
            let tokenizer = try BPETrainer.train(
                corpus: text, vocabSize: vocabSize, specialTokens: ["<|endoftext|>"],
                progress: { done, total in
                    progress.total = max(total, 1)
                    progress.update(done)
                })
            progress.finish()
            try tokenizer.write(to: URL(fileURLWithPath: out))
            let merges = tokenizer.merges.count
            print("wrote \(tokenizer.vocabSize) tokens (\(merges) merges) to \(out)")
        }
    }

    struct Encode: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Encode text to token ids, printed space-separated.")

        @Option(help: "The tokenizer folder holding vocab.json and merges.txt.")
        var tokenizer: String

        @Argument(help: "The text to encode; leave it out when using --file.")
        var text: String?

        @Option(help: "A UTF-8 text file to encode instead of the TEXT argument.")
        var file: String?

        @Flag(help: "Print the ids as a JSON array.")
        var json = false

        @Flag(help: "Encode <|endoftext|> in the text as plain text, not as its special id.")
        var noSpecial = false

        @Flag(
            help: ArgumentHelp(
                "Encode each line of --file on its own and print one JSON array per line.",
                discussion: "A line is the text between newlines, without its \\n (or \\r\\n); "
                    + "a final newline does not start another line."))
        var lines = false

        func validate() throws {
            switch (text, file) {
            case (nil, nil): throw ValidationError("Give the text to encode, or --file FILE.")
            case (.some, .some): throw ValidationError("Give either TEXT or --file, not both.")
            default: break
            }
            if lines && file == nil { throw ValidationError("--lines needs --file FILE.") }
        }

        func run() throws {
            let bpe = try BPETokenizer(folder: URL(fileURLWithPath: tokenizer))
            let input = try file.map { try readText($0, what: "input") } ?? text ?? ""
            if lines {
                var pieces = input.split(
                    omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
                if pieces.last?.isEmpty == true { pieces.removeLast() }
                for line in pieces {
                    let ids = bpe.encode(String(line), allowSpecial: !noSpecial)
                    print("[" + ids.map(String.init).joined(separator: ",") + "]")
                }
                return
            }
            let ids = bpe.encode(input, allowSpecial: !noSpecial)
            let list = ids.map(String.init)
            print(json ? "[" + list.joined(separator: ",") + "]" : list.joined(separator: " "))
        }
    }

    struct Decode: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decode token ids to text.")

        @Option(help: "The tokenizer folder holding vocab.json and merges.txt.")
        var tokenizer: String

        @Argument(help: "The token ids to decode, separated by spaces.")
        var ids: [Int] = []

        func run() throws {
            let bpe = try BPETokenizer(folder: URL(fileURLWithPath: tokenizer))
            print(try bpe.decode(ids))
        }
    }
}

/// An input file the tokenizer commands could not use.
struct TextFileError: Error, CustomStringConvertible {
    let description: String
}

/// The contents of a UTF-8 text file, or an error that names it.
func readText(_ path: String, what: String) throws -> String {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw TextFileError(
            description: "cannot read the \(what) file \(path): no such readable file.")
    }
    // String(validating:) keeps a leading byte-order mark, as tiktoken and HF tokenizers
    // do; String(data:encoding:) would silently drop it.
    guard let text = String(validating: data, as: UTF8.self) else {
        throw TextFileError(
            description: "the \(what) file \(path) is not valid UTF-8 text; save it as UTF-8.")
    }
    return text
}
