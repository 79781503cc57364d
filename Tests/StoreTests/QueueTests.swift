// The durable queue: blob before row, claim with a lease, complete/fail only while holding it,
// crash recovery, graceful requeue, regrade history, and two concurrent claimers.
import Foundation
import GRDB
import TestSupport
import Testing

@testable import Store

struct QueueTests {
    @Test func enqueueWritesTheBlobUnderItsHash() throws {
        // Given a store
        let store = try makeStore()
        // When "abc" is submitted
        let id = try store.enqueue(
            student: "alice", lab: "attention", filename: "attention.py", content: Data("abc".utf8),
            source: .http, submittedAt: at(10))
        // Then the blob is at blobs/sha256/ba/<NIST digest of "abc"> and the row is queued
        let digest = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        let path = store.blobs.root.appendingPathComponent("sha256/ba/\(digest)").path
        #expect(FileManager.default.contents(atPath: path) == Data("abc".utf8))
        let row = try #require(try store.submission(id: id))
        #expect(row.sha256 == digest)
        #expect(row.size == 3)
        #expect(row.status == .queued)
        #expect(row.attempts == 0)
        #expect(row.late == false)
        #expect(row.penalty == 0)
        #expect(row.source == .http)
        #expect(try store.blobs.read(sha256: digest) == Data("abc".utf8))
    }

