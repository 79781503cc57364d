// BPE encode/decode on a hand-worked merge table, and the errors for bad tokenizer files.
import Foundation
import TestSupport
import Testing
@testable import Tokenizer

/// GPT-2's byte ids, worked out by hand: "!"…"~" are 0…93, so "a" is 64 and "b" 65; bytes
/// 0…32 are the first 33 remapped symbols after the 188 printable ones, so a space "Ġ" is 220.
private let a = 64, b = 65, space = 220, lessThan = 27, bar = 91, greaterThan = 29

/// The 256 byte symbols (ids in code point order, as GPT-2) plus four merges:
/// 256 "aa" = a+a, 257 "ab" = a+b, 258 "aaab" = aa+ab, 259 "aaa" = aa+a; then 260 "<|endoftext|>".
private func handTokenizer() throws -> BPETokenizer {
    var vocab: [String: Int] = [:]
    let symbols = ByteUnicode.symbols.map { String($0) }.sorted {
        $0.unicodeScalars.first!.value < $1.unicodeScalars.first!.value
    }
    for (id, symbol) in symbols.enumerated() { vocab[symbol] = id }
    vocab["aa"] = 256
    vocab["ab"] = 257
    vocab["aaab"] = 258
    vocab["aaa"] = 259
    vocab["<|endoftext|>"] = 260
    return try BPETokenizer(
        vocab: vocab, merges: [("a", "a"), ("a", "b"), ("aa", "ab"), ("aa", "a")])
}

@Test func handWorkedMerges() throws {
    let tokenizer = try handTokenizer()
    // a a a b: merge every "a a" (rank 0) left to right -> aa a b; "a b" (rank 1) -> aa ab;
    // "aa ab" (rank 2) -> aaab.
    #expect(tokenizer.encode("aaab") == [258])
    // a a a -> aa a -> aaa (rank 3).
    #expect(tokenizer.encode("aaa") == [259])
    // a a a a -> aa aa, and there is no "aa aa" merge.
    #expect(tokenizer.encode("aaaa") == [256, 256])
    // b a: no merge.
    #expect(tokenizer.encode("ba") == [b, a])
    // Two pieces, "aab" and " aaab": merges never cross the piece boundary.
    #expect(tokenizer.encode("aab aaab") == [256, b, space, 258])
    #expect(tokenizer.encode("") == [])
    #expect(tokenizer.vocabSize == 261)
    #expect(tokenizer.eotID == 260)
    #expect(tokenizer.specialTokens == ["<|endoftext|>": 260])
}

@Test func longPiecesMergeTheSameWayAsShortOnes() throws {
    // 100 a's in one piece take the heap path: 50 × "aa", as worked out for "aaaa".
    let tokenizer = try handTokenizer()
    #expect(tokenizer.encode(String(repeating: "a", count: 100)) == Array(repeating: 256, count: 50))
    // 99 a's: 49 × "aa" then a lone "a"; "aa a" (rank 3) merges only the last pair.
    #expect(tokenizer.encode(String(repeating: "a", count: 99))
            == Array(repeating: 256, count: 48) + [259])
    // aaab repeated inside one letter run: each "aaab" is found the same way.
    #expect(tokenizer.encode(String(repeating: "aaab", count: 30)) == Array(repeating: 258, count: 30))
}

@Test func specialTokens() throws {
    let tokenizer = try handTokenizer()
    #expect(tokenizer.encode("aa<|endoftext|>aa") == [256, 260, 256])
    // Not allowed: the text is ordinary; pieces "aa", "<|", "endoftext", "|>", "aa".
    let plain = tokenizer.encode("aa<|endoftext|>aa", allowSpecial: false)
    #expect(plain.prefix(3) == [256, lessThan, bar])
    #expect(plain.suffix(3) == [bar, greaterThan, 256])
    #expect(!plain.contains(260))
    #expect(try tokenizer.decode([256, 260, 257]) == "aa<|endoftext|>ab")
}

@Test func decodeReplacesBrokenUTF8LikePython() throws {
    // Expected strings follow Python's bytes.decode("utf-8", errors="replace"): one U+FFFD
    // per maximal ill-formed subsequence.
    let tokenizer = try handTokenizer()
    func ids(_ bytes: [UInt8]) -> [Int] {
        bytes.map { tokenizer.ids[String(ByteUnicode.symbols[Int($0)])] ?? -1 }
    }
    #expect(try tokenizer.decode(ids([0xE2, 0x82, 0x61])) == "\u{FFFD}a")  // cut "€"
    #expect(try tokenizer.decode(ids([0xE2, 0x82, 0xAC])) == "€")
    #expect(try tokenizer.decode(ids([0xF0, 0x9F, 0x98])) == "\u{FFFD}")  // cut emoji
    #expect(try tokenizer.decode(ids([0xFF, 0xFE, 0x61])) == "\u{FFFD}\u{FFFD}a")
    #expect(try tokenizer.decodeBytes(ids([0xE2, 0x82])) == [0xE2, 0x82])
}

