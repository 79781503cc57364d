// A small labelled scatter plot as a standalone SVG (a study's perplexity against bits): linear
// axes with ticks and a grid, one dot and label per point, joined in x order.
import Foundation
import Tracking

public struct ScatterPoint: Sendable, Equatable {
    public var x: Double
    public var y: Double
    public var label: String

    public init(x: Double, y: Double, label: String) {
        self.x = x
        self.y = y
        self.label = label
    }
}

/// The SVG document; non-finite points are left out.
public func scatterSVG(
    _ points: [ScatterPoint], title: String, xLabel: String, yLabel: String,
    width: Double = 720, height: Double = 440
) -> String {
    let shown = points.filter { $0.x.isFinite && $0.y.isFinite }.sorted { $0.x < $1.x }
    let xs = shown.map(\.x)
    let ys = shown.map(\.y)
    var (xMin, xMax) = (min(0, xs.min() ?? 0), xs.max() ?? 1)
    var (yMin, yMax) = (ys.min() ?? 0, ys.max() ?? 1)
    if xMax == xMin { (xMin, xMax) = (xMin - 1, xMax + 1) }
    if yMax == yMin { (yMin, yMax) = (yMin - 0.5, yMax + 0.5) }
    let pad = (yMax - yMin) * 0.08
    (yMin, yMax) = (yMin - pad, yMax + pad)
    let left = 80.0, right = 40.0, top = 40.0, bottom = 50.0
    let plotW = width - left - right, plotH = height - top - bottom
    let px = { (x: Double) in left + (x - xMin) / (xMax - xMin) * plotW }
    let py = { (y: Double) in top + (1 - (y - yMin) / (yMax - yMin)) * plotH }
    var svg = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(n(width))" height="\(n(height))" \
        viewBox="0 0 \(n(width)) \(n(height))" font-family="sans-serif" font-size="12">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(n(left + plotW / 2))" y="22" text-anchor="middle" font-size="15">\
        \(SVGPlot.escape(title))</text>

        """
    for tick in ticks(xMin, xMax) {
        svg += "<line x1=\"\(n(px(tick)))\" y1=\"\(n(top))\" x2=\"\(n(px(tick)))\" "
            + "y2=\"\(n(top + plotH))\" stroke=\"#e5e5e5\"/>\n"
        svg += "<text x=\"\(n(px(tick)))\" y=\"\(n(top + plotH + 16))\" "
            + "text-anchor=\"middle\">\(tickText(tick))</text>\n"
    }
    for tick in ticks(yMin, yMax) {
        svg += "<line x1=\"\(n(left))\" y1=\"\(n(py(tick)))\" x2=\"\(n(left + plotW))\" "
            + "y2=\"\(n(py(tick)))\" stroke=\"#e5e5e5\"/>\n"
        svg += "<text x=\"\(n(left - 6))\" y=\"\(n(py(tick) + 4))\" "
            + "text-anchor=\"end\">\(tickText(tick))</text>\n"
    }
    svg += "<rect x=\"\(n(left))\" y=\"\(n(top))\" width=\"\(n(plotW))\" height=\"\(n(plotH))\" "
        + "fill=\"none\" stroke=\"#333\"/>\n"
    svg += "<text x=\"\(n(left + plotW / 2))\" y=\"\(n(height - 12))\" text-anchor=\"middle\">"
        + "\(SVGPlot.escape(xLabel))</text>\n"
    svg += "<text x=\"18\" y=\"\(n(top + plotH / 2))\" text-anchor=\"middle\" "
        + "transform=\"rotate(-90 18 \(n(top + plotH / 2)))\">\(SVGPlot.escape(yLabel))</text>\n"
    if shown.count > 1 {
        let path = shown.map { "\(n(px($0.x))),\(n(py($0.y)))" }.joined(separator: " ")
        svg += "<polyline points=\"\(path)\" fill=\"none\" stroke=\"#0072B2\" "
            + "stroke-opacity=\"0.4\"/>\n"
    }
    for (i, p) in shown.enumerated() {
        // Alternate labels above and below so neighbours at the same bits do not overlap.
        let dy = i % 2 == 0 ? -8.0 : 16.0
        svg += "<circle cx=\"\(n(px(p.x)))\" cy=\"\(n(py(p.y)))\" r=\"4\" fill=\"#D55E00\"/>\n"
        svg += "<text x=\"\(n(px(p.x) + 6))\" y=\"\(n(py(p.y) + dy))\">\(SVGPlot.escape(p.label))</text>\n"
    }
    return svg + "</svg>\n"
}

/// About five round tick values covering lo ... hi.
func ticks(_ lo: Double, _ hi: Double) -> [Double] {
    let raw = (hi - lo) / 5
    let magnitude = pow(10, floor(log10(raw)))
    let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
    var out: [Double] = []
    var v = ceil(lo / step) * step
    while v <= hi + step * 1e-9 {
        out.append(v)
        v += step
    }
    return out
}

private func tickText(_ v: Double) -> String {
    abs(v) >= 1e4 || (abs(v) < 1e-3 && v != 0) ? String(format: "%.2g", v) : String(format: "%g", v)
}

private func n(_ v: Double) -> String { String(format: "%.1f", v) }
