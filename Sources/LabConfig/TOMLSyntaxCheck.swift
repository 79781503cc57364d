// A TOML 1.0 syntax check run before the TOML parser (toml++, inside TOMLKit) sees a file.
// toml++ asserts on some invalid input instead of reporting it — a table header whose name does
// not start with a key character (`[=`), a '}' where an array expects a value (`[1, }`), a
// date-time whose time does not start with a digit (`2026-12-14T:`) or is cut short
// (`2026-12-14 2 `) — which aborts a debug build and is undefined behaviour in a release one;
// and a NUL byte silently cuts the text short, since TOMLKit hands it over as a C string. So
// the text's structure (keys, headers, strings, arrays, inline tables, the shape of every bare
// value) is checked here first, with limits on size and nesting; valid TOML always passes, and
// anything else is refused at its line and column with what to write instead.

/// Where a TOML text breaks the syntax, and what to write instead.
public struct TOMLSyntaxProblem: Error, Equatable {
    public var line: Int
    public var column: Int
    public var reason: String
}

struct TOMLSyntaxCheck {
    /// Larger files are refused: a lab.toml is a few kilobytes (fixtures are separate files).
    static let maxBytes = 1 << 20
    /// Arrays and inline tables nest at most this deep.
    static let maxDepth = 64

    /// The first syntax problem of `text`, or nil if it is TOML as far as this check sees.
    static func problem(in text: String) -> TOMLSyntaxProblem? {
        var check = TOMLSyntaxCheck(bytes: Array(text.utf8))
        do {
            try check.document()
            return nil
        } catch {
            return error
        }
    }

    private let bytes: [UInt8]
    private var i = 0
    // Built once per check: a Regex compiles its program on first use.
    private let date = Self.datePattern
    private let bareValue = Self.bareValuePattern

    private init(bytes: [UInt8]) { self.bytes = bytes }

    // MARK: - Document, headers, key/value pairs

    private mutating func document() throws(TOMLSyntaxProblem) {
        guard bytes.count <= Self.maxBytes else {
            throw TOMLSyntaxProblem(
                line: 1, column: 1,
                reason: "the file has \(bytes.count) bytes, more than the \(Self.maxBytes) a "
                    + "TOML file here may have; keep large data in fixture files")
        }
        if let nul = bytes.firstIndex(of: 0) {
            throw problem(
                at: nul,
                "a NUL byte: a TOML file is UTF-8 text (was it saved as UTF-16, or by a word "
                    + "processor?); remove it")
        }
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { i = 3 }  // a byte-order mark
        while current != nil {
            skipBlanks()
            switch current {
            case nil: return
            case UInt8(ascii: "#"), UInt8(ascii: "\n"), UInt8(ascii: "\r"): break
            case UInt8(ascii: "["): try header()
            default: try keyValue(depth: 0)
            }
            try endOfLine()
        }
    }

