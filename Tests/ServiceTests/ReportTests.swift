// Reports, leaderboard and feedback over a small hand-worked class: four students, one lab with
// two 5-point tests, 'best' counting. Expected numbers are worked out by hand in the comments.
import Foundation
import Diagnosis
import Grading
import Store
import TestSupport
import Testing

@testable import Service

@Suite struct ReportTests {
    /// a: one submission, both tests pass → 10/10.
    /// b: #2 t1 pass, t2 fail (no_scaling) → 5/10; #3 t1 fail (no_scaling), t2 fail
    ///    (softmax_wrong_axis) → 0/10. Best counts: #2, 5/10.
    /// c: t1 fail (no diagnosis), t2 fail (no_scaling as a near miss: not counted) → 0/10.
    /// d: nothing (missing).
    static func makeClass() throws -> LabStore {
        let store = try LabStore.inMemory()
        try store.importRoster(
            csv: "id,name,email\na,Ann,a@x\nb,Bob,b@x\nc,Cat,c@x\nd,Dan,d@x\n")
        try store.syncLab(
            LabRecord(
                id: "L", version: "1", title: "Lab L", due: Date().addingTimeInterval(86400),
                counting: .best))
        func submit(_ student: String, _ tests: [(Bool, String?, Bool)]) throws {
            let id = try store.enqueue(
                student: student, lab: "L", filename: "attention.py",
                content: Data("# \(student) \(UUID())".utf8), source: .cli)
            let claimed = try #require(try store.claimNext(worker: "w", lease: 60))
            #expect(claimed.id == id)
            let results = tests.enumerated().map { index, test in
                TestResultRecord(
                    name: "t\(index + 1)", component: "c\(index + 1)", points: test.0 ? 5 : 0,
                    maxPoints: 5, status: test.0 ? .pass : .fail, diagnosis: test.1,
                    diagnosisNearMiss: test.2, message: test.0 ? "ok" : "max abs error 0.5")
            }
            let score = results.reduce(0) { $0 + $1.points }
            try store.complete(
                id: id, worker: "w",
                grade: GradeRecord(graderVersion: "1", seed: 1, score: score, maxScore: 10),
                results: results)
        }
        try submit("a", [(true, nil, false), (true, nil, false)])
        try submit("b", [(true, nil, false), (false, "no_scaling", false)])
        try submit("b", [(false, "no_scaling", false), (false, "softmax_wrong_axis", false)])
        try submit("c", [(false, nil, false), (false, "no_scaling", true)])
        return store
    }

    @Test func labReportNumbers() throws {
        let store = try Self.makeClass()
        let text = try renderLabReport(store.classReport(lab: "L"), title: "Lab L", format: .json)
        let report = try JSONDecoder().decode(LabReportJSON.self, from: Data(text.utf8))
        #expect(report.rosterSize == 4)
        #expect(report.submitters == 3)
        #expect(report.graded == 3)
        // 10/10 → 90–100%, 5/10 → 50–60%, 0/10 → 0–10%.
        let counts = report.histogram.map(\.count)
        #expect(counts == [1, 0, 0, 0, 0, 1, 0, 0, 0, 1])
        // Over counted submissions (a, b#2, c): t1 passes for a and b → 2/3; t2 only a → 1/3.
        #expect(report.tests.map(\.name) == ["t1", "t2"])
        #expect(report.tests.map(\.passed) == [2, 1])
        #expect(report.tests.map(\.total) == [3, 3])
        // Over all graded submissions, near misses left out: no_scaling twice (b), wrong axis once.
        #expect(report.mistakes.map(\.id) == ["no_scaling", "softmax_wrong_axis"])
        #expect(report.mistakes.map(\.occurrences) == [2, 1])
        #expect(report.mistakes.map(\.students) == [1, 1])
        #expect(report.missing == ["d"])
        #expect(report.late == 0)
    }