@Test func unknownIDIsAnError() throws {
    let tokenizer = try handTokenizer()
    #expect(throws: TokenizerError.unknownID(id: 999_999, vocabSize: 261)) {
        try tokenizer.decode([256, 999_999])
    }
    #expect(throws: TokenizerError.unknownID(id: -1, vocabSize: 261)) {
        try tokenizer.decodeBytes([-1])
    }
}

// MARK: Bad files

/// Writes vocab.json (the 256 byte symbols in GPT-2 order plus `extra`) and merges.txt.
private func writeFolder(extra: [String: Int], merges: String, vocabJSON: String? = nil) throws
    -> URL
{
    let folder = try makeScratchDirectory("lmlab-tokenizer")
    var vocab: [String: Int] = [:]
    let symbols = ByteUnicode.symbols.map { String($0) }.sorted {
        $0.unicodeScalars.first!.value < $1.unicodeScalars.first!.value
    }
    for (id, symbol) in symbols.enumerated() { vocab[symbol] = id }
    vocab.merge(extra) { $1 }
    let json = try vocabJSON.map { Data($0.utf8) } ?? JSONEncoder().encode(vocab)
    try json.write(to: folder.appendingPathComponent("vocab.json"))
    try Data(merges.utf8).write(to: folder.appendingPathComponent("merges.txt"))
    return folder
}

@Test func loadsAGoodFolder() throws {
    let folder = try writeFolder(extra: ["aa": 256, "ab": 257],
                                 merges: "#version: 0.2\na a\r\na b\n")
    let tokenizer = try BPETokenizer(folder: folder)
    #expect(tokenizer.encode("aab") == [256, b])
    #expect(tokenizer.merges.map { [$0.0, $0.1] } == [["a", "a"], ["a", "b"]])
}

@Test func mergeResultMissingFromVocab() throws {
    let folder = try writeFolder(extra: ["aa": 256], merges: "#version: 0.2\na a\na b\n")
    let path = folder.appendingPathComponent("merges.txt").path
    #expect(throws: TokenizerError.missingMergeResult(location: "\(path) line 3", result: "ab")) {
        try BPETokenizer(folder: folder)
    }
}

@Test func mergePartMissingFromVocab() throws {
    let folder = try writeFolder(extra: ["aa": 256], merges: "a a\nzz a\n")
    let path = folder.appendingPathComponent("merges.txt").path
    #expect(throws: TokenizerError.missingMergePart(location: "\(path) line 2", part: "zz")) {
        try BPETokenizer(folder: folder)
    }
}

@Test func mergeLineWithThreeParts() throws {
    let folder = try writeFolder(extra: ["aa": 256], merges: "#version: 0.2\na a\na b c\n")
    let path = folder.appendingPathComponent("merges.txt").path
    #expect(throws: TokenizerError.malformedMerge(location: "\(path) line 3", line: "a b c")) {
        try BPETokenizer(folder: folder)
    }
}

@Test func malformedVocabJSON() throws {
    let folder = try writeFolder(extra: [:], merges: "", vocabJSON: "{\"a\": 1, \"b\": ")
    do {
        _ = try BPETokenizer(folder: folder)
        Issue.record("malformed vocab.json was accepted")
    } catch let error as TokenizerError {
        guard case .malformedVocab(let path, _) = error else {
            Issue.record("wrong error: \(error)")
            return
        }
        #expect(path.hasSuffix("vocab.json"))
        #expect(error.description.contains("vocab.json"))
    }
    let wrongType = try writeFolder(extra: [:], merges: "", vocabJSON: "{\"a\": \"one\"}")
    #expect(throws: TokenizerError.self) { try BPETokenizer(folder: wrongType) }
}

@Test func missingFileNamesIt() throws {
    let folder = try makeScratchDirectory("lmlab-tokenizer")
    do {
        _ = try BPETokenizer(folder: folder)
        Issue.record("an empty folder was accepted")
    } catch let error as TokenizerError {
        #expect(error.description.contains("vocab.json"), "\(error)")
        #expect(error.description.contains("no such file"), "\(error)")
    }
}

@Test func vocabularyShapeErrors() throws {
    #expect(throws: TokenizerError.missingByteSymbol(byte: 0, symbol: "\u{100}")) {
        try BPETokenizer(vocab: ["a": 0], merges: [])
    }
    #expect(throws: TokenizerError.idOutOfRange(token: "a", id: 5, vocabSize: 1)) {
        try BPETokenizer(vocab: ["a": 5], merges: [])
    }
    #expect(throws: TokenizerError.duplicateID(id: 0, first: "a", second: "b")) {
        try BPETokenizer(vocab: ["a": 0, "b": 0], merges: [])
    }
}
