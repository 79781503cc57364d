// The leaderboard a student sees before the due date counts no after_due points — neither in
// the scores nor in which submission counts — while instructors (and everyone after the due
// date) see the stored standings. Scores worked by hand below.
import Foundation
import Testing

@testable import Store

@Suite struct LeaderboardVisibilityTests {
    /// visible `v` of 4 points and after_due `a` of 6: a grade of (v + a)/10.
    static func results(visible: Double, afterDue: Double) -> [TestResultRecord] {
        [
            TestResultRecord(
                name: "v", points: visible, maxPoints: 4, status: visible == 4 ? .pass : .fail),
            TestResultRecord(
                name: "a", points: afterDue, maxPoints: 6, status: afterDue == 6 ? .pass : .fail,
                visibility: "after_due"),
        ]
    }

    @Test func beforeTheDueDateAStudentsBoardLeavesAfterDuePointsOut() throws {
        let store = try makeStore()
        // alice: #1 = 1 + 6 = 7 at t0+10, #2 = 3 + 0 = 3 at t0+20; bob: 2 + 2 = 4 at t0+30.
        let first = try gradedSubmission(
            store, student: "alice", at: 10, score: 7, results: Self.results(visible: 1, afterDue: 6))
        let second = try gradedSubmission(
            store, student: "alice", at: 20, score: 3, results: Self.results(visible: 3, afterDue: 0))
        let bob = try gradedSubmission(
            store, student: "bob", at: 30, score: 4, results: Self.results(visible: 2, afterDue: 2))

        // The instructor: alice's best is #1 (7), then bob (4).
        let whole = try store.leaderboard(lab: "attention", includeNames: true)
        #expect(whole.map(\.studentID) == ["alice", "bob"])
        #expect(whole.map(\.score) == [7, 4] && whole.map(\.submissionID) == [first, bob])
        #expect(whole.map(\.maxScore) == [10, 10])

        // A student before the due date (t0+1000): only the visible test counts, so alice's
        // best is #2 (3 of 4), ahead of bob (2 of 4).
        let before = try store.leaderboard(
            lab: "attention", includeNames: true, viewer: .student(now: at(500)))
        #expect(before.map(\.studentID) == ["alice", "bob"])
        #expect(before.map(\.score) == [3, 2] && before.map(\.submissionID) == [second, bob])
        #expect(before.map(\.maxScore) == [4, 4])
        // Under "latest" the counted submissions are alice's #2 and bob's, as stored
        let latest = try store.leaderboard(
            lab: "attention", counting: .latest, includeNames: true,
            viewer: .student(now: at(500)))
        #expect(latest.map(\.submissionID) == [second, bob] && latest.map(\.score) == [3, 2])

        // After the due date a student sees the stored standings, as the instructor does.
        let after = try store.leaderboard(
            lab: "attention", includeNames: true, viewer: .student(now: at(1500)))
        #expect(after == whole)
    }
}
