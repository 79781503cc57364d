// A byte-exact dictionary key for a short pre-token's UTF-8. String keys will not do: String
// compares by canonical equivalence, so "Ω" (U+2126) and "Ω" (U+03A9) would share an entry.

/// The bytes of a piece of at most 16 bytes, packed into two words: cheap to hash and compare.
struct PieceKey: Hashable {
    static let maxCount = 16

    private var low: UInt64 = 0
    private var high: UInt64 = 0
    private let count: Int

    /// `bytes.count` must be at most `maxCount`.
    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        precondition(bytes.count <= Self.maxCount, "a piece key holds at most 16 bytes")
        count = bytes.count
        for k in 0..<min(count, 8) { low |= UInt64(bytes[k]) << (8 * k) }
        if count > 8 {
            for k in 8..<count { high |= UInt64(bytes[k]) << (8 * (k - 8)) }
        }
    }

    func hash(into hasher: inout Hasher) {
        // The count is implied by the bytes except for trailing zero bytes; mix it in anyway.
        hasher.combine(low &+ UInt64(count))
        hasher.combine(high)
    }
}
