// The demo grades the PyTorch editions of labs 01–03 (framework = "torch": the runner hands
// torch.Tensors) through the queue with the real grader, as it does the NumPy labs: s01-ada's
// torch samples get full marks and s05-barbara's get the mistake MANIFEST.toml names.
import Foundation
import Store
import TestSupport
import Testing

@testable import Service

@Test(.blockingWork) func demoGradesThePyTorchEditions() async throws {
    let scratch = try makeScratchDirectory("lmlab-demo-torch")
    let mistakes = [
        "01-attention-torch": "no_scaling", "02-gpt2-blocks-torch": "layernorm_unbiased_variance",
        "03-gpt2-torch": "cross_entropy_sum",
    ]
    var options = DemoOptions(
        dataDirectory: scratch.appendingPathComponent(".lmlab-demo"),
        repository: repositoryRoot, workers: 2, labFilter: Set(mistakes.keys),
        format: .terminal(colour: false))
    options.showResults = true
    let lines = Locked([String]())
    let summary = try await runDemo(
        options, say: { line in lines.withLock { $0.append(line) } }, progress: { _, _ in })
    // s01-ada and s05-barbara handed in each edition (submissions/*/0?-*-torch).
    #expect(summary.submissions == 6)
    #expect(summary.graded == 6)
    #expect(summary.errors == 0)

    let store = try LabStore.open(directory: options.dataDirectory)
    for (lab, mistake) in mistakes.sorted(by: { $0.key < $1.key }) {
        let rows = try store.gradesExport(lab: lab)
        let ada = try #require(rows.first { $0.studentID == "s01-ada" })
        #expect(ada.score != nil && ada.score == ada.maxScore, "\(lab): \(ada)")
        let barbara = try #require(rows.first { $0.studentID == "s05-barbara" })
        #expect((barbara.score ?? .infinity) < (barbara.maxScore ?? 0), "\(lab): \(barbara)")
        let id = try #require(barbara.submissionID)
        let named = Set(try store.feedback(submissionID: id).compactMap(\.diagnosis))
        #expect(named.contains(mistake), "\(lab): named \(named.sorted())")
    }
    let text = lines.withLock { $0.joined(separator: "\n") }
    #expect(text.contains("mistake: "), "\(text)")
    #expect(text.contains("01-attention-torch — Attention from scratch (PyTorch): class report"),
            "\(text)")
}
