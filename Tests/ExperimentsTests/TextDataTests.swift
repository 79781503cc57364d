// Reading corpora and evaluation text: a leading UTF-8 byte-order mark is text like any other
// (tiktoken and HF tokenizers encode it), so it must survive the read and the BPE round trip.
import Foundation
import TestSupport
import Testing
import Tokenizer

@testable import Experiments

@Test func textFileKeepsALeadingByteOrderMark() throws {
    let directory = try makeScratchDirectory("lmlab-bom")
    defer { try? FileManager.default.removeItem(at: directory) }
    let file = directory.appendingPathComponent("eval.txt")
    let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("the query\n".utf8)
    try Data(bytes).write(to: file)

    let text = try readTextFile(file, what: "evaluation text")
    #expect(Array(text.utf8) == bytes, "the byte-order mark was dropped")
    let bpe = try tinyTokenizer()
    #expect(Array(try bpe.decodeBytes(bpe.encode(text))) == bytes)
}

@Test func textFileRefusesInvalidUTF8ByName() throws {
    let directory = try makeScratchDirectory("lmlab-bom")
    defer { try? FileManager.default.removeItem(at: directory) }
    let file = directory.appendingPathComponent("corpus.txt")
    try Data([0x61, 0xFF, 0x62]).write(to: file)
    func isExpected(_ error: (any Error)?) -> Bool {
        guard let error else { return false }
        return "\(error)".contains(file.path) && "\(error)".contains("not UTF-8")
    }
    let error = #expect(throws: (any Error).self) { _ = try readTextFile(file, what: "training corpus") }
    #expect(isExpected(error), "\(String(describing: error))")
}
