// GPT-2 byte-level BPE: a vocabulary and a ranked merge list, encoding text to ids and
// decoding ids to text exactly as GPT-2, tiktoken and Hugging Face tokenizers do.
import Foundation

/// A byte-level BPE tokenizer (GPT-2 style).
///
/// Text is cut by ``PreTokenizer``, each piece's UTF-8 bytes become byte symbols
/// (``ByteUnicode``), and inside each piece adjacent symbols are merged by rank — the merge
/// listed first wins — until no listed pair is left. Tokens of the vocabulary that are
/// neither a byte symbol nor the result of a merge (such as `<|endoftext|>`) are the special
/// tokens: `encode` recognises them in the text when `allowSpecial` is true.
public struct BPETokenizer: Sendable {
    /// The token strings (byte symbols, as in vocab.json), indexed by id.
    public let tokens: [String]
    /// The id of each token string.
    public let ids: [String: Int]
    /// The merges in rank order (rank 0 first), as token strings.
    public let merges: [(String, String)]
    /// Tokens that are neither a byte symbol nor a merge result, by their text.
    public let specialTokens: [String: Int]

    /// The number of tokens, special tokens included.
    public var vocabSize: Int { tokens.count }
    /// The id of `<|endoftext|>`, if the vocabulary has it.
    public var eotID: Int? { ids["<|endoftext|>"] }

    /// `byteIDs[b]` is the id of byte `b`'s symbol.
    let byteIDs: [Int32]
    /// For each merged pair (left id << 32 | right id): its rank and the id it merges into.
    let mergeTable: [UInt64: Merge]
    /// The bytes each id decodes to.
    let tokenBytes: [[UInt8]]
    /// Finds the special tokens in text for `encode`.
    let specialMatcher: SpecialTokenMatcher
    let cache = PieceCache()

    struct Merge: Sendable {
        var rank: Int32
        var result: Int32
    }

    /// A tokenizer from a vocabulary (token → id) and merges in rank order.
    ///
    /// Throws if ids are not 0..<count without repeats, a byte symbol is missing, or a merge's
    /// parts or result are not in the vocabulary (the error names the merge, counting from 1).
    public init(vocab: [String: Int], merges: [(String, String)]) throws {
        try self.init(vocab: vocab, merges: merges,
                      locations: { "merge \($0 + 1) of \(merges.count)" })
    }

    init(vocab: [String: Int], merges: [(String, String)], locations: (Int) -> String) throws {
        var tokens = [String?](repeating: nil, count: vocab.count)
        // Sorted so that errors name the same token every run.
        for (token, id) in vocab.sorted(by: { $0.value < $1.value || ($0.value == $1.value && $0.key < $1.key) }) {
            guard id >= 0, id < vocab.count else {
                throw TokenizerError.idOutOfRange(token: token, id: id, vocabSize: vocab.count)
            }
            if let first = tokens[id] {
                throw TokenizerError.duplicateID(id: id, first: first, second: token)
            }
            tokens[id] = token
        }
        let denseTokens = tokens.compactMap { $0 }

        var byteIDs = [Int32](repeating: 0, count: 256)
        for byte in 0..<256 {
            let symbol = String(ByteUnicode.symbols[byte])
            guard let id = vocab[symbol] else {
                throw TokenizerError.missingByteSymbol(byte: UInt8(byte), symbol: symbol)
            }
            byteIDs[byte] = Int32(id)
        }

        var mergeTable: [UInt64: Merge] = [:]
        mergeTable.reserveCapacity(merges.count)
        var mergeResults = Set<Int>()
        for (rank, (left, right)) in merges.enumerated() {
            guard let leftID = vocab[left] else {
                throw TokenizerError.missingMergePart(location: locations(rank), part: left)
            }
            guard let rightID = vocab[right] else {
                throw TokenizerError.missingMergePart(location: locations(rank), part: right)
            }
            guard let resultID = vocab[left + right] else {
                throw TokenizerError.missingMergeResult(
                    location: locations(rank), result: left + right)
            }
            let key = pairKey(Int32(leftID), Int32(rightID))
            guard mergeTable[key] == nil else {
                throw TokenizerError.duplicateMerge(
                    location: locations(rank), left: left, right: right)
            }
            mergeTable[key] = Merge(rank: Int32(rank), result: Int32(resultID))
            mergeResults.insert(resultID)
        }

        let byteIDSet = Set(byteIDs.map(Int.init))
        var specialTokens: [String: Int] = [:]
        for (id, token) in denseTokens.enumerated()
        where !byteIDSet.contains(id) && !mergeResults.contains(id) && !token.isEmpty {
            specialTokens[token] = id
        }

        self.tokens = denseTokens
        self.ids = vocab
        self.merges = merges
        self.specialTokens = specialTokens
        self.byteIDs = byteIDs
        self.mergeTable = mergeTable
        // A token made of byte symbols decodes to those bytes; any other (an added token
        // written as plain text) decodes to its own UTF-8, as Hugging Face does.
        self.tokenBytes = denseTokens.map { ByteUnicode.decode($0) ?? Array($0.utf8) }
        self.specialMatcher = SpecialTokenMatcher(specialTokens)
    }

