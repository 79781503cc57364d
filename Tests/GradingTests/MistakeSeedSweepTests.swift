// Every catalogued mistake must lose points on every seed: for each lab, each way of writing a
// mistake that can show up in its components, and 200 submission seeds, the mistake's output
// fails at least one of the lab's tests. The cases are built and compared in-process with the
// reference maths, as the grader builds them, without sandboxes; a mistake that a seed's random
// cases cannot tell from the right answer would pass by luck.
//
// Only the Swift catalogue (Diagnosis/Families/) is swept. Mistakes an instructor writes in Python
// (a lab's `[python] mistakes = …`, e.g. lab 08) have their outputs computed in a Python session
// per case, which is far too slow for 200 seeds here; they are out of scope for this sweep.
// The PyTorch editions (01/02/03-…-torch) are left out too: their components and tests equal
// their NumPy labs' (LabTests checks they are), so they would repeat those sweeps exactly.
import Foundation
import TestSupport
import Transformer
import Testing

@testable import Diagnosis
@testable import Grading
@testable import LabConfig

@Suite(.blockingWork) struct MistakeSeedSweepTests {
    static let seeds: [UInt64] = (0..<200).map { 0x5EED_0000 + UInt64($0) }

    /// One way of writing a mistake: its variant number among the mistake's knob settings for
    /// a component.
    struct Way: Hashable, Comparable {
        var mistake: String
        var variant: Int

        static func < (a: Way, b: Way) -> Bool { (a.mistake, a.variant) < (b.mistake, b.variant) }
    }

    /// One test of the lab with the built-in mistakes of its component, its tolerance and the
    /// reference.
    struct SweptTest {
        var index: Int
        var test: LabTest
        var component: LabComponent
        var mistakes: [Mistake]
        var reference: Reference
    }

    /// What one test does to the ways still uncaught: the ways its mistakes have, which of the
    /// uncaught ones it applies to (their output is defined on its case) and which of those it
    /// catches (their output fails the test).
    static func judge(
        _ swept: SweptTest, lab: Lab, seed: UInt64, uncaught: (Way) -> Bool
    ) throws -> (ways: Set<Way>, applied: Set<Way>, caught: Set<Way>) {
        let args = try makeArguments(
            test: swept.test, lab: lab,
            seed: caseSeed(test: swept.test, index: swept.index, submissionSeed: seed))
        let tolerance = Tolerance(atol: swept.component.atol, rtol: swept.component.rtol)
        var expected: GradedValue?  // built only if some way is still uncaught
        var ways: Set<Way> = []
        var applied: Set<Way> = []
        var caught: Set<Way> = []
        for mistake in swept.mistakes {
            for (variant, knobs) in mistake.variants(swept.test.component, args).enumerated() {
                let way = Way(mistake: mistake.id, variant: variant)
                ways.insert(way)
                guard uncaught(way) else { continue }
                guard let output = try? evaluate(swept.test.component, args, knobs) else {
                    continue
                }
                applied.insert(way)
                if expected == nil { expected = try swept.reference(args) }
                guard let expected else { continue }
                let result = compare(
                    got: output, expected: expected, as: swept.component.returns,
                    tolerance: tolerance)
                if !result.passed { caught.insert(way) }
            }
        }
        return (ways, applied, caught)
    }

    /// Whether a test's case is the same on every submission seed: it has a fixed seed, or
    /// every input is a literal, a fixture or a causal mask.
    static func isSeedIndependent(_ test: LabTest) -> Bool {
        test.seed != nil || test.inputs.allSatisfy { input in
            switch input.spec {
            case .literal, .fixture, .causal: return true
            case .tensor, .ids, .gpt2, .block, .weight, .uniformScalar: return false
            }
        }
    }

