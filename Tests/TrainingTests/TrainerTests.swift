// The training loop end to end on a tiny model: it must overfit a two-sentence corpus.
import Foundation
import Tensors
import TestSupport
import Testing
@testable import Training
import Transformer

@Suite struct TrainerTests {
    /// "the cat sat on the mat. the dog ran in the fog." as ids of a toy word vocabulary.
    static let corpus: [Int] = {
        let words = "the cat sat on the mat . the dog ran in the fog .".split(separator: " ").map(String.init)
        let vocab = Array(Set(words)).sorted()
        let ids = words.map { w in vocab.firstIndex(of: w) ?? 0 }
        return Array(Array(repeating: ids, count: 6).joined())
    }()

    @Test func tinyModelOverfitsTwoSentences() throws {
        let config = try GPT2Config(vocabSize: 50, nPositions: 16, nEmbd: 32, nLayer: 2, nHead: 2)
        let model = GPT2Model.randomInit(config, seed: 1)
        let dir = try makeScratchDirectory("training-ckpt")
        defer { try? FileManager.default.removeItem(at: dir) }
        let options = TrainingOptions(
            steps: 60, batchSize: 4, sequenceLength: 12, learningRate: 1e-2, minLearningRate: 1e-3,
            warmupSteps: 5, adamW: AdamWHyperparameters(weightDecay: 0), evalInterval: 30, evalWindows: 4,
            checkpointFolder: dir.appendingPathComponent("ckpt"), seed: 3)
        var trainer = try Trainer(model: model, options: options)
        var seen: [Int] = []
        let result = try trainer.train(tokens: Self.corpus, evalTokens: Self.corpus, onStep: { seen.append($0.step) })
        #expect(seen == Array(1...60))
        let first = result.steps[0].loss
        let last = result.steps.suffix(5).map(\.loss).reduce(0, +) / 5
        print("overfit: loss \(first) -> \(last), eval \(result.evals.map(\.loss))")
        #expect(first > 3.5, "starts near ln 50 = 3.9, got \(first)")
        #expect(last < 0.5, "loss should fall well below its start: \(first) -> \(last)")
        #expect(result.evals.count == 2 && result.evals[1].loss < 0.5)
        // The checkpoint is the trained model, loadable by the reference.
        let loaded = try loadCheckpoint(dir.appendingPathComponent("ckpt"))
        #expect(loaded.weights == result.model.weights)
        #expect(result.steps.allSatisfy { $0.gradNorm > 0 && $0.seconds >= 0 })
    }

    @Test func windowsAreContiguousShiftedAndSeeded() throws {
        let tokens = Array(100..<140)
        var rng1 = RNG(seed: 9)
        var rng2 = RNG(seed: 9)
        let a = try sampleWindows(tokens: tokens, batchSize: 3, sequenceLength: 5, rng: &rng1)
        let b = try sampleWindows(tokens: tokens, batchSize: 3, sequenceLength: 5, rng: &rng2)
        #expect(a.inputs == b.inputs)
        for (x, y) in zip(a.inputs, a.targets) {
            #expect(x.count == 5 && y == x.map { $0 + 1 })
            #expect(zip(x, x.dropFirst()).allSatisfy { $1 == $0 + 1 })
        }
        #expect(throws: TrainingError.self) {
            try sampleWindows(tokens: [1, 2, 3], batchSize: 1, sequenceLength: 5, rng: &rng1)
        }
    }
}
