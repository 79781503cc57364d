// A temporary data folder with a store, a roster of two students and an instructor, their
// tokens, and labs; shared by the daemon's tests.
import Foundation
import Logging
import Server
import Store
import TestSupport

struct Fixture {
    let directory: URL
    let store: LabStore
    let aliceToken: String
    let bobToken: String
    let profToken: String

    static let now = Date()

    /// `attention`: open, 10 per hour. `closed`: late_due passed. `limited`: 2 per hour.
    static var defaultLabs: [LabRecord] {
        [
            LabRecord(
                id: "attention", version: "1", title: "Attention",
                due: now.addingTimeInterval(86_400), lateDue: now.addingTimeInterval(172_800),
                counting: .best, rateLimitPerHour: 1000),
            LabRecord(
                id: "closed", version: "1", title: "Closed lab",
                due: Date(timeIntervalSince1970: 1_700_000_000),
                lateDue: Date(timeIntervalSince1970: 1_700_086_400)),
            LabRecord(id: "limited", version: "1", title: "Limited", rateLimitPerHour: 2),
        ]
    }

    static func make(labs: [LabRecord] = defaultLabs) throws -> Fixture {
        let directory = try makeScratchDirectory("lmlab-server")
        let store = try LabStore.open(directory: directory.appendingPathComponent("data"))
        try store.importRoster(
            csv: """
                id,name,email
                alice,Alice Liddell,alice@example.org
                bob,Bob Dylan,bob@example.org
                """)
        try store.addStudent(
            id: "prof", name: "Ada Lovelace", email: "ada@example.org", isInstructor: true)
        for lab in labs { try store.syncLab(lab) }
        return Fixture(
            directory: directory, store: store,
            aliceToken: try store.issueToken(studentID: "alice"),
            bobToken: try store.issueToken(studentID: "bob"),
            profToken: try store.issueToken(studentID: "prof"))
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }
}

/// Quick settings for tests: short leases and polls, no drop folder.
func testConfiguration(workers: Int = 2) -> ServerConfiguration {
    var configuration = ServerConfiguration()
    configuration.workers = workers
    configuration.pollInterval = 0.02
    // Long enough that a worker's renewals, starved for seconds while the full suite's blocking
    // sample-class tests hold the cooperative threads, never let the sweeper take a live lease;
    // tests about expiry set their own short leases.
    configuration.lease = 60
    configuration.leaseRenewal = 1
    configuration.shutdownGrace = 0.5
    configuration.gradingTimeout = 600  // a hang detector: tests of the timeout set their own
    configuration.maxSubmissionBytes = 1024
    return configuration
}

/// Waits (bounded) until `condition` holds; returns whether it did. The bound is generous on
/// purpose: it is a hang detector, not a timing — in the full suite the blocking sample-class
/// tests can hold both cooperative threads of a 2-core machine for minutes.
func eventually(
    timeout: Duration = .seconds(600), _ condition: () async throws -> Bool
) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        // Cancelled, Task.sleep throws without suspending: stop rather than spin on the thread.
        do { try await Task.sleep(for: .milliseconds(20)) } catch { break }
    }
    return try await condition()
}

let quietLogger: Logger = {
    var logger = Logger(label: "lmlab.test")
    logger.logLevel = .critical
    return logger
}()