    @Test func lateAndRefusedSubmissions() throws {
        let store = try makeStore()
        // Due at +1000, refused after +2000, 25% penalty.
        let onTime = try store.enqueue(
            student: "bob", lab: "attention", filename: "a.py", content: Data("1".utf8),
            source: .cli, submittedAt: at(1000))
        let late = try store.enqueue(
            student: "bob", lab: "attention", filename: "a.py", content: Data("2".utf8),
            source: .cli, submittedAt: at(1001))
        #expect(try store.submission(id: onTime)?.late == false)
        #expect(try store.submission(id: late)?.late == true)
        #expect(try store.submission(id: late)?.penalty == 0.25)
        #expect(throws: StoreError.pastLateDeadline(lab: "attention", lateDue: at(2000))) {
            try store.enqueue(
                student: "bob", lab: "attention", filename: "a.py",
                content: Data("too late".utf8), source: .cli, submittedAt: at(2001))
        }
        // A refused submission leaves no blob behind.
        let refused = store.blobs.url(sha256: SHA256.hexDigest("too late"))
        #expect(!FileManager.default.fileExists(atPath: refused.path))
        #expect(throws: StoreError.unknownLab("nolab")) {
            try store.enqueue(
                student: "bob", lab: "nolab", filename: "a.py", content: Data(), source: .cli)
        }
        #expect(throws: StoreError.unknownStudent("zed")) {
            try store.enqueue(
                student: "zed", lab: "attention", filename: "a.py", content: Data(), source: .cli)
        }
    }

    @Test func claimCompleteAndFeedback() throws {
        // Given two queued submissions
        let store = try makeStore()
        let first = try store.enqueue(
            student: "alice", lab: "attention", filename: "a.py", content: Data("1".utf8),
            source: .cli, submittedAt: at(10))
        let second = try store.enqueue(
            student: "bob", lab: "attention", filename: "b.py", content: Data("2".utf8),
            source: .cli, submittedAt: at(20))
        // When a worker claims, the oldest comes first, running with a lease and one attempt
        let claimed = try #require(try store.claimNext(worker: "w1", lease: 60, now: at(100)))
        #expect(claimed.id == first)
        #expect(claimed.submission.status == .running)
        #expect(claimed.submission.leaseOwner == "w1")
        #expect(claimed.submission.leaseExpiresAt == at(160))
        #expect(claimed.submission.attempts == 1)
        #expect(claimed.contentURL == store.blobs.url(sha256: SHA256.hexDigest("1")))
        #expect(try store.claimNext(worker: "w2", lease: 60, now: at(100))?.id == second)
        #expect(try store.claimNext(worker: "w3", lease: 60, now: at(100)) == nil)
        // Another worker cannot renew, complete or fail it
        #expect(try store.renewLease(id: first, worker: "w2", lease: 60, now: at(110)) == false)
        #expect(try store.renewLease(id: first, worker: "w1", lease: 120, now: at(110)))
        #expect(try store.submission(id: first)?.leaseExpiresAt == at(230))
        let grade = GradeRecord(
            graderVersion: "g1", seed: 42, score: 7, maxScore: 10, gradedAt: at(150))
        let results = [
            TestResultRecord(
                name: "softmax", component: "attention", points: 5, maxPoints: 5, status: .pass,
                seconds: 0.5),
            TestResultRecord(
                name: "causal-mask", component: "attention", points: 2, maxPoints: 5,
                status: .fail, diagnosis: "mask-after-softmax", message: "row 0 sums to 1.3",
                maxAbsError: 0.3, maxRelError: 0.25),
        ]
        #expect(throws: StoreError.leaseLost(submission: first, worker: "w2")) {
            try store.complete(id: first, worker: "w2", grade: grade, results: results)
        }
        // When its owner completes it
        try store.complete(id: first, worker: "w1", grade: grade, results: results)
        // Then it is graded with the grade's numbers, the lease is gone
        let row = try #require(try store.submission(id: first))
        #expect(row.status == .graded)
        #expect(row.score == 7)
        #expect(row.maxScore == 10)
        #expect(row.seed == 42)
        #expect(row.graderVersion == "g1")
        #expect(row.gradedAt == at(150))
        #expect(row.leaseOwner == nil)
        #expect(row.leaseExpiresAt == nil)
        // And the feedback rows are the results, in order, tied to this submission
        let feedback = try store.feedback(submissionID: first)
        #expect(feedback.map(\.name) == ["softmax", "causal-mask"])
        #expect(feedback.allSatisfy { $0.submissionID == first && $0.id != nil })
        #expect(feedback[1].diagnosis == "mask-after-softmax")
        #expect(feedback[1].maxAbsError == 0.3)
        #expect(try store.feedback(submissionID: second).isEmpty)
        // And a completed submission cannot be completed again by the same worker
        #expect(throws: StoreError.leaseLost(submission: first, worker: "w1")) {
            try store.complete(id: first, worker: "w1", grade: grade, results: [])
        }
        // Failing the other one records the message
        try store.fail(id: second, worker: "w2", error: "SyntaxError on line 3")
        let failed = try #require(try store.submission(id: second))
        #expect(failed.status == .error)
        #expect(failed.error == "SyntaxError on line 3")
        #expect(failed.leaseOwner == nil)
        #expect(
            try store.queueCounts() == [.queued: 0, .running: 0, .graded: 1, .error: 1])
    }

    @Test func aBurstTakesOneWorkerWhileOthersFirstSubmissionsWait() throws {
        // Given alice's burst of 5 submissions, then bob's and carol's first ones
        let store = try makeStore()
        func enqueue(_ student: String, _ second: TimeInterval) throws -> Int64 {
            try store.enqueue(
                student: student, lab: "attention", filename: "\(student).py",
                content: Data("\(student) \(second)".utf8), source: .http,
                submittedAt: at(second))
        }
        let alice = try (0..<5).map { try enqueue("alice", Double($0)) }
        let bob = try enqueue("bob", 10)
        let carol = try enqueue("carol", 11)
        // When three workers claim while alice's first is being graded
        func claim(_ worker: String) throws -> Int64? {
            try store.claimNext(worker: worker, lease: 60, now: at(20))?.id
        }
        // Then: alice's oldest, then bob's and carol's (no submission of theirs running) before
        // alice's second
        #expect(try claim("w0") == alice[0])
        #expect(try claim("w1") == bob)
        #expect(try claim("w2") == carol)
        #expect(try claim("w3") == alice[1])
        // With no one else queued, alice's next follow in order
        #expect(try claim("w4") == alice[2])
    }

    @Test func expiredLeasesAreRequeuedThenGivenUp() throws {
        // Given a submission claimed with a 60 s lease
        let store = try makeStore()
        let id = try store.enqueue(
            student: "carol", lab: "attention", filename: "c.py", content: Data("c".utf8),
            source: .drop, submittedAt: at(0))
        _ = try store.claimNext(worker: "crashy", lease: 60, now: at(100))
        // When recovery runs before expiry, nothing happens
        #expect(
            try store.requeueExpiredLeases(now: at(159), maxAttempts: 2)
                == LeaseRecovery(requeued: [], gaveUp: []))
        // After expiry it is queued again, still counting one attempt
        #expect(
            try store.requeueExpiredLeases(now: at(161), maxAttempts: 2)
                == LeaseRecovery(requeued: [id], gaveUp: []))
        #expect(try store.submission(id: id)?.status == .queued)
        #expect(try store.submission(id: id)?.attempts == 1)
        // The crashed worker's late result is refused
        #expect(throws: StoreError.leaseLost(submission: id, worker: "crashy")) {
            try store.fail(id: id, worker: "crashy", error: "x")
        }
        // A second claim expires too: with two attempts used, it becomes an error
        #expect(
            try store.claimNext(worker: "crashy", lease: 60, now: at(200))?.submission.attempts == 2
        )
        #expect(
            try store.requeueExpiredLeases(now: at(261), maxAttempts: 2)
                == LeaseRecovery(requeued: [], gaveUp: [id]))
        let row = try #require(try store.submission(id: id))
        #expect(row.status == .error)
        #expect(row.error?.contains("after 2 attempts") == true)
        #expect(try store.claimNext(worker: "w", lease: 60, now: at(300)) == nil)
    }

    @Test func gracefulShutdownRequeuesOnlyThatHostsWork() throws {
        let store = try makeStore()
        for (i, student) in ["alice", "bob", "carol"].enumerated() {
            try store.enqueue(
                student: student, lab: "attention", filename: "a.py", content: Data([UInt8(i)]),
                source: .cli, submittedAt: at(Double(i)))
        }
        let a = try #require(try store.claimNext(worker: "host1-w1", lease: 60, now: at(10)))
        let b = try #require(try store.claimNext(worker: "host1-w2", lease: 60, now: at(10)))
        let c = try #require(try store.claimNext(worker: "host10-w1", lease: 60, now: at(10)))
        // When host1 shuts down
        #expect(try store.requeue(workerPrefix: "host1-") == 2)
        // Then its two are queued with the attempt not counted; host10's keeps running
        #expect(try store.submission(id: a.id)?.status == .queued)
        #expect(try store.submission(id: a.id)?.attempts == 0)
        #expect(try store.submission(id: b.id)?.status == .queued)
        #expect(try store.submission(id: c.id)?.status == .running)
    }

    @Test func regradeKeepsHistory() throws {
        // Given Alice's submission graded 6/10 with one result
        let store = try makeStore()
        let id = try gradedSubmission(
            store, student: "alice", at: 10, score: 6,
            results: [TestResultRecord(name: "old", points: 6, maxPoints: 10, status: .fail)])
        let other = try gradedSubmission(store, student: "bob", at: 20, score: 3)
        // When the lab is regraded for Alice only
        #expect(try store.regrade(lab: "attention", student: "alice") == 1)
        let queued = try #require(try store.submission(id: id))
        #expect(queued.status == .queued)
        #expect(queued.source == .regrade)
        #expect(try store.submission(id: other)?.status == .graded)
        // The old grade stays in force until the new one is recorded
        #expect(try store.leaderboard(lab: "attention", includeNames: true).first?.score == 6)
        let claimed = try #require(try store.claimNext(worker: "w9", lease: 60, now: at(500)))
        #expect(claimed.id == id)
        try store.complete(
            id: id, worker: "w9",
            grade: GradeRecord(
                graderVersion: "g2", seed: 8, score: 9, maxScore: 10,
                gradedAt: at(501)),
            results: [TestResultRecord(name: "new", points: 9, maxPoints: 10, status: .fail)])
        // Then both grades exist, only the new one current; feedback shows the new results
        let grades = try store.grades(submissionID: id)
        #expect(grades.map(\.score) == [6, 9])
        #expect(grades.map(\.isCurrent) == [false, true])
        #expect(grades.map(\.graderVersion) == ["g1", "g2"])
        #expect(try store.feedback(submissionID: id).map(\.name) == ["new"])
        let allResults = try store.reader.read { db in
            try String.fetchAll(
                db, sql: "SELECT name FROM test_results WHERE submission_id = ? ORDER BY id",
                arguments: [id])
        }
        #expect(allResults == ["old", "new"])
        #expect(try store.submission(id: id)?.score == 9)
        #expect(throws: StoreError.unknownLab("nolab")) { try store.regrade(lab: "nolab") }
    }

    @Test func twoPoolsNeverClaimTheSameRow() async throws {
        // Given 200 queued submissions in a file-backed store
        let directory = try makeScratchDirectory("lmlab-queue")
        defer { try? FileManager.default.removeItem(at: directory) }
        let setup = try LabStore.open(directory: directory)
        try setup.importRoster(csv: rosterCSV, now: t0)
        try setup.syncLab(attentionLab, now: t0)
        var expected: Set<Int64> = []
        for i in 0..<200 {
            expected.insert(
                try setup.enqueue(
                    student: "alice", lab: "attention", filename: "a.py",
                    content: Data("print(\(i))".utf8), source: .demo, submittedAt: at(Double(i))))
        }
        // When two workers, each with its own DatabasePool, claim until the queue is empty
        let workers = [
            ("left", try LabStore.open(directory: directory)),
            ("right", try LabStore.open(directory: directory)),
        ]
        let claims = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for (worker, store) in workers {
                group.addTask {
                    var mine: [Int64] = []
                    while let claimed = try store.claimNext(worker: worker, lease: 600) {
                        mine.append(claimed.id)
                    }
                    return mine
                }
            }
            var all: [[Int64]] = []
            for try await ids in group { all.append(ids) }
            return all
        }
        // Then every submission was claimed exactly once
        let flat = claims.flatMap { $0 }
        #expect(flat.count == 200, "claims per worker: \(claims.map(\.count))")
        #expect(Set(flat) == expected)
        #expect(try setup.queueCounts()[.running] == 200)
    }
}
