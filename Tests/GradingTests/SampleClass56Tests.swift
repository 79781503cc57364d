// The lab 05-lora and 06-quantization samples graded end to end: every correct one gets full
// marks on 50 seeds, every buggy one fails with its mistake named, and the same samples behave
// as the manifest says against the independent NumPy reference (labs56_check_samples.py).
import Foundation
import TestSupport
import Testing

@testable import Diagnosis
@testable import Grading
@testable import LabConfig

private let labsRoot56 = repositoryRoot.appendingPathComponent("labs")

@Suite(.serialized, .blockingWork) struct SampleClass56Tests {
    @Test func correctSamplesGetFullMarksOnFiftySeeds() throws {
        let samples = try loadSamples().filter { labs56IDs.contains($0.lab) && $0.verdict == "full" }
        #expect(samples.count >= 4)
        for sample in samples {
            let failure = try firstFailureOnFiftySeeds(sample)
            #expect(failure == nil, "\(sample.path): \(failure ?? "")")
        }
    }

    @Test func buggySamplesFailWithTheirMistakeNamed() throws {
        let samples = try loadSamples().filter { labs56IDs.contains($0.lab) && $0.verdict == "mistake" }
        let named = Set(samples.compactMap(\.mistake))
        #expect(named == labs56MistakeIDs, "mistakes without a sample: \(labs56MistakeIDs.subtracting(named))")
        for sample in samples {
            let lab = try Lab.load(folder: labsRoot56.appendingPathComponent(sample.lab))
            let grader = try Grader(lab: lab, harnessDirectory: labsRoot56.appendingPathComponent(
                "harness"), isolation: .none)
            for seed: UInt64 in [7, 8] {
                let r = try grader.grade(submission: submissionURL(sample), seed: seed,
                                         mode: .instructor)
                let ids = Set(r.results.compactMap { $0.diagnosis?.mistakeID })
                #expect(r.summary.score < r.summary.maxScore, "\(sample.path) got full marks")
                #expect(ids == [sample.mistake ?? ""],
                        "\(sample.path) (\(sample.mistake ?? "")) seed \(seed): named \(ids.sorted())\n\(report(r))")
            }
        }
    }

    @Test func samplesBehaveAsTheManifestSaysAgainstNumPy() throws {
        do {
            let text = String(decoding: try runOracle("labs56_check_samples.py"), as: UTF8.self)
            #expect(text.contains("behave as MANIFEST.toml says"), "\(text)")
        } catch let error as OracleError {
            Issue.record("lab 05–06 sample check failed:\n\(error)")
        }
    }
}
