// Every catalogued mistake must lose points on every seed: for each lab, each mistake that can
// show up in its components, and 200 submission seeds, the mistake's output (each way students
// write it) fails at least one of the lab's tests of those components. The cases are built and
// compared in-process with the reference maths, as the grader builds them, without sandboxes;
// a mistake that a seed's random case cannot tell from the right answer would pass by luck.
import Foundation
import TestSupport
import Transformer
import Testing

@testable import Grading

@Suite struct MistakeSeedSweepTests {
    static let seeds: [UInt64] = (0..<200).map { 0x5EED_0000 + UInt64($0) }

    /// For one lab: each way of writing a mistake whose output passed every test of the
    /// mistake's components in that lab on some seed. Each case and its reference are built
    /// once per seed and shared by all mistakes.
    static func lucky(lab: Lab, seeds: [UInt64]) throws -> [String] {
        struct Way: Hashable {
            var mistake: String
            var variant: Int
        }
        var applied: [Way: Int] = [:]
        var missed: [Way: [UInt64]] = [:]
        for seed in seeds {
            var appliedHere: Set<Way> = []
            var caughtHere: Set<Way> = []
            for (index, test) in lab.tests.enumerated() {
                let mistakes = mistakeCatalogue.filter { $0.components.contains(test.component) }
                guard !mistakes.isEmpty, let component = lab.component(named: test.component),
                    let reference = references[test.component]
                else { continue }
                let args = try makeArguments(
                    test: test, lab: lab,
                    seed: caseSeed(test: test, index: index, submissionSeed: seed))
                let expected = try reference(args)
                let tolerance = Tolerance(atol: component.atol, rtol: component.rtol)
                for mistake in mistakes {
                    for (variant, output) in mistake.outputs(component: test.component, args: args)
                        .enumerated()
                    {
                        let way = Way(mistake: mistake.id, variant: variant)
                        appliedHere.insert(way)
                        let result = Grading.compare(
                            got: output, expected: expected, as: component.returns,
                            tolerance: tolerance)
                        if !result.passed { caughtHere.insert(way) }
                    }
                }
            }
            for way in appliedHere {
                applied[way, default: 0] += 1
                if !caughtHere.contains(way) { missed[way, default: []].append(seed) }
            }
        }
        // Only ways that apply on every seed: one that applies to some cases only is judged
        // where it does, by the lab's other tests of it.
        return applied.filter { $0.value == seeds.count }.keys
            .compactMap { way -> String? in
                guard let seeds = missed[way], let first = seeds.first else { return nil }
                return "\(lab.id) \(way.mistake) (way \(way.variant)): passes every test on"
                    + " \(seeds.count) of \(Self.seeds.count) seeds, e.g. seed \(first)"
            }
            .sorted()
    }

    @Test(arguments: ["01-attention", "02-gpt2-blocks", "03-gpt2", "04-tokenizer", "05-lora",
                      "06-quantization"])
    func everyMistakeLosesPointsOnEverySeed(_ labID: String) throws {
        let lab = try Lab.load(folder: repositoryRoot.appendingPathComponent("labs/\(labID)"))
        let lucky = try Self.lucky(lab: lab, seeds: Self.seeds)
        #expect(lucky.isEmpty, "\(lucky.joined(separator: "\n"))")
    }
}

/// Lab 03's sampler, whose cases read one id at u: a sampler that ignores the temperature, or a
/// top-k that keeps k + 1 ids, must lose points on every seed, and the right sampler never.
@Suite struct SamplingSeedSweepTests {
    @Test func plausibleSamplingBugsLosePointsOnEverySeed() throws {
        let lab = try Lab.load(folder: repositoryRoot.appendingPathComponent("labs/03-gpt2"))
        let tests = lab.tests.enumerated().filter { $0.element.component == "sample_next" }
        let withTopK = tests.filter { pair in
            pair.element.inputs.contains { input in input.name == "top_k" }
        }
        #expect(!withTopK.isEmpty)
        typealias Sampler = (_ logits: [Float], _ t: Float, _ k: Int, _ p: Float, _ u: Float) -> Int
        let samplers: [(String, Sampler)] = [
            ("ignores the temperature", { l, t, k, p, u in
                sampleToken(logits: l, temperature: t == 0 ? 0 : 1, topK: k, topP: p, u: u)
            }),
            ("top-k keeps k + 1", { l, t, k, p, u in
                sampleToken(logits: l, temperature: t, topK: k > 0 ? k + 1 : 0, topP: p, u: u)
            }),
        ]
        let reference = try #require(references["sample_next"])
        for (name, sampler) in samplers {
            var lucky: [UInt64] = []
            for seed in MistakeSeedSweepTests.seeds {
                var lost = false
                for (index, test) in tests {
                    let args = try makeArguments(
                        test: test, lab: lab,
                        seed: caseSeed(test: test, index: index, submissionSeed: seed))
                    let expected = try reference(args)
                    let got = sampler(
                        try args.tensor("logits").data,
                        Float(try args.double("temperature", default: 1)),
                        try args.int("top_k", default: 0),
                        Float(try args.double("top_p", default: 1)),
                        Float(try args.double("u")))
                    if GradedValue.int(got) != expected { lost = true }
                    // The right sampler, written independently of lmlab's: numbers in Double
                    let right = independentSample(
                        try args.tensor("logits").data.map(Double.init),
                        temperature: try args.double("temperature", default: 1),
                        topK: try args.int("top_k", default: 0),
                        topP: try args.double("top_p", default: 1), u: try args.double("u"))
                    #expect(GradedValue.int(right) == expected, "\(test.name) seed \(seed)")
                }
                if !lost { lucky.append(seed) }
            }
            #expect(lucky.isEmpty, "a sampler that \(name) passes on seeds \(lucky.prefix(5))")
        }
    }

    /// Softmax at the temperature, most likely first, top-k, top-p, then the first id whose
    /// renormalised cumulative probability exceeds u (the handout's steps).
    func independentSample(
        _ logits: [Double], temperature: Double, topK: Int, topP: Double, u: Double
    ) -> Int {
        if temperature == 0 {
            return logits.indices.max { logits[$0] < logits[$1] || (logits[$0] == logits[$1] && $0 > $1) } ?? 0
        }
        let top = logits.max() ?? 0
        let weights = logits.map { Foundation.exp(($0 - top) / temperature) }
        let total = weights.reduce(0, +)
        var ids = weights.indices.sorted {
            weights[$0] != weights[$1] ? weights[$0] > weights[$1] : $0 < $1
        }
        if topK > 0 { ids = Array(ids.prefix(topK)) }
        if topP < 1 {
            var sum = 0.0
            var keep = ids.count
            for (i, id) in ids.enumerated() {
                sum += weights[id] / total
                if sum >= topP {
                    keep = i + 1
                    break
                }
            }
            ids = Array(ids.prefix(max(keep, 1)))
        }
        let kept = ids.reduce(0) { $0 + weights[$1] }
        var sum = 0.0
        for id in ids {
            sum += weights[id] / kept
            if sum > u { return id }
        }
        return ids.last ?? 0
    }
}
