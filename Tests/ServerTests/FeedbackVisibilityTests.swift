// What GET /api/submissions/:id shows a student, as LabConfig's Viewer decides: hidden tests only
// in the tally (how many passed, their points), never by name; before the due date after_due
// tests are left out (counted, not shown, not in the total), after it they appear in full.
// Instructors see everything.
import Foundation
import Hummingbird
import HummingbirdTesting
import Store
import Testing

@testable import Server

/// Three tests fixed by hand: visible 2/2, hidden 3/5, after_due 1/4 — 6 of 11 in all.
struct ThreeVisibilitiesGrader: SubmissionGrader {
    func grade(_ job: GradeJob) async throws -> GradeOutcome {
        GradeOutcome(
            score: 6, maxScore: 11, graderVersion: "fake-1", seed: job.seed,
            tests: [
                TestResultRecord(
                    name: "shapes", component: "attention", points: 2, maxPoints: 2,
                    status: .pass, message: "visible detail", seconds: 0.01),
                TestResultRecord(
                    name: "secret", component: "attention", points: 3, maxPoints: 5,
                    status: .fail, visibility: "hidden", diagnosis: "forgot-scale",
                    message: "hidden detail", maxAbsError: 0.25, seconds: 0.01),
                TestResultRecord(
                    name: "later", component: "attention", points: 1, maxPoints: 4,
                    status: .fail, visibility: "after_due", diagnosis: "no-mask",
                    message: "after-due detail", maxAbsError: 0.5, seconds: 0.01),
            ])
    }
}

@Suite struct FeedbackVisibilityTests {
    /// `future`: due tomorrow. `past`: due yesterday, late submissions open a week.
    static let labs = [
        LabRecord(
            id: "future", version: "1", title: "Due tomorrow",
            due: Fixture.now.addingTimeInterval(86_400),
            lateDue: Fixture.now.addingTimeInterval(172_800)),
        LabRecord(
            id: "past", version: "1", title: "Due yesterday",
            due: Fixture.now.addingTimeInterval(-86_400),
            lateDue: Fixture.now.addingTimeInterval(7 * 86_400)),
    ]

    /// Submits as alice to `lab`, lets the fake grader grade it, returns the id.
    func gradedSubmission(
        _ client: some TestClientProtocol, _ fixture: Fixture, lab: String
    ) async throws -> Int64 {
        let id = try await client.execute(
            uri: "/api/submissions?lab=\(lab)&filename=attention.py", method: .post,
            headers: bearer(fixture.aliceToken), body: ByteBuffer(string: "x = 1\n")
        ) { try decode(SubmissionReceipt.self, $0).id }
        let graded = try await eventually {
            try fixture.store.submission(id: id)?.status == .graded
        }
        #expect(graded)
        return id
    }

    func feedback(
        _ client: some TestClientProtocol, _ id: Int64, token: String
    ) async throws -> SubmissionFeedback {
        try await client.execute(
            uri: "/api/submissions/\(id)", method: .get, headers: bearer(token)
        ) { response in
            #expect(response.status == .ok)
            return try decode(SubmissionFeedback.self, response)
        }
    }

    @Test func studentSeesAfterDueTestsOnlyAfterTheDueDate() async throws {
        let fixture = try Fixture.make(labs: Self.labs)
        defer { fixture.remove() }
        let app = buildApplication(
            testConfiguration(), grader: ThreeVisibilitiesGrader(), store: fixture.store,
            logger: quietLogger)
        try await app.test(.router) { client in
            // Before the due date: visible in full, hidden as status and points, after_due
            // only counted (1 test, 4 points) and out of the total: 6 - 1 = 5 of 11 - 4 = 7
            let early = try await gradedSubmission(client, fixture, lab: "future")
            let before = try await feedback(client, early, token: fixture.aliceToken)
            #expect(before.tests.map(\.name) == ["shapes"])
            #expect(before.score == 5 && before.maxScore == 7)
            #expect(before.tally.afterDueTests == 1 && before.tally.afterDueMaxScore == 4)
            let shapes = try #require(before.tests.first)
            #expect(shapes.message == "visible detail")
            // The hidden test only as a tally: 0 of 1 passed, 3 of 5 points
            #expect(before.tally.hiddenTests == 1 && before.tally.hiddenPassed == 0)
            #expect(before.tally.hiddenScore == 3 && before.tally.hiddenMaxScore == 5)

            // The instructor sees all three, with detail, and the whole total
            let prof = try await feedback(client, early, token: fixture.profToken)
            #expect(prof.tests.map(\.name) == ["shapes", "secret", "later"])
            #expect(prof.score == 6 && prof.maxScore == 11)
            #expect(prof.tally.afterDueTests == 0 && prof.tally.hiddenTests == 0)
            #expect(prof.tests.last?.message == "after-due detail")
            #expect(prof.tests[1].message == "hidden detail")

            // After the due date: the after_due test is shown in full, hidden still summarised
            let late = try await gradedSubmission(client, fixture, lab: "past")
            let after = try await feedback(client, late, token: fixture.aliceToken)
            #expect(after.tests.map(\.name) == ["shapes", "later"])
            #expect(after.score == 6 && after.maxScore == 11)
            #expect(after.tally.afterDueTests == 0 && after.tally.afterDueMaxScore == 0)
            #expect(after.tally.hiddenTests == 1 && after.tally.hiddenScore == 3)
            let later = try #require(after.tests.last)
            #expect(later.message == "after-due detail" && later.diagnosis == "no-mask")
            #expect(later.maxAbsError == 0.5)
        }
    }
}
