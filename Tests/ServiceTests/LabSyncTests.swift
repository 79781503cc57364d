// A lab that does not validate is never synced, so never served: the daemon's sync keeps the
// valid labs and hands back the invalid ones with their problems for `serve`/`demo` to report.
import Foundation
import Store
import TestSupport
import Testing

@testable import Service

@Test func syncSkipsLabsThatDoNotValidate() throws {
    let labs = try makeLabsWithBrokenOnes()
    let store = try LabStore.open(directory: try makeScratchDirectory("lmlab-sync"))
    let survey = try syncLabs(labsRoot: labs, into: store)
    #expect(try store.labs().map(\.id) == ["01-attention"])
    #expect(survey.invalid.map(\.id) == ["08-extra", "09-typo"])
    #expect(try store.lab(id: "08-extra") == nil)
}

/// A labs folder with 01-attention and 06-quantization copied from the course repository.
private func makeTwoLabs() throws -> URL {
    let root = try makeScratchDirectory("lmlab-labs")
    for id in ["01-attention", "06-quantization"] {
        try FileManager.default.copyItem(
            at: repositoryRoot.appendingPathComponent("labs/\(id)"),
            to: root.appendingPathComponent(id))
    }
    return root
}

@Test func syncRetiresALabRemovedFromTheFolderAndReAddingItRevivesIt() throws {
    let labs = try makeTwoLabs()
    let store = try LabStore.open(directory: try makeScratchDirectory("lmlab-retire"))
    let first = Date(timeIntervalSince1970: 1_000_000)
    try syncLabs(labsRoot: labs, into: store, now: first)
    try store.addStudent(id: "ada", name: "Ada")
    let file = try makeScratchDirectory("lmlab-file").appendingPathComponent("quantize.py")
    try "def quantize_q8_0(x):\n    return x\n".write(to: file, atomically: true, encoding: .utf8)
    let client = LocalClient(store: store, viewer: .instructor)
    _ = try client.submitNow(
        path: file, lab: "06-quantization", student: "ada", source: .cli, now: first)

    // The folder goes; the next sync retires the lab but keeps its row and submission.
    let quantization = labs.appendingPathComponent("06-quantization")
    let saved = try makeScratchDirectory("lmlab-saved").appendingPathComponent("06-quantization")
    try FileManager.default.moveItem(at: quantization, to: saved)
    let second = first.addingTimeInterval(3600)
    try syncLabs(labsRoot: labs, into: store, now: second)
    #expect(try store.lab(id: "06-quantization")?.retiredAt == second)
    #expect(try store.lab(id: "01-attention")?.retiredAt == nil)

    let rows = try store.classOverview()
    #expect(rows.first { $0.lab == "06-quantization" }?.submitters == 1)
    let text = try renderClassOverview(rows, rosterSize: 1, format: .markdown)
    let parts = text.components(separatedBy: "## Retired labs")
    #expect(parts.count == 2)
    #expect(parts.first?.contains("Class report: 1 students, 1 labs") == true)
    #expect(parts.first?.contains("06-quantization") == false)
    #expect(parts.first?.contains("| 01-attention |") == true)
    #expect(parts.last?.contains("| 06-quantization |") == true)

    // A retired lab takes no new submission, and says so.
    #expect(throws: StoreError.retiredLab("06-quantization")) {
        try store.enqueue(
            student: "ada", lab: "06-quantization", filename: "quantize.py", content: Data(),
            source: .cli, submittedAt: second)
    }
    do {
        _ = try client.submitNow(
            path: file, lab: "06-quantization", student: "ada", source: .cli, now: second)
        Issue.record("a retired lab accepted a submission")
    } catch {
        let message = "\(error)"
        #expect(message.contains("'06-quantization'") && message.contains("retired"))
    }

    // Back in the folder, the next sync makes it live again.
    try FileManager.default.moveItem(at: saved, to: quantization)
    try syncLabs(labsRoot: labs, into: store, now: second.addingTimeInterval(60))
    #expect(try store.lab(id: "06-quantization")?.retiredAt == nil)
    let again = try renderClassOverview(store.classOverview(), rosterSize: 1, format: .markdown)
    #expect(!again.contains("Retired labs"))
    #expect(again.contains("Class report: 1 students, 2 labs"))
}

@Test func syncRetiresALabThatNoLongerValidates() throws {
    let labs = try makeTwoLabs()
    let store = try LabStore.open(directory: try makeScratchDirectory("lmlab-retire"))
    try syncLabs(labsRoot: labs, into: store)
    try "id = \"06-quantization\"\ntitle = \n".write(
        to: labs.appendingPathComponent("06-quantization/lab.toml"), atomically: true,
        encoding: .utf8)
    try syncLabs(labsRoot: labs, into: store)
    #expect(try store.lab(id: "06-quantization")?.retiredAt != nil)
    #expect(try store.lab(id: "01-attention")?.retiredAt == nil)
}
