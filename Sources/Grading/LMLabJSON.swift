// The one JSON configuration every lmlab output and input uses (feedback, the HTTP API, the
// remote client, reports, exports): ISO 8601 dates, and numbers a grade can hold that JSON cannot
// — an infinite relative error, a NaN from a student's overflow — written as the strings
// "Infinity", "-Infinity" and "NaN" (what Python's float() and JavaScript's Number() read back).
import Diagnosis
import Foundation

public enum LMLabJSON {
    public static let positiveInfinity = "Infinity"
    public static let negativeInfinity = "-Infinity"
    public static let nan = "NaN"

    /// An encoder for lmlab's JSON; `pretty` for people (indented, keys sorted).
    public static func encoder(pretty: Bool = false) -> JSONEncoder {
        let encoder = JSONEncoder()
        if pretty { encoder.outputFormatting = [.prettyPrinted, .sortedKeys] }
        encoder.dateEncodingStrategy = .iso8601
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: positiveInfinity, negativeInfinity: negativeInfinity, nan: nan)
        return encoder
    }

    /// A decoder reading what `encoder` writes.
    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: positiveInfinity, negativeInfinity: negativeInfinity, nan: nan)
        return decoder
    }
}
