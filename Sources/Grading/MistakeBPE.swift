// The tokenizer lab's maths with knobs: byte↔unicode table, pre-tokenization patterns and BPE
// merge order, so the tokenizer mistakes are computed the same way as the model ones.
import Foundation

/// GPT-2's bytes_to_unicode: printable bytes map to themselves, the other 68 to 256, 257, …
func byteToUnicodeTable() -> [UInt8: Unicode.Scalar] {
    var printable = Array(33...126) + Array(161...172) + Array(174...255)
    var codes = printable
    var next = 0
    for b in 0..<256 where !printable.contains(b) {
        printable.append(b)
        codes.append(256 + next)
        next += 1
    }
    var table: [UInt8: Unicode.Scalar] = [:]
    for (b, c) in zip(printable, codes) {
        if let scalar = Unicode.Scalar(UInt32(c)) { table[UInt8(b)] = scalar }
    }
    return table
}

/// Pre-tokenization patterns: GPT-2's and the wrong ones students write instead.
enum PretokenizePattern: Sendable, CaseIterable {
    case gpt2
    /// text.split(): whitespace dropped.
    case whitespaceSplit
    /// re.findall(r"\w+|[^\w\s]+", text): no leading spaces.
    case wordsAndPunctuation
    /// GPT-2's pattern without the optional leading space (` ?`).
    case noLeadingSpace
    /// GPT-2's pattern without `\s+(?!\S)` (all whitespace in one token).
    case noLookahead

    var regex: String {
        switch self {
        case .gpt2:
            return #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#
        case .whitespaceSplit: return #"\S+"#
        case .wordsAndPunctuation: return #"\w+|[^\w\s]+"#
        case .noLeadingSpace:
            return #"'s|'t|'re|'ve|'m|'ll|'d|\p{L}+|\p{N}+|[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#
        case .noLookahead:
            return #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+"#
        }
    }
}

func pretokenize(_ text: String, _ pattern: PretokenizePattern = .gpt2) -> [String] {
    guard let regex = try? NSRegularExpression(pattern: pattern.regex) else { return [] }
    let ns = text as NSString
    return regex.matches(in: text, range: NSRange(location: 0, length: ns.length))
        .map { ns.substring(with: $0.range) }
}

/// How a word's merges are chosen: lowest rank first (correct), or the pair occurring most
/// often in the word (ties to the lower rank).
enum MergeOrder: Sendable { case rank, frequency }

struct BPEVariant: Sendable {
    var pattern = PretokenizePattern.gpt2
    var mapBytes = true
    var order = MergeOrder.rank
}

private struct Pair: Hashable {
    let a: String
    let b: String
}

/// Merges one pre-token's symbols until no ranked pair is left.
func bpeWord(_ symbols: [String], ranks: [String: [String: Int]], order: MergeOrder) -> [String] {
    var word = symbols
    while word.count > 1 {
        var best: (rank: Int, count: Int, a: String, b: String)?
        var counts: [Pair: Int] = [:]
        if order == .frequency {
            for i in 0..<(word.count - 1) { counts[Pair(a: word[i], b: word[i + 1]), default: 0] += 1 }
        }
        for i in 0..<(word.count - 1) {
            guard let rank = ranks[word[i]]?[word[i + 1]] else { continue }
            let count = counts[Pair(a: word[i], b: word[i + 1])] ?? 0
            let better: Bool
            if let current = best {
                better = order == .rank
                    ? rank < current.rank
                    : (count > current.count || (count == current.count && rank < current.rank))
            } else {
                better = true
            }
            if better { best = (rank, count, word[i], word[i + 1]) }
        }
        guard let merge = best else { break }
        var merged: [String] = []
        var i = 0
        while i < word.count {
            if i + 1 < word.count && word[i] == merge.a && word[i + 1] == merge.b {
                merged.append(merge.a + merge.b)
                i += 2
            } else {
                merged.append(word[i])
                i += 1
            }
        }
        word = merged
    }
    return word
}

/// Encodes text with a byte-level vocabulary; nil when a symbol is not in the vocabulary
/// (the student's code would have raised a KeyError there).
func bpeEncode(_ text: String, encoder: [String: Int], merges: [(String, String)],
               _ variant: BPEVariant = .init()) -> [Int]?
{
    var ranks: [String: [String: Int]] = [:]
    for (rank, pair) in merges.enumerated() where ranks[pair.0]?[pair.1] == nil {
        ranks[pair.0, default: [:]][pair.1] = rank
    }
    let table = byteToUnicodeTable()
    var ids: [Int] = []
    for piece in pretokenize(text, variant.pattern) {
        let symbols: [String] = variant.mapBytes
            ? piece.utf8.map { b in table[b].map { String(Character($0)) } ?? "" }
            : piece.unicodeScalars.map { String(Character($0)) }
        for token in bpeWord(symbols, ranks: ranks, order: variant.order) {
            guard let id = encoder[token] else { return nil }
            ids.append(id)
        }
    }
    return ids
}

/// Decodes ids: tokens joined, then (correctly) mapped back to bytes and read as UTF-8.
func bpeDecode(_ ids: [Int], vocab: [String: Int], mapBytes: Bool = true) -> String? {
    var decoder: [Int: String] = [:]
    for (token, id) in vocab { decoder[id] = token }
    var joined = ""
    for id in ids {
        guard let token = decoder[id] else { return nil }
        joined += token
    }
    guard mapBytes else { return joined }
    var inverse: [Unicode.Scalar: UInt8] = [:]
    for (b, scalar) in byteToUnicodeTable() { inverse[scalar] = b }
    var bytes: [UInt8] = []
    for scalar in joined.unicodeScalars {
        guard let b = inverse[scalar] else { return nil }
        bytes.append(b)
    }
    return String(decoding: bytes, as: UTF8.self)
}
