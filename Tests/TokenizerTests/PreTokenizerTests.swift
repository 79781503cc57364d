// The hand scanner against GPT-2's regex run by Python's `regex` module
// (Tests/Oracle/tokenizer_regex.py), on the multilingual corpus and on every code point.
import Foundation
import TestSupport
import Testing
@testable import Tokenizer

@Test func splitMatchesPythonRegex() throws {
    let texts = Corpus.lines + [
        "a  b", "a \tb", "a\tb", "a\n\nb", "end  ", " ", "  x", "x ", " \u{A0}x", "\u{A0} x",
        "''s'S 's 've 're'll'd'm't", "x.'s", " 's", "1 2  3   4", "\u{301}a", " \u{301}",
        "🇫🇷🇫🇷", "\r\n\r\n", "a\u{3000}\u{3000}b", "", "'", "'r", "'l", "it'", "\t\t\t",
    ]
    let expected = try JSONDecoder().decode(
        [[String]].self,
        from: runOracle("tokenizer_regex.py", ["split"], input: JSONEncoder().encode(texts)))
    for (text, pieces) in zip(texts, expected) {
        let actual = PreTokenizer.split(text)
        // Compared as bytes: String's == treats canonically equivalent text as equal.
        #expect(actual.map { Array($0.utf8) } == pieces.map { Array($0.utf8) },
                "text \(quoted(text))")
    }
}

@Test func characterClassesMatchPythonRegexOnEveryCodePoint() throws {
    struct Classes: Decodable {
        let s: [[UInt32]]
        let L: [[UInt32]]
        let N: [[UInt32]]
    }
    let expected = try JSONDecoder().decode(
        Classes.self, from: runOracle("tokenizer_regex.py", ["classes"]))
    // Runs of consecutive code points per class; the surrogate gap ends a run, as in the oracle.
    var ranges = [[[UInt32]]](repeating: [], count: 4)  // indexed by class raw value
    for value in UInt32(0)..<0x110000 {
        guard let scalar = Unicode.Scalar(value) else { continue }
        let c = Int(PreTokenizer.classOf(scalar).rawValue)
        if let last = ranges[c].last, last[1] + 1 == value {
            ranges[c][ranges[c].count - 1][1] = value
        } else {
            ranges[c].append([value, value])
        }
    }
    for (cls, oracle) in [(PreTokenizer.CharacterClass.whitespace, expected.s),
                          (.letter, expected.L), (.number, expected.N)] {
        let mine = ranges[Int(cls.rawValue)]
        let firstDifference = zip(mine, oracle).first { $0.0 != $0.1 }
        #expect(mine == oracle,
                "\(cls): \(mine.count) ranges vs \(oracle.count); first differing \(String(describing: firstDifference))")
    }
}
