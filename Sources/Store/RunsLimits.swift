// The limits on what one batch (and one key or value) may hold; the HTTP API documents them.

public enum RunsLimits {
    public static let maxMetricsPerBatch = 10_000
    public static let maxParamsPerBatch = 100
    public static let maxTagsPerBatch = 100
    public static let maxKeyLength = 250
    public static let maxParamValueLength = 6_000
    public static let maxTagValueLength = 5_000
    public static let maxRunIDLength = 64

    /// Whether `key` may name a param, metric or tag: 1–250 of letters, digits, `_ - . / :`
    /// and spaces (the characters a filter can quote in backticks).
    public static func isValidKey(_ key: String) -> Bool {
        guard !key.isEmpty, key.utf8.count <= maxKeyLength else { return false }
        return key.unicodeScalars.allSatisfy { scalar in
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", "_", "-", ".", "/", ":", " ": return true
            default: return false
            }
        }
    }

    public static func isValidRunID(_ id: String) -> Bool {
        guard !id.isEmpty, id.utf8.count <= maxRunIDLength else { return false }
        return id.unicodeScalars.allSatisfy { scalar in
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", "_", "-", ".": return true
            default: return false
            }
        }
    }
}
