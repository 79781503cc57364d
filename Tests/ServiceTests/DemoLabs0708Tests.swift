// The demo grades labs 07-llama (built-in LLaMA components) and 08-sampling (authored only in
// Python) through the queue with the real grader, as it does the other labs.
import Foundation
import Store
import TestSupport
import Testing

@testable import Service

@Test func demoGradesTheLlamaAndThePythonAuthoredLab() async throws {
    let scratch = try makeScratchDirectory("lmlab-demo-0708")
    var options = DemoOptions(
        dataDirectory: scratch.appendingPathComponent(".lmlab-demo"),
        repository: repositoryRoot, workers: 2, labFilter: ["07-llama", "08-sampling"],
        format: .terminal(colour: false))
    options.showResults = true
    let lines = Locked([String]())
    let summary = try await runDemo(
        options, say: { line in lines.withLock { $0.append(line) } }, progress: { _, _ in })
    // 12 lab 07 and 10 lab 08 samples (submissions/*/07-llama, submissions/*/08-sampling).
    #expect(summary.submissions == 22)
    #expect(summary.graded == 22)
    #expect(summary.errors == 0)
    let text = lines.withLock { $0.joined(separator: "\n") }
    #expect(text.contains("07-llama"), "\(text)")
    #expect(text.contains("08-sampling"), "\(text)")
}
