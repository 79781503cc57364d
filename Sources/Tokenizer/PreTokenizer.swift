// GPT-2's pre-tokenizer: the regex that cuts text into words before BPE, written as a
// hand scanner over UTF-8 with exactly the regex's semantics (Swift Regex is too slow here).

/// Splits text the way GPT-2's pattern does:
///
///     's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
///
/// The alternatives are tried in order at each position (leftmost-first, as in Python's
/// `regex` and tiktoken). Two details matter: contractions are lowercase ASCII-apostrophe
/// only, and `\s+(?!\S)` leaves the last whitespace character of a run for the next piece,
/// so " world" keeps its space. `\s` is Unicode White_Space; `\p{L}` and `\p{N}` are the
/// general categories L* and N*.
public enum PreTokenizer {
    /// The pattern this scanner implements, for documentation and for the test oracles.
    public static let gpt2Pattern =
        #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#

    /// The pieces of `text`, in order; concatenated they give `text` back.
    public static func split(_ text: String) -> [String] {
        var text = text
        return text.withUTF8 { bytes in
            var pieces: [String] = []
            forEachPiece(in: bytes) { range in
                pieces.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[range]),
                                     as: UTF8.self))
            }
            return pieces
        }
    }

    /// Calls `body` with the byte range of each piece of valid UTF-8 `bytes`, in order.
    static func forEachPiece(in bytes: UnsafeBufferPointer<UInt8>, _ body: (Range<Int>) -> Void) {
        var i = 0
        while i < bytes.count {
            let end = pieceEnd(in: bytes, from: i)
            body(i..<end)
            i = end
        }
    }

    /// The end of the piece that starts at byte `i`.
    @inline(__always)
    static func pieceEnd(in bytes: UnsafeBufferPointer<UInt8>, from i: Int) -> Int {
        let n = bytes.count
        let b0 = bytes[i]
        // 's 't 're 've 'm 'll 'd
        if b0 == apostrophe, i + 1 < n {
            let b1 = bytes[i + 1]
            if b1 == 0x73 || b1 == 0x74 || b1 == 0x6D || b1 == 0x64 { return i + 2 }  // s t m d
            if i + 2 < n {
                let b2 = bytes[i + 2]
                if (b1 == 0x72 && b2 == 0x65) || (b1 == 0x76 && b2 == 0x65)  // re ve
                    || (b1 == 0x6C && b2 == 0x6C)  // ll
                {
                    return i + 3
                }
            }
        }
        let (first, firstLength) = classify(bytes, i)
        var runClass = first
        var j = i + firstLength
        // " ?" before a letter, number or other run: one ASCII space only.
        if b0 == space, j < n {
            let (next, nextLength) = classify(bytes, j)
            if next != .whitespace {
                runClass = next
                j += nextLength
            }
        }
        if runClass != .whitespace {
            while j < n {
                let (c, length) = classify(bytes, j)
                if c != runClass { break }
                j += length
            }
            return j
        }
        // \s+(?!\S) | \s+ : a whitespace run, minus its last character when a non-space
        // follows and the run has more than one character.
        var lastStart = i
        var count = 1
        while j < n {
            let (c, length) = classify(bytes, j)
            if c != .whitespace { break }
            lastStart = j
            count += 1
            j += length
        }
        if j < n, count > 1 { return lastStart }
        return j
    }

    enum CharacterClass: UInt8 { case letter, number, whitespace, other }

    private static let apostrophe: UInt8 = 0x27
    private static let space: UInt8 = 0x20

    private static let asciiClasses: [CharacterClass] = (0..<128).map { value in
        classOf(Unicode.Scalar(UInt8(value)))
    }

    /// The class and UTF-8 length of the scalar starting at byte `i` (which must start one).
    @inline(__always)
    static func classify(_ bytes: UnsafeBufferPointer<UInt8>, _ i: Int) -> (CharacterClass, Int) {
        let b0 = bytes[i]
        if b0 < 0x80 {
            return asciiClasses.withUnsafeBufferPointer { ($0[Int(b0)], 1) }
        }
        // Valid UTF-8 is guaranteed: the bytes come from a Swift String.
        var value: UInt32
        let length: Int
        if b0 < 0xE0 {
            value = UInt32(b0 & 0x1F)
            length = 2
        } else if b0 < 0xF0 {
            value = UInt32(b0 & 0x0F)
            length = 3
        } else {
            value = UInt32(b0 & 0x07)
            length = 4
        }
        for k in 1..<length {
            value = (value << 6) | UInt32(bytes[i + k] & 0x3F)
        }
        guard let scalar = Unicode.Scalar(value) else { return (.other, length) }
        return (classOf(scalar), length)
    }

    static func classOf(_ scalar: Unicode.Scalar) -> CharacterClass {
        let properties = scalar.properties
        if properties.isWhitespace { return .whitespace }
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            return .letter
        case .decimalNumber, .letterNumber, .otherNumber:
            return .number
        default:
            return .other
        }
    }
}
