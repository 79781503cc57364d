// Finding special tokens such as <|endoftext|> in text, byte for byte, so that encoding and
// training cut the text at exactly the same places.

/// Special tokens as UTF-8 patterns; at one position the longest wins.
struct SpecialTokenMatcher: Sendable {
    private let patterns: [(bytes: [UInt8], id: Int)]

    init(_ tokens: [String: Int]) {
        patterns = tokens
            .filter { !$0.key.isEmpty }
            .map { (bytes: Array($0.key.utf8), id: $0.value) }
            .sorted { ($0.bytes.count, -$0.id) > ($1.bytes.count, -$1.id) }
    }

    var isEmpty: Bool { patterns.isEmpty }

    /// Calls `ordinary` with each stretch of text between special tokens (possibly empty)
    /// and `special` with the id of each special token, in order.
    func forEachSegment(
        in bytes: UnsafeBufferPointer<UInt8>,
        ordinary: (UnsafeBufferPointer<UInt8>) -> Void,
        special: (Int) -> Void
    ) {
        var segmentStart = 0
        var i = 0
        while i < bytes.count {
            if let (length, id) = match(bytes, at: i) {
                ordinary(UnsafeBufferPointer(rebasing: bytes[segmentStart..<i]))
                special(id)
                i += length
                segmentStart = i
            } else {
                i += 1
            }
        }
        ordinary(UnsafeBufferPointer(rebasing: bytes[segmentStart...]))
    }

    @inline(__always)
    private func match(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int) -> (Int, Int)? {
        for (pattern, id) in patterns where pattern[0] == bytes[i] {
            if i + pattern.count <= bytes.count,
                pattern.indices.allSatisfy({ bytes[i + $0] == pattern[$0] })
            {
                return (pattern.count, id)
            }
        }
        return nil
    }
}
