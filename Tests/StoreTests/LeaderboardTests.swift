// Leaderboard, class and student reports, and the grades export, on a small class whose
// expected standings are worked out by hand below.
import Foundation
import Testing

@testable import Store

/// The class (lab due +1000, late penalty 25%, scores out of 10):
///   alice  A1 +100   6.0            A2 +1500 (late) 10.0 → 7.5 after penalty
///   bob    B1 +200   8.0            B2 +300  5.0
///   carol  C1 +150   7.5
///   dave   D1 +400   queued, never graded
///   erin   no submission
///   prof   (instructor) P1 +50 10.0, left out everywhere
/// Tests t1, t2 (5 points each). Diagnoses: A1 t1 wrong-axis, t2 no-scale; B1 t2 no-scale;
/// B2 t2 wrong-axis, t1 near-miss transposed; C1 t2 no-scale; P1 t2 no-scale.
struct LeaderboardTests {
    struct Class {
        let store: LabStore
        let a1, a2, b1, b2, c1, d1: Int64
    }

    func result(_ name: String, _ points: Double, diagnosis: String? = nil, nearMiss: Bool = false)
        -> TestResultRecord
    {
        TestResultRecord(
            name: name, component: "attention", points: points, maxPoints: 5,
            status: points == 5 ? .pass : .fail, diagnosis: diagnosis, diagnosisNearMiss: nearMiss)
    }

    func makeClass() throws -> Class {
        let store = try makeStore()
        try gradedSubmission(
            store, student: "prof", at: 50, score: 10,
            results: [result("t1", 5), result("t2", 0, diagnosis: "no-scale")])
        let a1 = try gradedSubmission(
            store, student: "alice", at: 100, score: 6,
            results: [
                result("t1", 3, diagnosis: "wrong-axis"), result("t2", 3, diagnosis: "no-scale"),
            ])
        let c1 = try gradedSubmission(
            store, student: "carol", at: 150, score: 7.5,
            results: [result("t1", 5), result("t2", 2.5, diagnosis: "no-scale")])
        let b1 = try gradedSubmission(
            store, student: "bob", at: 200, score: 8,
            results: [result("t1", 5), result("t2", 3, diagnosis: "no-scale")])
        let b2 = try gradedSubmission(
            store, student: "bob", at: 300, score: 5,
            results: [
                result("t1", 5, diagnosis: "transposed", nearMiss: true),
                result("t2", 0, diagnosis: "wrong-axis"),
            ])
        let a2 = try gradedSubmission(
            store, student: "alice", at: 1500, score: 10,
            results: [result("t1", 5), result("t2", 5)])
        // Enqueued last so that the helper's claims above never pick it up.
        let d1 = try store.enqueue(
            student: "dave", lab: "attention", filename: "d.py", content: Data("d".utf8),
            source: .cli, submittedAt: at(400))
        return Class(store: store, a1: a1, a2: a2, b1: b1, b2: b2, c1: c1, d1: d1)
    }

    @Test func bestCountsTheHighestAfterPenaltyAndTiesGoToTheEarlier() throws {
        let c = try makeClass()
        let board = try c.store.leaderboard(lab: "attention", counting: .best, includeNames: true)
        // bob 8 (B1); carol 7.5 at +150 beats alice's late 10 × 0.75 = 7.5 at +1500
        #expect(board.map(\.rank) == [1, 2, 3])
        #expect(board.map(\.studentID) == ["bob", "carol", "alice"])
        #expect(board.map(\.displayName) == ["Bob Chen", "Carol Diaz", "Alice Martin"])
        #expect(board.map(\.score) == [8, 7.5, 7.5])
        #expect(board.map(\.submissionID) == [c.b1, c.c1, c.a2])
        #expect(board.map(\.late) == [false, false, true])
        #expect(board.map(\.submittedAt) == [at(200), at(150), at(1500)])
        #expect(board.allSatisfy { $0.maxScore == 10 })
    }

    @Test func latestCountsTheMostRecentGraded() throws {
        let c = try makeClass()
        let board = try c.store.leaderboard(lab: "attention", counting: .latest, includeNames: true)
        // alice A2 7.5 (+1500), carol C1 7.5 (+150), bob B2 5: carol first on the tie
        #expect(board.map(\.studentID) == ["carol", "alice", "bob"])
        #expect(board.map(\.score) == [7.5, 7.5, 5])
        #expect(board.map(\.submissionID) == [c.c1, c.a2, c.b2])
    }

    @Test func withoutNamesShowsPseudonymsOnly() throws {
        let c = try makeClass()
        let board = try c.store.leaderboard(lab: "attention")  // the lab's rule: best
        let bob = try #require(try c.store.student(id: "bob"))
        #expect(board.first?.displayName == bob.pseudonym)
        #expect(board.allSatisfy { $0.studentID == nil })
        #expect(board.count == 3)
        #expect(throws: StoreError.unknownLab("nolab")) { try c.store.leaderboard(lab: "nolab") }
    }

