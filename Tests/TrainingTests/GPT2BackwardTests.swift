// The whole model's loss and gradients against Tests/Oracle/training_backward.py, an
// independent float64 NumPy backward (which checks itself against finite differences first).
import Foundation
import Tensors
import TestSupport
import Testing
@testable import Training
import Transformer

/// Writes the checkpoint and the batch the oracle reads.
func writeOracleInputs(_ model: GPT2Model, inputs: [[Int]], targets: [[Int]], to dir: URL) throws {
    try saveCheckpoint(model, to: dir)
    let shape = [inputs.count, inputs[0].count]
    try Npy.encode(ints: inputs.flatMap { $0 }, shape: shape).write(to: dir.appendingPathComponent("inputs.npy"))
    try Npy.encode(ints: targets.flatMap { $0 }, shape: shape).write(to: dir.appendingPathComponent("targets.npy"))
}

@Suite struct GPT2BackwardTests {
    static let inputs = [randomIds(8, below: 50, seed: 30), randomIds(8, below: 50, seed: 31)]
    static let targets = [randomIds(8, below: 50, seed: 32), randomIds(8, below: 50, seed: 33)]

    @Test func forwardWithCacheGivesTheReferenceLoss() throws {
        let model = try tinyModel()
        var expected: Double = 0
        for (x, y) in zip(Self.inputs, Self.targets) {
            expected += Double(crossEntropy(logits: try model.forward(x), targets: y))
        }
        expected /= Double(Self.inputs.count)
        let (loss, _) = try lossAndGradients(model: model, inputs: Self.inputs, targets: Self.targets)
        #expect(abs(Double(loss) - expected) <= 1e-6 * expected, "loss \(loss) vs reference \(expected)")
    }

    @Test func everyGradientMatchesTheNumPyOracle() throws {
        let model = try tinyModel()
        let dir = try makeScratchDirectory("training-grads")
        defer { try? FileManager.default.removeItem(at: dir) }
        try writeOracleInputs(model, inputs: Self.inputs, targets: Self.targets, to: dir)
        try runOracle("training_backward.py", ["grads", dir.path])
        let expectedLoss = try Npy.read(dir.appendingPathComponent("out_loss.npy")).floats()[0]
        let expected = try SafeTensorsFile(contentsOf: dir.appendingPathComponent("out_grads.safetensors"))
        let (loss, grads) = try lossAndGradients(model: model, inputs: Self.inputs, targets: Self.targets)
        #expect(abs(loss - expectedLoss) <= 1e-5 * expectedLoss, "loss \(loss) vs oracle \(expectedLoss)")
        var worst = (0.0, "")
        for p in GPT2Weights.parameters(for: model.config) {
            let e = try expected.tensor(p.name)
            let err = relativeError(grads[keyPath: p.field].data, doubles(e))
            if err > worst.0 { worst = (err, p.name) }
            #expect(err <= 1e-4, "\(p.name): max |diff| / max |oracle| = \(err)")
        }
        print("worst relative gradient error vs oracle: \(worst.0) (\(worst.1))")
    }

    @Test func singleSequenceEqualsBatchOfOne() throws {
        let model = try tinyModel()
        let a = try lossAndGradients(model: model, tokens: Self.inputs[0], targets: Self.targets[0])
        let b = try lossAndGradients(model: model, inputs: [Self.inputs[0]], targets: [Self.targets[0]])
        #expect(a.loss == b.loss && a.gradients == b.gradients)
    }

    @Test func badBatchesAreRejectedWithAMessage() throws {
        let model = try tinyModel()
        #expect(throws: TrainingError.self) {
            try lossAndGradients(model: model, inputs: [[1, 2], [3]], targets: [[2, 3], [4]])
        }
        #expect(throws: TrainingError.self) {
            try lossAndGradients(model: model, tokens: [1, 2], targets: [2, 50])
        }
        #expect(throws: TransformerError.self) {
            try lossAndGradients(model: model, tokens: Array(repeating: 1, count: 17), targets: Array(repeating: 1, count: 17))
        }
    }
}

/// The backward implements GPT-2's own attention scale, tanh GELU and tied head; a base whose
/// config.json asks for another is refused by key rather than trained on the wrong maths.
@Test(arguments: ["scale_attn_by_inverse_layer_idx", "scale_attn_weights", "activation_function",
    "tie_word_embeddings"])
func trainingRefusesConfigsItsBackwardDoesNotImplement(key: String) throws {
    let base = try tinyModel()
    var config = base.config
    switch key {
    case "scale_attn_by_inverse_layer_idx": config.scaleAttnByInverseLayerIdx = true
    case "scale_attn_weights": config.scaleAttnWeights = false
    case "activation_function": config.activation = .relu
    default: config.tieWordEmbeddings = false
    }
    var weights = base.weights
    if !config.tieWordEmbeddings { weights.lmHead = weights.wte }
    let model = try GPT2Model(config: config, weights: weights)
    #expect(throws: TrainingError.unsupportedConfig(key: key)) {
        try lossAndGradients(model: model, tokens: [1, 2, 3], targets: [2, 3, 4])
    }
    let lora = LoRAWeights(config: try LoRAConfig(), model: config, seed: 1)
    #expect(throws: TrainingError.unsupportedConfig(key: key)) {
        try lora.forward(base: model, [1, 2, 3])
    }
}
