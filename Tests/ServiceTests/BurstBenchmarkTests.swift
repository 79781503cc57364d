// The deadline-burst benchmark end to end on lab 01's correct sample: a daemon on loopback, three
// clients posting over HTTP at once, every submission graded, and its times measured in order
// (claimed before graded), and the refusal of a burst over the class's hourly rate limit.
import Foundation
import TestSupport
import Testing

@testable import Service

@Suite(.serialized, .blockingWork) struct BurstBenchmarkTests {
    @Test func burstPostsOverHTTPAndTimesEveryGrade() async throws {
        let scratch = try makeScratchDirectory("lmlab-burst")
        defer { try? FileManager.default.removeItem(at: scratch) }
        var options = BurstOptions(
            dataDirectory: scratch.appendingPathComponent("data"), repository: repositoryRoot,
            submissions: 3, workers: 1)
        // A hang detector only: in the full suite, blocking tests can hold both cooperative
        // threads of a 2-core machine for minutes before the daemon gets to listen.
        options.startTimeout = .seconds(600)
        let result = try await runBurst(options)
        #expect(result.submissions == 3)
        #expect(result.graded == 3)
        #expect(result.errors == 0)
        #expect(result.postToGraded.count == 3)
        #expect(result.queueWait.count == 3)
        // One worker grades one at a time: the last grade comes after the others' waits.
        #expect(zip(result.queueWait.sorted(), result.postToGraded.sorted()).allSatisfy { $0 <= $1 })
        #expect(result.wallSeconds >= (result.postToGraded.max() ?? 0) - 0.01)
    }

    @Test func burstRefusesMoreThanTheClassMayPostInAnHour() async throws {
        let scratch = try makeScratchDirectory("lmlab-burst-limit")
        defer { try? FileManager.default.removeItem(at: scratch) }
        // 18 students × 20 an hour (labs/01-attention/lab.toml) = 360.
        let options = BurstOptions(
            dataDirectory: scratch.appendingPathComponent("data"), repository: repositoryRoot,
            submissions: 361, workers: 1)
        await #expect(throws: ServiceError.self) { try await runBurst(options) }
    }
}
