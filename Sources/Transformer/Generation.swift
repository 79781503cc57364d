// Text generation: prefill the prompt into the KV cache, then sample one token at a time with
// `sampleToken`, drawing u from the seeded RNG (so a seed reproduces a continuation).
import Tensors

/// Generates up to `maxNewTokens` tokens after `prompt` and returns them (the prompt is not
/// included). Stops early when `eot` is sampled; the eot token itself is neither returned nor
/// passed to `onToken`. temperature == 0 is greedy and draws no random numbers; otherwise one
/// `rng.uniform()` is drawn per token for `sampleToken`'s u. `onStep` sees every step's
/// logits [V], the u drawn (0 when greedy) and the token chosen, before `onToken`.
/// Throws for an empty prompt, ids outside the vocabulary, or prompt + maxNewTokens > n_positions.
public func generate(
    _ model: GPT2Model, prompt: [Int], maxNewTokens: Int, temperature: Float = 1,
    topK: Int = 0, topP: Float = 1, seed: UInt64 = 0, stopAt eot: Int? = nil,
    onToken: (Int) -> Void = { _ in },
    onStep: (_ logits: [Float], _ u: Float, _ token: Int) -> Void = { _, _, _ in }
) throws -> [Int] {
    precondition(maxNewTokens >= 0 && temperature >= 0, "maxNewTokens and temperature must be >= 0")
    guard !prompt.isEmpty else { throw TransformerError.emptyPrompt }
    let limit = model.config.nPositions
    guard prompt.count + maxNewTokens <= limit else {
        throw TransformerError.generationTooLong(
            promptLength: prompt.count, maxNewTokens: maxNewTokens, maxPositions: limit)
    }
    var rng = RNG(seed: seed)
    var cache = KVCache(config: model.config, capacity: prompt.count + maxNewTokens)
    let v = model.config.vocabSize
    // Prefill: the logits after the prompt's last token.
    var logits = Array(try model.forward(prompt, cache: &cache).data.suffix(v))  // [V]
    var generated: [Int] = []
    while generated.count < maxNewTokens {
        let u = temperature > 0 ? rng.uniform() : 0
        let next = sampleToken(
            logits: logits, temperature: temperature, topK: topK, topP: topP, u: u)
        onStep(logits, u, next)
        if next == eot { break }
        generated.append(next)
        onToken(next)
        if generated.count == maxNewTokens { break }
        logits = try model.decode(token: next, cache: &cache).data  // [V]
    }
    return generated
}
