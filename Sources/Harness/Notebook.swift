// Jupyter notebooks → a Python module: code cells in order, shell/magic lines dropped, and a
// line map so errors in the generated file can say "cell 3, line 2".
import Foundation

/// A notebook turned into Python source.
public struct NotebookConversion: Sendable, Equatable {
    /// Where a generated line came from: the cell's position in the notebook (1-based, counting
    /// every cell as Jupyter shows them) and the line inside it (1-based).
    public struct Origin: Sendable, Equatable {
        public var cell: Int
        public var line: Int
    }

    public var source: String
    /// E.g. "dropped 2 shell/magic lines: %matplotlib inline, !pip install numpy".
    public var notes: [String]
    /// `origins[i]` is the origin of generated line i + 1 (nil for the "# %% cell" markers).
    public var origins: [Origin?]

    /// The notebook position of a line of the generated file.
    public func origin(ofLine line: Int) -> Origin? {
        guard line >= 1, line <= origins.count else { return nil }
        return origins[line - 1]
    }
}

public enum Notebook {
    /// Converts notebook JSON; `fileName` names the notebook in errors.
    public static func convert(_ data: Data, fileName: String) throws -> NotebookConversion {
        let root: JSONValue
        do {
            root = try JSONValue.parse(data)
        } catch {
            throw HarnessError.notebook(file: fileName, reason: "it is not valid JSON (\(error))")
        }
        guard case .array(let cells)? = root["cells"] else {
            throw HarnessError.notebook(
                file: fileName, reason: "no \"cells\" list; is it a Jupyter notebook (nbformat 4)?")
        }
        var lines: [String] = []
        var origins: [NotebookConversion.Origin?] = []
        var dropped: [String] = []
        for (index, cell) in cells.enumerated() {
            guard cell["cell_type"]?.stringValue == "code" else { continue }
            let number = index + 1
            let text: String
            switch cell["source"] {
            case .string(let value)?: text = value
            case .array(let parts)?: text = parts.compactMap(\.stringValue).joined()
            default: text = ""
            }
            lines.append("# %% cell \(number)")
            origins.append(nil)
            var cellLines = text.components(separatedBy: "\n")
            if cellLines.last == "" { cellLines.removeLast() }
            // A cell magic (%%bash, %%writefile…) makes the whole cell something other than Python.
            let cellMagic =
                cellLines.first?.trimmingCharacters(in: .whitespaces).hasPrefix("%%") == true
            for (offset, line) in cellLines.enumerated() {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                let indent = String(line.prefix { $0 == " " || $0 == "\t" })
                if cellMagic || trimmed.hasPrefix("!") || trimmed.hasPrefix("%") {
                    dropped.append(trimmed)
                    // `pass` keeps the line numbering and any enclosing block valid.
                    lines.append(
                        cellMagic && offset > 0
                            ? "# \(line)" : "\(indent)pass  # lmlab dropped: \(trimmed)")
                } else {
                    lines.append(line)
                }
                origins.append(.init(cell: number, line: offset + 1))
            }
        }
        var notes: [String] = []
        if !dropped.isEmpty {
            let shown = dropped.prefix(5).joined(separator: ", ") + (dropped.count > 5 ? ", …" : "")
            notes.append(
                "dropped \(dropped.count) shell/magic line\(dropped.count == 1 ? "" : "s") from "
                    + "\(fileName): \(shown)")
        }
        return NotebookConversion(
            source: lines.joined(separator: "\n") + "\n", notes: notes, origins: origins)
    }
}

extension StudentError {
    /// Points file/line and the traceback of an error in `generatedFile` at notebook cells.
    public func remapped(
        by conversion: NotebookConversion, generatedFile: String, notebookName: String
    )
        -> StudentError
    {
        var copy = self
        if file == generatedFile, let line, let origin = conversion.origin(ofLine: line) {
            copy.file = notebookName
            copy.line = origin.line
            copy.cell = origin.cell
        }
        // Rewrite `File "attention.py", line 12` in the traceback the same way.
        var rewritten: [String] = []
        let marker = "File \"\(generatedFile)\", line "
        for line in traceback.components(separatedBy: "\n") {
            guard let range = line.range(of: marker) else {
                rewritten.append(line)
                continue
            }
            let rest = line[range.upperBound...]
            let digits = rest.prefix { $0.isNumber }
            if let number = Int(digits), let origin = conversion.origin(ofLine: number) {
                rewritten.append(
                    String(line[..<range.lowerBound])
                        + "File \"\(notebookName)\", cell \(origin.cell), line \(origin.line)"
                        + rest.dropFirst(digits.count))
            } else {
                rewritten.append(line)
            }
        }
        copy.traceback = rewritten.joined(separator: "\n")
        return copy
    }
}
