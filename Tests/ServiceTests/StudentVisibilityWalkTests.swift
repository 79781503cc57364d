// Walks every output a student can reach — `check`'s text/Markdown/JSON, the CLI's feedback and
// leaderboard locally and with --server (text, Markdown, JSON), the raw HTTP answers — before and
// after the due date, and checks that nothing hidden shows: no hidden or (before due) after_due
// test's name, message, numbers or diagnosis, and no after_due points in a total. The scores are
// worked by hand from the fixture below.
import Foundation
import Store
import TestSupport
import Testing

@testable import Diagnosis
@testable import Grading
@testable import LabConfig
@testable import Service

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

@Suite struct StudentVisibilityWalkTests {
    /// Each graded submission has three tests:
    /// - `shapes_visible` (visible, 2 points),
    /// - `secret_hidden` (hidden, 5 points, diagnosed `no_scaling`, max abs error 0.123456),
    /// - `later_afterdue` (after_due, 4 points, diagnosed `softmax_wrong_axis`, error 0.654321).
    /// alice: 2 + 3 (hidden) + 4 (after_due) = 9 of 11; bob: 2 + 5 + 0 = 7 of 11.
    /// Before the due date a student counts only 5 of 7 for alice and 7 of 7 for bob, so bob
    /// ranks first; the instructor (and everyone after the due date) sees alice 9 ahead of bob 7.
    static let hiddenSecrets = [
        "secret_hidden", "HIDDEN-DETAIL", "0.123456", "no_scaling",
        "Attention scores not scaled",  // the catalogue title of no_scaling
    ]
    static let afterDueSecrets = [
        "later_afterdue", "AFTERDUE-DETAIL", "0.654321", "softmax_wrong_axis",
        "Softmax over the wrong axis",
    ]

    static func results(hidden: Double, afterDue: Double) -> [TestResultRecord] {
        [
            TestResultRecord(
                name: "shapes_visible", component: "attention", points: 2, maxPoints: 2,
                status: .pass, message: "visible detail"),
            TestResultRecord(
                name: "secret_hidden", component: "attention", points: hidden, maxPoints: 5,
                status: hidden == 5 ? .pass : .fail, visibility: "hidden",
                diagnosis: hidden == 5 ? nil : "no_scaling",
                message: "HIDDEN-DETAIL max abs error 0.123456", maxAbsError: 0.123456),
            TestResultRecord(
                name: "later_afterdue", component: "attention", points: afterDue, maxPoints: 4,
                status: afterDue == 4 ? .pass : .fail, visibility: "after_due",
                diagnosis: afterDue == 4 ? nil : "softmax_wrong_axis",
                message: "AFTERDUE-DETAIL max abs error 0.654321", maxAbsError: 0.654321),
        ]
    }

    struct Class {
        let store: LabStore
        let aliceToken: String
        let profToken: String
        let alice: Int64
    }

    /// One lab due at `due` (late submissions open until a week after it).
    static func makeClass(due: Date) throws -> Class {
        let store = try LabStore.open(directory: try makeScratchDirectory("lmlab-walk"))
        try store.importRoster(csv: "id,name,email\nalice,Alice Liddell,\nbob,Bob Dylan,\n")
        try store.addStudent(id: "prof", name: "Ada Lovelace", isInstructor: true)
        try store.syncLab(
            LabRecord(
                id: "L", version: "1", title: "Lab L", due: due,
                lateDue: due.addingTimeInterval(7 * 86_400), counting: .best))
        func graded(_ student: String, hidden: Double, afterDue: Double, at: Date) throws -> Int64 {
            let id = try store.enqueue(
                student: student, lab: "L", filename: "attention.py",
                content: Data("\(student) \(UUID())".utf8), source: .cli, submittedAt: at)
            _ = try #require(try store.claimNext(worker: "w", lease: 60))
            try store.complete(
                id: id, worker: "w",
                grade: GradeRecord(
                    graderVersion: "1", seed: 1, score: 2 + hidden + afterDue, maxScore: 11),
                results: results(hidden: hidden, afterDue: afterDue))
            return id
        }
        let submitted = due.addingTimeInterval(-3_600)
        let alice = try graded("alice", hidden: 3, afterDue: 4, at: submitted)
        _ = try graded("bob", hidden: 5, afterDue: 0, at: submitted.addingTimeInterval(60))
        return Class(
            store: store, aliceToken: try store.issueToken(studentID: "alice"),
            profToken: try store.issueToken(studentID: "prof"), alice: alice)
    }

    /// Fails for each `secrets` string found in `output`.
    static func expectNone(
        of secrets: [String], in output: String, _ what: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        for secret in secrets where output.contains(secret) {
            Issue.record("\(what) shows \"\(secret)\":\n\(output)", sourceLocation: sourceLocation)
        }
    }

