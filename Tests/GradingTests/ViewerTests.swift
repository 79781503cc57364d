// The visibility rule (Viewer.swift), written out by hand as a table: each viewer, each
// visibility, before and after the due date, and a lab without one.
import Foundation
import Testing

@testable import Diagnosis
@testable import Grading
@testable import LabConfig

@Suite struct ViewerTests {
    static let due = Date(timeIntervalSince1970: 1_800_000_000)
    static let before = due.addingTimeInterval(-1)
    static let after = due.addingTimeInterval(1)

    @Test func theRuleAsATable() {
        // (viewer, visibility, due) → (what they see, whether its points are in their total)
        let rows: [(Viewer, String, Date?, TestView, Bool)] = [
            (.instructor, "visible", Self.due, .full, true),
            (.instructor, "hidden", Self.due, .full, true),
            (.instructor, "after_due", Self.due, .full, true),
            (.student(now: Self.before), "visible", Self.due, .full, true),
            (.student(now: Self.before), "hidden", Self.due, .summary, true),
            (.student(now: Self.before), "after_due", Self.due, .none, false),
            (.student(now: Self.after), "visible", Self.due, .full, true),
            (.student(now: Self.after), "hidden", Self.due, .summary, true),
            (.student(now: Self.after), "after_due", Self.due, .full, true),
            // No due date: "after the due date" has always begun
            (.student(now: Self.before), "after_due", nil, .full, true),
            // A visibility lmlab does not know is treated as hidden
            (.student(now: Self.after), "secret", Self.due, .summary, true),
            (.anonymous(now: Self.before), "visible", Self.due, .none, true),
            (.anonymous(now: Self.before), "after_due", Self.due, .none, false),
            (.anonymous(now: Self.after), "after_due", Self.due, .none, true),
        ]
        for (viewer, visibility, due, view, counts) in rows {
            #expect(viewer.view(of: visibility, due: due) == view, "\(viewer) \(visibility)")
            #expect(viewer.counts(visibility, due: due) == counts, "\(viewer) \(visibility)")
        }
    }

    @Test func testsAreShownTalliedOrWithheld() {
        // visible 2/2 passed, hidden 3/5 failed, hidden 1/1 passed, after_due 1/4 failed
        let tests: [(String, Bool, Double, Double)] = [
            ("visible", true, 2, 2), ("hidden", false, 3, 5), ("hidden", true, 1, 1),
            ("after_due", false, 1, 4),
        ]
        func tally(_ viewer: Viewer) -> TestTally {
            TestTally(
                ViewedTests(tests, visibility: { $0.0 }, due: Self.due, viewer: viewer),
                passed: { $0.1 }, score: { $0.2 }, maxScore: { $0.3 })
        }
        let early = tally(.student(now: Self.before))
        #expect(early.hiddenTests == 2 && early.hiddenPassed == 1)
        #expect(early.hiddenScore == 4 && early.hiddenMaxScore == 6)
        #expect(early.afterDueTests == 1 && early.afterDueMaxScore == 4)
        let late = tally(.student(now: Self.after))
        #expect(late.hiddenTests == 2 && late.afterDueTests == 0 && late.afterDueMaxScore == 0)
        #expect(tally(.instructor) == TestTally())
        // Anonymous: nothing by name; every counted test in the tally, after_due withheld
        let anonymous = tally(.anonymous(now: Self.before))
        #expect(anonymous.hiddenTests == 3 && anonymous.hiddenScore == 6)
        #expect(anonymous.afterDueTests == 1)
    }
}
