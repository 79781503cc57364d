// Feedback renderings of a hand-made grade: terminal text without colour off a TTY, Markdown's
// table, JSON read back field by field, and hidden-test details kept from the student view.
import Foundation
import Testing

@testable import Diagnosis
@testable import Grading
@testable import LabConfig

/// A grade with a passing visible test, a failing one with a diagnosis, a student error, two
/// hidden tests (one passing), an after_due test and 5000 bytes of prints.
func sampleReport() -> GradeReport {
    var failing = result(
        "sdpa_masked", points: 1.5, passed: false,
        message: "max abs error 0.31 at [2, 5]; expected 0.12, got 0.43")
    failing.comparison = Comparison(
        passed: false, failure: .values, message: failing.message, maxAbsError: 0.31,
        maxRelError: 2.5, worstIndex: [2, 5], errorRatio: 300, fractionClose: 0.75)
    failing.diagnosis = Diagnosis(
        kind: .mistake, mistakeID: "mask_after_softmax", title: "Mask applied after softmax",
        hint: "Set masked scores to -inf before the softmax.",
        message: "This looks like a known mistake: mask applied after softmax.")
    var raised = result(
        "mha_small", points: 2, passed: false,
        message: "ValueError: shapes (4,8) and (4,8) not aligned")
    raised.status = .error
    raised.errorLocation = "attention.py, line 42"
    raised.errorText = "scores = q @ k"
    var hiddenPass = result(
        "softmax_hidden_secret", points: 1, passed: true, visibility: .hidden,
        message: "HIDDEN-DETAIL-1")
    hiddenPass.inputs = ["x": "float32 [9, 9]"]
    let hiddenFail = result(
        "mask_hidden_secret", points: 2, passed: false, visibility: .hidden,
        message: "HIDDEN-DETAIL-2")
    let afterDue = result(
        "cross_after_due_secret", points: 3, passed: false,
        visibility: .afterDue, message: "AFTER-DUE-DETAIL")
    let results = [
        result("softmax_rows", points: 2, passed: true, message: "max abs error 3e-8"),
        failing, raised, hiddenPass, hiddenFail, afterDue,
    ]
    let output = "print from the student\n" + String(repeating: "x", count: 5000)
    return GradeReport(
        lab: "01-attention", labTitle: "Attention from scratch", graderVersion: "1.0.0+lmlab-0.1.0",
        submission: "attention.py", seed: 12345, mode: "student",
        submittedAt: testDue - day, due: testDue, results: results,
        summary: ScoreSummary(results: results, penalty: 0), importError: nil, output: output,
        notes: ["attention_v2.py was graded as attention.py"], timings: GradeTimings())
}

private let studentBefore = Viewer.student(now: testDue - day)
private let studentAfter = Viewer.student(now: testDue + day)

private func json(_ data: Data) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
}

