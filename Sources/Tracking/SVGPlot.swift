// Learning curves as a standalone SVG (axes, ticks, grid, legend, optional log y scale) that
// browsers render as is and reports can embed.
import Foundation

public struct PlotSeries: Sendable, Equatable {
    public var label: String
    /// (step, value) in step order; non-finite values (and ≤ 0 on a log scale) break the line.
    public var points: [(step: Double, value: Double)]

    public init(label: String, points: [(step: Double, value: Double)]) {
        self.label = label
        self.points = points
    }

    public static func == (a: PlotSeries, b: PlotSeries) -> Bool {
        a.label == b.label && a.points.count == b.points.count
            && zip(a.points, b.points).allSatisfy { $0.step == $1.step && $0.value == $1.value }
    }
}

extension PlotSeries {
    /// A run in the legend: its name (else its student), then the start of its id — the
    /// legend cuts labels at ~17 characters, so what a person recognises comes first.
    public static func runLabel(id: String, name: String?, student: String?) -> String {
        guard let owner = name ?? student, !owner.isEmpty else { return id }
        return "\(owner) (\(id.prefix(8)))"
    }
}

public enum SVGPlot {
    /// Colour-blind-safe palette (Okabe–Ito), cycled.
    static let colors = [
        "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000",
    ]

