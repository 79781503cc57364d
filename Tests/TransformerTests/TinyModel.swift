// A tiny GPT-2 (2 layers, 2 heads, C = 16, V = 50, 16 positions) with weights large enough that
// attention is far from uniform, so comparisons between code paths mean something.
import Tensors

@testable import Transformer

func tinyConfig() throws -> GPT2Config {
    try GPT2Config(vocabSize: 50, nPositions: 16, nEmbd: 16, nLayer: 2, nHead: 2)
}

/// Every tensor N(0, 0.3) (layer-norm weights 1 + N(0, 0.3)), from a fixed seed.
func tinyModel(seed: UInt64 = 7) throws -> GPT2Model {
    let config = try tinyConfig()
    var rng = RNG(seed: seed)
    var weights = GPT2Weights(zerosFor: config)
    for p in GPT2Weights.parameters(for: config) {
        let isLNWeight = p.name.contains("ln_") && p.name.hasSuffix(".weight")
        weights[keyPath: p.field] = Tensor.normal(
            shape: p.shape, mean: isLNWeight ? 1 : 0, std: 0.3, rng: &rng)
    }
    return try GPT2Model(config: config, weights: weights)
}
