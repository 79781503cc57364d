// A seeded random-input runner for the parsers that read what students and instructors send
// (the filter language, lab.toml, bundles, notebooks, .npy, safetensors). Each input is a
// mutation of a file from the parser's corpus in Tests/Fuzz/Corpus/<parser>/; the seed is
// fixed and printed with any finding, so a failure reproduces. The contract it checks: the
// parser returns or throws its own typed error; a crash (a trap, a stack overflow) ends the
// test process, which fails the suite.
import Foundation

public struct FuzzFinding: CustomStringConvertible, Sendable {
    public var seed: UInt64
    public var iteration: Int
    public var input: Data
    public var error: String

    public var description: String {
        let shown = String(decoding: input.prefix(200), as: UTF8.self)
        return "seed \(seed), iteration \(iteration): unexpected error \(error) for input"
            + " (\(input.count) bytes) \(shown.debugDescription)"
    }
}

public struct FuzzReport: Sendable {
    public var inputs = 0
    /// Inputs the parser accepted (a run that accepts nothing only tests error paths).
    public var accepted = 0
    public var findings: [FuzzFinding] = []
}

public enum Fuzz {
    /// The corpus files of `parser` (Tests/Fuzz/Corpus/<parser>/), sorted by name.
    public static func corpus(_ parser: String) throws -> [Data] {
        let folder = repositoryRoot.appendingPathComponent("Tests/Fuzz/Corpus/\(parser)")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        return try names.map { try Data(contentsOf: folder.appendingPathComponent($0)) }
    }

    /// Feeds `body` the corpus itself, then mutated inputs, until `iterations` or `budget` run
    /// out. `expected` says whether a thrown error is one of the parser's own.
    public static func run(
        corpus: [Data], seed: UInt64, iterations: Int = 3_000, budget: Duration = .seconds(3),
        expected: (any Error) -> Bool, _ body: (Data) throws -> Void
    ) -> FuzzReport {
        var report = FuzzReport()
        var rng = SplitMix(seed: seed)
        let clock = ContinuousClock()
        let start = clock.now
        func feed(_ input: Data, _ iteration: Int) {
            report.inputs += 1
            do {
                try body(input)
                report.accepted += 1
            } catch {
                if !expected(error) {
                    report.findings.append(
                        FuzzFinding(
                            seed: seed, iteration: iteration, input: input, error: "\(error)"))
                }
            }
        }
        for (index, input) in corpus.enumerated() { feed(input, -1 - index) }
        guard !corpus.isEmpty else { return report }
        for iteration in 0..<iterations {
            if clock.now - start > budget { break }
            var input = [UInt8](corpus[rng.below(corpus.count)])
            for _ in 0...rng.below(4) {
                mutate(&input, corpus: corpus, rng: &rng)
            }
            feed(Data(input), iteration)
        }
        return report
    }

    /// Tokens that tend to break parsers: nesting, quotes, huge and negative numbers,
    /// control characters, invalid UTF-8.
    static let tokens: [[UInt8]] = [
        "(", ")", "[", "]", "{", "}", "\"", "'", "`", ",", ":", "=", ".", "\\", "\n", "\0",
        "-1", "0", "4294967296", "9223372036854775807", "99999999999999999999", "1e309", "NaN",
        " OR ", " AND ", " NOT ", " IN ", "true", "null", "/", "../", "\u{7f}",
    ].map { Array($0.utf8) } + [[0xff], [0xc3], [0xed, 0xa0, 0x80]]

    static func mutate(_ input: inout [UInt8], corpus: [Data], rng: inout SplitMix) {
        let position = input.isEmpty ? 0 : rng.below(input.count + 1)
        switch rng.below(8) {
        case 0 where !input.isEmpty:  // flip a byte
            let i = rng.below(input.count)
            input[i] ^= UInt8(truncatingIfNeeded: 1 << rng.below(8))
        case 1:  // insert a token
            input.insert(contentsOf: tokens[rng.below(tokens.count)], at: position)
        case 2 where !input.isEmpty:  // delete a range
            let end = min(input.count, position + 1 + rng.below(16))
            if position < end { input.removeSubrange(position..<end) }
        case 3:  // nest deeply: many openers (and maybe closers) at one place
            let pairs: [(UInt8, UInt8)] = [(40, 41), (91, 93), (123, 125)]
            let (open, close) = pairs[rng.below(pairs.count)]
            let depth = [10, 100, 1_000, 20_000][rng.below(4)]
            input.insert(contentsOf: [UInt8](repeating: open, count: depth), at: position)
            if rng.below(2) == 0 {
                input.append(contentsOf: [UInt8](repeating: close, count: depth))
            }
        case 4 where !input.isEmpty:  // repeat a chunk many times
            let end = min(input.count, position + 1 + rng.below(32))
            if position < end {
                let chunk = Array(input[position..<end])
                let times = [2, 10, 300][rng.below(3)]
                for _ in 0..<times { input.insert(contentsOf: chunk, at: position) }
            }
        case 5 where !input.isEmpty:  // truncate
            input.removeSubrange(rng.below(input.count)..<input.count)
        case 6:  // splice in part of another corpus entry
            let other = [UInt8](corpus[rng.below(corpus.count)])
            if !other.isEmpty {
                let from = rng.below(other.count)
                let to = min(other.count, from + 1 + rng.below(64))
                input.insert(contentsOf: other[from..<to], at: position)
            }
        default:  // replace a run of digits with a huge or odd number
            if let i = input.indices.first(where: { input[$0] >= 48 && input[$0] <= 57 }) {
                var j = i
                while j < input.count, input[j] >= 48, input[j] <= 57 { j += 1 }
                let numbers = ["0", "-1", "4294967296", "400000", "9223372036854775807", "1e9"]
                input.replaceSubrange(i..<j, with: Array(numbers[rng.below(numbers.count)].utf8))
            } else {
                input.insert(contentsOf: tokens[rng.below(tokens.count)], at: position)
            }
        }
    }
}

/// SplitMix64: a small seeded generator, so a finding's seed reproduces it anywhere.
struct SplitMix {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in 0..<n (n > 0).
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}
