// BPE training against a naive trainer that recounts every pair each step
// (Tests/Oracle/tokenizer_train.py), and the trainer's errors.
import Foundation
import TestSupport
import Testing
@testable import Tokenizer

@Test func trainingMatchesNaiveTrainer() throws {
    struct Trained: Decodable {
        let merges: [[String]]
        let vocab: [String: Int]
    }
    let vocabSize = 600
    let oracle = try JSONDecoder().decode(
        Trained.self,
        from: runOracle("tokenizer_train.py", [String(vocabSize), "<|endoftext|>"],
                        input: Data(Corpus.training.utf8)))
    var reports: [(Int, Int)] = []
    let tokenizer = try BPETrainer.train(
        corpus: Corpus.training, vocabSize: vocabSize, specialTokens: ["<|endoftext|>"],
        progress: { reports.append(($0, $1)) })
    let merges = tokenizer.merges.map { [$0.0, $0.1] }
    let firstDifference = zip(merges, oracle.merges).enumerated().first { $0.element.0 != $0.element.1 }
    #expect(merges == oracle.merges,
            "first differing merge: \(String(describing: firstDifference)) of \(merges.count) vs \(oracle.merges.count)")
    #expect(tokenizer.ids == oracle.vocab)
    #expect(tokenizer.vocabSize == vocabSize)
    #expect(tokenizer.eotID == vocabSize - 1)
    #expect(reports.last.map { [$0.0, $0.1] } == [vocabSize - 257, vocabSize - 257])
}

@Test func trainingStopsWhenNoPairIsLeft() throws {
    // "ab ab": pieces "ab" and " ab"; merges a+b, then Ġ+ab; then nothing is left to merge.
    let tokenizer = try BPETrainer.train(corpus: "ab ab", vocabSize: 1000)
    #expect(tokenizer.merges.map { [$0.0, $0.1] } == [["a", "b"], ["\u{120}", "ab"]])
    #expect(tokenizer.vocabSize == 259)
    #expect(tokenizer.eotID == 258)
}

@Test func vocabSizeTooSmall() {
    #expect(throws: TokenizerError.vocabSizeTooSmall(requested: 256, minimum: 257)) {
        try BPETrainer.train(corpus: "hello", vocabSize: 256)
    }
    #expect(throws: TokenizerError.vocabSizeTooSmall(requested: 257, minimum: 258)) {
        try BPETrainer.train(corpus: "hello", vocabSize: 257, specialTokens: ["<a>", "<b>"])
    }
    #expect(throws: TokenizerError.invalidSpecialToken(token: "", reason: "it is empty")) {
        try BPETrainer.train(corpus: "hello", vocabSize: 300, specialTokens: [""])
    }
}
