// Output formats and an aligned table that prints as padded terminal columns or as Markdown.
import Foundation
import Grading

/// How a command prints: terminal text (ANSI colour only when stdout is a TTY), Markdown, JSON.
public enum OutputFormat: Sendable, Equatable {
    case terminal(colour: Bool)
    case markdown
    case json

    /// Wraps `text` in an ANSI style when colour is on (1 bold, 31 red, 32 green, 33 yellow,
    /// 2 dim); otherwise returns it unchanged.
    func paint(_ text: String, _ code: String) -> String {
        if case .terminal(colour: true) = self { return "\u{1B}[\(code)m\(text)\u{1B}[0m" }
        return text
    }

    func heading(_ text: String, level: Int = 1) -> String {
        switch self {
        case .markdown: return String(repeating: "#", count: level) + " " + text
        default: return paint(text, "1")
        }
    }
}

/// Rows of cells under a header; numeric columns are right-aligned.
public struct TextTable: Sendable, Equatable {
    public enum Alignment: Sendable, Equatable { case left, right }

    public var headers: [String]
    public var alignments: [Alignment]
    public var rows: [[String]] = []

    public init(_ headers: [String], alignments: [Alignment]? = nil) {
        self.headers = headers
        self.alignments = alignments ?? headers.map { _ in .left }
    }

    public mutating func append(_ row: [String]) {
        precondition(row.count == headers.count, "a row needs one cell per column")
        rows.append(row)
    }

    /// The table as lines; in a terminal the header is bold when colour is on. `colourCell`
    /// may paint a cell after padding (so colour codes do not upset the alignment).
    public func render(
        _ format: OutputFormat, colourCell: ((Int, Int, String) -> String?)? = nil
    ) -> String {
        if format == .markdown {
            func escape(_ cell: String) -> String { cell.replacingOccurrences(of: "|", with: "\\|") }
            var lines = ["| " + headers.map(escape).joined(separator: " | ") + " |"]
            lines.append(
                "|" + alignments.map { $0 == .right ? "---:" : "---" }.joined(separator: "|") + "|")
            for row in rows { lines.append("| " + row.map(escape).joined(separator: " | ") + " |") }
            return lines.joined(separator: "\n") + "\n"
        }
        var widths = headers.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
        }
        func pad(_ cell: String, _ column: Int) -> String {
            let fill = String(repeating: " ", count: widths[column] - cell.count)
            return alignments[column] == .right ? fill + cell : cell + fill
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { pad($0.element, $0.offset) }.joined(separator: "  ")
                .replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
        var lines = [format.paint(line(headers), "1")]
        lines.append(widths.map { String(repeating: "─", count: $0) }.joined(separator: "  "))
        for (rowIndex, row) in rows.enumerated() {
            var cells: [String] = []
            for (column, cell) in row.enumerated() {
                let padded = pad(cell, column)
                cells.append(colourCell?(rowIndex, column, padded) ?? padded)
            }
            lines.append(
                cells.joined(separator: "  ")
                    .replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// A JSON encoder with stable output for scripts and tests.
public func jsonString<T: Encodable>(_ value: T) throws -> String {
    String(decoding: try LMLabJSON.encoder(pretty: true).encode(value), as: UTF8.self) + "\n"
}