    @Test func labReportTerminalText() throws {
        let store = try Self.makeClass()
        let text = try renderLabReport(
            store.classReport(lab: "L"), title: "Lab L", format: .terminal(colour: false))
        #expect(text.contains("4 students on the roster · 3 submitted · 3 graded · 0 late · 1 missing"))
        let bar = String(repeating: "█", count: 30)
        #expect(text.contains(" 90–100% │ \(bar) 1\n"))
        #expect(text.contains("  10–20% │ 0\n"))
        #expect(text.contains("t1    c1            2/3   67%\n"))
        #expect(text.contains("t2    c2            1/3   33%\n"))
        #expect(text.contains("missing (1): d\n"))
        #expect(!text.contains("\u{1B}["), "no colour codes when colour is off")
        let markdown = try renderLabReport(store.classReport(lab: "L"), title: "Lab L", format: .markdown)
        #expect(markdown.contains("| t1 | c1 | 2/3 | 67% |"))
    }

    @Test func leaderboardRanksBestSubmissions() throws {
        let store = try Self.makeClass()
        let board = try LocalClient(store: store).leaderboardView(lab: "L", names: true)
        #expect(board.rows.map(\.name) == ["Ann", "Bob", "Cat"])
        #expect(board.rows.map(\.score) == [10, 5, 0])
        let anonymous = try LocalClient(store: store).leaderboardView(lab: "L", names: false)
        #expect(!anonymous.rows.map(\.name).contains("Ann"))
        let text = try renderLeaderboard(board, format: .terminal(colour: false))
        #expect(text.contains("   1  Ann      10/10"))
    }

    @Test func feedbackNamesTheMistakeWithItsHint() throws {
        let store = try Self.makeClass()
        let view = try LocalClient(store: store).latestView(lab: "L", student: "b")
        #expect(view.score == 0)
        let text = try renderFeedback(view, format: .terminal(colour: false))
        let catalogued = catalogueMistake("no_scaling")
        let noScaling = try #require(catalogued)
        #expect(text.contains("FAIL t1 (0/5) — max abs error 0.5"))
        #expect(text.contains("mistake: \(noScaling.title) [no_scaling]"))
        #expect(text.contains("hint: \(noScaling.hint)"))
        #expect(text.contains("score 0/10"))
    }

    @Test func studentReportAndCSV() throws {
        let store = try Self.makeClass()
        let text = try renderStudentReport(
            store.studentReport(student: "b"), format: .terminal(colour: false))
        #expect(text.contains("L    Lab L            2  graded       #2   5/10"))
        let csv = gradesCSV(try store.gradesExport(lab: "L"), lab: "L")
        let lines = csv.split(separator: "\n").map(String.init)
        #expect(lines.count == 5)
        #expect(lines[0].hasSuffix(",submission_id,missing"))
        #expect(lines[2].hasPrefix("b,Bob,b@x,L,2,5,10,false,") && lines[2].hasSuffix(",false"))
        // Dan handed in nothing: 0 of the lab's 10 points, marked missing
        #expect(lines[4] == "d,Dan,d@x,L,0,0,10,,,,true")
    }
}

@Suite struct GradescopeExportTests {
    /// b's counted submission is #2: t1 passed (5/5), t2 failed with no_scaling (0/5) → 5.
    @Test func resultsJSONOfTheCountedSubmission() throws {
        let store = try ReportTests.makeClass()
        let folder = try makeScratchDirectory("lmlab-gradescope")
        #expect(try writeGradescopeResults(store: store, lab: "L", to: folder) == 3)
        let data = try Data(contentsOf: folder.appendingPathComponent("b/results.json"))
        let result = try JSONDecoder().decode(GradescopeResult.self, from: data)
        #expect(result.score == 5)
        #expect(result.tests.map(\.name) == ["t1", "t2"])
        #expect(result.tests.map(\.score) == [5, 0])
        #expect(result.tests.map(\.max_score) == [5, 5])
        #expect(result.tests.map(\.visibility) == ["visible", "visible"])
        #expect(result.tests[1].output.contains("[no_scaling]") == false)
        #expect(result.tests[1].output.contains("mistake: "))
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("d").path))
    }
}