    // MARK: Encoding

    /// The token ids of `text`. With `allowSpecial`, special tokens written in the text
    /// (such as `<|endoftext|>`) become their ids; without it they are encoded as plain text.
    public func encode(_ text: String, allowSpecial: Bool = true) -> [Int] {
        var text = text
        return text.withUTF8 { bytes in
            var ids: [Int] = []
            ids.reserveCapacity(bytes.count / 3 + 1)
            if allowSpecial, !specialMatcher.isEmpty {
                specialMatcher.forEachSegment(
                    in: bytes, ordinary: { encodeOrdinary($0, into: &ids) },
                    special: { ids.append($0) })
            } else {
                encodeOrdinary(bytes, into: &ids)
            }
            return ids
        }
    }

    /// Encodes text with no special tokens: pre-tokenize, then merge inside each piece.
    private func encodeOrdinary(_ bytes: UnsafeBufferPointer<UInt8>, into ids: inout [Int]) {
        PreTokenizer.forEachPiece(in: bytes) { range in
            if range.count == 1 {
                ids.append(Int(byteIDs[Int(bytes[range.lowerBound])]))
                return
            }
            let piece = UnsafeBufferPointer(rebasing: bytes[range])
            let key = PieceKey(piece)
            if let cached = cache.lookup(key) {
                ids.append(contentsOf: cached)
                return
            }
            let merged = mergePiece(piece)
            cache.store(key, merged)
            ids.append(contentsOf: merged)
        }
    }

    /// The ids of one piece: its byte symbols merged by rank, lowest rank first.
    func mergePiece(_ piece: UnsafeBufferPointer<UInt8>) -> [Int] {
        let symbols = piece.map { byteIDs[Int($0)] }
        let merged = symbols.count <= 48 ? mergeByScanning(symbols) : mergeWithHeap(symbols)
        return merged.map(Int.init)
    }

    /// O(n²): find the lowest-ranked pair, merge all its occurrences left to right, repeat.
    /// Fastest for the short pieces that make up nearly all text.
    func mergeByScanning(_ start: [Int32]) -> [Int32] {
        var symbols = start
        var next: [Int32] = []
        next.reserveCapacity(symbols.count)
        while symbols.count > 1 {
            var best = Merge(rank: .max, result: -1)
            var bestIndex = -1
            for k in 0..<(symbols.count - 1) {
                if let merge = mergeTable[pairKey(symbols[k], symbols[k + 1])],
                    merge.rank < best.rank
                {
                    best = merge
                    bestIndex = k
                }
            }
            if bestIndex < 0 { break }
            let left = symbols[bestIndex]
            let right = symbols[bestIndex + 1]
            next.removeAll(keepingCapacity: true)
            next.append(contentsOf: symbols[..<bestIndex])
            var k = bestIndex
            while k < symbols.count {
                if k + 1 < symbols.count, symbols[k] == left, symbols[k + 1] == right {
                    next.append(best.result)
                    k += 2
                } else {
                    next.append(symbols[k])
                    k += 1
                }
            }
            swap(&symbols, &next)
        }
        return symbols
    }