    /// The raw body of GET `path` with `token`.
    static func rawGET(_ base: String, _ path: String, token: String) async throws
        -> (Int, String)
    {
        var request = URLRequest(url: try #require(URL(string: base + path)))
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        return try await withCheckedThrowingContinuation { continuation in
            URLSession.shared.dataTask(with: request) { data, response, error in
                if let error { return continuation.resume(throwing: error) }
                let status = (response as? HTTPURLResponse)?.statusCode ?? 0
                continuation.resume(
                    returning: (status, String(decoding: data ?? Data(), as: UTF8.self)))
            }.resume()
        }
    }

    static let formats: [OutputFormat] = [.terminal(colour: false), .markdown, .json]

    /// Every student output over a class whose lab is due `dueIn` seconds from now.
    func walk(dueIn: TimeInterval) async throws {
        let now = Date()
        let beforeDue = dueIn > 0
        let given = try Self.makeClass(due: now.addingTimeInterval(dueIn))
        let secrets = Self.hiddenSecrets + (beforeDue ? Self.afterDueSecrets : [])
        let when = beforeDue ? "before the due date" : "after the due date"

        // `lmlab check`: Grading's renderers on a report with the same three tests
        let report = GradeReport(
            lab: "L", labTitle: "Lab L", graderVersion: "1", submission: "attention.py",
            seed: 1, mode: "student", submittedAt: now, due: now.addingTimeInterval(dueIn),
            results: Self.gradingResults(), summary: ScoreSummary(
                results: Self.gradingResults(), penalty: 0),
            importError: nil, output: "", notes: [], timings: GradeTimings())
        let student = Viewer.student(now: now)
        let checkOutputs = [
            renderTerminal(report, viewer: student, colour: false),
            renderMarkdown(report, viewer: student),
            String(decoding: try renderJSON(report, viewer: student), as: UTF8.self),
        ]
        for output in checkOutputs { Self.expectNone(of: secrets, in: output, "check \(when)") }
        #expect(checkOutputs[0].contains(beforeDue ? "score 5/7" : "score 9/11"), "\(checkOutputs[0])")

        // The CLI on the local data directory, as a student would be shown it
        let local = LocalClient(store: given.store, viewer: student)
        let localFeedback = try local.view(id: given.alice)
        let localBoard = try local.leaderboardView(lab: "L", names: false)
        for format in Self.formats {
            Self.expectNone(
                of: secrets, in: try renderFeedback(localFeedback, format: format),
                "local feedback \(when)")
            Self.expectNone(
                of: secrets, in: try renderLeaderboard(localBoard, format: format),
                "local leaderboard \(when)")
        }

        try await withLiveServer(store: given.store) { url in
            // The CLI with --server and a student's token: the same renderers on the answers
            let remote = try RemoteClient(server: url, token: given.aliceToken, timeout: liveServerTimeout)
            let feedback = try await remote.submission(id: given.alice)
            let latest = try await remote.latestSubmission(lab: "L", student: nil)
            let board = try await remote.leaderboard(lab: "L", names: false)
            for format in Self.formats {
                for view in [feedback, latest] {
                    Self.expectNone(
                        of: secrets, in: try renderFeedback(view, format: format),
                        "--server feedback \(when)")
                }
                Self.expectNone(
                    of: secrets, in: try renderLeaderboard(board, format: format),
                    "--server leaderboard \(when)")
            }
            // Alice's own total and the board, worked by hand
            #expect(feedback.score == (beforeDue ? 5 : 9))
            #expect(feedback.maxScore == (beforeDue ? 7 : 11))
            #expect(feedback.tally.hiddenTests == 1 && feedback.tally.hiddenScore == 3)
            #expect(feedback.tests.map(\.name) == (beforeDue ? ["shapes_visible"] : ["shapes_visible", "later_afterdue"]))
            #expect(board.rows.map(\.score) == (beforeDue ? [7, 5] : [9, 7]))
            #expect(board.rows.map(\.maxScore) == (beforeDue ? [7, 7] : [11, 11]))
            #expect(board == localBoard)
            #expect(feedback == localFeedback)

            // The raw HTTP answers a student's token gets
            for path in [
                "/api/submissions/\(given.alice)", "/api/labs/L/submissions/latest",
                "/api/labs/L/leaderboard",
            ] {
                let (status, body) = try await Self.rawGET(url, path, token: given.aliceToken)
                #expect(status == 200, "\(path): \(body)")
                Self.expectNone(of: secrets, in: body, "GET \(path) \(when)")
            }
            // Reports and exports are the instructor's: a student's token is refused
            for path in [
                "/api/reports/class", "/api/reports/labs/L", "/api/reports/students/alice",
                "/api/exports/grades?lab=L", "/api/labs/L/leaderboard?names=true",
            ] {
                let (status, _) = try await Self.rawGET(url, path, token: given.aliceToken)
                #expect(status == 403, "\(path)")
            }
            // The instructor sees everything, at any time
            let prof = try RemoteClient(server: url, token: given.profToken, timeout: liveServerTimeout)
            let all = try await prof.submission(id: given.alice)
            #expect(all.tests.map(\.name) == ["shapes_visible", "secret_hidden", "later_afterdue"])
            #expect(all.score == 9 && all.maxScore == 11)
            #expect(try await prof.leaderboard(lab: "L", names: false).rows.map(\.score) == [9, 7])
        }
    }

    /// The fixture's tests as Grading's TestResults (alice's: hidden 3 of 5, after_due 4 of 4).
    static func gradingResults() -> [TestResult] {
        results(hidden: 3, afterDue: 4).map { record in
            TestResult(
                name: record.name, component: "attention", visibility: record.visibility,
                points: record.maxPoints, score: record.points,
                status: record.status == .pass ? .passed : .failed, seed: 1,
                message: record.message ?? "", comparison: nil,
                diagnosis: record.diagnosis.flatMap { id in
                    catalogueMistake(id).map {
                        Diagnosis(
                            kind: .mistake, mistakeID: id, title: $0.title, hint: $0.hint,
                            message: "mistake: \($0.title) [\(id)]")
                    }
                },
                errorLocation: nil, errorText: nil, traceback: nil, inputs: [:], seconds: 0)
        }
    }

    @Test func nothingHiddenReachesAStudentBeforeTheDueDate() async throws {
        try await walk(dueIn: 86_400)
    }

    @Test func afterTheDueDateOnlyHiddenTestsStayHidden() async throws {
        try await walk(dueIn: -3_000)
    }
}
