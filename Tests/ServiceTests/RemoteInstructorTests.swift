// The instructor commands' RemoteClient against a live daemon (loopback, an ephemeral port) over
// the same store a LocalClient reads: remote and local answers must render to the same text
// (the point is transport), and a few figures are checked by hand against what was stored.
import Foundation
import Hummingbird
import Logging
import Server
import Store
import TestSupport
import Testing

@testable import Service

/// The port the live server bound, once it is running.
private actor BoundPort {
    var port: Int?
    func set(_ value: Int?) { port = value }
}

/// Runs the daemon's HTTP API (no workers) over `store` on 127.0.0.1 while `body` runs.
func withLiveServer<T: Sendable>(
    store: LabStore, _ body: @Sendable (String) async throws -> T
) async throws -> T {
    var configuration = ServerConfiguration()
    configuration.maxSubmissionBytes = 1 << 20
    var logger = Logger(label: "lmlab.test")
    logger.logLevel = .critical
    let bound = BoundPort()
    let app = Application(
        router: buildRouter(configuration, store: store, workers: nil),
        configuration: .init(address: .hostname("127.0.0.1", port: 0)),
        onServerRunning: { channel in await bound.set(channel.localAddress?.port) },
        logger: logger)
    let server = Task { try await app.run() }
    defer { server.cancel() }
    // A hang detector, not a timing: in the full suite the blocking sample-class tests can hold
    // both cooperative threads of a 2-core machine for minutes.
    let deadline = ContinuousClock.now + .seconds(600)
    while await bound.port == nil, ContinuousClock.now < deadline {
        try await Task.sleep(for: .milliseconds(20))
    }
    let port = try #require(await bound.port, "the server did not start within 600 s")
    let result = try await body("http://127.0.0.1:\(port)")
    server.cancel()
    _ = await server.result
    return result
}

/// How long a test's client waits for the live daemon: a hang detector, not a timing — in the
/// full suite the blocking sample-class tests can hold both cooperative threads of a 2-core
/// machine (and so the daemon's handlers) for minutes.
let liveServerTimeout: TimeInterval = 600

@Suite struct RemoteInstructorTests {
    struct Class {
        let store: LabStore
        let profToken: String
        let aliceToken: String
        /// alice's two submissions (4 then 7 of 10), bob's one (9 of 10).
        let aliceOlder: Int64
        let aliceNewer: Int64
    }

    /// Roster alice, bob (students) and prof (instructor); lab L due tomorrow, best counts.
    static func makeClass() throws -> Class {
        let directory = try makeScratchDirectory("lmlab-remote")
        let store = try LabStore.open(directory: directory)
        try store.importRoster(
            csv: "id,name,email\nalice,Alice Liddell,alice@example.org\nbob,Bob Dylan,\n")
        try store.addStudent(id: "prof", name: "Ada Lovelace", isInstructor: true)
        try store.syncLab(
            LabRecord(
                id: "L", version: "1", title: "Lab L", due: Date().addingTimeInterval(86_400),
                counting: .best))
        func graded(_ student: String, _ score: Double, secondsAgo: Double) throws -> Int64 {
            let id = try store.enqueue(
                student: student, lab: "L", filename: "attention.py",
                content: Data("score=\(score) \(UUID())".utf8), source: .cli,
                submittedAt: Date().addingTimeInterval(-secondsAgo))
            _ = try #require(try store.claimNext(worker: "w", lease: 60))
            let first = min(score, 5)
            try store.complete(
                id: id, worker: "w",
                grade: GradeRecord(graderVersion: "1", seed: 1, score: score, maxScore: 10),
                results: [
                    TestResultRecord(
                        name: "t1", component: "c1", points: first, maxPoints: 5,
                        status: first == 5 ? .pass : .fail, message: "t1 detail"),
                    TestResultRecord(
                        name: "t2", component: "c2", points: score - first, maxPoints: 5,
                        status: .fail, visibility: "hidden", diagnosis: "no_scaling",
                        message: "max abs error 0.5"),
                ])
            return id
        }
        let older = try graded("alice", 4, secondsAgo: 300)
        let newer = try graded("alice", 7, secondsAgo: 200)
        _ = try graded("bob", 9, secondsAgo: 100)
        return Class(
            store: store, profToken: try store.issueToken(studentID: "prof"),
            aliceToken: try store.issueToken(studentID: "alice"), aliceOlder: older,
            aliceNewer: newer)
    }

