// Fresh GPT-2 weights for training from scratch, initialised as in the GPT-2 paper / nanoGPT.
import Tensors

extension GPT2Model {
    /// N(0, 0.02) for wte, wpe and every weight matrix; the residual projections
    /// (attn.c_proj.weight, mlp.c_proj.weight) get std 0.02 / sqrt(2 · n_layer) so the residual
    /// stream's variance does not grow with depth; biases 0; layer-norm weights 1, biases 0.
    /// Tensors are drawn from `RNG(seed:)` in the order of `GPT2Weights.parameters(for:)`.
    public static func randomInit(_ config: GPT2Config, seed: UInt64) -> GPT2Model {
        var rng = RNG(seed: seed)
        var weights = GPT2Weights(zerosFor: config)
        let residualStd = 0.02 / Float(2 * config.nLayer).squareRoot()
        for p in GPT2Weights.parameters(for: config) {
            let isLayerNorm = p.name.hasPrefix("ln_f.") || p.name.contains(".ln_")
            if p.name.hasSuffix(".bias") {
                continue  // already zero
            } else if isLayerNorm {
                weights[keyPath: p.field] = Tensor(repeating: 1, shape: p.shape)
            } else if p.name.hasSuffix("c_proj.weight") {
                weights[keyPath: p.field] = Tensor.normal(
                    shape: p.shape, std: residualStd, rng: &rng)
            } else {
                weights[keyPath: p.field] = Tensor.normal(shape: p.shape, std: 0.02, rng: &rng)
            }
        }
        // The shapes come from the same map as the check, so this cannot fail for a valid config.
        guard let model = try? GPT2Model(config: config, weights: weights) else {
            preconditionFailure("randomInit built weights that disagree with \(config)")
        }
        return model
    }
}
