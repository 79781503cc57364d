// Reading and writing a tokenizer as Hugging Face's GPT-2 files: vocab.json (token → id)
// and merges.txt (one "left right" merge per line, rank order, optional #version header).
import Foundation

extension BPETokenizer {
    /// Loads `folder/vocab.json` and `folder/merges.txt`. Errors name the file and line.
    public init(folder: URL) throws {
        let vocabURL = folder.appendingPathComponent("vocab.json")
        let mergesURL = folder.appendingPathComponent("merges.txt")
        let vocab = try Self.readVocab(vocabURL)
        let (merges, lineNumbers) = try Self.readMerges(mergesURL)
        try self.init(vocab: vocab, merges: merges,
                      locations: { "\(mergesURL.path) line \(lineNumbers[$0])" })
    }

    /// Writes vocab.json (ordered by id) and merges.txt (with a `#version: 0.2` header) into
    /// `folder`, creating it if needed; each file is replaced atomically.
    public func write(to folder: URL) throws {
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw TokenizerError.cannotWrite(path: folder.path, reason: error.localizedDescription)
        }
        var vocabJSON = "{"
        for (id, token) in tokens.enumerated() {
            if id > 0 { vocabJSON += "," }
            vocabJSON += jsonString(token) + ":" + String(id)
        }
        vocabJSON += "}\n"
        var mergesText = "#version: 0.2\n"
        for (left, right) in merges {
            mergesText += left + " " + right + "\n"
        }
        for (name, text) in [("vocab.json", vocabJSON), ("merges.txt", mergesText)] {
            let url = folder.appendingPathComponent(name)
            do {
                try Data(text.utf8).write(to: url, options: .atomic)
            } catch {
                throw TokenizerError.cannotWrite(path: url.path, reason: error.localizedDescription)
            }
        }
    }

    static func readVocab(_ url: URL) throws -> [String: Int] {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw TokenizerError.cannotRead(path: url.path, reason: readReason(error))
        }
        do {
            return try JSONDecoder().decode([String: Int].self, from: data)
        } catch let error as DecodingError {
            throw TokenizerError.malformedVocab(path: url.path, reason: describe(error))
        } catch {
            throw TokenizerError.malformedVocab(path: url.path, reason: "\(error)")
        }
    }

    /// The merges of merges.txt and the 1-based line each came from.
    static func readMerges(_ url: URL) throws -> ([(String, String)], [Int]) {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw TokenizerError.cannotRead(path: url.path, reason: readReason(error))
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw TokenizerError.cannotRead(path: url.path, reason: "it is not valid UTF-8")
        }
        var merges: [(String, String)] = []
        var lineNumbers: [Int] = []
        // "\r\n" is one Character in Swift, so it must be named as a separator too.
        let lines = text.split(
            omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        for (index, rawLine) in lines.enumerated() {
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
            if line.isEmpty || (index == 0 && line.hasPrefix("#version")) { continue }
            let parts = line.split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw TokenizerError.malformedMerge(
                    location: "\(url.path) line \(index + 1)", line: String(line))
            }
            merges.append((String(parts[0]), String(parts[1])))
            lineNumbers.append(index + 1)
        }
        return (merges, lineNumbers)
    }

    private static func readReason(_ error: Error) -> String {
        let nsError = error as NSError
        if nsError.domain == NSCocoaErrorDomain, nsError.code == NSFileReadNoSuchFileError {
            return "no such file"
        }
        return nsError.localizedDescription
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .dataCorrupted(let context):
            let underlying = context.underlyingError.map { " (\($0.localizedDescription))" } ?? ""
            return context.debugDescription + underlying
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            let key = context.codingPath.last.map { "token \(quoted($0.stringValue)): " } ?? ""
            return key + context.debugDescription
        case .keyNotFound(let key, _):
            return "missing key \(key.stringValue)"
        @unknown default:
            return "\(error)"
        }
    }
}

/// `text` as a JSON string literal; non-ASCII characters stay as they are, as HF writes them.
func jsonString(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if scalar.value < 0x20 {
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out + "\""
}