    /// The SVG document. Throws if no series has a value to draw.
    public static func render(
        _ series: [PlotSeries], title: String, yLabel: String, logScale: Bool = false,
        width: Double = 720, height: Double = 440
    ) throws -> String {
        let usable = { (v: Double) in v.isFinite && (!logScale || v > 0) }
        let all = series.flatMap { $0.points }.filter { usable($0.value) }
        guard let xMin0 = all.map(\.step).min(), let xMax0 = all.map(\.step).max(),
            let yMin0 = all.map(\.value).min(), let yMax0 = all.map(\.value).max()
        else {
            throw TrackingError.nothingToPlot(
                "nothing to plot: no finite\(logScale ? ", positive" : "") values in"
                    + " \(series.map(\.label).joined(separator: ", "))")
        }
        let ty = { (v: Double) in logScale ? log10(v) : v }
        var (xMin, xMax) = (xMin0, xMax0)
        var (yMin, yMax) = (ty(yMin0), ty(yMax0))
        if xMax == xMin { (xMin, xMax) = (xMin - 1, xMax + 1) }
        if yMax == yMin { (yMin, yMax) = (yMin - 0.5, yMax + 0.5) }
        let pad = (yMax - yMin) * 0.05
        (yMin, yMax) = (yMin - pad, yMax + pad)

        let left = 70.0, right = 170.0, top = 40.0, bottom = 50.0
        let plotW = width - left - right, plotH = height - top - bottom
        let px = { (x: Double) in left + (x - xMin) / (xMax - xMin) * plotW }
        let py = { (y: Double) in top + (1 - (ty(y) - yMin) / (yMax - yMin)) * plotH }
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(f(width))" height="\(f(height))" \
            viewBox="0 0 \(f(width)) \(f(height))" font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(f(left + plotW / 2))" y="22" text-anchor="middle" font-size="15">\
            \(escape(title))</text>

            """
        // Grid and tick labels.
        for x in niceTicks(xMin, xMax) {
            let X = px(x)
            svg += line(X, top, X, top + plotH, stroke: "#e5e5e5")
            svg += text(X, top + plotH + 18, label(x), anchor: "middle")
        }
        let yTicks = logScale ? logTicks(yMin, yMax) : niceTicks(yMin, yMax)
        for t in yTicks {
            let Y = top + (1 - (t - yMin) / (yMax - yMin)) * plotH
            svg += line(left, Y, left + plotW, Y, stroke: "#e5e5e5")
            svg += text(left - 8, Y + 4, logScale ? label(pow(10, t)) : label(t), anchor: "end")
        }
        // Axes and their labels.
        svg += line(left, top + plotH, left + plotW, top + plotH, stroke: "#333")
        svg += line(left, top, left, top + plotH, stroke: "#333")
        svg += text(left + plotW / 2, height - 12, "step", anchor: "middle")
        svg += """
            <text x="16" y="\(f(top + plotH / 2))" text-anchor="middle" \
            transform="rotate(-90 16 \(f(top + plotH / 2)))">\
            \(escape(yLabel + (logScale ? " (log scale)" : "")))</text>

            """
        // Curves: a new subpath after every point that cannot be drawn.
        for (index, s) in series.enumerated() {
            let color = colors[index % colors.count]
            var d = ""
            var pen = false
            for p in s.points {
                guard usable(p.value) else {
                    pen = false
                    continue
                }
                d += "\(pen ? "L" : "M")\(f(px(p.step))),\(f(py(p.value))) "
                pen = true
            }
            if !d.isEmpty {
                svg += """
                    <path d="\(d.trimmingCharacters(in: .whitespaces))" fill="none" \
                    stroke="\(color)" stroke-width="1.8" stroke-linejoin="round"/>

                    """
            }
            // Legend.
            let ly = top + 10 + Double(index) * 20
            svg += line(left + plotW + 14, ly, left + plotW + 38, ly, stroke: color, width: 3)
            // Long labels would run off the right edge: cut them, keep the whole as a tooltip.
            svg += text(
                left + plotW + 44, ly + 4, shortened(s.label, to: Int((right - 50) / 7)),
                anchor: "start", tooltip: s.label)
        }
        svg += "</svg>\n"
        return svg
    }

    /// Round tick values (1, 2 or 5 × 10^k apart) covering [lo, hi], the spacing whose count
    /// is nearest five (the first spacing ≥ range/5 could leave only two or three).
    static func niceTicks(_ lo: Double, _ hi: Double) -> [Double] {
        let raw = (hi - lo) / 5
        let magnitude = pow(10, floor(log10(raw)))
        let step =
            [1.0, 2, 5, 10].map { $0 * magnitude }
            .min { abs((hi - lo) / $0 - 5) < abs((hi - lo) / $1 - 5) } ?? raw
        var ticks: [Double] = []
        var t = ceil(lo / step) * step
        while t <= hi + step * 1e-9 {
            ticks.append(abs(t) < step * 1e-9 ? 0 : t)
            t += step
        }
        return ticks
    }

    /// Ticks for a log10 axis spanning [lo, hi] (in log10 units): powers of ten, with 2× and 5×
    /// between them when there are few decades, or round linear values inside one decade.
    static func logTicks(_ lo: Double, _ hi: Double) -> [Double] {
        let decades = (Int(floor(lo))...Int(ceil(hi))).map(Double.init)
        let inRange = { (t: Double) in t >= lo - 1e-12 && t <= hi + 1e-12 }
        var ticks = decades.filter(inRange)
        if hi - lo <= 2.5 {
            ticks = decades.flatMap { k in [1.0, 2, 5].map { log10($0) + k } }.filter(inRange)
        }
        if ticks.count < 3 {
            ticks = niceTicks(pow(10, lo), pow(10, hi)).filter { $0 > 0 }.map(log10)
        }
        return ticks
    }

    /// `s` cut to `limit` characters, ending in "…" when cut.
    static func shortened(_ s: String, to limit: Int) -> String {
        s.count <= limit ? s : String(s.prefix(max(1, limit - 1))) + "…"
    }

    static func label(_ v: Double) -> String {
        if v == v.rounded(), abs(v) < 1e7 { return String(Int64(v)) }
        if abs(v) >= 1e4 || abs(v) < 1e-3 { return String(format: "%.2g", v) }
        return String(format: "%.4g", v)
    }

    private static func f(_ v: Double) -> String { String(format: "%.2f", v) }

    private static func line(
        _ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String, width: Double = 1
    ) -> String {
        "<line x1=\"\(f(x1))\" y1=\"\(f(y1))\" x2=\"\(f(x2))\" y2=\"\(f(y2))\" stroke=\"\(stroke)\""
            + " stroke-width=\"\(f(width))\"/>\n"
    }

    private static func text(
        _ x: Double, _ y: Double, _ s: String, anchor: String, tooltip: String? = nil
    ) -> String {
        let title = tooltip.flatMap { $0 == s ? nil : "<title>\(escape($0))</title>" } ?? ""
        return "<text x=\"\(f(x))\" y=\"\(f(y))\" text-anchor=\"\(anchor)\">\(title)"
            + "\(escape(s))</text>\n"
    }

    /// `s` as XML text or an attribute value (& < > " escaped); other SVG writers use it too.
    public static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
