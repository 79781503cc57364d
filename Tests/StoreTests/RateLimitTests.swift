// The rate limit enforced inside the insert's transaction: the count, the retry delay worked out
// by hand, and two writers racing for the last slot.
import Foundation
import Testing

@testable import Store

@Suite struct RateLimitTests {
    /// The attention lab without deadlines, so the timeline can run past an hour.
    func makeOpenStore(_ store: LabStore) throws -> LabStore {
        var lab = attentionLab
        lab.due = nil
        lab.lateDue = nil
        try store.syncLab(lab, now: t0)
        return store
    }

    func submit(_ store: LabStore, _ student: String, at seconds: TimeInterval) throws -> Int64 {
        try store.enqueue(
            student: student, lab: "attention", filename: "attention.py",
            content: Data("# \(student) \(seconds)\n".utf8), source: .http,
            submittedAt: at(seconds), enforcingRateLimit: true)
    }

    @Test func theEleventhInAnHourWaitsForTheOldestToLeave() throws {
        // The lab allows 10 an hour. Alice submits at +0, +60, …, +540 (10 submissions).
        let store = try makeOpenStore(try makeStore())
        for i in 0..<10 { _ = try submit(store, "alice", at: Double(i) * 60) }
        // At +600 the window [−3000, +600] holds all 10: refused until +0 leaves, at +3600,
        // i.e. in 3000 s.
        #expect(throws: StoreError.rateLimited(lab: "attention", limit: 10, retryAfterSeconds: 3000)) {
            try submit(store, "alice", at: 600)
        }
        // Other students are not affected; without enforcement (the drop folder) it is stored.
        _ = try submit(store, "bob", at: 600)
        _ = try store.enqueue(
            student: "alice", lab: "attention", filename: "attention.py",
            content: Data("# drop\n".utf8), source: .drop, submittedAt: at(601))
        // Now 11 in the window: two must leave (+0 and +60): the second leaves at +3660.
        #expect(throws: StoreError.rateLimited(lab: "attention", limit: 10, retryAfterSeconds: 3059)) {
            try submit(store, "alice", at: 601)
        }
        // After +3660 only +120 … +540 and +601 remain (9): accepted.
        _ = try submit(store, "alice", at: 3661)
        #expect(try store.submissionsSince(student: "alice", lab: "attention", since: at(0)) == 12)
    }

    @Test func twoWritersRacingForTheLastSlotTakeItOnce() async throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("lmlab-rate-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try LabStore.open(directory: directory)
        try store.importRoster(csv: rosterCSV, now: t0)
        _ = try makeOpenStore(store)
        for i in 0..<9 { _ = try submit(store, "carol", at: Double(i)) }
        // 8 concurrent requests for the one remaining slot.
        let accepted = try await withThrowingTaskGroup(of: Bool.self) { group in
            for i in 0..<8 {
                group.addTask {
                    do {
                        _ = try self.submit(store, "carol", at: 100 + Double(i))
                        return true
                    } catch StoreError.rateLimited {
                        return false
                    }
                }
            }
            var count = 0
            for try await ok in group where ok { count += 1 }
            return count
        }
        #expect(accepted == 1)
        #expect(try store.submissionsSince(student: "carol", lab: "attention", since: at(0)) == 10)
    }
}
