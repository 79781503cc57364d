// Test fixtures: a tiny corpus and its BPE, a tiny GPT-2 with weights large enough that
// quantization and adapters change its outputs, folders for them, an in-memory store.
import Foundation
import Store
import Tensors
import TestSupport
import Tokenizer
import Transformer

/// A few hundred words of repetitive text: a tiny model learns it within tens of steps.
let tinyCorpus = String(
    repeating: """
        the query looks at every key and the softmax turns the scores into weights.
        the values are summed with those weights into a context vector for the query.
        attention lets each position focus on the relevant parts of the input.

        """, count: 12)

let tinyEvalText = """
    the key and the query meet in a dot product, scaled before the softmax.
    """

/// The tokenizer trained on the tiny corpus (300 tokens).
func tinyTokenizer() throws -> BPETokenizer {
    try BPETrainer.train(corpus: tinyCorpus, vocabSize: 300)
}

/// 2 layers, 2 heads, C = 32 (Q4_0 needs multiples of 32), 64 positions, V = 300; every tensor
/// N(0, 0.2) (layer-norm weights 1 + N(0, 0.2)).
func tinyModel(seed: UInt64 = 7) throws -> GPT2Model {
    let config = try GPT2Config(vocabSize: 300, nPositions: 64, nEmbd: 32, nLayer: 2, nHead: 2)
    var rng = RNG(seed: seed)
    var weights = GPT2Weights(zerosFor: config)
    for p in GPT2Weights.parameters(for: config) {
        let isLNWeight = p.name.contains("ln_") && p.name.hasSuffix(".weight")
        weights[keyPath: p.field] = Tensor.normal(
            shape: p.shape, mean: isLNWeight ? 1 : 0, std: 0.2, rng: &rng)
    }
    return try GPT2Model(config: config, weights: weights)
}

/// A scratch folder holding the tiny model + tokenizer (model/), corpus.txt and eval.txt.
struct TinyWorld {
    let root: URL
    let model: GPT2Model
    let tokenizer: BPETokenizer
    var modelFolder: URL { root.appendingPathComponent("model") }
    var corpus: URL { root.appendingPathComponent("corpus.txt") }
    var eval: URL { root.appendingPathComponent("eval.txt") }
    /// The eval text's tokens (fewer than n_positions + 1, so one window scores them all).
    var evalTokens: [Int] { tokenizer.encode(tinyEvalText, allowSpecial: false) }

    init() throws {
        root = try makeScratchDirectory("lmlab-experiments")
        model = try tinyModel()
        tokenizer = try tinyTokenizer()
        try saveCheckpoint(model, to: root.appendingPathComponent("model"))
        try tokenizer.write(to: root.appendingPathComponent("model"))
        try Data(tinyCorpus.utf8).write(to: root.appendingPathComponent("corpus.txt"))
        try Data(tinyEvalText.utf8).write(to: root.appendingPathComponent("eval.txt"))
    }
}
