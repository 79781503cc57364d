// A byte-exact dictionary key for a pre-token's UTF-8. String keys will not do: String
// compares by canonical equivalence, so "Ω" (U+2126) and "Ω" (U+03A9) would share an entry.

/// The bytes of one piece as a hashable key; pieces of up to 16 bytes need no allocation.
struct PieceKey: Hashable {
    private var words: (UInt64, UInt64) = (0, 0)
    private let count: Int
    private var long: [UInt8]? = nil

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        count = bytes.count
        if count <= 16 {
            withUnsafeMutableBytes(of: &words) { $0.copyMemory(from: UnsafeRawBufferPointer(bytes)) }
        } else {
            long = Array(bytes)
        }
    }

    static func == (a: PieceKey, b: PieceKey) -> Bool {
        a.count == b.count && a.words == b.words && a.long == b.long
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        hasher.combine(words.0)
        hasher.combine(words.1)
        if let long { hasher.combine(long) }
    }
}
