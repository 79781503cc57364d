// The tokenizer (lab 04): bytes_to_unicode, pre-tokenization, BPE encoding and decoding. The
// family's one home: each component's reference (the Tokenizer module), and the catalogued
// mistakes, computed by this file's plain tokenizer with a knob turned (the byte table, the
// pre-tokenization pattern, the merge order).
import Foundation
import Tokenizer

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
        case .gpt2: return PreTokenizer.gpt2Pattern
        case .whitespaceSplit: return #"\S+"#
        case .wordsAndPunctuation: return #"\w+|[^\w\s]+"#
        case .noLeadingSpace:
            return #"'s|'t|'re|'ve|'m|'ll|'d|\p{L}+|\p{N}+|[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#
        case .noLookahead:
            return #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+"#
        }
    }
}

/// The pieces of `text` under `pattern`: GPT-2's is the Tokenizer's own scanner.
func pretokenize(_ text: String, _ pattern: PretokenizePattern = .gpt2) -> [String] {
    guard pattern != .gpt2 else { return PreTokenizer.split(text) }
    guard let regex = try? NSRegularExpression(pattern: pattern.regex) else { return [] }
    let ns = text as NSString
    return regex.matches(in: text, range: NSRange(location: 0, length: ns.length))
        .map { ns.substring(with: $0.range) }
}

/// How a word's merges are chosen: lowest rank first (correct), or the pair occurring most
/// often in the word (ties to the lower rank).
enum MergeOrder: Sendable { case rank, frequency }

struct BPEVariant: Sendable, Equatable {
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
    var ids: [Int] = []
    for piece in pretokenize(text, variant.pattern) {
        let symbols: [String] = variant.mapBytes
            ? piece.utf8.map { b in ByteUnicode.encode([b]) }
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
    guard let bytes = ByteUnicode.decode(joined) else { return nil }
    return String(decoding: bytes, as: UTF8.self)
}

/// The encoder dict (str → int) and the merges list of [a, b] pairs from a case's arguments.
func vocabulary(_ args: CaseArguments, _ name: String, merges mergesName: String?) throws
    -> ([String: Int], [(String, String)])
{
    guard let dict = args[name]?.dictValue else { throw GradingError.badArgument(name, "a dict") }
    var encoder: [String: Int] = [:]
    for (token, id) in dict {
        guard let id = id.intValue else { throw GradingError.badArgument("\(name)[\(token)]", "an int") }
        encoder[token] = id
    }
    var merges: [(String, String)] = []
    if let mergesName {
        guard case .list(let items) = args[mergesName] else {
            throw GradingError.badArgument(mergesName, "a list of pairs")
        }
        for item in items {
            guard case .list(let pair) = item, pair.count == 2, let a = pair[0].stringValue,
                let b = pair[1].stringValue
            else { throw GradingError.badArgument(mergesName, "a list of [a, b] string pairs") }
            merges.append((a, b))
        }
    }
    return (encoder, merges)
}

let bpeFamily = ComponentFamily(
    name: "tokenizer",
    components: [
        Component(name: "bytes_to_unicode") { _, k in
            var table: [String: GradedValue] = [:]
            for b in 0...255 {
                table[String(b)] = .text(k.identityByteTable
                    ? String(Character(Unicode.Scalar(UInt8(b)))) : ByteUnicode.encode([UInt8(b)]))
            }
            return .dict(table)
        },
        Component(name: "pretokenize") { a, k in
            .strings(pretokenize(try a.string("text"), k.bpe.pattern))
        },
        Component(name: "bpe_encode") { a, k in
            let (encoder, merges) = try vocabulary(a, "encoder", merges: "merges")
            let text = try a.string("text")
            guard k.bpe == BPEVariant() else {
                return bpeEncode(text, encoder: encoder, merges: merges, k.bpe).map(GradedValue.ids)
            }
            let tokenizer = try BPETokenizer(vocab: encoder, merges: merges)
            return .ids(tokenizer.encode(text, allowSpecial: false))
        },
        Component(name: "decode") { a, k in
            let (vocab, _) = try vocabulary(a, "decoder_vocab", merges: nil)
            let ids = try a.ids("ids")
            guard k.bpe.mapBytes else {
                return bpeDecode(ids, vocab: vocab, mapBytes: false).map(GradedValue.text)
            }
            var decoder: [Int: String] = [:]
            for (token, id) in vocab { decoder[id] = token }
            var joined = ""
            for id in ids {
                guard let token = decoder[id] else {
                    throw GradingError.badArgument("ids", "known ids")
                }
                joined += token
            }
            guard let bytes = ByteUnicode.decode(joined) else {
                throw GradingError.badArgument("decoder_vocab", "byte-level tokens")
            }
            return .text(String(decoding: bytes, as: UTF8.self))
        },
    ],
    mistakes: [
        Mistake(
            id: "bpe_merge_by_frequency", title: "BPE merges applied by frequency, not by rank",
            components: ["bpe_encode"],
            hint: "When encoding, BPE repeatedly merges the adjacent pair with the LOWEST rank "
                + "(earliest line in merges.txt) — the order they were learned in training — not the "
                + "pair that occurs most often in the word.",
            nonFiniteSignature: false, variants: one { $0.bpe.order = .frequency }),
        Mistake(
            id: "missing_byte_to_unicode", title: "Bytes not mapped through bytes_to_unicode",
            components: ["bytes_to_unicode", "bpe_encode", "decode"],
            hint: "GPT-2's tokenizer works on UTF-8 bytes, each shown as a printable character by "
                + "bytes_to_unicode (a space becomes 'Ġ'). Encode: text → UTF-8 bytes → those "
                + "characters; decode: the inverse table back to bytes, then UTF-8.",
            nonFiniteSignature: false,
            variants: one {
                $0.bpe.mapBytes = false
                $0.identityByteTable = true
            },
            // Looking up raw characters such as ' ' (GPT-2's vocabulary has 'Ġ') fails.
            errorSignature: { component, type, message in
                component == "bpe_encode" && type == "KeyError" && message.count == 3
                    && message.hasPrefix("'") && message.hasSuffix("'")
                    && message.dropFirst().first.map { !$0.isLetter || !$0.isASCII } == true
            }),
        Mistake(
            id: "wrong_pretokenize_pattern", title: "Wrong pre-tokenization pattern",
            components: ["pretokenize", "bpe_encode"],
            hint: "GPT-2 splits text with one regex before BPE: contractions, ' ?\\p{L}+', "
                + "' ?\\p{N}+', ' ?[^\\s\\p{L}\\p{N}]+', '\\s+(?!\\S)', '\\s+' — a word keeps its "
                + "leading space, and runs of spaces leave the last one for the next word.",
            nonFiniteSignature: false,
            variants: { _, _ in
                PretokenizePattern.allCases.filter { $0 != .gpt2 }.map { p in knobs { $0.bpe.pattern = p } }
            }),
    ])
