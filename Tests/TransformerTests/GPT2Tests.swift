// The whole model against the NumPy oracle: checkpoints written by Python's safetensors (F32,
// F16 with the "transformer." prefix and the attn.bias buffers; BF16 written by hand, as NumPy
// has no bfloat16) loaded and run forward, the loss, and the errors a user can trigger with bad
// token ids or sequence lengths.
import Foundation
import Tensors
import Testing

@testable import Transformer

@Suite struct GPT2ForwardTests {
    @Test(arguments: [
        ("checkpoint", Float(1e-4)), ("checkpoint_prefixed", Float(1e-4)),
        ("checkpoint_f16", Float(1e-4)), ("checkpoint_bf16", Float(1e-4)),
    ])
    func pythonCheckpointForwardMatchesOracle(name: String, tolerance: Float) throws {
        let o = try OracleCase(name)
        let model = try loadCheckpoint(o.dir)
        #expect(model.config.nLayer == 2 && model.config.nHead == 2 && model.config.vocabSize == 50)
        let ids = try o.ints("ids")  // 16 tokens = n_positions
        expectClose(
            try model.forward(ids), try o.tensor("out_logits"), tolerance: tolerance,
            "\(name) forward T=16")
        expectClose(
            try model.forward([ids[0]]), try o.tensor("out_logits1"), tolerance: tolerance,
            "\(name) forward T=1")
        let loss = try model.loss(tokens: ids)
        let want = try o.scalar("out_loss")
        print("max |diff| \(name) loss: \(abs(loss - want))")
        #expect(abs(loss - want) < 1e-5, "loss \(loss) vs oracle \(want)")
    }

    @Test func crossEntropyAndPerplexityMatchOracle() throws {
        let o = try OracleCase("loss")
        let logits = try o.tensor("logits")  // [6, 50]
        let targets = try o.ints("targets")
        let loss = crossEntropy(logits: logits, targets: targets)
        let ppl = perplexity(logits: logits, targets: targets)
        print("max |diff| cross-entropy: \(abs(loss - (try o.scalar("out_loss"))))")
        #expect(abs(loss - (try o.scalar("out_loss"))) < 1e-5)
        #expect(abs(ppl - (try o.scalar("out_perplexity"))) / ppl < 1e-5)
        // Hand-worked: uniform logits over V classes give loss ln V and perplexity V.
        let uniform = Tensor(zeros: [3, 8])
        #expect(abs(crossEntropy(logits: uniform, targets: [0, 3, 7]) - logf(8)) < 1e-6)
        #expect(abs(perplexity(logits: uniform, targets: [0, 3, 7]) - 8) < 1e-4)
    }

    @Test func userErrorsThrowWithTheirNumbers() throws {
        let model = try tinyModel()
        #expect(throws: TransformerError.tokenOutOfRange(id: 50, position: 2, vocabSize: 50)) {
            try model.forward([1, 2, 50])
        }
        #expect(throws: TransformerError.tokenOutOfRange(id: -1, position: 0, vocabSize: 50)) {
            try model.forward([-1])
        }
        #expect(throws: TransformerError.sequenceTooLong(length: 17, maxPositions: 16)) {
            try model.forward(Array(repeating: 0, count: 17))
        }
        let text = TransformerError.tokenOutOfRange(id: 50, position: 2, vocabSize: 50).description
        #expect(text.contains("50") && text.contains("vocabulary"))
        #expect(throws: TransformerError.tooFewTokens(count: 1)) { try model.loss(tokens: [3]) }
    }
}
