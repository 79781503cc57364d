// The one late rule (LabConfig's LateRule) at its boundaries, through every caller that once
// kept its own copy: the grader's score (ScoreSummary), the store's queue and standings (the
// leaderboard) and the grade exports (CSV, Gradescope); the HTTP API's is in ServerTests.
// Hand-worked: due D, late_due D+1000 s, a 25% penalty, each submission scoring 8 of 10.
import Foundation
import Store
import Testing

@testable import Grading
@testable import LabConfig
@testable import Service

struct LateRuleCallersTests {
    static let due = Date(timeIntervalSince1970: 1_800_000_000)
    static let lateDue = due.addingTimeInterval(1000)

    /// (student, seconds after due, expected penalty, expected score after it)
    static let cases: [(String, TimeInterval, Double, Double)] = [
        ("alice", -1, 0, 8),  // just before due: on time
        ("bob", 0, 0, 8),  // exactly at due: on time
        ("carol", 1, 0.25, 6),  // just after due: late, 8 × 0.75
        ("dave", 1000, 0.25, 6),  // exactly at late_due: still accepted, late
    ]

    @Test func theRuleItself() {
        let rule = LateRule(due: Self.due, lateDue: Self.lateDue, penalty: 0.25)
        for (_, offset, penalty, _) in Self.cases {
            #expect(rule.penalty(at: Self.due.addingTimeInterval(offset)) == penalty, "\(offset)")
        }
        #expect(rule.penalty(at: Self.lateDue.addingTimeInterval(1)) == nil)
        #expect(rule.standing(at: Self.due) == .onTime)
        #expect(rule.standing(at: Self.due.addingTimeInterval(1)) == .late(penalty: 0.25))
        #expect(rule.standing(at: Self.lateDue) == .late(penalty: 0.25))
        #expect(
            rule.standing(at: Self.lateDue.addingTimeInterval(1)) == .closed(lateDue: Self.lateDue))
        // No due date: nothing is late; no late_due: late work is accepted with the penalty.
        #expect(LateRule(due: nil, lateDue: nil, penalty: 0.5).penalty(at: Self.lateDue) == 0)
        #expect(
            LateRule(due: Self.due, lateDue: nil, penalty: 0.5).penalty(
                at: Self.due.addingTimeInterval(1e6)) == 0.5)
    }

    @Test func gradersScore() {
        let lab = Lab(
            id: "late", title: "Late", version: "1", due: Self.due, lateDue: Self.lateDue,
            latePenalty: 0.25, entry: "late.py", components: [], tests: [],
            folder: URL(fileURLWithPath: "/nonexistent"))
        let result = TestResult(
            name: "t", component: "c", visibility: "visible", points: 10, score: 8,
            status: .failed, seed: 1, message: "", inputs: [:], seconds: 0)
        for (_, offset, penalty, final) in Self.cases {
            let applied = lab.lateRule.penalty(at: Self.due.addingTimeInterval(offset))
            let summary = ScoreSummary(results: [result], penalty: applied ?? 1)
            #expect(summary.penalty == penalty && summary.finalScore == final, "\(offset)")
        }
    }

    @Test func storeStandingsAndExports() throws {
        let store = try LabStore.inMemory()
        try store.importRoster(
            csv: "id,name,email\nalice,A,\nbob,B,\ncarol,C,\ndave,D,\nerin,E,\n", now: Self.due)
        try store.syncLab(
            LabRecord(
                id: "late", version: "1", title: "Late", due: Self.due, lateDue: Self.lateDue,
                latePenalty: 0.25),
            now: Self.due)
        for (student, offset, _, _) in Self.cases {
            let submitted = Self.due.addingTimeInterval(offset)
            let id = try store.enqueue(
                student: student, lab: "late", filename: "late.py", content: Data(student.utf8),
                source: .cli, submittedAt: submitted)
            _ = try #require(try store.claimNext(worker: "w", lease: 60, now: submitted))
            try store.complete(
                id: id, worker: "w",
                grade: GradeRecord(
                    graderVersion: "g", seed: 1, score: 8, maxScore: 10, gradedAt: submitted),
                results: [])
        }
        // Just after late_due the queue refuses it.
        #expect(throws: StoreError.pastLateDeadline(lab: "late", lateDue: Self.lateDue)) {
            try store.enqueue(
                student: "erin", lab: "late", filename: "late.py", content: Data("e".utf8),
                source: .cli, submittedAt: Self.lateDue.addingTimeInterval(1))
        }

        let board = try store.leaderboard(lab: "late", includeNames: true)
        let export = try store.gradesExport(lab: "late")
        let counted = try store.countedSubmissions(lab: "late")
        for (student, offset, penalty, final) in Self.cases {
            let row = try #require(board.first { $0.studentID == student })
            #expect(row.score == final && row.late == (penalty > 0), "\(student) at \(offset)")
            let exported = try #require(export.first { $0.studentID == student })
            #expect(exported.score == final && exported.late == (penalty > 0), "\(student)")
            let entry = try #require(counted.first { $0.studentID == student })
            #expect(entry.submission.penalty == penalty)
            let gradescope = GradescopeResult(submission: entry.submission, results: entry.results)
            #expect(gradescope.score == final, "\(student)")
        }
        let csv = gradesCSV(export, lab: "late")
        #expect(csv.contains("\ncarol,C,,late,1,6,10,true,"), "\(csv)")
        #expect(csv.contains("\nbob,B,,late,1,8,10,false,"), "\(csv)")
    }
}
