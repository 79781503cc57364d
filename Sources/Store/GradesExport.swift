// Grades out of lmlab: a CSV (one roster student per line, the counted submission's score after
// late penalty) and Gradescope's autograder results.json per student. Here, below the CLI
// (`lmlab export grades`) and the daemon's export page, so that both produce the same bytes.
import Diagnosis
import Foundation
import Grading
import LabConfig

/// RFC 4180 quoting: fields with a comma, quote or newline are quoted, quotes doubled.
public func csvField(_ text: String) -> String {
    guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else {
        return text
    }
    return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}

/// The grades of `lab` as CSV, one line per roster student: a student without a graded
/// submission scores 0 (of the lab's points) with `missing` true, so a gradebook import sees a
/// number for everyone and can still tell "handed in nothing" from "scored nothing".
public func gradesCSV(_ rows: [GradeExportRow], lab: String) -> String {
    var out = "student_id,name,email,lab,submissions,score,max_score,late,submitted_at,"
        + "submission_id,missing\n"
    let labMax = rows.compactMap(\.maxScore).max()
    for row in rows {
        let fields: [String] = [
            row.studentID, row.name, row.email ?? "", lab, "\(row.submissions)",
            String(format: "%.4g", row.score ?? 0),
            (row.maxScore ?? labMax).map(formatPoints) ?? "",
            row.late.map { $0 ? "true" : "false" } ?? "",
            row.submittedAt?.formatted(.iso8601) ?? "",
            row.submissionID.map { "\($0)" } ?? "",
            row.score == nil ? "true" : "false",
        ]
        out += fields.map(csvField).joined(separator: ",") + "\n"
    }
    return out
}

extension GradescopeResult {
    /// Built from a submission's stored results; `visibility` maps lmlab's "after_due" to
    /// Gradescope's "after_due_date".
    public init(submission: SubmissionRecord, results: [TestResultRecord]) {
        let raw = submission.score ?? 0
        var output = "lmlab submission #\(submission.id ?? 0), seed \(submission.seed ?? 0),"
            + " grader \(submission.graderVersion ?? "?")"
        if submission.penalty > 0 {
            output += "\nlate penalty \(formatPercent(submission.penalty)) on \(formatPoints(raw))"
        }
        let tests = results.map { result in
            var text = result.message ?? ""
            if let info = mistakeInfo(result.diagnosis) {
                text += "\n\(result.diagnosisNearMiss ? "possibly: " : "mistake: ")\(info.title)"
                text += "\nhint: \(info.hint)"
            }
            return Test(
                name: result.name, score: result.points, max_score: result.maxPoints,
                output: text, visibility: gradescopeVisibility(result.visibility))
        }
        self.init(
            score: (LateRule.applying(submission.penalty, to: raw) * 1000).rounded() / 1000,
            output: output, tests: tests)
    }
}

/// Each counted submission's results.json (pretty, stable JSON), by student id, in `counted`'s
/// order: what `writeGradescopeResults` writes to a folder and the export page zips.
public func gradescopeResultFiles(_ counted: [CountedSubmission]) throws
    -> [(studentID: String, json: Data)]
{
    let encoder = LMLabJSON.encoder(pretty: true)
    return try counted.map { entry in
        let result = GradescopeResult(submission: entry.submission, results: entry.results)
        return (entry.studentID, try encoder.encode(result))
    }
}
