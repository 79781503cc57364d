// Byte-level BPE training as Hugging Face's BpeTrainer does it: start from the 256 byte
// symbols, count pre-tokenized words, and keep merging the most frequent adjacent pair.

/// Trains a GPT-2 style byte-level BPE tokenizer.
///
/// - The first 256 ids are the byte symbols ordered by their code point (so "!" is 0 and
///   "Ā", byte 0, is 188), exactly GPT-2's order; merged tokens follow in merge order, so a
///   token's id is also its merge rank, and special tokens come last (as `<|endoftext|>` does
///   in GPT-2).
/// - The corpus is first split at special tokens (they never take part in merges), then cut
///   into words by ``PreTokenizer``; pairs never cross a word.
/// - Each step merges the pair with the highest count; ties go to the smallest pair
///   (left id, then right id), the rule of Hugging Face's trainer. A pair's count includes
///   overlapping occurrences ("aaa" has two "a a"); a merge replaces non-overlapping
///   occurrences left to right.
/// - Training stops when the vocabulary, special tokens included, reaches `vocabSize`, or
///   earlier when no pair is left.
public enum BPETrainer {
    /// Trains on `corpus`. `progress`, if given, is called with (merges done, merges wanted)
    /// now and then and once at the end.
    public static func train(
        corpus: String,
        vocabSize: Int,
        specialTokens: [String] = ["<|endoftext|>"],
        progress: ((Int, Int) -> Void)? = nil
    ) throws -> BPETokenizer {
        try validate(specialTokens)
        let minimum = 256 + specialTokens.count
        guard vocabSize >= minimum else {
            throw TokenizerError.vocabSizeTooSmall(requested: vocabSize, minimum: minimum)
        }

        // Byte symbols in code point order: GPT-2's ids 0...255.
        var tokens = ByteUnicode.symbols.sorted { $0.value < $1.value }.map { String($0) }
        var ids: [String: Int32] = [:]
        for (id, token) in tokens.enumerated() { ids[token] = Int32(id) }
        let byteIDs = ByteUnicode.symbols.map { ids[String($0)] ?? 0 }

        var counts = WordCounts(byteIDs: byteIDs)
        var text = corpus
        let matcher = SpecialTokenMatcher(
            Dictionary(uniqueKeysWithValues: specialTokens.enumerated().map { ($1, $0) }))
        text.withUTF8 { bytes in
            matcher.forEachSegment(in: bytes, ordinary: { counts.add($0) }, special: { _ in })
        }
        var state = PairState(words: counts.words, counts: counts.counts)

        let wanted = vocabSize - specialTokens.count - tokens.count
        var merges: [(String, String)] = []
        var lastReport = 0
        while tokens.count + specialTokens.count < vocabSize {
            guard let (left, right) = state.mostFrequentPair() else { break }
            let merged = tokens[Int(left)] + tokens[Int(right)]
            let newID: Int32
            if let existing = ids[merged] {
                // Two different pairs can spell the same token; like HF, keep one id.
                newID = existing
            } else {
                newID = Int32(tokens.count)
                tokens.append(merged)
                ids[merged] = newID
            }
            merges.append((tokens[Int(left)], tokens[Int(right)]))
            state.merge(left, right, into: newID)
            let done = tokens.count - 256
            if let progress, done - lastReport >= max(1, wanted / 100) {
                progress(done, wanted)
                lastReport = done
            }
        }
        progress?(tokens.count - 256, wanted)

        var vocab: [String: Int] = [:]
        for (id, token) in tokens.enumerated() { vocab[token] = id }
        for special in specialTokens where vocab[special] == nil {
            vocab[special] = vocab.count
        }
        return try BPETokenizer(vocab: vocab, merges: merges)
    }

    private static func validate(_ specialTokens: [String]) throws {
        var seen = Set<String>()
        for token in specialTokens {
            if token.isEmpty {
                throw TokenizerError.invalidSpecialToken(token: token, reason: "it is empty")
            }
            if !seen.insert(token).inserted {
                throw TokenizerError.invalidSpecialToken(token: token, reason: "it is listed twice")
            }
        }
    }
}

