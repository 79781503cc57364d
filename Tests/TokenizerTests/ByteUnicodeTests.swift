// bytes_to_unicode against GPT-2's own Python function (Tests/Oracle/tokenizer_bytes_to_unicode.py).
import Foundation
import TestSupport
import Testing
@testable import Tokenizer

@Test func byteTableMatchesGPT2Reference() throws {
    let expected = try JSONDecoder().decode(
        [UInt32].self, from: runOracle("tokenizer_bytes_to_unicode.py"))
    let actual = ByteUnicode.symbols.map(\.value)
    let differing = (0..<256).filter { expected[$0] != actual[$0] }
    #expect(expected.count == 256)
    #expect(differing.isEmpty, "bytes with a different symbol: \(differing)")
    // Published constants: a space is "Ġ" and a newline "Ċ" in every GPT-2 vocab.json.
    #expect(ByteUnicode.symbols[32] == "\u{120}")
    #expect(ByteUnicode.symbols[10] == "\u{10A}")
}

@Test func byteTableInverts() {
    for byte in 0..<256 {
        #expect(ByteUnicode.byte(for: ByteUnicode.symbols[byte]) == UInt8(byte))
    }
    #expect(ByteUnicode.byte(for: " ") == nil)  // a raw space is no symbol
    #expect(ByteUnicode.byte(for: "\u{144}") == nil)  // one past the last symbol
    #expect(ByteUnicode.decode("Ġhi") == [32, 104, 105])
    #expect(ByteUnicode.decode("a b") == nil)
    #expect(ByteUnicode.encode([0, 32, 255]) == "\u{100}\u{120}\u{FF}")
}
