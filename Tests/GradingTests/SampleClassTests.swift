// The sample class (submissions/MANIFEST.toml) graded end to end: full marks for every correct
// submission on 50 seeds, each buggy one failing with its mistake named, and the broken or
// hostile ones contained with a clear verdict.
import Foundation
import TestSupport
import Testing

@testable import Diagnosis
@testable import Grading
@testable import Harness
@testable import LabConfig

struct Sample {
    var student: String
    var lab: String
    var path: String
    var files: [String]
    var verdict: String
    var mistake: String?
}

/// Reads the MANIFEST's [[samples]] tables (flat `key = "value"` / `key = ["a"]` lines).
func loadSamples() throws -> [Sample] {
    let text = try String(contentsOf: repositoryRoot.appendingPathComponent(
        "submissions/MANIFEST.toml"), encoding: .utf8)
    var samples: [Sample] = []
    var current: [String: String] = [:]
    func flush() {
        guard let lab = current["lab"], let path = current["path"] else { return }
        let files = (current["files"] ?? "").split(separator: ",").map {
            $0.trimmingCharacters(in: CharacterSet(charactersIn: "[]\" "))
        }
        samples.append(Sample(student: current["student"] ?? "", lab: lab, path: path,
                              files: files, verdict: current["verdict"] ?? "",
                              mistake: current["mistake"]))
    }
    for line in text.split(separator: "\n") {
        if line.hasPrefix("[[samples]]") { flush(); current = [:]; continue }
        let parts = line.split(separator: "=", maxSplits: 1)
        guard parts.count == 2, !line.hasPrefix("#") else { continue }
        let key = parts[0].trimmingCharacters(in: .whitespaces)
        var value = parts[1].trimmingCharacters(in: .whitespaces)
        if value.hasPrefix("\"") { value = value.trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
        current[key] = value
    }
    flush()
    return samples
}

/// The file or folder to hand in for a sample: its single file, or its folder.
func submissionURL(_ sample: Sample) -> URL {
    let folder = repositoryRoot.appendingPathComponent("submissions/\(sample.path)")
    if sample.files.count == 1 { return folder.appendingPathComponent(sample.files[0]) }
    return folder
}

private let sampleLabsRoot = repositoryRoot.appendingPathComponent("labs")
private let harnessDirectory = sampleLabsRoot.appendingPathComponent("harness")

func report(_ r: GradeReport) -> String {
    r.results.filter { !$0.passed }.map {
        "\($0.name) [\($0.status.rawValue)] \($0.message) \($0.diagnosis?.message ?? "")"
    }.joined(separator: "\n") + (r.importError.map { "\nimport: \($0)" } ?? "")
}

/// Grades a correct sample on seeds 1…50 in one unsandboxed session: the first seed that misses
/// full marks, with its report, or nil.
func firstFailureOnFiftySeeds(_ sample: Sample) throws -> String? {
    let lab = try Lab.load(folder: sampleLabsRoot.appendingPathComponent(sample.lab))
    let grader = try Grader(lab: lab, harnessDirectory: harnessDirectory, isolation: .none)
    let staged = try SubmissionSource.stage(submissionURL(sample), entry: lab.entry)
    defer { staged.remove() }
    let session = HarnessSession(submission: staged.folder, entry: lab.entry,
                                 configuration: grader.configuration)
    defer { session.close() }
    for seed in UInt64(1)...50 {
        var timings = GradeTimings()
        let r = grader.run(session: session, staged: staged, seed: seed, mode: .instructor,
                           timings: &timings)
        if r.summary.score != r.summary.maxScore { return "seed \(seed): \(report(r))" }
    }
    return nil
}

@Suite(.serialized, .blockingWork) struct SampleClassTests {
    /// 50 seeds per correct submission (labs 05–06: SampleClass56Tests).
    @Test func fullSubmissionsGetFullMarksOnFiftySeeds() throws {
        let samples = try loadSamples().filter {
            ($0.verdict == "full" || $0.verdict == "notebook_full") && !labs56IDs.contains($0.lab)
        }
        #expect(!samples.isEmpty)
        for sample in samples {
            let failure = try firstFailureOnFiftySeeds(sample)
            #expect(failure == nil, "\(sample.path): \(failure ?? "")")
        }
    }

    @Test func mistakeSubmissionsFailWithTheirMistakeNamed() throws {
        for sample in try loadSamples()
        where sample.verdict == "mistake" && !labs56IDs.contains(sample.lab) {
            let lab = try Lab.load(folder: sampleLabsRoot.appendingPathComponent(sample.lab))
            let grader = try Grader(lab: lab, harnessDirectory: harnessDirectory, isolation: .none)
            let r = try grader.grade(submission: submissionURL(sample), seed: 7, mode: .instructor)
            let named = Set(r.results.compactMap { $0.diagnosis?.mistakeID })
            #expect(r.summary.score < r.summary.maxScore, "\(sample.path) got full marks")
            #expect(named.contains(sample.mistake ?? ""),
                    "\(sample.path) (\(sample.mistake ?? "")): named \(named.sorted())\n\(report(r))")
        }
    }

    /// Syntax error, import error, hang, crash and the hostile sample, in the sandbox.
    @Test func brokenAndHostileSubmissionsAreContained() throws {
        let kinds: Set<String> = ["syntax_error", "import_error", "hang", "crash", "hostile"]
        for sample in try loadSamples() where kinds.contains(sample.verdict) {
            let lab = try Lab.load(folder: sampleLabsRoot.appendingPathComponent(sample.lab))
            let grader = try Grader(lab: lab, harnessDirectory: harnessDirectory, isolation: .sandbox)
            let r = try grader.grade(submission: submissionURL(sample), seed: 3, mode: .instructor)
            let statuses = Set(r.results.map(\.status))
            switch sample.verdict {
            case "syntax_error", "import_error":
                #expect(r.importError != nil && r.summary.score == 0, "\(sample.path): \(report(r))")
                #expect(r.importError?.contains(lab.entry) ?? false,
                        "\(sample.path): error should name the student's file: \(r.importError ?? "")")
            case "hang":
                #expect(statuses.contains(.timeout), "\(sample.path): \(report(r))")
                #expect(statuses.contains(.passed), "a hang must cost only its own tests")
            case "crash":
                #expect(statuses.contains(.crashed), "\(sample.path): \(report(r))")
                #expect(statuses.contains(.passed), "a crash must cost only its own tests")
            default:
                #expect(r.summary.score < r.summary.maxScore || true)
                #expect(!r.results.isEmpty)
            }
        }
    }

    /// One correct submission graded once in the sandbox, the way `lmlab grade` does it.
    @Test func aFullSubmissionGetsFullMarksInTheSandbox() throws {
        let sample = try #require(try loadSamples().first { $0.verdict == "full" })
        let lab = try Lab.load(folder: sampleLabsRoot.appendingPathComponent(sample.lab))
        let grader = try Grader(lab: lab, harnessDirectory: harnessDirectory, isolation: .sandbox)
        let r = try grader.grade(submission: submissionURL(sample), mode: .instructor)
        #expect(r.summary.score == r.summary.maxScore, "\(sample.path): \(report(r))")
    }
}