/// The distinct words of the corpus as byte-symbol ids, with how often each occurs.
struct WordCounts {
    let byteIDs: [Int32]
    private var index: [PieceKey: Int] = [:]
    private(set) var words: [[Int32]] = []
    private(set) var counts: [Int] = []

    init(byteIDs: [Int32]) { self.byteIDs = byteIDs }

    mutating func add(_ bytes: UnsafeBufferPointer<UInt8>) {
        PreTokenizer.forEachPiece(in: bytes) { range in
            let piece = UnsafeBufferPointer(rebasing: bytes[range])
            let key = PieceKey(piece)
            if let word = index[key] {
                counts[word] += 1
            } else {
                index[key] = words.count
                words.append(piece.map { byteIDs[Int($0)] })
                counts.append(1)
            }
        }
    }
}

/// Pair counts kept up to date across merges: only words holding the merged pair are
/// touched, and a lazy max-heap yields the most frequent pair.
struct PairState {
    private var words: [[Int32]]
    private let wordCounts: [Int]
    private var pairCounts: [UInt64: Int] = [:]
    /// The words each pair has occurred in (may list words where it no longer occurs).
    private var pairWords: [UInt64: [Int32]] = [:]
    private var queue = BinaryHeap<Candidate>()

    /// Highest count first, then the smallest pair.
    struct Candidate: Comparable {
        var count: Int
        var pair: UInt64
        static func < (a: Candidate, b: Candidate) -> Bool {
            a.count > b.count || (a.count == b.count && a.pair < b.pair)
        }
    }

    init(words: [[Int32]], counts: [Int]) {
        self.words = words
        self.wordCounts = counts
        for (w, word) in words.enumerated() where word.count > 1 {
            for k in 0..<(word.count - 1) {
                let key = pairKey(word[k], word[k + 1])
                pairCounts[key, default: 0] += counts[w]
                if pairWords[key]?.last != Int32(w) { pairWords[key, default: []].append(Int32(w)) }
            }
        }
        queue = BinaryHeap(pairCounts.map { Candidate(count: $0.value, pair: $0.key) })
    }

    /// The pair to merge next, or nil when no pair is left.
    mutating func mostFrequentPair() -> (Int32, Int32)? {
        while let top = queue.popMin() {
            let current = pairCounts[top.pair] ?? 0
            if current <= 0 { continue }
            if current != top.count {
                // Counts only fall for existing pairs, so a stale entry is re-queued lower.
                queue.push(Candidate(count: current, pair: top.pair))
                continue
            }
            // Put it back: the caller merges it, which drops its count to zero.
            queue.push(top)
            return (Int32(truncatingIfNeeded: top.pair >> 32),
                    Int32(truncatingIfNeeded: top.pair & 0xFFFF_FFFF))
        }
        return nil
    }

    /// Replaces every occurrence of (left, right) by `newID` and updates the pair counts.
    mutating func merge(_ left: Int32, _ right: Int32, into newID: Int32) {
        let key = pairKey(left, right)
        guard let affected = pairWords.removeValue(forKey: key) else { return }
        var touched = Set<UInt64>()
        for w in affected {
            let word = words[Int(w)]
            var merged: [Int32] = []
            merged.reserveCapacity(word.count)
            var k = 0
            while k < word.count {
                if k + 1 < word.count, word[k] == left, word[k + 1] == right {
                    merged.append(newID)
                    k += 2
                } else {
                    merged.append(word[k])
                    k += 1
                }
            }
            if merged.count == word.count { continue }
            let count = wordCounts[Int(w)]
            for k in 0..<(word.count - 1) {
                pairCounts[pairKey(word[k], word[k + 1]), default: 0] -= count
            }
            for k in 0..<(merged.count - 1) {
                let pair = pairKey(merged[k], merged[k + 1])
                pairCounts[pair, default: 0] += count
                if merged[k] == newID || merged[k + 1] == newID {
                    touched.insert(pair)
                    if pairWords[pair]?.last != w { pairWords[pair, default: []].append(w) }
                }
            }
            words[Int(w)] = merged
        }
        pairCounts[key] = nil
        for pair in touched {
            if let count = pairCounts[pair], count > 0 {
                queue.push(Candidate(count: count, pair: pair))
            }
        }
    }
}
