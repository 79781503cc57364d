// Scoring by hand: per-test all-or-nothing points and the total, the late penalty on each side of
// due and late_due, and what a student (before and after the due date) and an instructor see.
import Foundation
import Testing

@testable import Diagnosis
@testable import Grading
@testable import LabConfig

/// 2026-12-07T23:59:00Z, the due date the score and feedback tests use.
let testDue = Date(timeIntervalSince1970: 1_796_687_940)
let day = 86_400.0

/// A minimal lab: only its schedule matters here.
func scheduleLab(lateDue: Date?, penalty: Double) -> Lab {
    Lab(
        id: "99-score", title: "Score", version: "1.0.0", due: testDue, lateDue: lateDue,
        latePenalty: penalty, entry: "score.py", components: [], tests: [],
        folder: URL(fileURLWithPath: "/nonexistent/99-score"))
}

/// A test result with the fields scoring reads.
func result(
    _ name: String, points: Double, passed: Bool, visibility: Visibility = .visible,
    message: String = ""
) -> TestResult {
    TestResult(
        name: name, component: "softmax", visibility: visibility.rawValue, points: points,
        score: passed ? points : 0, status: passed ? .passed : .failed, seed: 1,
        message: message, comparison: nil, diagnosis: nil, errorLocation: nil, errorText: nil,
        traceback: nil, inputs: [:], seconds: 0.01)
}

@Suite("Score")
struct ScoreTests {
    @Test func dueDateConstantIsWhatItSays() {
        let formatter = ISO8601DateFormatter()
        #expect(formatter.string(from: testDue) == "2026-12-07T23:59:00Z")
    }

    @Test func totalsAndPenalty() {
        let results = [
            result("a", points: 2, passed: true), result("b", points: 0.5, passed: false),
            result("c", points: 1.5, passed: true), result("d", points: 1, passed: false),
        ]
        let s = ScoreSummary(results: results, penalty: 0.2)
        #expect(s.score == 3.5 && s.maxScore == 5 && s.penalty == 0.2)
        // 3.5 · 0.8 = 2.8 (2.8000000000000003 in binary, rounded to 3 decimals).
        #expect(s.finalScore == 2.8, "\(s.finalScore)")
        let none = ScoreSummary(results: [], penalty: 0)
        #expect(none.score == 0 && none.maxScore == 0 && none.finalScore == 0)
        let full = ScoreSummary(
            results: results.map {
                var r = $0
                r.score = r.points
                return r
            },
            penalty: 1)
        #expect(full.score == 5 && full.finalScore == 0)
    }

    @Test func latePenaltyAroundDueAndLateDue() {
        let lab = scheduleLab(lateDue: testDue + 7 * day, penalty: 0.2)
        #expect(lab.lateRule.penalty(at: testDue - day) == 0)
        #expect(lab.lateRule.penalty(at: testDue) == 0, "exactly at due is on time")
        #expect(lab.lateRule.penalty(at: testDue + 1) == 0.2)
        #expect(lab.lateRule.penalty(at: testDue + 3 * day) == 0.2)
        #expect(
            lab.lateRule.penalty(at: testDue + 7 * day) == 0.2,
            "exactly at late_due is still accepted")
        #expect(lab.lateRule.penalty(at: testDue + 7 * day + 1) == nil)
    }

    /// Without late_due, late work is accepted with the penalty (Lab: "nil means never"; the
    /// Store and the Server accept it too), not silently scored 0.
    @Test func withoutLateDueLateWorkKeepsThePenalty() {
        let lab = scheduleLab(lateDue: nil, penalty: 0.25)
        #expect(lab.lateRule.penalty(at: testDue) == 0)
        #expect(lab.lateRule.penalty(at: testDue + 30 * day) == 0.25)
    }

    @Test func studentBeforeDueSeesVisibleInFullHiddenAsSummaryAndAfterDueNotAtAll() {
        let student = Viewer.student(now: testDue - day)
        let visible = result("v", points: 1, passed: true, visibility: .visible)
        let hidden = result("h", points: 1, passed: true, visibility: .hidden)
        let afterDue = result("a", points: 1, passed: true, visibility: .afterDue)
        #expect(student.view(of: visible.visibility, due: testDue) == .full)
        #expect(student.view(of: hidden.visibility, due: testDue) == .summary)
        #expect(student.view(of: afterDue.visibility, due: testDue) == .none)
        // Exactly at the due date it is not yet "after" it.
        #expect(Viewer.student(now: testDue).view(of: afterDue.visibility, due: testDue) == .none)
    }

    @Test func studentAfterDueSeesAfterDueTestsButHiddenStayASummary() {
        let student = Viewer.student(now: testDue + 1)
        #expect(student.view(of: Visibility.afterDue.rawValue, due: testDue) == .full)
        #expect(student.view(of: Visibility.hidden.rawValue, due: testDue) == .summary)
    }

    @Test func instructorSeesEverything() {
        for visibility in Visibility.allCases {
            #expect(Viewer.instructor.view(of: visibility.rawValue, due: testDue) == .full)
        }
    }
}

/// Points and penalties as every output writes them (no needless ".0"; whole percents).
@Test func scoreNumberFormats() {
    #expect(formatPoints(3) == "3")
    #expect(formatPoints(2.5) == "2.5")
    #expect(formatPercent(5.0 / 6.0) == "83%")
}
