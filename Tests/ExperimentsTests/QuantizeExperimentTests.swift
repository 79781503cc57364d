// `runQuantize` and `runQuantizationStudy`: bits per weight equal to ggml's block sizes worked by
// hand, perplexities near fp32, the fp32 perplexity equal to the model's own loss on the text.
import Foundation
import Quantization
import Store
import TestSupport
import Testing
import Transformer

@testable import Experiments

@Suite("Quantization experiment")
struct QuantizeExperimentTests {
    @Test func recordsBitsPerWeightAndASanePerplexity() throws {
        let world = try TinyWorld()
        let store = try LabStore.inMemory()
        let tokens = world.evalTokens
        // The whole text fits one window: exp(loss) from the reference forward directly.
        let fp32 = Double(expf(try world.model.loss(tokens: tokens)))
        // Q8_0: 32 int8 codes + a 2-byte fp16 scale = 34 bytes / 32 weights = 8.5 bits.
        // Q4_0: 16 bytes of nibbles + 2 = 18 bytes / 32 weights = 4.5 bits.
        for (scheme, bits, band) in [(QuantScheme.q8_0, 8.5, 0.02), (.q4_0, 4.5, 0.25)] {
            let outcome = try runQuantize(
                model: world.model, modelPath: "tiny", scheme: scheme, evalTokens: tokens,
                evalFile: "eval.txt", decodeTokens: 4,
                target: RunTarget(store: store, experiment: "tiny-quant"))
            let id = try #require(outcome.runID)
            let logged = { (key: String) in
                try store.metricHistory(runID: id, key: key).first?.loggedValue ?? .nan
            }
            #expect(try logged("bits_per_weight") == bits)
            #expect(relativeDifference(try logged("fp32_perplexity"), fp32) < 1e-5)
            let ppl = try logged("perplexity")
            #expect(
                abs(ppl / fp32 - 1) < band, "\(scheme): perplexity \(ppl) against fp32 \(fp32)")
            #expect(abs(try logged("perplexity_change") - (ppl - fp32)) < 1e-3)
            #expect(try logged("max_abs_weight_error") > 0)
            #expect(try logged("decode_tokens_per_s") > 0)
            let details = try store.runDetails(id: id)
            #expect(details.params["scheme"] == scheme.rawValue && details.run.source == .builtIn)
        }
    }

    @Test func studyWritesTableMarkdownAndSVG() throws {
        let world = try TinyWorld()
        let store = try LabStore.inMemory()
        let out = world.root.appendingPathComponent("study")
        let schemes: [QuantScheme] = [.fp16, .bf16, .int8, .int8Channel, .q8_0, .q4_0]
        let study = try runQuantizationStudy(
            model: world.model, modelPath: "tiny", schemes: schemes,
            evalTokens: world.evalTokens, evalFile: "eval.txt", decodeTokens: 4, out: out,
            target: RunTarget(store: store, experiment: "tiny-study"))
        #expect(study.reports.map(\.scheme) == schemes)
        #expect(study.runIDs.count == 6)
        // fp16/bf16 store 2 bytes a weight; int8 one byte plus fp32 scales. Per layer the
        // weights are 32·96 + 32·32 + 32·128 + 128·32 = 12288 (24576 in all) in 4 matrices
        // with 96 + 32 + 128 + 32 = 288 output columns: per tensor 8 scales = 256 bits, per
        // channel 576 scales = 18432 bits.
        #expect(study.reports[0].bitsPerWeight == 16 && study.reports[1].bitsPerWeight == 16)
        #expect(abs(study.reports[2].bitsPerWeight - (8 + 256.0 / 24576)) < 1e-12)
        #expect(abs(study.reports[3].bitsPerWeight - (8 + 18432.0 / 24576)) < 1e-12)
        #expect(study.reports[4].bitsPerWeight == 8.5 && study.reports[5].bitsPerWeight == 4.5)
        let md = try String(contentsOf: out.appendingPathComponent("study.md"), encoding: .utf8)
        #expect(md.components(separatedBy: "\n").filter { $0.hasPrefix("| ") }.count == 8)
        let svg = try String(contentsOf: out.appendingPathComponent("study.svg"), encoding: .utf8)
        #expect(svg.hasPrefix("<svg") && svg.contains(">q4_0</text>") && svg.contains(">fp32</text>"))
        #expect(svg.components(separatedBy: "<circle").count == 8)
        #expect(study.table.split(separator: "\n").count == 8)
    }
}
