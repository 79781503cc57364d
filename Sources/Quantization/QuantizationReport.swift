// The study of one scheme on one model: what it costs (bits, bytes), what it breaks (weight
// error, perplexity) and what it buys (decode speed). Returns values; the CLI logs them.
import Foundation
import Tensors
import Transformer

/// What quantizing a model's linear layers in one scheme does to it.
public struct QuantizationReport: Sendable, Codable, Equatable {
    public var scheme: QuantScheme
    /// How the token embedding / tied head was kept (fp32 or fp16).
    public var embeddingScheme: QuantScheme
    /// Bits per quantized weight, scales included (e.g. 4.5 for Q4_0).
    public var bitsPerWeight: Double
    /// Bytes of the quantized linear weights (codes + scales).
    public var quantizedWeightBytes: Int
    /// The same weights in fp32.
    public var fp32WeightBytes: Int
    /// The whole model's parameter bytes: quantized linears, wte in its scheme, and fp32 wpe,
    /// biases and layer norms (what a checkpoint of it holds, headers aside).
    public var modelBytes: Int
    /// Largest and mean |dequantized - original| over every quantized weight.
    public var maxAbsWeightError: Float
    public var meanAbsWeightError: Float
    /// Tokens of evaluation text scored (targets = evalTokens - windows).
    public var evalTargets: Int
    public var fp32Loss: Float
    public var loss: Float
    public var fp32Perplexity: Float
    public var perplexity: Float
    /// perplexity - fp32Perplexity.
    public var perplexityChange: Float
    /// Greedy decoding at batch 1 with a KV cache, tokens per second.
    public var decodeTokensPerSecond: Double
    public var fp32DecodeTokensPerSecond: Double
}

/// Quantizes `model` in `scheme` and measures it against the fp32 model: weight error, loss and
/// perplexity on `evalTokens` (split into windows of n_positions), and the speed of a greedy
/// decode of `decodeTokens` tokens for both. `embeddings` as in `QuantizedGPT2.init`.
public func quantizationReport(
    model: GPT2Model, scheme: QuantScheme, evalTokens: [Int], decodeTokens: Int = 32,
    embeddings: QuantScheme? = nil
) throws -> QuantizationReport {
    try quantizationReports(
        model: model, schemes: [scheme], evalTokens: evalTokens, decodeTokens: decodeTokens,
        embeddings: embeddings)[0]
}

/// One report per scheme (a bits-against-perplexity study), measuring the fp32 model's loss and
/// decode speed once for all of them.
public func quantizationReports(
    model: GPT2Model, schemes: [QuantScheme], evalTokens: [Int], decodeTokens: Int = 32,
    embeddings: QuantScheme? = nil
) throws -> [QuantizationReport] {
    guard evalTokens.count >= 2 else {
        throw QuantizationError.tooFewEvalTokens(count: evalTokens.count)
    }
    let window = model.config.nPositions
    let (fp32Loss, targets) = try windowedLoss(evalTokens, window: window) {
        try model.loss(tokens: $0)
    }
    let start = evalTokens[0]
    let steps = max(1, min(decodeTokens, model.config.nPositions))
    let fp32Speed = try tokensPerSecond(steps) {
        var cache = KVCache(config: model.config, capacity: steps)
        var token = start
        for _ in 0..<steps { token = argmax(try model.decode(token: token, cache: &cache).data) }
    }
    let w = model.weights
    let otherParameters =
        w.wpe.count + w.lnFWeight.count + w.lnFBias.count
        + w.blocks.reduce(0) {
            $0 + $1.ln1Weight.count + $1.ln1Bias.count + $1.ln2Weight.count + $1.ln2Bias.count
                + $1.attention.cAttnBias.count + $1.attention.cProjBias.count
                + $1.mlp.cFcBias.count + $1.mlp.cProjBias.count
        }
    return try schemes.map { scheme in
        let quantized = try QuantizedGPT2(model, scheme: scheme, embeddings: embeddings)
        let (maxError, meanError) = weightError(quantized, w)
        let (loss, _) = try windowedLoss(evalTokens, window: window) {
            try quantized.loss(tokens: $0)
        }
        let speed = try tokensPerSecond(steps) {
            var cache = QuantizedKVCache(config: model.config, capacity: steps)
            var token = start
            for _ in 0..<steps {
                token = argmax(try quantized.decode(token: token, cache: &cache).data)
            }
        }
        return QuantizationReport(
            scheme: scheme, embeddingScheme: quantized.embeddingScheme,
            bitsPerWeight: quantized.bitsPerWeight,
            quantizedWeightBytes: quantized.quantizedWeightBytes,
            fp32WeightBytes: quantized.quantizedWeightCount * 4,
            modelBytes: quantized.quantizedWeightBytes + quantized.head.weight.byteCount
                + otherParameters * 4,
            maxAbsWeightError: maxError, meanAbsWeightError: meanError, evalTargets: targets,
            fp32Loss: fp32Loss, loss: loss, fp32Perplexity: expf(fp32Loss),
            perplexity: expf(loss), perplexityChange: expf(loss) - expf(fp32Loss),
            decodeTokensPerSecond: speed, fp32DecodeTokensPerSecond: fp32Speed)
    }
}

/// Max and mean |dequantized - original| over every quantized matrix.
func weightError(_ q: QuantizedGPT2, _ w: GPT2Weights) -> (max: Float, mean: Float) {
    var maxError: Float = 0
    var sum: Double = 0
    var count = 0
    for (qb, b) in zip(q.blocks, w.blocks) {
        let originals = [
            b.attention.cAttnWeight, b.attention.cProjWeight, b.mlp.cFcWeight, b.mlp.cProjWeight,
        ]
        for ((_, layer), original) in zip(qb.linears, originals) {
            let deq = layer.weight.dequantized()
            for i in 0..<deq.count {
                let e = abs(deq.data[i] - original.data[i])
                maxError = max(maxError, e)
                sum += Double(e)
            }
            count += deq.count
        }
    }
    return (maxError, Float(sum / Double(max(1, count))))
}

/// Runs `body` (which produces `count` tokens) once to warm up and once timed.
func tokensPerSecond(_ count: Int, _ body: () throws -> Void) throws -> Double {
    try body()
    let clock = ContinuousClock()
    let elapsed = try clock.measure(body)
    let seconds =
        Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    return Double(count) / max(seconds, 1e-9)
}
