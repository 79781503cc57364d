// The attention heatmap renderer: one square per visible cell, masked cells empty, labels and
// title escaped, darker for a larger weight.
import Foundation
import Testing

@testable import Server

@Suite struct HeatmapSVGTests {
    static let weights: [[Float]] = [[1, 0, 0], [0.25, 0.75, 0], [0.5, 0.2, 0.3]]
    static let causal = (0..<3).map { i in (0..<3).map { $0 > i } }

    @Test func oneSquarePerVisibleCellAndMaskedCellsEmpty() {
        let svg = attentionHeatmapSVG(
            weights: Self.weights, rowLabels: ["a", "b", "c"], columnLabels: ["a", "b", "c"],
            title: "layer 0, head 0", masked: Self.causal)
        #expect(svg.hasPrefix("<svg") && svg.hasSuffix("</svg>"))
        #expect(svg.components(separatedBy: "<rect class=\"cell\"").count - 1 == 6)
        let masked = svg.components(separatedBy: "<rect class=\"masked\"").dropFirst()
        #expect(masked.count == 3)
        #expect(masked.allSatisfy { $0.contains("fill=\"none\"") && $0.contains(": masked</title>") })
        #expect(svg.contains("data-row=\"1\" data-col=\"1\"") && svg.contains(": 0.750000</title>"))
        // Without a mask every cell is drawn.
        let full = attentionHeatmapSVG(
            weights: Self.weights, rowLabels: [], columnLabels: [], title: "t")
        #expect(full.components(separatedBy: "<rect class=\"cell\"").count - 1 == 9)
    }

    @Test func labelsAndTitleAreEscaped() {
        let svg = attentionHeatmapSVG(
            weights: [[1]], rowLabels: ["<script>alert(1)</script>"], columnLabels: ["a&\"b"],
            title: "<b>t</b>")
        #expect(!svg.contains("<script") && !svg.contains("<b>"))
        #expect(svg.contains(">&lt;script&gt;ale…</text>"))  // shortened to 12 characters
        #expect(svg.contains("&lt;script&gt;alert(1)&lt;/script&gt; → a&amp;&quot;b: 1.000000"))
        #expect(svg.contains("<title>&lt;b&gt;t&lt;/b&gt;</title>"))
    }

    @Test func colourDarkensAsTheWeightGrows() {
        func channels(_ hex: String) -> [Int] {
            let digits = Array(hex.dropFirst())
            return stride(from: 0, to: 6, by: 2).map { Int(String(digits[$0..<($0 + 2)]), radix: 16) ?? -1 }
        }
        #expect(heatColour(0) == "#ffffff")
        #expect(heatColour(1) == "#0c2c84")
        let steps = stride(from: Float(0), through: 1, by: 0.05).map { channels(heatColour($0)) }
        for (a, b) in zip(steps, steps.dropFirst()) {
            #expect(zip(a, b).allSatisfy { $0 >= $1 } && a != b, "\(a) then \(b)")
        }
        #expect(heatColour(2) == heatColour(1) && heatColour(.nan) == heatColour(0))
    }
}
