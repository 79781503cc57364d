// POST /api/submissions under the one late rule (LabConfig's LateRule): before the due date a
// submission is on time, between due and late_due it is accepted as late with the lab's
// penalty, after late_due it is refused with 403 before the body is read.
import Foundation
import Hummingbird
import HummingbirdTesting
import Store
import Testing

@testable import Server

@Suite struct LateRuleAPITests {
    @Test func onTimeLateAndClosed() async throws {
        let now = Date()
        // `attention`: due tomorrow. `late`: due an hour ago, late_due tomorrow, 30% off.
        // `closed`: due 2023-11-14T22:13:20Z, late_due a day later (1_700_086_400 s).
        let labs = Fixture.defaultLabs + [
            LabRecord(
                id: "late", version: "1", title: "Late", due: now.addingTimeInterval(-3600),
                lateDue: now.addingTimeInterval(86_400), latePenalty: 0.3)
        ]
        let fixture = try Fixture.make(labs: labs)
        defer { fixture.remove() }
        try await routerOnly(fixture).test(.router) { client in
            func submit(_ lab: String) async throws -> TestResponse {
                try await client.execute(
                    uri: "/api/submissions?lab=\(lab)&filename=a.py", method: .post,
                    headers: bearer(fixture.aliceToken), body: ByteBuffer(string: "x = 1\n"))
            }
            let onTime = try await submit("attention")
            #expect(onTime.status == .accepted)
            let onTimeReceipt = try decode(SubmissionReceipt.self, onTime)
            #expect(onTimeReceipt.late == false)
            #expect(try fixture.store.submission(id: onTimeReceipt.id)?.penalty == 0)

            let late = try await submit("late")
            #expect(late.status == .accepted)
            let lateReceipt = try decode(SubmissionReceipt.self, late)
            #expect(lateReceipt.late == true)
            #expect(try fixture.store.submission(id: lateReceipt.id)?.penalty == 0.3)

            let closed = try await submit("closed")
            #expect(closed.status == .forbidden)
            #expect(
                errorMessage(closed)
                    == "lab 'closed' closed on 2023-11-15T22:13:20Z: no more submissions")
        }
    }
}
