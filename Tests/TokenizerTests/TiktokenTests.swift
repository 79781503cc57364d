// Encoding and decoding against tiktoken built from the same trained vocabulary
// (Tests/Oracle/tokenizer_tiktoken.py), plus round trips through text and through files.
import Foundation
import TestSupport
import Testing
@testable import Tokenizer

private struct OracleRequest: Encodable {
    let texts: [String]
    let decode: [[Int]]
}

private struct OracleAnswer: Decodable {
    let encode: [[Int]]
    let ordinary: [[Int]]
    let decode: [String]
}

/// Texts beyond the corpus: long runs take the heap merge path; unseen words.
private let extraTexts = Corpus.lines + [
    String(repeating: "a", count: 300),
    String(repeating: "1234567890", count: 40),
    String(repeating: "the ", count: 100),
    String(repeating: "!?", count: 150),
    String(repeating: " ", count: 70) + "x",
    "Unseen words: zygote quixotic juxtapose, pneumonoultramicroscopic.",
    "<|endoftext|>",
    "<|endoftext|",
    "a<|endoftext|>b<|endoftext|>",
    "<|endoftext|>\u{301} e\u{301}<|endoftext|>",
]

@Test func idsMatchTiktoken() throws {
    let tokenizer = try BPETrainer.train(corpus: Corpus.training, vocabSize: 700)
    let folder = try makeScratchDirectory("lmlab-tokenizer")
    try tokenizer.write(to: folder)

    let encoded = extraTexts.map { tokenizer.encode($0) }
    let ordinary = extraTexts.map { tokenizer.encode($0, allowSpecial: false) }
    // Every single token (many are partial UTF-8) and every prefix of each encoded line.
    var decodeCases = (0..<tokenizer.vocabSize).map { [$0] }
    for ids in encoded where ids.count < 200 {
        decodeCases += (1..<ids.count).map { Array(ids.prefix($0)) }
    }
    let request = OracleRequest(texts: extraTexts, decode: decodeCases)
    let answer = try JSONDecoder().decode(
        OracleAnswer.self,
        from: runOracle("tokenizer_tiktoken.py", [folder.path],
                        input: JSONEncoder().encode(request)))

    for (k, text) in extraTexts.enumerated() {
        #expect(encoded[k] == answer.encode[k], "encode \(quoted(text))")
        #expect(ordinary[k] == answer.ordinary[k], "ordinary encode \(quoted(text))")
    }
    var decodeMismatches: [[Int]] = []
    for (ids, expected) in zip(decodeCases, answer.decode) where try Array(tokenizer.decode(ids).utf8) != Array(expected.utf8) {
        decodeMismatches.append(ids)
    }
    #expect(decodeMismatches.isEmpty,
            "\(decodeMismatches.count) of \(decodeCases.count) decodes differ, first \(decodeMismatches.prefix(3))")
}

@Test func encodeDecodeRoundTrip() throws {
    let tokenizer = try BPETrainer.train(corpus: Corpus.training, vocabSize: 500)
    for text in extraTexts {
        // Bytes, not String ==, which would accept a canonically equivalent result.
        #expect(try tokenizer.decodeBytes(tokenizer.encode(text)) == Array(text.utf8),
                "\(quoted(text))")
        #expect(try tokenizer.decodeBytes(tokenizer.encode(text, allowSpecial: false))
                == Array(text.utf8))
    }
}

@Test func writeThenLoadGivesTheSameTokenizer() throws {
    let tokenizer = try BPETrainer.train(corpus: Corpus.training, vocabSize: 500)
    let folder = try makeScratchDirectory("lmlab-tokenizer")
    try tokenizer.write(to: folder)
    let merges = try String(contentsOf: folder.appendingPathComponent("merges.txt"), encoding: .utf8)
    #expect(merges.hasPrefix("#version: 0.2\n"))
    let loaded = try BPETokenizer(folder: folder)
    #expect(loaded.tokens == tokenizer.tokens)
    #expect(loaded.merges.map { [$0.0, $0.1] } == tokenizer.merges.map { [$0.0, $0.1] })
    #expect(loaded.specialTokens == tokenizer.specialTokens)
}