    /// O(n log n): the same merges driven by a heap of candidate pairs ordered by
    /// (rank, position) over a linked list of symbols. For long pieces (digit runs, long
    /// punctuation or whitespace runs) where rescanning would be quadratic.
    func mergeWithHeap(_ start: [Int32]) -> [Int32] {
        struct Candidate: Comparable {
            var rank: Int32
            var position: Int32
            var left: Int32
            var right: Int32
            static func < (a: Candidate, b: Candidate) -> Bool {
                (a.rank, a.position) < (b.rank, b.position)
            }
        }
        var symbols = start
        let n = symbols.count
        var next = (0..<n).map { Int32($0 + 1) }  // n means none
        var previous = (0..<n).map { Int32($0 - 1) }  // -1 means none
        var heap = BinaryHeap<Candidate>()
        func consider(_ position: Int32, _ following: Int32) {
            let left = symbols[Int(position)]
            let right = symbols[Int(following)]
            if let merge = mergeTable[pairKey(left, right)] {
                heap.push(Candidate(rank: merge.rank, position: position, left: left,
                                    right: right))
            }
        }
        for k in 0..<(n - 1) { consider(Int32(k), Int32(k + 1)) }
        while let candidate = heap.popMin() {
            let position = Int(candidate.position)
            let following = Int(next[position])
            // Stale entries: the left symbol or its neighbour changed since it was pushed.
            guard symbols[position] == candidate.left, following < n,
                symbols[following] == candidate.right,
                let merge = mergeTable[pairKey(candidate.left, candidate.right)]
            else { continue }
            symbols[position] = merge.result
            symbols[following] = -1
            let after = next[following]
            next[position] = after
            if after < n { previous[Int(after)] = Int32(position) }
            if previous[position] >= 0 { consider(previous[position], Int32(position)) }
            if after < n { consider(Int32(position), after) }
        }
        return symbols.filter { $0 >= 0 }
    }

    // MARK: Decoding

    /// The bytes of `ids`, concatenated; for streaming, where a character may span tokens.
    public func decodeBytes(_ ids: [Int]) throws -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(ids.count * 4)
        for id in ids {
            guard id >= 0, id < tokenBytes.count else {
                throw TokenizerError.unknownID(id: id, vocabSize: tokenBytes.count)
            }
            bytes.append(contentsOf: tokenBytes[id])
        }
        return bytes
    }

    /// The text of `ids`. Bytes that are not valid UTF-8 (a character cut between tokens)
    /// become U+FFFD, like Python's `bytes.decode("utf-8", errors="replace")`.
    public func decode(_ ids: [Int]) throws -> String {
        String(decoding: try decodeBytes(ids), as: UTF8.self)
    }
}

@inline(__always)
func pairKey(_ left: Int32, _ right: Int32) -> UInt64 {
    UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
}

/// Merged pieces already seen, shared by copies of a tokenizer; cleared when it grows large.
final class PieceCache: @unchecked Sendable {
    private var entries: [PieceKey: [Int]] = [:]
    private let lock = NSLock()
    private let capacity = 1 << 17

    func lookup(_ key: PieceKey) -> [Int]? {
        lock.lock()
        defer { lock.unlock() }
        return entries[key]
    }

    func store(_ key: PieceKey, _ ids: [Int]) {
        lock.lock()
        defer { lock.unlock() }
        if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
        entries[key] = ids
    }
}
