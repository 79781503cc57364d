// The course base model's corpus (split per file, symlinks once) and the demo study on a tiny
// model: a study per scheme, a LoRA run whose curve SVG is drawn from the recorded metrics.
import Foundation
import Store
import TestSupport
import Testing
import Transformer

@testable import Experiments

@Suite("Course base model")
struct CourseBaseModelTests {
    @Test func corpusHoldsOutTheLastTenthOfEachFileAndCountsLinksOnce() throws {
        let root = try makeScratchDirectory("lmlab-corpus")
        let licenses = root.appendingPathComponent("licenses")
        try FileManager.default.createDirectory(at: licenses, withIntermediateDirectories: true)
        let a = (1...10).map { "a\($0)" }.joined(separator: "\n")
        let b = (1...20).map { "b\($0)" }.joined(separator: "\n")
        try Data(a.utf8).write(to: licenses.appendingPathComponent("A"))
        try Data(b.utf8).write(to: licenses.appendingPathComponent("B"))
        try FileManager.default.createSymbolicLink(
            at: licenses.appendingPathComponent("C"),
            withDestinationURL: licenses.appendingPathComponent("B"))
        let files = licenseFiles(licenses)
        #expect(files.map(\.lastPathComponent) == ["A", "B"])
        let (train, eval) = try writeCorpus(files, heldOut: 0.1, to: root.appendingPathComponent("c"))
        let trainText = try String(contentsOf: train, encoding: .utf8)
        let evalText = try String(contentsOf: eval, encoding: .utf8)
        // 10 lines -> 9 + 1; 20 lines -> 18 + 2.
        #expect(evalText.split(separator: "\n") == ["a10", "b19", "b20"])
        #expect(trainText.split(separator: "\n").count == 27)
        #expect(trainText.contains("a9\n") && !trainText.contains("a10"))
    }

    @Test func demoStudyRecordsAStudyAndALoRACurve() throws {
        let world = try TinyWorld()
        let store = try LabStore.inMemory()
        let out = world.root.appendingPathComponent("demo")
        let demo = try runDemoStudy(
            base: world.modelFolder, evalText: world.eval, loraTrain: world.corpus,
            loraEval: world.corpus, out: out, store: store, experiment: "demo", loraSteps: 3)
        #expect(demo.study.reports.count == 6 && demo.study.runIDs.count == 6)
        let id = try #require(demo.lora.runID)
        #expect(try store.metricHistory(runID: id, key: "loss").count == 3)
        let svg = try String(contentsOf: out.appendingPathComponent("lora.svg"), encoding: .utf8)
        #expect(svg.contains("eval_loss") && svg.contains("LoRA on the course base model"))
        for name in ["study.md", "study.svg", "adapter/adapter_config.json"] {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(name).path), "\(name)")
        }
        #expect(try store.experiment(named: "demo-quantize") != nil)
        #expect(try store.experiment(named: "demo-lora") != nil)
    }
}