    /// `[name]` or `[[name]]`, with a dotted name.
    private mutating func header() throws(TOMLSyntaxProblem) {
        i += 1
        let arrayOfTables = current == UInt8(ascii: "[")
        if arrayOfTables { i += 1 }
        skipBlanks()
        try key(
            expecting: "a table header needs a name after its '[', like [limits], [[tests]] or "
                + "[\"a quoted name\"]")
        skipBlanks()
        for _ in 0..<(arrayOfTables ? 2 : 1) {
            guard current == UInt8(ascii: "]") else {
                throw problem(
                    at: i,
                    "expected '\(arrayOfTables ? "]]" : "]")' to close the table header, found "
                        + described(i))
            }
            i += 1
        }
    }

    /// `key = value`.
    private mutating func keyValue(depth: Int) throws(TOMLSyntaxProblem) {
        try key(
            expecting: "expected a key (letters, digits, '_' or '-', or a quoted string)")
        skipBlanks()
        guard current == UInt8(ascii: "=") else {
            throw problem(at: i, "expected '=' after the key, found \(described(i))")
        }
        i += 1
        skipBlanks()
        try value(depth: depth)
    }

    /// A dotted key: simple keys joined by '.', blanks allowed around the dots.
    private mutating func key(expecting: String) throws(TOMLSyntaxProblem) {
        try simpleKey(expecting: expecting)
        while true {
            let before = i
            skipBlanks()
            guard current == UInt8(ascii: ".") else {
                i = before
                return
            }
            i += 1
            skipBlanks()
            try simpleKey(expecting: "expected a key after the '.'")
        }
    }

    private mutating func simpleKey(expecting: String) throws(TOMLSyntaxProblem) {
        switch current {
        case let byte? where isBareKeyByte(byte):
            while let byte = current, isBareKeyByte(byte) { i += 1 }
        case UInt8(ascii: "\"")?, UInt8(ascii: "'")?:
            if isTripleQuote(at: i) {
                throw problem(at: i, "a key cannot be a multi-line string")
            }
            try string()
        default:
            throw problem(at: i, "\(expecting); found \(described(i))")
        }
    }

    /// After a statement: blanks, maybe a comment, then a newline or the end of the file.
    private mutating func endOfLine() throws(TOMLSyntaxProblem) {
        skipBlanks()
        if current == UInt8(ascii: "#") { skipComment() }
        switch current {
        case nil: return
        case UInt8(ascii: "\n"): i += 1
        case UInt8(ascii: "\r") where byte(at: i + 1) == UInt8(ascii: "\n"): i += 2
        default:
            throw problem(
                at: i, "expected the end of the line (or a # comment), found \(described(i))")
        }
    }

    // MARK: - Values

    private mutating func value(depth: Int) throws(TOMLSyntaxProblem) {
        switch current {
        case UInt8(ascii: "\"")?, UInt8(ascii: "'")?: try string()
        case UInt8(ascii: "[")?: try array(depth: depth + 1)
        case UInt8(ascii: "{")?: try inlineTable(depth: depth + 1)
        default: try bareValueToken()
        }
    }

    private mutating func array(depth: Int) throws(TOMLSyntaxProblem) {
        try checkDepth(depth)
        i += 1
        while true {
            try skipArraySpace()
            if current == UInt8(ascii: "]") {
                i += 1
                return
            }
            try value(depth: depth)
            try skipArraySpace()
            switch current {
            case UInt8(ascii: ",")?: i += 1
            case UInt8(ascii: "]")?:
                i += 1
                return
            default:
                throw problem(at: i, "expected ',' or ']' in the array, found \(described(i))")
            }
        }
    }

    /// `{ key = value, … }` on one line, without a trailing comma.
    private mutating func inlineTable(depth: Int) throws(TOMLSyntaxProblem) {
        try checkDepth(depth)
        i += 1
        skipBlanks()
        if current == UInt8(ascii: "}") {
            i += 1
            return
        }
        while true {
            try keyValue(depth: depth)
            skipBlanks()
            switch current {
            case UInt8(ascii: ",")?:
                i += 1
                skipBlanks()
            case UInt8(ascii: "}")?:
                i += 1
                return
            default:
                throw problem(
                    at: i,
                    "expected ',' or '}' in the inline table (which stays on one line), found "
                        + described(i))
            }
        }
    }

    private func checkDepth(_ depth: Int) throws(TOMLSyntaxProblem) {
        guard depth <= Self.maxDepth else {
            throw problem(
                at: i, "arrays and inline tables nest more than \(Self.maxDepth) deep here")
        }
    }

    /// "…", '…', """…""" or '''…'''.
    private mutating func string() throws(TOMLSyntaxProblem) {
        let start = i
        let quote = bytes[i]
        let basic = quote == UInt8(ascii: "\"")
        if isTripleQuote(at: i) {
            i += 3
            while let byte = current {
                if basic && byte == UInt8(ascii: "\\") {
                    i += 2
                    continue
                }
                guard byte == quote else {
                    i += 1
                    continue
                }
                var run = 0
                while current == quote {
                    i += 1
                    run += 1
                }
                if run >= 3 {
                    guard run <= 5 else {
                        throw problem(at: i - run, "too many quotes closing a multi-line string")
                    }
                    return
                }
            }
            throw problem(at: start, "this multi-line string is never closed")
        }
        i += 1
        while let byte = current, byte != UInt8(ascii: "\n") {
            i += 1
            if basic && byte == UInt8(ascii: "\\") {
                i += 1
            } else if byte == quote {
                return
            }
        }
        throw problem(at: start, "this string is not closed on its line")
    }

    /// A number, boolean or date/time: read up to a value terminator, then matched whole.
    private mutating func bareValueToken() throws(TOMLSyntaxProblem) {
        let start = i
        skipToTerminator()
        // A date and a time may be separated by a space (2026-12-07 23:59:00).
        if i - start == 10, current == UInt8(ascii: " "),
            let next = byte(at: i + 1), isDigit(next),
            String(decoding: bytes[start..<i], as: UTF8.self).wholeMatch(of: date) != nil
        {
            i += 1
            skipToTerminator()
        }
        guard i > start else { throw problem(at: start, "expected a value, found \(described(start))") }
        let token = String(decoding: bytes[start..<i], as: UTF8.self)
        guard token.wholeMatch(of: bareValue) == nil else { return }
        throw problem(
            at: start,
            "'\(token)' is not a TOML value: write text in quotes (\"…\"), numbers like 3, -1.5 "
                + "or 1e-5, true or false, or a date like 2026-12-07T23:59:00Z")
    }

    private mutating func skipToTerminator() {
        while let byte = current, !Self.terminators.contains(byte) { i += 1 }
    }

    private static let terminators: Set<UInt8> = Set(" \t\r\n,]}#".utf8)
    // Computed: Regex is not Sendable, so it cannot be a stored static.
    private static var datePattern: Regex<Substring> { #/[0-9]{4}-[0-9]{2}-[0-9]{2}/# }
    /// TOML 1.0's booleans, integers (decimal, hex, octal, binary), floats and date/times.
    private static var bareValuePattern: Regex<Substring> {
        #/
        true | false | [+-]?(?:inf|nan)
        | 0x[0-9A-Fa-f](?:_?[0-9A-Fa-f])* | 0o[0-7](?:_?[0-7])* | 0b[01](?:_?[01])*
        | [+-]?(?:0|[1-9](?:_?[0-9])*) (?:\.[0-9](?:_?[0-9])*)? (?:[eE][+-]?[0-9](?:_?[0-9])*)?
        | [0-9]{4}-[0-9]{2}-[0-9]{2}
          (?:[Tt\ ][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?(?:[Zz]|[+-][0-9]{2}:[0-9]{2})?)?
        | [0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?
        /#
    }

    // MARK: - Blanks, comments, positions

    private var current: UInt8? { byte(at: i) }

    private func byte(at offset: Int) -> UInt8? { offset < bytes.count ? bytes[offset] : nil }

    private mutating func skipBlanks() {
        while current == UInt8(ascii: " ") || current == UInt8(ascii: "\t") { i += 1 }
    }

    private mutating func skipComment() {
        while let byte = current, byte != UInt8(ascii: "\n") { i += 1 }
    }

    /// Blanks, newlines and comments, as allowed between an array's values.
    private mutating func skipArraySpace() throws(TOMLSyntaxProblem) {
        while let byte = current {
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"): i += 1
            case UInt8(ascii: "\r") where self.byte(at: i + 1) == UInt8(ascii: "\n"): i += 2
            case UInt8(ascii: "#"): skipComment()
            default: return
            }
        }
        throw problem(at: i, "this array is never closed with ']'")
    }

    private func isTripleQuote(at offset: Int) -> Bool {
        byte(at: offset + 1) == bytes[offset] && byte(at: offset + 2) == bytes[offset]
    }

    /// A..Z, a..z, 0..9, '_' and '-': TOML 1.0's bare-key characters.
    private func isBareKeyByte(_ byte: UInt8) -> Bool {
        isDigit(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
            || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
    }

    private func isDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    private func problem(at offset: Int, _ reason: String) -> TOMLSyntaxProblem {
        let offset = min(offset, bytes.count)
        var line = 1
        var lineStart = 0
        for index in 0..<offset where bytes[index] == UInt8(ascii: "\n") {
            line += 1
            lineStart = index + 1
        }
        let column = bytes[lineStart..<offset].filter { $0 & 0xC0 != 0x80 }.count + 1
        return TOMLSyntaxProblem(line: line, column: column, reason: reason)
    }

    /// The character at `offset`, as an author would recognise it.
    private func described(_ offset: Int) -> String {
        guard let byte = byte(at: offset) else { return "the end of the file" }
        switch byte {
        case UInt8(ascii: "\n"), UInt8(ascii: "\r"): return "the end of the line"
        case UInt8(ascii: "\t"): return "a tab"
        default:
            var end = offset + 1
            while let next = self.byte(at: end), next & 0xC0 == 0x80 { end += 1 }
            return "'\(String(decoding: bytes[offset..<end], as: UTF8.self))'"
        }
    }
}
