// Gradescope's autograder results.json: score, and one entry per test with name, score,
// max_score, status, output and visibility ("visible", "hidden", "after_due_date"); see
// https://gradescope-autograders.readthedocs.io/en/latest/specs/.
import Foundation
import Diagnosis
import LabConfig

/// Gradescope's results.json, written from a grade here and from a stored submission by the
/// grades export (Service).
public struct GradescopeResult: Codable, Sendable, Equatable {
    public struct Test: Codable, Sendable, Equatable {
        public var name: String
        public var score: Double
        public var max_score: Double
        /// "passed" or "failed" (Gradescope's optional per-test status); nil leaves it out.
        public var status: String?
        public var output: String
        public var visibility: String

        public init(
            name: String, score: Double, max_score: Double, status: String? = nil, output: String,
            visibility: String
        ) {
            self.name = name
            self.score = score
            self.max_score = max_score
            self.status = status
            self.output = output
            self.visibility = visibility
        }
    }

    public var score: Double
    public var output: String
    public var tests: [Test]

    public init(score: Double, output: String, tests: [Test]) {
        self.score = score
        self.output = output
        self.tests = tests
    }
}

/// The results.json text for a grade (the instructor view: Gradescope applies visibility).
public func gradescopeResults(_ report: GradeReport) throws -> Data {
    let tests = report.results.map { r -> GradescopeResult.Test in
        var output = r.message
        if let location = r.errorLocation { output += "\nat \(location)" }
        if let d = r.diagnosis {
            output += "\n\(d.message)"
            if let hint = d.hint { output += "\nhint: \(hint)" }
        }
        return .init(name: r.name, score: r.score, max_score: r.points,
                     status: r.passed ? "passed" : "failed", output: output,
                     visibility: gradescopeVisibility(r.visibility))
    }
    var output = "seed \(report.seed), grader \(report.graderVersion)"
    if let error = report.importError { output += "\nYour module did not import:\n\(error)" }
    let results = GradescopeResult(score: report.summary.finalScore, output: output, tests: tests)
    return try LMLabJSON.encoder(pretty: true).encode(results)
}

/// Gradescope's name for a test's visibility: it shows "after_due_date" tests after the due
/// date and "hidden" ones never, the same rule as lmlab's Viewer (an unknown one is hidden).
public func gradescopeVisibility(_ visibility: String) -> String {
    switch Visibility(rawValue: visibility) ?? .hidden {
    case .visible: return "visible"
    case .afterDue: return "after_due_date"
    case .hidden: return "hidden"
    }
}
