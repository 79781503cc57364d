// The filter language's tokens: dotted fields (with `backtick` quoted parts), numbers, quoted
// strings, comparison operators, parentheses, commas and the keywords AND OR NOT IN LIKE ILIKE.
import Foundation

struct FilterToken: Equatable {
    enum Kind: Equatable {
        /// A field: its parts, and for each whether it was quoted (so `min` can be a key).
        case field([String], quoted: [Bool])
        case number(Double, text: String)
        case string(String)
        case op(String)
        case keyword(String)
        case leftParen, rightParen, comma, end
    }
    var kind: Kind
    /// 1-based column of the token's first character.
    var column: Int
    var text: String
}

enum FilterLexer {
    static let keywords: Set<String> = ["AND", "OR", "NOT", "IN", "LIKE", "ILIKE", "ASC", "DESC"]

    static func tokenize(_ source: String) throws -> [FilterToken] {
        let chars = Array(source)
        var tokens: [FilterToken] = []
        var i = 0
        func fail(_ at: Int, _ message: String) -> TrackingError {
            .syntax(text: source, column: at + 1, message: message)
        }
        while i < chars.count {
            let c = chars[i]
            let start = i
            if c.isWhitespace {
                i += 1
                continue
            }
            switch c {
            case "(":
                tokens.append(FilterToken(kind: .leftParen, column: i + 1, text: "("))
                i += 1
            case ")":
                tokens.append(FilterToken(kind: .rightParen, column: i + 1, text: ")"))
                i += 1
            case ",":
                tokens.append(FilterToken(kind: .comma, column: i + 1, text: ","))
                i += 1
            case "=", "!", "<", ">":
                var op = String(c)
                i += 1
                if i < chars.count, chars[i] == "=" || (c == "<" && chars[i] == ">") {
                    op.append(chars[i])
                    i += 1
                }
                if op == "!" { throw fail(start, "'!' must be followed by '=' (write !=)") }
                if op == "==" { op = "=" }
                if op == "<>" { op = "!=" }
                tokens.append(FilterToken(kind: .op(op), column: start + 1, text: op))
            case "'", "\"":
                i += 1
                var value = ""
                var closed = false
                while i < chars.count {
                    if chars[i] == c {
                        // A doubled quote stands for itself, as in SQL.
                        if i + 1 < chars.count, chars[i + 1] == c {
                            value.append(c)
                            i += 2
                            continue
                        }
                        closed = true
                        i += 1
                        break
                    }
                    value.append(chars[i])
                    i += 1
                }
                if !closed { throw fail(start, "unterminated string: add the closing \(c)") }
                tokens.append(
                    FilterToken(
                        kind: .string(value), column: start + 1,
                        text: String(chars[start..<i])))
            default:
                if c.isNumber || ((c == "-" || c == "+" || c == ".") && i + 1 < chars.count
                    && (chars[i + 1].isNumber || chars[i + 1] == "."))
                {
                    i += 1
                    while i < chars.count,
                        chars[i].isNumber || chars[i] == "." || chars[i] == "e" || chars[i] == "E"
                            || ((chars[i] == "-" || chars[i] == "+")
                                && (chars[i - 1] == "e" || chars[i - 1] == "E"))
                    {
                        i += 1
                    }
                    let text = String(chars[start..<i])
                    guard let value = Double(text), value.isFinite else {
                        throw fail(start, "'\(text)' is not a number")
                    }
                    tokens.append(
                        FilterToken(kind: .number(value, text: text), column: start + 1, text: text))
                } else if c.isLetter || c == "_" || c == "`" {
                    tokens.append(try lexWord(chars, &i, source: source))
                } else {
                    throw fail(start, "unexpected character '\(c)'")
                }
            }
        }
        tokens.append(FilterToken(kind: .end, column: chars.count + 1, text: ""))
        return tokens
    }

    /// A keyword or a field: parts separated by dots, each plain or in backticks.
    private static func lexWord(_ chars: [Character], _ i: inout Int, source: String) throws
        -> FilterToken
    {
        let start = i
        var parts: [String] = []
        var quoted: [Bool] = []
        while true {
            if i < chars.count, chars[i] == "`" {
                let open = i
                i += 1
                var part = ""
                while i < chars.count, chars[i] != "`" {
                    part.append(chars[i])
                    i += 1
                }
                guard i < chars.count else {
                    throw TrackingError.syntax(
                        text: source, column: open + 1,
                        message: "unterminated `quoted` name: add the closing backtick")
                }
                i += 1
                parts.append(part)
                quoted.append(true)
            } else {
                var part = ""
                while i < chars.count,
                    chars[i].isLetter || chars[i].isNumber || chars[i] == "_" || chars[i] == "-"
                        || chars[i] == "/" || chars[i] == ":"
                {
                    part.append(chars[i])
                    i += 1
                }
                if part.isEmpty {
                    throw TrackingError.syntax(
                        text: source, column: i + 1,
                        message: "expected a name after '.' in '\(String(chars[start..<i]))'")
                }
                parts.append(part)
                quoted.append(false)
            }
            if i < chars.count, chars[i] == "." {
                i += 1
                continue
            }
            break
        }
        let text = String(chars[start..<i])
        if parts.count == 1, !quoted[0], keywords.contains(parts[0].uppercased()) {
            return FilterToken(kind: .keyword(parts[0].uppercased()), column: start + 1, text: text)
        }
        return FilterToken(kind: .field(parts, quoted: quoted), column: start + 1, text: text)
    }
}
