// Gradescope export read back against the documented results.json schema
// (gradescope-autograders.readthedocs.io/en/latest/specs/): a top-level score and output, and
// tests[] with name, score, max_score, output and visibility in visible | hidden |
// after_due_date | after_published.
import Foundation
import Testing

@testable import Diagnosis
@testable import Grading

/// Keys Gradescope documents for results.json and for one entry of its tests[].
private let topLevelKeys: Set<String> = [
    "score", "execution_time", "output", "output_format", "test_output_format",
    "test_name_format", "visibility", "stdout_visibility", "extra_data", "tests", "leaderboard",
]
private let testKeys: Set<String> = [
    "score", "max_score", "status", "name", "name_format", "number", "output", "output_format",
    "tags", "visibility", "extra_data",
]
private let visibilities: Set<String> = ["visible", "hidden", "after_due_date", "after_published"]

private func results(_ report: GradeReport) throws -> [String: Any] {
    let data = try gradescopeResults(report)
    return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
}

@Suite("Gradescope")
struct GradescopeTests {
    @Test func resultsFollowTheDocumentedSchema() throws {
        let object = try results(sampleReport())
        #expect(Set(object.keys).isSubset(of: topLevelKeys), "undocumented keys \(object.keys)")
        #expect(object["score"] as? Double == 3)
        if let stdout = object["stdout_visibility"] {
            #expect(visibilities.contains(stdout as? String ?? ""))
        }
        let tests = try #require(object["tests"] as? [[String: Any]])
        #expect(tests.count == 6)
        for test in tests {
            #expect(Set(test.keys).isSubset(of: testKeys), "undocumented keys \(test.keys)")
            #expect(test["name"] is String && test["output"] is String)
            #expect(test["score"] as? Double != nil && test["max_score"] as? Double != nil)
            #expect(visibilities.contains(test["visibility"] as? String ?? ""), "\(test)")
            #expect(["passed", "failed"].contains(test["status"] as? String ?? ""))
        }
        #expect(
            tests.map { $0["visibility"] as? String ?? "" }
                == ["visible", "visible", "visible", "hidden", "hidden", "after_due_date"])
        #expect(tests.map { $0["max_score"] as? Double ?? -1 } == [2, 1.5, 2, 1, 2, 3])
        #expect(tests.map { $0["score"] as? Double ?? -1 } == [2, 0, 0, 1, 0, 0])
        #expect(
            tests.map { $0["status"] as? String ?? "" }
                == ["passed", "failed", "failed", "passed", "failed", "failed"])
    }

    /// The per-test output carries the verdict, the error location and the diagnosis with its
    /// hint; the top-level output the seed and grader version needed to reproduce the run.
    @Test func outputsCarryDiagnosisAndReproduction() throws {
        let object = try results(sampleReport())
        let tests = try #require(object["tests"] as? [[String: Any]])
        let failing = tests[1]["output"] as? String ?? ""
        #expect(failing.contains("max abs error 0.31"))
        #expect(failing.contains("known mistake: mask applied after softmax"))
        #expect(failing.contains("hint: Set masked scores to -inf before the softmax."))
        #expect((tests[2]["output"] as? String ?? "").contains("at attention.py, line 42"))
        let output = object["output"] as? String ?? ""
        #expect(output.contains("seed 12345") && output.contains("1.0.0+lmlab-0.1.0"), "\(output)")
    }

    /// The top-level score is the final one, after the late penalty.
    @Test func scoreIsAfterThePenaltyAndImportErrorsAreExplained() throws {
        var report = sampleReport()
        report.summary = ScoreSummary(results: report.results, penalty: 0.2)
        report.importError = "SyntaxError: invalid syntax (attention.py, line 5)"
        let object = try results(report)
        #expect(object["score"] as? Double == 2.4)
        let output = object["output"] as? String ?? ""
        #expect(output.contains("did not import") && output.contains("attention.py, line 5"))
    }
}
