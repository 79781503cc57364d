// The demo end to end on lab 01's samples: a fresh data directory, the roster, the queue, the
// worker pool with the real grader, and a featured feedback that names a catalogued mistake.
import Foundation
import Store
import TestSupport
import Testing

@testable import Service

@Suite(.serialized, .blockingWork) struct DemoTests {
    @Test func demoGradesLab01AndFeaturesANamedMistake() async throws {
        let scratch = try makeScratchDirectory("lmlab-demo")
        var options = DemoOptions(
            dataDirectory: scratch.appendingPathComponent(".lmlab-demo"),
            repository: repositoryRoot, workers: 2, labFilter: ["01-attention"],
            format: .terminal(colour: false))
        options.showResults = true
        let lines = Locked([String]())
        let summary = try await runDemo(
            options, say: { line in lines.withLock { $0.append(line) } }, progress: { _, _ in })
        // 15 students handed in lab 01 (submissions/*/01-attention).
        #expect(summary.submissions == 15)
        #expect(summary.graded == 15)
        #expect(summary.errors == 0)
        let text = lines.withLock { $0.joined(separator: "\n") }
        #expect(text.contains("Imported 18 students from roster.csv"))
        #expect(text.contains("mistake: "))
        #expect(text.contains("hint: "))
        #expect(text.contains("01-attention — Attention from scratch: class report"))
        #expect(text.contains("18 students on the roster · 15 submitted · 15 graded"))
        #expect(text.contains("01-attention leaderboard (best submission counts)"))

        // A second run wipes and recreates the directory it made.
        let again = try await runDemo(
            options, say: { line in lines.withLock { $0.append(line) } }, progress: { _, _ in })
        #expect(again.submissions == 15)
        #expect(lines.withLock { $0.contains { $0.hasPrefix("Wiped and recreated") } })
    }

    @Test func demoRefusesToWipeAFolderThatIsNotLmlabData() throws {
        let scratch = try makeScratchDirectory("lmlab-demo-refuse")
        try Data("keep me".utf8).write(to: scratch.appendingPathComponent("thesis.tex"))
        #expect(throws: ServiceError.self) { try resetDataDirectory(scratch) }
        #expect(FileManager.default.fileExists(atPath: scratch.appendingPathComponent("thesis.tex").path))
    }
}

/// A value behind a lock, for collecting the demo's output from its Sendable callbacks.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