    @Test func classReport() throws {
        let c = try makeClass()
        let report = try c.store.classReport(lab: "attention")
        #expect(report.rosterSize == 5)
        #expect(report.submitters == 4)  // alice, bob, carol, dave
        #expect(report.graded == 3)
        // Counted (best): bob 80% → bucket 80–90; carol and alice 75% → 70–80
        var histogram = Array(repeating: 0, count: 10)
        histogram[8] = 1
        histogram[7] = 2
        #expect(report.histogram.map(\.count) == histogram)
        #expect(report.histogram.first == ScoreBucket(lowerPercent: 0, upperPercent: 10, count: 0))
        // Counted submissions B1, C1, A2: t1 passes in all three, t2 only in A2
        #expect(
            report.passRates == [
                TestPassRate(name: "t1", component: "attention", passed: 3, total: 3),
                TestPassRate(name: "t2", component: "attention", passed: 1, total: 3),
            ])
        #expect(report.passRates[1].rate == 1.0 / 3.0)
        // Over all graded (not the instructor's, not near misses): no-scale A1, B1, C1;
        // wrong-axis A1, B2
        #expect(
            report.diagnoses == [
                DiagnosisCount(diagnosis: "no-scale", occurrences: 3, students: 3),
                DiagnosisCount(diagnosis: "wrong-axis", occurrences: 2, students: 2),
            ])
        #expect(report.lateCount == 1)
        #expect(report.missingStudents == ["erin"])
    }

    @Test func theStudentsBehindEachDiagnosis() throws {
        let c = try makeClass()
        // As in classReport: no-scale once in each of A1, B1, C1; wrong-axis in A1 and B2; the
        // instructor's submissions left out.
        let behind = try c.store.diagnosisStudents(lab: "attention")
        #expect(
            behind.map { "\($0.diagnosis) \($0.studentID) \($0.name) \($0.occurrences)" } == [
                "no-scale alice Alice Martin 1", "no-scale bob Bob Chen 1",
                "no-scale carol Carol Diaz 1", "wrong-axis alice Alice Martin 1",
                "wrong-axis bob Bob Chen 1",
            ])
        #expect(try c.store.diagnosisStudents(lab: "nolab").isEmpty)
        // The first of each: alice leads both (one occurrence each, ids in order).
        #expect(
            try c.store.diagnosisStudents(lab: "attention", perDiagnosis: 1).map(\.studentID)
                == ["alice", "alice"])
        // The late student of the class report (lateCount 1), by name.
        let late = try c.store.lateStudents(lab: "attention", limit: 10)
        #expect(late.count == 1 && late.students.count == 1)
        #expect(try c.store.lateStudents(lab: "attention", limit: 0).students.isEmpty)
    }

    @Test func studentReportAndExport() throws {
        let c = try makeClass()
        try c.store.syncLab(
            LabRecord(id: "gpt2", version: "1", title: "GPT-2 forward", due: at(5000)), now: t0)
        let report = try c.store.studentReport(student: "alice")
        #expect(report.student.id == "alice")
        #expect(
            report.labs == [
                StudentLabSummary(
                    labID: "attention", title: "Scaled dot-product attention", submissions: 2,
                    latestStatus: .graded, countedSubmissionID: c.a2, score: 7.5, maxScore: 10,
                    late: true),
                StudentLabSummary(
                    labID: "gpt2", title: "GPT-2 forward", submissions: 0, latestStatus: nil,
                    countedSubmissionID: nil, score: nil, maxScore: nil, late: nil),
            ])
        let dave = try c.store.studentReport(student: "dave")
        #expect(dave.labs.first?.latestStatus == .queued)
        #expect(dave.labs.first?.countedSubmissionID == nil)

        let export = try c.store.gradesExport(lab: "attention")
        #expect(export.map(\.studentID) == ["alice", "bob", "carol", "dave", "erin"])
        #expect(export.map(\.submissions) == [2, 2, 1, 1, 0])
        #expect(export.map(\.score) == [7.5, 8, 7.5, nil, nil])
        #expect(export.map(\.submissionID) == [c.a2, c.b1, c.c1, nil, nil])
        #expect(export.first?.email == "alice@uni.example")
    }

    @Test func latestSubmissionAndRateWindow() throws {
        let c = try makeClass()
        #expect(try c.store.latestSubmission(student: "bob", lab: "attention")?.id == c.b2)
        #expect(try c.store.latestSubmission(student: "erin", lab: "attention") == nil)
        // Bob submitted at +200 and +300
        #expect(try c.store.submissionsSince(student: "bob", lab: "attention", since: at(200)) == 2)
        #expect(try c.store.submissionsSince(student: "bob", lab: "attention", since: at(201)) == 1)
        #expect(try c.store.submissionsSince(student: "bob", lab: "attention", since: at(301)) == 0)
    }
}