    @Test func remoteAnswersRenderLikeLocalOnes() async throws {
        let given = try Self.makeClass()
        let local = LocalClient(store: given.store)
        let plain = OutputFormat.terminal(colour: false)
        try await withLiveServer(store: given.store) { url in
            let remote = try RemoteClient(server: url, token: given.profToken, timeout: liveServerTimeout)

            // report lab: 2 graded students (alice's best 7, bob's 9)
            let remoteLab = try await remote.labReport(lab: "L")
            let localLab = try await local.labReport(lab: "L")
            #expect(remoteLab.report.graded == 2)
            for format in [plain, .markdown, .json] {
                #expect(
                    try renderLabReport(remoteLab.report, title: remoteLab.title, format: format)
                        == renderLabReport(localLab.report, title: localLab.title, format: format))
            }

            // report class and report student
            let remoteClass = try await remote.classOverview()
            let localClass = try await local.classOverview()
            #expect(
                try renderClassOverview(
                    remoteClass.labs, rosterSize: remoteClass.rosterSize, format: plain)
                    == renderClassOverview(
                        localClass.labs, rosterSize: localClass.rosterSize, format: plain))
            #expect(remoteClass.rosterSize == 2)
            let remoteStudent = try await remote.studentReport(student: "alice")
            #expect(remoteStudent.student.tokenHash == nil)
            #expect(
                try renderStudentReport(remoteStudent, format: plain)
                    == renderStudentReport(
                        try await local.studentReport(student: "alice"), format: plain))

            // export grades: the same CSV; alice's line worked by hand (2 submissions, best 7)
            let remoteCSV = gradesCSV(
                try await remote.gradesExport(lab: "L", withResults: false).rows, lab: "L")
            let localCSV = gradesCSV(
                try await local.gradesExport(lab: "L", withResults: false).rows, lab: "L")
            #expect(remoteCSV == localCSV)
            let aliceLine = remoteCSV.split(separator: "\n").first { $0.hasPrefix("alice,") }
            #expect(
                aliceLine?.hasPrefix(
                    "alice,Alice Liddell,alice@example.org,L,2,7,10,false,") == true,
                "\(aliceLine ?? "no alice line")")
            #expect(aliceLine?.hasSuffix(",\(given.aliceNewer),false") == true)

            // Gradescope files: the same bytes either way
            let remoteFolder = try makeScratchDirectory("gs-remote")
            let localFolder = try makeScratchDirectory("gs-local")
            let written = try writeGradescopeResults(
                try await remote.gradesExport(lab: "L", withResults: true).counted ?? [],
                to: remoteFolder)
            #expect(written == 2)
            try writeGradescopeResults(
                try await local.gradesExport(lab: "L", withResults: true).counted ?? [],
                to: localFolder)
            for student in ["alice", "bob"] {
                let file = "\(student)/results.json"
                #expect(
                    try Data(contentsOf: remoteFolder.appendingPathComponent(file))
                        == Data(contentsOf: localFolder.appendingPathComponent(file)))
            }

            // feedback --latest: alice's newer submission, for her and for the instructor
            let alice = try RemoteClient(server: url, token: given.aliceToken, timeout: liveServerTimeout)
            let own = try await alice.latestSubmission(lab: "L", student: nil)
            #expect(own.id == given.aliceNewer && own.score == 7)
            let remoteLatest = try await remote.latestSubmission(lab: "L", student: "alice")
            let localLatest = try local.latestView(lab: "L", student: "alice")
            #expect(remoteLatest == localLatest)
            #expect(
                try renderFeedback(remoteLatest, format: .markdown)
                    == renderFeedback(localLatest, format: .markdown))

            // A student's token cannot read reports
            let refused = await #expect(throws: ServiceError.self) {
                try await alice.labReport(lab: "L")
            }
            #expect(refused?.description.contains("HTTP 403") == true)
        }
    }

    @Test func rosterTokensAndRegradeRemotely() async throws {
        let given = try Self.makeClass()
        let local = LocalClient(store: given.store)
        try await withLiveServer(store: given.store) { url in
            let remote = try RemoteClient(server: url, token: given.profToken, timeout: liveServerTimeout)

            // students import / add / token / list
            let imported = try await remote.importRoster(
                csv: "id,name,email\ncarol,Carol,c@x.org\n")
            #expect(imported.added == 1 && imported.updated == 0)
            let added = try await remote.addStudent(NewStudentBody(id: "dan", name: "Dan"))
            #expect(added.token == nil && added.student.pseudonym == Pseudonym.make(id: "dan"))
            #expect(try given.store.student(id: "dan")?.name == "Dan")
            let issued = try await remote.issueToken(student: "dan")
            let dan = try RemoteClient(server: url, token: issued.token, timeout: liveServerTimeout)
            let none = await #expect(throws: ServiceError.self) {
                try await dan.latestSubmission(lab: "L", student: nil)
            }
            #expect(none?.description.contains("no submission yet") == true)
            let remoteRoster = try await remote.roster()
            #expect(remoteRoster.map(\.id) == ["alice", "bob", "carol", "dan", "prof"])
            #expect(
                try renderRoster(remoteRoster, format: .terminal(colour: false))
                    == renderRoster(try await local.roster(), format: .terminal(colour: false)))
            let badCSV = await #expect(throws: ServiceError.self) {
                try await remote.importRoster(csv: "id,name,email\nerin,,e@x\n")
            }
            #expect(badCSV?.description.contains("roster line 2") == true)
            #expect(try given.store.student(id: "erin") == nil)

            // regrade: alice has 2 graded submissions, the lab 3
            let mine = try await remote.regrade(lab: "L", student: "alice")
            #expect(mine.queued == 2)
            #expect(try given.store.queueCounts()[.queued] == 2)
            let rest = try await remote.regrade(lab: "L", student: nil)
            #expect(rest.queued == 1)
        }
    }

    @Test func folderSubmissionGoesOverHTTPPacked() async throws {
        let given = try Self.makeClass()
        let folder = try makeScratchDirectory("lora").appendingPathComponent("lora")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data(#"{"r": 4}"#.utf8).write(to: folder.appendingPathComponent("adapter_config.json"))
        try Data([8, 0, 0, 0, 0, 0, 0, 0] + Array("{}      ".utf8))
            .write(to: folder.appendingPathComponent("adapter_model.safetensors"))
        try await withLiveServer(store: given.store) { url in
            let alice = try RemoteClient(server: url, token: given.aliceToken, timeout: liveServerTimeout)
            let receipt = try await alice.submit(path: folder, lab: "L", student: nil)
            #expect(receipt.filename == "lora.lmlab-folder.json")
            let stored = try #require(try given.store.submission(id: receipt.id))
            let bundle = try SubmissionBundle.decode(
                try given.store.blobs.read(sha256: stored.sha256), filename: stored.filename)
            #expect(
                bundle.files.map(\.path) == ["adapter_config.json", "adapter_model.safetensors"])
        }
    }

    /// A folder with one module and Python's cache is handed in as the module alone.
    @Test func cacheFoldersDoNotCountAsEntries() throws {
        let folder = try makeScratchDirectory("one-module")
        try Data("x = 1\n".utf8).write(to: folder.appendingPathComponent("attention.py"))
        let cache = folder.appendingPathComponent("__pycache__")
        try FileManager.default.createDirectory(at: cache, withIntermediateDirectories: true)
        try Data([0, 1]).write(to: cache.appendingPathComponent("attention.cpython-311.pyc"))
        let payload = try SubmissionPayload.read(folder)
        #expect(payload.filename == "attention.py")
        #expect(payload.isBundle == false)
        #expect(payload.content == Data("x = 1\n".utf8))
    }

    /// An adapter's weights alone are refused with what to hand in instead.
    @Test func anAdapterFileAloneAsksForItsFolder() throws {
        let folder = try makeScratchDirectory("lone-adapter")
        let file = folder.appendingPathComponent("adapter_model.safetensors")
        try Data([8, 0, 0, 0, 0, 0, 0, 0]).write(to: file)
        do {
            _ = try SubmissionPayload.read(file)
            Issue.record("a lone .safetensors file was accepted")
        } catch ServiceError.badSubmission(let message) {
            #expect(message.contains("adapter_config.json"))
            #expect(message.contains("folder"))
        }
    }
}
