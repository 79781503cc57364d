// The demo's whole path with a tiny base model (2 layers, C = 32, a few steps on a corpus the
// test writes) on lab 05's samples: the study table's bits per weight against ggml's published
// block sizes and a hand count of the scales, the LoRA line's trainable parameters against
// r·(in + out), the recorded runs, and the study's SVG as well-formed XML.
import Experiments
import Foundation
import Store
import TestSupport
import Testing

@testable import Service

#if canImport(FoundationXML)
    import FoundationXML
#endif

@Suite(.serialized, .blockingWork) struct DemoStudyTests {
    /// 2 layers, 2 heads, C = 32, context 64, a 300-token BPE, 4 steps on two small files.
    static func tinyStudy(in scratch: URL) throws -> DemoStudyOptions {
        let corpus = scratch.appendingPathComponent("corpus-files")
        try FileManager.default.createDirectory(at: corpus, withIntermediateDirectories: true)
        let a = Array(
            repeating: "the query looks at every key and the softmax turns scores into weights.",
            count: 40)
        let b = Array(
            repeating: "a block quantizes thirty-two weights with one scale stored in half precision.",
            count: 40)
        try Data(a.joined(separator: "\n").utf8).write(to: corpus.appendingPathComponent("A"))
        try Data(b.joined(separator: "\n").utf8).write(to: corpus.appendingPathComponent("B"))
        var study = DemoStudyOptions()
        study.corpusFiles = [corpus.appendingPathComponent("A"), corpus.appendingPathComponent("B")]
        study.recipe.shape = ModelShape(layers: 2, heads: 2, embd: 32, context: 64)
        study.recipe.vocabSize = 300
        study.recipe.steps = 4
        study.recipe.batchSize = 2
        study.recipe.sequenceLength = 32
        study.recipe.warmupSteps = 1
        study.recipe.evalInterval = 0
        study.loraSteps = 3
        study.maxEvalTokens = 256
        return study
    }

    @Test func demoTrainsABaseModelAndShowsItsStudyAndLoRARun() async throws {
        let scratch = try makeScratchDirectory("lmlab-demo-study")
        let data = scratch.appendingPathComponent(".lmlab-demo")
        var options = DemoOptions(
            dataDirectory: data, repository: repositoryRoot, workers: 2,
            labFilter: ["05-lora"], format: .terminal(colour: false))
        options.study = try Self.tinyStudy(in: scratch)
        let lines = Locked([String]())
        let summary = try await runDemo(
            options, say: { line in lines.withLock { $0.append(line) } }, progress: { _, _ in })
        let text = lines.withLock { $0.joined(separator: "\n") }
        // Every sample folder submissions/<student>/05-lora is one submission.
        let samples = try FileManager.default.contentsOfDirectory(
            atPath: repositoryRoot.appendingPathComponent("submissions").path
        ).filter {
            FileManager.default.fileExists(
                atPath: repositoryRoot.appendingPathComponent("submissions/\($0)/05-lora").path)
        }
        #expect(samples.count >= 5)
        #expect(summary.submissions == samples.count && summary.graded == samples.count)
        #expect(summary.phases.map(\.name) == ["setup", "base model", "grading", "study", "results"])
        let base = try #require(summary.baseModel)
        #expect(base == data.appendingPathComponent("base-model/model"))
        #expect(FileManager.default.fileExists(atPath: base.appendingPathComponent("config.json").path))

        // The table: fp16/bf16 16 and Q8_0/Q4_0 8.5/4.5 bits (ggml: 34 and 18 bytes per 32
        // weights); int8 adds one fp32 scale per matrix and int8-channel one per output column.
        // Per layer: c_attn 32×96, attn c_proj 32×32, c_fc 32×128, mlp c_proj 128×32 = 12288
        // weights, 4 matrices, 96+32+128+32 = 288 output columns.
        let expected: [(String, Double)] = [
            ("fp32", 32), ("fp16", 16), ("bf16", 16), ("q8_0", 8.5), ("q4_0", 4.5),
            ("int8", 8 + 4 * 32 / 12288.0), ("int8-channel", 8 + 288 * 32 / 12288.0),
        ]
        let section = try #require(text.components(separatedBy: "Quantization study of the base model").last)
        let rows = section.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        for (scheme, bits) in expected {
            let row = try #require(rows.first { $0.first == scheme }, "no row for \(scheme)")
            let shown = try #require(Double(row[1]))
            #expect(abs(shown - bits) <= 0.005, "\(scheme): \(shown) bits, expected \(bits)")
        }
        // LoRA r 8 on c_attn (32 → 96): A is 8×32, B is 96×8 per layer, 2 layers.
        #expect(text.contains("trainable parameters: \(2 * 8 * (32 + 96)) ("))
        #expect(text.contains("eval loss ") && text.contains(" after 3 steps"))
        #expect(text.contains("training loss: "))

        // The runs behind it: the base model's training, 6 schemes, the LoRA run's loss by step.
        let store = try LabStore.open(directory: data)
        let quantize = try store.experimentReport(experiment: "course-base-quantize")
        #expect(Set(quantize.runs.compactMap { $0.params["scheme"] })
            == ["fp16", "bf16", "int8", "int8-channel", "q8_0", "q4_0"])
        let lora = try store.experimentReport(experiment: "course-base-lora")
        let loraRun = try #require(lora.runs.first)
        #expect(try store.metricHistory(runID: loraRun.id, key: "loss").map(\.step) == [1, 2, 3])
        let training = try store.experimentReport(experiment: "course-base")
        #expect(training.runs.first?.curve.map(\.step) == [1, 2, 3, 4])

        // The files: the study's SVG parses as XML; the class report embeds the study's plot.
        let svg = try Data(contentsOf: data.appendingPathComponent("study/study.svg"))
        let parser = XMLParser(data: svg)
        #expect(parser.parse(), "study.svg: \(String(describing: parser.parserError))")
        let report = try #require(summary.report)
        #expect(report == data.appendingPathComponent("report/report.md"))
        let markdown = try String(contentsOf: report, encoding: .utf8)
        #expect(markdown.contains("## Experiments"))
        #expect(markdown.contains("](course-base-quantize-study.svg)"))
        #expect(text.contains(data.appendingPathComponent("study/lora.svg").path))
        #expect(text.contains(report.path))
    }

    @Test func aModelGivenWithoutEvalTextIsRefusedBeforeAnythingIsWiped() async throws {
        let scratch = try makeScratchDirectory("lmlab-demo-model")
        let model = scratch.appendingPathComponent("gpt2")
        try FileManager.default.createDirectory(at: model, withIntermediateDirectories: true)
        try Data("{}".utf8).write(to: model.appendingPathComponent("config.json"))
        let data = scratch.appendingPathComponent("data")
        var options = DemoOptions(
            dataDirectory: data, repository: repositoryRoot, workers: 1, labFilter: ["05-lora"],
            format: .terminal(colour: false))
        options.study = DemoStudyOptions(model: model)
        await #expect(throws: ServiceError.self) {
            _ = try await runDemo(options, say: { _ in }, progress: { _, _ in })
        }
        #expect(!FileManager.default.fileExists(atPath: data.path))
    }
}
