// Test-case generation: one seed gives the same inputs (and a regrade the same report), hidden
// tests change with the submission seed while visible ones keep their own, and float64 specs
// cross the protocol as <f8.
import Foundation
import TestSupport
import Testing

@testable import Diagnosis
@testable import Grading
@testable import LabConfig

private func test(_ lab: Lab, _ name: String) throws -> (index: Int, test: LabTest) {
    let index = try #require(lab.tests.firstIndex { $0.name == name })
    return (index, lab.tests[index])
}

/// A report with the wall-clock parts removed, for comparing two runs.
private func timeless(_ report: GradeReport) -> GradeReport {
    var r = report
    r.timings = GradeTimings()
    r.results = r.results.map {
        var t = $0
        t.seconds = 0
        return t
    }
    return r
}

@Suite("Cases")
struct CasesTests {
    @Test func sameSeedSameInputs() throws {
        let lab = try FakeLab.make()
        for (index, test) in lab.tests.enumerated() {
            let seed = caseSeed(test: test, index: index, submissionSeed: 77)
            let a = try makeArguments(test: test, lab: lab, seed: seed)
            let b = try makeArguments(test: test, lab: lab, seed: seed)
            #expect(a.names == b.names && a.values == b.values, "\(test.name)")
        }
    }

    @Test func hiddenTestsChangeWithTheSubmissionSeed() throws {
        let lab = try FakeLab.make()
        let (index, hidden) = try test(lab, "softmax_hangs")
        let s1 = caseSeed(test: hidden, index: index, submissionSeed: 1)
        let s2 = caseSeed(test: hidden, index: index, submissionSeed: 2)
        #expect(s1 != s2)
        let a = try makeArguments(test: hidden, lab: lab, seed: s1)
        let b = try makeArguments(test: hidden, lab: lab, seed: s2)
        #expect(a.values["x"] != b.values["x"])
        // Two hidden tests of one submission get different seeds too.
        let (other, afterDue) = try test(lab, "mask_passes")
        #expect(caseSeed(test: afterDue, index: other, submissionSeed: 1) != s1)
    }

    @Test func visibleTestsIgnoreTheSubmissionSeed() throws {
        let lab = try FakeLab.make()
        let (index, visible) = try test(lab, "softmax_passes")
        for submissionSeed: UInt64 in [0, 1, 2, .max] {
            #expect(caseSeed(test: visible, index: index, submissionSeed: submissionSeed) == 1)
        }
    }

    @Test func float64SpecsMakeFloat64Inputs() throws {
        let lab = try FakeLab.make()
        let (_, hidden) = try test(lab, "softmax_hangs")
        let args = try makeArguments(test: hidden, lab: lab, seed: 5)
        let x = try #require(args["x"])
        #expect(x.isFloat64 && args.usesFloat64)
        guard case .tensor(let tensor) = x.harnessValue else {
            Issue.record("x crosses as \(x.harnessValue)")
            return
        }
        #expect(
            tensor.dtype == .float64 && tensor.dtype.rawValue == "<f8" && tensor.shape == [5, 2])
        // Not float32 values widened: some element needs more than 24 bits of mantissa.
        guard case .float64(_, let values) = x else { return }
        #expect(values.contains { Double(Float($0)) != $0 })
        let (_, visible) = try test(lab, "softmax_passes")
        guard
            case .tensor(let f32) = try #require(
                try makeArguments(test: visible, lab: lab, seed: 1)["x"]
            ).harnessValue
        else { return }
        #expect(f32.dtype == .float32)
    }

    /// A GPT-2 spec's embedding_scale is the spread of wte and wpe (0.5 unless given).
    @Test func embeddingScaleSetsTheSpreadOfTheEmbeddings() throws {
        let lab = try Lab.load(folder: repositoryRoot.appendingPathComponent("labs/03-gpt2"))
        func spread(_ name: String, _ key: String) throws -> Double {
            let (index, test) = try test(lab, name)
            let args = try makeArguments(
                test: test, lab: lab, seed: caseSeed(test: test, index: index, submissionSeed: 9))
            let values = try #require(args.params("params")[key]).data.map(Double.init)
            let mean = values.reduce(0, +) / Double(values.count)
            return (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count))
                .squareRoot()
        }
        // 800 and 256 normal draws: the sample std is within 15% of the scale
        for key in ["wte.weight", "wpe.weight"] {
            let small = try spread("forward_small_embeddings", key)
            let usual = try spread("forward_two_layers", key)
            #expect(abs(small - 0.01) < 0.0015 && abs(usual - 0.5) < 0.075, "\(key): \(small), \(usual)")
        }
    }

    /// Generated literals and masks, checked by hand: axis, T and a causal mask.
    @Test func literalsPassThrough() throws {
        let lab = try FakeLab.make()
        let (_, raises) = try test(lab, "softmax_raises")
        let args = try makeArguments(test: raises, lab: lab, seed: 2)
        #expect(args.names == ["x", "axis"] && args["axis"] == .int(0))
        let (_, mask) = try test(lab, "mask_fails")
        #expect(try makeArguments(test: mask, lab: lab, seed: 3)["T"] == .int(4))
        #expect(
            try references["causal_mask"]?(CaseArguments(names: ["T"], values: ["T": .int(3)]))
                == .array(
                    NumericArray(
                        bools: [true, false, false, true, true, false, true, true, true],
                        shape: [3, 3])))
    }

    /// A regrade with the same seed and grader version gives the same report.
    @Test func regradeWithTheSameSeedGivesTheSameReport() throws {
        let labs = repositoryRoot.appendingPathComponent("labs")
        let lab = try Lab.load(folder: labs.appendingPathComponent("01-attention"))
        let grader = try Grader(
            lab: lab, harnessDirectory: labs.appendingPathComponent("harness"),
            isolation: .none)
        let sample = repositoryRoot.appendingPathComponent(
            "submissions/s01-ada/01-attention/attention.py")
        let when = testDue - day
        let a = try grader.grade(submission: sample, seed: 4242, mode: .instructor, submitted: when)
        let b = try grader.grade(submission: sample, seed: 4242, mode: .instructor, submitted: when)
        #expect(timeless(a) == timeless(b))
        #expect(a.summary.score == a.summary.maxScore, "\(report(a))")
        // The hidden tests' recorded seeds follow from the submission seed alone.
        for (index, test) in lab.tests.enumerated() {
            #expect(
                a.results[index].seed
                    == caseSeed(test: test, index: index, submissionSeed: 4242))
        }
    }
}
