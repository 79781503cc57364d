// Every number a grade can hold — inf, -inf, NaN, subnormals, the largest finite doubles —
// survives every format: the store, JSON over HTTP (decoded by the CLI's RemoteClient), the
// CLI's JSON, Markdown and text, and Grading's renderJSON. First the case that failed with
// "HTTP 500 … EncodingError.invalidValue: inf": the q4_0 nibble-order sample of lab 06.
import Foundation
@testable import LabConfig
@testable import Server
import Store
import Tensors
import TestSupport
import Testing

@testable import Diagnosis
@testable import Grading
@testable import Service

@Suite(.serialized, .blockingWork) struct NonFiniteFeedbackTests {
    /// The values checked: the special ones, then 40 random bit patterns (seed 20261207), which
    /// hold NaNs with payloads, subnormals and huge magnitudes.
    static func values() -> [Double] {
        var values: [Double] = [
            .infinity, -.infinity, .nan, .leastNonzeroMagnitude, -.leastNonzeroMagnitude,
            .leastNormalMagnitude / 3, .greatestFiniteMagnitude, -.greatestFiniteMagnitude,
            1e308, 0, -0.0, 0.123456789012345678,
        ]
        var rng = RNG(seed: 20_261_207)
        for _ in 0..<40 { values.append(Double(bitPattern: rng.next())) }
        return values
    }

    /// Equal as numbers, or both NaN.
    static func same(_ a: Double?, _ b: Double?) -> Bool {
        switch (a, b) {
        case (nil, nil): return true
        case (let x?, let y?): return x == y || (x.isNaN && y.isNaN)
        default: return false
        }
    }

    /// A class of one (alice) with lab L due tomorrow and one graded submission whose two tests
    /// carry `values` as max abs and max rel errors.
    static func store(results: [TestResultRecord]) throws -> (LabStore, String, Int64) {
        let store = try LabStore.open(directory: try makeScratchDirectory("lmlab-nonfinite"))
        try store.importRoster(csv: "id,name,email\nalice,Alice Liddell,\n")
        try store.syncLab(
            LabRecord(id: "L", version: "1", title: "Lab L", due: Date().addingTimeInterval(86_400)))
        let id = try store.enqueue(
            student: "alice", lab: "L", filename: "quantize.py", content: Data("x".utf8),
            source: .cli, submittedAt: Date())
        _ = try #require(try store.claimNext(worker: "w", lease: 60))
        let score = results.reduce(0) { $0 + $1.points }
        let max = results.reduce(0) { $0 + $1.maxPoints }
        try store.complete(
            id: id, worker: "w",
            grade: GradeRecord(graderVersion: "1", seed: 1, score: score, maxScore: max),
            results: results)
        return (store, try store.issueToken(studentID: "alice"), id)
    }

    /// The stored feedback through every CLI format and over HTTP; returns what the server said.
    static func everyFormat(_ store: LabStore, token: String, id: Int64) async throws
        -> SubmissionFeedback
    {
        let local = try #require(try store.submissionFeedback(id: id, viewer: .instructor))
        for format: OutputFormat in [.terminal(colour: false), .markdown] {
            let text = try renderFeedback(local, format: format)
            #expect(text.contains("Submission #\(id)"))
        }
        let decoded = try LMLabJSON.decoder().decode(
            SubmissionFeedback.self, from: Data(try renderFeedback(local, format: .json).utf8))
        #expect(decoded.tests.count == local.tests.count)
        return try await withLiveServer(store: store) { url in
            let remote = try RemoteClient(server: url, token: token, timeout: liveServerTimeout)
            let answer = try await remote.submission(id: id)
            _ = try renderFeedback(answer, format: .json)
            return answer
        }
    }

