// While the demo waits for the deliberate hang it names it: the sample MANIFEST.toml marks with
// verdict "hang" (one, s16-linus's 02-gpt2-blocks, whose layer_norm loops forever), and only
// while it is being graded.
import Foundation
import Store
import TestSupport
import Testing

@testable import Service

@Test func theDemoNamesTheDeliberateHangWhileItRuns() throws {
    let manifest = repositoryRoot.appendingPathComponent("submissions/MANIFEST.toml")
    #expect(deliberateHangs(manifest: manifest) == ["s16-linus/02-gpt2-blocks"])

    let store = try LabStore.inMemory()
    try store.importRoster(csv: "id,name,email\ns16-linus,Linus,\n")
    try store.syncLab(LabRecord(id: "02-gpt2-blocks", version: "1", title: "Blocks"))
    let id = try store.enqueue(
        student: "s16-linus", lab: "02-gpt2-blocks", filename: "blocks.py",
        content: Data("while True: pass\n".utf8), source: .demo)
    let hangs = [id: "s16-linus/02-gpt2-blocks"]
    #expect(try waitingForHang(store, hangs) == nil)  // queued, not yet running
    _ = try #require(try store.claimNext(worker: "w", lease: 60))
    #expect(try waitingForHang(store, hangs) == "s16-linus/02-gpt2-blocks")
}
