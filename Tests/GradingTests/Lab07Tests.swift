// Lab 07-llama graded end to end: every catalogued LLaMA mistake is recognised on its sample and
// confused with no other, the uncatalogued sample fails without a mistake named, each mistake
// shows on a visible test, and the samples behave as the manifest says against NumPy.
import Foundation
import TestSupport
import Testing

@testable import Diagnosis
@testable import Grading
@testable import LabConfig

private let labsRoot07 = repositoryRoot.appendingPathComponent("labs")

private func grader07() throws -> Grader {
    let lab = try Lab.load(folder: labsRoot07.appendingPathComponent("07-llama"))
    return try Grader(lab: lab, harnessDirectory: labsRoot07.appendingPathComponent("harness"),
                      isolation: .none)
}

/// Grades each buggy sample on seeds 7 and 8: it fails, and exactly its own mistake is named.
func expectOnlyItsMistakeNamed(_ samples: [Sample], grader: Grader) throws {
    for sample in samples {
        for seed: UInt64 in [7, 8] {
            let r = try grader.grade(submission: submissionURL(sample), seed: seed, mode: .instructor)
            let named = Set(r.results.compactMap { $0.diagnosis?.mistakeID })
            #expect(r.summary.score < r.summary.maxScore, "\(sample.path) got full marks")
            #expect(named == [sample.mistake ?? ""],
                    "\(sample.path) seed \(seed): named \(named.sorted())\n\(report(r))")
        }
    }
}

@Suite(.serialized, .blockingWork) struct Lab07Tests {
    @Test func everyLlamaComponentHasAReferenceAndAtLeastEightMistakes() throws {
        let lab = try Lab.load(folder: labsRoot07.appendingPathComponent("07-llama"))
        for c in lab.components { #expect(references[c.name] != nil, "no reference for \(c.name)") }
        let ids = Set(llamaFamily.mistakes.map(\.id))
        #expect(ids.count >= 8 && ids.count == llamaFamily.mistakes.count)
        #expect(llamaFamily.mistakes.allSatisfy { $0.components.allSatisfy(llamaFamily.componentNames.contains) })
    }

    @Test func everyMistakeIsNamedOnItsSampleAndNoOther() throws {
        let samples = try loadSamples().filter { $0.lab == "07-llama" && $0.verdict == "mistake" }
        #expect(Set(samples.compactMap(\.mistake)) == Set(llamaFamily.mistakes.map(\.id)),
                "every lab 07 mistake needs a sample")
        try expectOnlyItsMistakeNamed(samples, grader: try grader07())
    }

    @Test func theUncataloguedSampleFailsWithNoMistakeNamed() throws {
        let samples = try loadSamples().filter { $0.lab == "07-llama" && $0.verdict == "uncatalogued" }
        #expect(!samples.isEmpty)
        let grader = try grader07()
        for sample in samples {
            let r = try grader.grade(submission: submissionURL(sample), seed: 7, mode: .instructor)
            #expect(r.summary.score < r.summary.maxScore)
            let named = r.results.compactMap(\.diagnosis).filter { $0.kind == .mistake }
            #expect(named.isEmpty, "\(sample.path): named \(named.map(\.mistakeID))")
        }
    }

    @Test func everyMistakeDiffersFromTheReferenceOnAVisibleTest() throws {
        let lab = try Lab.load(folder: labsRoot07.appendingPathComponent("07-llama"))
        for m in llamaFamily.mistakes {
            var shown = false
            for test in lab.tests where test.visibility == .visible && m.components.contains(test.component) {
                let args = try makeArguments(test: test, lab: lab, seed: test.seed ?? 0)
                let reference = try #require(references[test.component])
                let expected = try reference(args)
                guard let c = lab.component(named: test.component) else { continue }
                for output in m.outputs(component: test.component, args: args) {
                    let tolerance = Tolerance(atol: c.atol, rtol: c.rtol)
                    if !compare(got: output, expected: expected, as: c.returns, tolerance: tolerance).passed {
                        shown = true
                    }
                }
            }
            #expect(shown, "\(m.id) never differs from the reference on a visible test")
        }
    }

    @Test func samplesBehaveAsTheManifestSaysAgainstNumPy() throws {
        do {
            let text = String(decoding: try runOracle("labs07_check_samples.py"), as: UTF8.self)
            #expect(text.contains("behave as MANIFEST.toml says"), "\(text)")
        } catch let error as OracleError {
            Issue.record("lab 07 sample check failed:\n\(error)")
        }
    }
}