    @Test func theNibbleOrderSampleRendersEverywhere() async throws {
        let labs = repositoryRoot.appendingPathComponent("labs")
        let lab = try Lab.load(folder: labs.appendingPathComponent("06-quantization"))
        let grader = try Grader(
            lab: lab, harnessDirectory: labs.appendingPathComponent("harness"), isolation: .none)
        let report = try grader.grade(
            submission: repositoryRoot.appendingPathComponent(
                "submissions/s15-guido/06-quantization/quantize.py"),
            seed: 7, mode: .instructor)
        // The reproduction: an infinite relative error (a code where the reference has 0)
        let errors = report.results.compactMap { $0.comparison?.maxRelError }
        #expect(errors.contains(.infinity), "\(errors)")
        for viewer in [Viewer.instructor, .student(now: Date())] {
            let json = try renderJSON(report, viewer: viewer)
            #expect(String(decoding: json, as: UTF8.self).contains("\"Infinity\""))
            _ = renderTerminal(report, viewer: viewer, colour: false)
            _ = renderMarkdown(report, viewer: viewer)
        }
        let outcome = LabGrader.outcome(report, seed: 7)
        let (store, token, id) = try Self.store(results: outcome.tests)
        let answer = try await Self.everyFormat(store, token: token, id: id)
        // alice sees the visible tests with their numbers, infinity included
        #expect(answer.tests.contains { $0.maxRelError == .infinity })
    }

    @Test func everyNumberSurvivesEveryFormat() async throws {
        let values = Self.values()
        let results = values.enumerated().map { index, value in
            TestResultRecord(
                name: "t\(index)", points: 0, maxPoints: 1, status: .fail,
                message: "max abs error \(formatNumber(value))", maxAbsError: value,
                maxRelError: -value, seconds: 0)
        }
        let (store, token, id) = try Self.store(results: results)
        // The store round trip keeps each number; NaN, which SQLite cannot hold, as well
        let stored = try store.feedback(submissionID: id)
        for (value, record) in zip(values, stored) {
            #expect(Self.same(record.maxAbsError, value), "stored \(value)")
            #expect(Self.same(record.maxRelError, -value), "stored \(-value)")
        }
        let answer = try await Self.everyFormat(store, token: token, id: id)
        for (value, test) in zip(values, answer.tests) {
            #expect(Self.same(test.maxAbsError, value), "over HTTP \(value)")
            #expect(Self.same(test.maxRelError, -value), "over HTTP \(-value)")
        }

        // Grading's own renderers, on a report holding the same numbers as comparisons
        let report = GradeReport(
            lab: "L", labTitle: "Lab L", graderVersion: "1", submission: "quantize.py", seed: 1,
            mode: "instructor", submittedAt: Date(), due: Date(),
            results: values.enumerated().map { index, value in
                TestResult(
                    name: "t\(index)", component: "c", visibility: "visible", points: 1,
                    score: 0, status: .failed, seed: 1, message: "m",
                    comparison: Comparison(
                        passed: false, failure: .values, message: "m", maxAbsError: value,
                        maxRelError: -value, worstIndex: nil, errorRatio: value,
                        fractionClose: nil),
                    diagnosis: nil, errorLocation: nil, errorText: nil, traceback: nil,
                    inputs: [:], seconds: 0)
            },
            summary: ScoreSummary(results: [], penalty: 0), importError: nil, output: "",
            notes: [], timings: GradeTimings())
        struct Envelope: Decodable { var report: GradeReport }
        let back = try LMLabJSON.decoder().decode(
            Envelope.self, from: try renderJSON(report, viewer: .instructor)
        ).report
        for (value, result) in zip(values, back.results) {
            #expect(Self.same(result.comparison?.maxAbsError, value), "renderJSON \(value)")
            #expect(Self.same(result.comparison?.errorRatio, value), "renderJSON \(value)")
        }
        let text = renderTerminal(report, viewer: .instructor, colour: false)
        #expect(text.contains("FAIL t0 (0/1)") && text.contains("FAIL t\(values.count - 1) (0/1)"))
    }
}