    /// For one lab: each way of writing a mistake that passed every test it applies to on some
    /// seed. Tests whose case does not depend on the seed are judged once; the others once per
    /// seed, cheapest first, and a way caught on a seed is not judged again on that seed.
    static func lucky(lab: Lab, seeds: [UInt64]) throws -> [String] {
        var swept: [SweptTest] = []
        for (index, test) in lab.tests.enumerated() {
            let mistakes = mistakeCatalogue.filter {
                $0.pythonOutput == nil && $0.components.contains(test.component)
            }
            guard !mistakes.isEmpty, let component = lab.component(named: test.component),
                let reference = references[test.component]
            else { continue }
            swept.append(
                SweptTest(
                    index: index, test: test, component: component, mistakes: mistakes,
                    reference: reference))
        }
        // Tests with a fixed seed, or with no random input, build the same case for every
        // submission.
        var appliedAlways: Set<Way> = []
        var caughtAlways: Set<Way> = []
        for test in swept where isSeedIndependent(test.test) {
            let verdict = try judge(test, lab: lab, seed: 0, uncaught: { _ in true })
            appliedAlways.formUnion(verdict.applied)
            caughtAlways.formUnion(verdict.caught)
        }
        // The other tests: on the first seed every one judges every way, which tells each
        // test's ways and cost; later seeds go cheapest first, and skip a test once all its
        // ways are caught on that seed (it would build its case for nothing).
        var seeded = swept.filter { !isSeedIndependent($0.test) }
        var cost: [Int: Duration] = [:]
        var waysOf: [Int: Set<Way>] = [:]
        let clock = ContinuousClock()
        var missed: [Way: [UInt64]] = [:]
        for (number, seed) in seeds.enumerated() {
            var applied = appliedAlways
            var caught = caughtAlways
            for test in seeded {
                if let ways = waysOf[test.index], ways.isSubset(of: caught) { continue }
                let start = clock.now
                let verdict = try judge(test, lab: lab, seed: seed) { way in
                    number == 0 || !caught.contains(way)
                }
                if number == 0 {
                    cost[test.index] = clock.now - start
                    waysOf[test.index] = verdict.ways
                }
                applied.formUnion(verdict.applied)
                caught.formUnion(verdict.caught)
            }
            if number == 0 {
                seeded.sort { cost[$0.index, default: .zero] < cost[$1.index, default: .zero] }
            }
            for way in applied.subtracting(caught) { missed[way, default: []].append(seed) }
        }
        return missed.keys.sorted().compactMap { way in
            guard let seeds = missed[way], let first = seeds.first else { return nil }
            return "\(lab.id) \(way.mistake) (way \(way.variant)): passes every test on"
                + " \(seeds.count) of \(Self.seeds.count) seeds, e.g. seed \(first)"
        }
    }

    @Test(arguments: [
        "01-attention", "02-gpt2-blocks", "03-gpt2", "04-tokenizer", "05-lora",
        "06-quantization", "07-llama",
    ])
    func everyMistakeLosesPointsOnEverySeed(_ labID: String) throws {
        let lab = try Lab.load(folder: repositoryRoot.appendingPathComponent("labs/\(labID)"))
        let lucky = try Self.lucky(lab: lab, seeds: Self.seeds)
        #expect(lucky.isEmpty, "\(lucky.joined(separator: "\n"))")
    }
}

/// Lab 03's sampler, whose cases read one id at u: a sampler that ignores the temperature, or a
/// top-k that keeps k + 1 ids, must lose points on every seed, and the right sampler never.
@Suite(.blockingWork) struct SamplingSeedSweepTests {
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
        var lucky: [String: [UInt64]] = [:]
        for seed in MistakeSeedSweepTests.seeds {
            var lost = Set<String>()
            for (index, test) in tests {
                let args = try makeArguments(
                    test: test, lab: lab,
                    seed: caseSeed(test: test, index: index, submissionSeed: seed))
                let expected = try reference(args)
                let logits = try args.tensor("logits").data
                let temperature = try args.double("temperature", default: 1)
                let topK = try args.int("top_k", default: 0)
                let topP = try args.double("top_p", default: 1)
                let u = try args.double("u")
                for (name, sampler) in samplers where !lost.contains(name) {
                    let got = sampler(logits, Float(temperature), topK, Float(topP), Float(u))
                    if GradedValue.int(got) != expected { lost.insert(name) }
                }
                // The right sampler, written independently of lmlab's, in Double
                let right = independentSample(
                    logits.map(Double.init), temperature: temperature, topK: topK, topP: topP,
                    u: u)
                #expect(GradedValue.int(right) == expected, "\(test.name) seed \(seed)")
                // u is clear of the boundaries: rounding (±9e-4) cannot flip the right id
                if temperature > 0 {
                    for nearby in [u - 9e-4, u + 9e-4] {
                        let id = independentSample(
                            logits.map(Double.init), temperature: temperature, topK: topK,
                            topP: topP, u: nearby)
                        #expect(id == right, "\(test.name) seed \(seed): u = \(u)")
                    }
                }
            }
            for (name, _) in samplers where !lost.contains(name) {
                lucky[name, default: []].append(seed)
            }
        }
        for (name, seeds) in lucky.sorted(by: { $0.key < $1.key }) {
            Issue.record("a sampler that \(name) passes on \(seeds.count) seeds, e.g. \(seeds.prefix(5))")
        }
    }

    /// Softmax at the temperature, most likely first, top-k, top-p, then the first id whose
    /// renormalised cumulative probability exceeds u (the handout's steps).
    func independentSample(
        _ logits: [Double], temperature: Double, topK: Int, topP: Double, u: Double
    ) -> Int {
        if temperature == 0 {
            return logits.indices.max {
                logits[$0] < logits[$1] || (logits[$0] == logits[$1] && $0 > $1)
            } ?? 0
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
