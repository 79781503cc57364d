// Attention weights as an SVG heatmap made by lmlab from numbers: one square per (query, key),
// darker for a larger weight, the tokens as row and column labels, a <title> per cell with its
// value (shown on hover), masked cells left empty and outlined. Every text inside is escaped with
// SVGPlot.escape, so a template may embed the result unescaped.
import Foundation
import Tracking

/// How a heatmap's values become colours.
public enum HeatmapScale: Sendable {
    /// Weights in [0, 1]: white to dark blue.
    case weights
    /// Differences in [−1, 1]: blue below zero, white at zero, red above (a difference of
    /// attention weights is never outside that range).
    case difference
}

/// An SVG heatmap of `weights` [rows][columns] (values in [0, 1]; larger is darker; or
/// differences under `.difference`). `masked[i][j]` true draws cell (i, j) empty, e.g. a key
/// the causal mask hides from the query (nil: no cell is masked). Labels longer than 12
/// characters are shortened with "…".
public func attentionHeatmapSVG(
    weights: [[Float]], rowLabels: [String], columnLabels: [String], title: String,
    masked: [[Bool]]? = nil, scale: HeatmapScale = .weights
) -> String {
    let rows = weights.count
    let columns = weights.map(\.count).max() ?? 0
    func short(_ s: String) -> String { s.count > 12 ? String(s.prefix(11)) + "…" : s }
    let cell = 24
    let labelWidth = 8 + 8 * (rowLabels.map { short($0).count }.max() ?? 1)
    let labelHeight = 8 + 6 * (columnLabels.map { short($0).count }.max() ?? 1)
    let (left, top) = (labelWidth, labelHeight + 24)
    // Wide enough for the grid and for the title written above it (about 8 px a character).
    let width = max(left + columns * cell + 8, 8 * title.count)
    let height = top + rows * cell + 8
    var svg = """
        <svg xmlns="http://www.w3.org/2000/svg" class="heatmap" role="img" \
        viewBox="0 0 \(width) \(height)" width="\(width)" height="\(height)">
        <title>\(SVGPlot.escape(title))</title>
        <text x="0" y="16" class="heatmap-title">\(SVGPlot.escape(title))</text>

        """
    for (j, label) in columnLabels.prefix(columns).enumerated() {
        let x = left + j * cell + cell / 2 + 4
        svg += "<text class=\"col-label\" x=\"\(x)\" y=\"\(top - 4)\" "
            + "transform=\"rotate(-60 \(x) \(top - 4))\">\(SVGPlot.escape(short(label)))</text>\n"
    }
    for i in 0..<rows {
        let y = top + i * cell
        let label = i < rowLabels.count ? rowLabels[i] : ""
        svg += "<text class=\"row-label\" x=\"\(left - 4)\" y=\"\(y + cell / 2 + 4)\" "
            + "text-anchor=\"end\">\(SVGPlot.escape(short(label)))</text>\n"
        for j in 0..<weights[i].count {
            let x = left + j * cell
            let query = SVGPlot.escape(label)
            let key = SVGPlot.escape(j < columnLabels.count ? columnLabels[j] : "")
            if masked?[i][j] == true {
                svg += "<rect class=\"masked\" data-row=\"\(i)\" data-col=\"\(j)\" x=\"\(x)\" "
                    + "y=\"\(y)\" width=\"\(cell)\" height=\"\(cell)\" fill=\"none\" "
                    + "stroke=\"#c9c9d1\"><title>\(query) → \(key): masked</title></rect>\n"
                continue
            }
            let w = weights[i][j]
            svg += "<rect class=\"cell\" data-row=\"\(i)\" data-col=\"\(j)\" x=\"\(x)\" y=\"\(y)\" "
                + "width=\"\(cell)\" height=\"\(cell)\" fill=\"\(scale == .weights ? heatColour(w) : differenceColour(w))\">"
                + "<title>\(query) → \(key): \(String(format: "%.6f", w))</title></rect>\n"
        }
    }
    return svg + "</svg>"
}

/// Blue (−1) through white (0) to red (+1), linear on each side; clamped, NaN as 0.
func differenceColour(_ d: Float) -> String {
    let t = d.isNaN ? 0 : Double(min(1, max(-1, d)))
    let (r, g, b) = t >= 0
        ? (255 - t * (255 - 178), 255 - t * (255 - 24), 255 - t * (255 - 43))
        : (255 + t * (255 - 33), 255 + t * (255 - 102), 255 + t * (255 - 172))
    return String(format: "#%02x%02x%02x", Int(r.rounded()), Int(g.rounded()), Int(b.rounded()))
}

/// White (0) to dark blue (1), linear in each channel, so darker always means a larger weight;
/// values outside [0, 1] (or NaN) are clamped (NaN as 0).
func heatColour(_ w: Float) -> String {
    let t = w.isNaN ? 0 : Double(min(1, max(0, w)))
    let (r, g, b) = (255 - t * (255 - 12), 255 - t * (255 - 44), 255 - t * (255 - 132))
    return String(format: "#%02x%02x%02x", Int(r.rounded()), Int(g.rounded()), Int(b.rounded()))
}