@Suite("Feedback")
struct FeedbackTests {
    @Test func terminalWithoutColourShowsTestsPointsDiagnosisAndCappedPrints() {
        let text = renderTerminal(sampleReport(), viewer: studentBefore, colour: false)
        #expect(!text.contains("\u{1B}["), "no ANSI codes off a TTY")
        for golden in [
            "01-attention — Attention from scratch",
            "submission attention.py, seed 12345, grader 1.0.0+lmlab-0.1.0",
            "PASS softmax_rows (2/2) — max abs error 3e-8",
            "FAIL sdpa_masked (0/1.5) — max abs error 0.31 at [2, 5]",
            "This looks like a known mistake: mask applied after softmax.",
            "hint: Set masked scores to -inf before the softmax.",
            "FAIL mha_small (0/2) — ValueError",
            "at attention.py, line 42", "scores = q @ k",
            "hidden tests: 1 of 2 passed, 1/3 points",
            "1 more test (3 points) will be shown after the due date",
            // Before the due date the total leaves the after_due test out: 2 + 1 of 2+1.5+2+3.
            "score 3/8.5",
            "note: attention_v2.py was graded as attention.py",
            "your code printed:", "print from the student",
            "[… \(23 + 5000 - feedbackOutputCap) more bytes not shown]",
        ] {
            #expect(
                text.contains(golden),
                "missing \(golden.debugDescription) in:\n\(text.prefix(1500))")
        }
        for secret in [
            "softmax_hidden_secret", "mask_hidden_secret", "HIDDEN-DETAIL",
            "cross_after_due_secret", "AFTER-DUE-DETAIL", "float32 [9, 9]",
        ] {
            #expect(!text.contains(secret), "student view shows \(secret)")
        }
        #expect(!text.contains(String(repeating: "x", count: 5000)), "prints are capped")
    }

    @Test func terminalOnATTYIsColouredAndAfterTheDueDateShowsAfterDueTests() {
        let text = renderTerminal(sampleReport(), viewer: studentAfter, colour: true)
        #expect(text.contains("\u{1B}[32mPASS\u{1B}[0m softmax_rows"))
        #expect(text.contains("\u{1B}[31mFAIL\u{1B}[0m cross_after_due_secret"))
        #expect(text.contains("score 3/11.5"), "\(text)")
        #expect(!text.contains("HIDDEN-DETAIL"))
    }

    @Test func instructorTerminalShowsEveryTest() {
        let text = renderTerminal(sampleReport(), viewer: .instructor, colour: false)
        for name in [
            "softmax_hidden_secret", "HIDDEN-DETAIL-2", "AFTER-DUE-DETAIL", "score 3/11.5",
        ] {
            #expect(text.contains(name), "instructor view lacks \(name)")
        }
        #expect(!text.contains("hidden tests:"))
    }

    @Test func markdownIsATableWithoutHiddenDetails() {
        let md = renderMarkdown(sampleReport(), viewer: studentBefore)
        #expect(md.hasPrefix("# 01-attention: Attention from scratch\n"))
        #expect(md.contains("**Score: 3 / 8.5**"), "\(md)")
        #expect(md.contains("| test | points | result |\n|---|---|---|\n"))
        #expect(md.contains("| `softmax_rows` | 2/2 | ✅ max abs error 3e-8 |"), "\(md)")
        #expect(md.contains("| `sdpa_masked` | 0/1.5 | ❌ max abs error 0.31"), "\(md)")
        #expect(md.contains("### sdpa_masked"))
        #expect(md.contains("> Set masked scores to -inf before the softmax."))
        #expect(md.contains("Error at attention.py, line 42: `scores = q @ k`"), "\(md)")
        #expect(md.contains("Hidden tests: 1 of 2 passed (1/3 points)."))
        #expect(md.contains("## Your code printed"))
        // Table rows: header, separator and one per visible test.
        let rows = md.split(separator: "\n").filter { $0.hasPrefix("|") }
        #expect(rows.count == 2 + 3, "\(rows)")
        for secret in ["softmax_hidden_secret", "HIDDEN-DETAIL", "cross_after_due_secret"] {
            #expect(!md.contains(secret), "student Markdown shows \(secret)")
        }
    }

    @Test func aHintSharedByTestsIsSaidOnceWithTheTestsListed() {
        var report = sampleReport()
        var again = report.results[1]
        again.name = "sdpa_masked_batched"
        report.results.insert(again, at: 2)
        let hint = "Set masked scores to -inf before the softmax."
        let text = renderTerminal(report, viewer: .instructor, colour: false)
        #expect(text.components(separatedBy: hint).count == 2, "\(text)")
        #expect(text.contains("hint: \(hint)\n  for: sdpa_masked, sdpa_masked_batched"), "\(text)")
        let md = renderMarkdown(report, viewer: .instructor)
        #expect(md.components(separatedBy: hint).count == 2, "\(md)")
        #expect(md.contains("> \(hint)\n\nFor `sdpa_masked`, `sdpa_masked_batched`."), "\(md)")
    }

    @Test func markdownEscapesPipesInMessages() {
        var report = sampleReport()
        report.results[0].message = "a | b"
        let md = renderMarkdown(report, viewer: .instructor)
        #expect(md.contains("✅ a \\| b |"), "\(md)")
    }

    @Test func jsonReadsBackFieldByField() throws {
        let object = try json(try renderJSON(sampleReport(), viewer: studentBefore))
        #expect(object["hiddenTests"] as? Int == 2)
        #expect(object["hiddenPassed"] as? Int == 1)
        #expect(object["hiddenScore"] as? Double == 1)
        #expect(object["hiddenMaxScore"] as? Double == 3)
        #expect(object["afterDueTests"] as? Int == 1)
        #expect(object["afterDueMaxScore"] as? Double == 3)
        let report = try #require(object["report"] as? [String: Any])
        #expect(report["lab"] as? String == "01-attention")
        #expect(report["seed"] as? Int == 12345)
        #expect(report["graderVersion"] as? String == "1.0.0+lmlab-0.1.0")
        #expect(report["due"] as? String == "2026-12-07T23:59:00Z")
        let summary = try #require(report["summary"] as? [String: Any])
        #expect(summary["score"] as? Double == 3 && summary["maxScore"] as? Double == 8.5)
        #expect(summary["finalScore"] as? Double == 3)
        let output = try #require(report["output"] as? String)
        #expect(output.utf8.count < 4200 && output.contains("more bytes not shown"))
        let results = try #require(report["results"] as? [[String: Any]])
        #expect(
            results.compactMap { $0["name"] as? String }
                == ["softmax_rows", "sdpa_masked", "mha_small"])
        let failing = results[1]
        #expect(failing["status"] as? String == "failed")
        #expect(failing["points"] as? Double == 1.5 && failing["score"] as? Double == 0)
        #expect(failing["visibility"] as? String == "visible")
        let comparison = try #require(failing["comparison"] as? [String: Any])
        #expect(comparison["maxAbsError"] as? Double == 0.31)
        #expect(comparison["worstIndex"] as? [Int] == [2, 5])
        #expect(comparison["failure"] as? String == "values")
        let diagnosis = try #require(failing["diagnosis"] as? [String: Any])
        #expect(diagnosis["kind"] as? String == "mistake")
        #expect(diagnosis["mistakeID"] as? String == "mask_after_softmax")
        #expect(diagnosis["title"] as? String == "Mask applied after softmax")
        #expect(results[2]["status"] as? String == "error")
        #expect(results[2]["errorLocation"] as? String == "attention.py, line 42")
        let text = String(
            decoding: try renderJSON(sampleReport(), viewer: studentBefore),
            as: UTF8.self)
        for secret in [
            "softmax_hidden_secret", "HIDDEN-DETAIL", "cross_after_due_secret",
            "AFTER-DUE-DETAIL",
        ] {
            #expect(!text.contains(secret), "student JSON shows \(secret)")
        }
    }

    @Test func instructorJSONHasEveryTestAndTheFullOutput() throws {
        let object = try json(try renderJSON(sampleReport(), viewer: .instructor))
        #expect(object["hiddenTests"] as? Int == 0 && object["afterDueTests"] as? Int == 0)
        let report = try #require(object["report"] as? [String: Any])
        let results = try #require(report["results"] as? [[String: Any]])
        #expect(results.count == 6)
        #expect((report["output"] as? String)?.utf8.count == 23 + 5000)
        let summary = try #require(report["summary"] as? [String: Any])
        #expect(summary["maxScore"] as? Double == 11.5)
    }
}
