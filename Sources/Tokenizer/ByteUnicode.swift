// GPT-2's bytes_to_unicode table: every byte gets a printable Unicode symbol so that a
// byte-level vocabulary can be stored as JSON strings without spaces or control characters.

/// The byte ↔ symbol table of GPT-2's `bytes_to_unicode()`.
///
/// Printable bytes 33...126, 161...172 and 174...255 stand for themselves; the other 68 bytes
/// (controls, space, 127...160, 173) map to U+0100, U+0101, … in byte order, so a space is
/// "Ġ" (U+0120) and a newline is "Ċ" (U+010A).
public enum ByteUnicode {
    /// `symbols[b]` is the symbol that stands for byte `b`.
    public static let symbols: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: " ", count: 256)
        var next: UInt32 = 256
        for byte in 0..<256 {
            if isPrintable(byte) {
                table[byte] = Unicode.Scalar(UInt8(byte))
            } else {
                // 256...323 are all valid scalars, so this never falls back.
                table[byte] = Unicode.Scalar(next) ?? " "
                next += 1
            }
        }
        return table
    }()

    /// The inverse table, indexed by scalar value 0...323; `nil` for scalars that are no symbol.
    static let bytesBySymbolValue: [UInt8?] = {
        var inverse = [UInt8?](repeating: nil, count: 324)
        for (byte, symbol) in symbols.enumerated() {
            inverse[Int(symbol.value)] = UInt8(byte)
        }
        return inverse
    }()

    /// The byte a symbol stands for, or `nil` if the scalar is not one of the 256 symbols.
    public static func byte(for symbol: Unicode.Scalar) -> UInt8? {
        let value = Int(symbol.value)
        return value < bytesBySymbolValue.count ? bytesBySymbolValue[value] : nil
    }

    /// The symbol string of a byte sequence: one symbol per byte.
    public static func encode<Bytes: Sequence>(_ bytes: Bytes) -> String
    where Bytes.Element == UInt8 {
        var scalars = String.UnicodeScalarView()
        for byte in bytes { scalars.append(symbols[Int(byte)]) }
        return String(scalars)
    }

    /// The bytes of a symbol string, or `nil` if some scalar in it is not a byte symbol.
    public static func decode(_ string: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(string.unicodeScalars.count)
        for scalar in string.unicodeScalars {
            guard let byte = byte(for: scalar) else { return nil }
            bytes.append(byte)
        }
        return bytes
    }

    private static func isPrintable(_ byte: Int) -> Bool {
        (33...126).contains(byte) || (161...172).contains(byte) || (174...255).contains(byte)
    }
}
