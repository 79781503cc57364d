// A metric's curve in one line of block characters, for `runs show`.
import Foundation

public enum Sparkline {
    static let blocks: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]

    /// At most `width` characters: the values are split into `width` equal buckets (by
    /// position) and each bucket's mean is drawn, scaled between the finite minimum and
    /// maximum. NaN and infinite values are skipped; a bucket with none left is a space.
    public static func render(_ values: [Double], width: Int = 40) -> String {
        precondition(width > 0, "a sparkline needs a positive width")
        guard !values.isEmpty else { return "" }
        let buckets = Swift.min(width, values.count)
        var means: [Double?] = []
        for b in 0..<buckets {
            let lo = b * values.count / buckets
            let hi = (b + 1) * values.count / buckets
            let finite = values[lo..<hi].filter(\.isFinite)
            means.append(finite.isEmpty ? nil : finite.reduce(0, +) / Double(finite.count))
        }
        let present = means.compactMap { $0 }
        guard let lo = present.min(), let hi = present.max() else {
            return String(repeating: " ", count: buckets)
        }
        return String(
            means.map { mean -> Character in
                guard let mean else { return " " }
                if hi == lo { return blocks[3] }
                let level = Int(((mean - lo) / (hi - lo) * 7).rounded())
                return blocks[Swift.max(0, Swift.min(7, level))]
            })
    }
}
