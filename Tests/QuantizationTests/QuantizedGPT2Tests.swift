// The quantized GPT-2 against the reference model: with the dequantized weights loaded into the
// fp32 reference the logits agree to fp32 rounding (every scheme); against the original fp32
// weights they are close for fp16 and looser for Q8_0; KV decoding equals the full forward.
import Tensors
import Testing
import Transformer

@testable import Quantization

/// 2 layers, 4 heads, C = 64 (two Q blocks), V = 80, 24 positions, weights N(0, 0.15) so
/// attention is far from uniform (layer-norm weights 1 + N(0, 0.15)).
func smallModel(seed: UInt64 = 3) throws -> GPT2Model {
    let config = try GPT2Config(vocabSize: 80, nPositions: 24, nEmbd: 64, nLayer: 2, nHead: 4)
    var rng = RNG(seed: seed)
    var weights = GPT2Weights(zerosFor: config)
    for p in GPT2Weights.parameters(for: config) {
        let isLNWeight = p.name.contains("ln_") && p.name.hasSuffix(".weight")
        weights[keyPath: p.field] = Tensor.normal(
            shape: p.shape, mean: isLNWeight ? 1 : 0, std: 0.15, rng: &rng)
    }
    return try GPT2Model(config: config, weights: weights)
}

/// The reference model with every linear weight replaced by the quantized one, dequantized.
private func dequantizedReference(_ q: QuantizedGPT2, _ model: GPT2Model) throws -> GPT2Model {
    var w = model.weights
    w.wte = q.head.weight.dequantized().transposed  // [C, V] -> [V, C], fp16-rounded if so kept
    for (i, b) in q.blocks.enumerated() {
        w.blocks[i].attention.cAttnWeight = b.cAttn.weight.dequantized()
        w.blocks[i].attention.cProjWeight = b.attnProj.weight.dequantized()
        w.blocks[i].mlp.cFcWeight = b.cFc.weight.dequantized()
        w.blocks[i].mlp.cProjWeight = b.mlpProj.weight.dequantized()
    }
    return try GPT2Model(config: model.config, weights: w)
}

private let ids = [3, 17, 42, 0, 79, 8, 8, 55, 21, 64, 1, 30]

@Test(arguments: QuantScheme.allCases)
func quantizedForwardEqualsReferenceOnDequantizedWeights(scheme: QuantScheme) throws {
    let model = try smallModel()
    let q = try QuantizedGPT2(model, scheme: scheme)
    let expected = try dequantizedReference(q, model).forward(ids)
    let got = try q.forward(ids)
    let diff = got.maxAbsDifference(expected)
    #expect(diff <= 1e-4, "\(scheme): max |logit diff| \(diff)")
}

@Test func embeddingsAreKeptInFP16ByDefault() throws {
    let model = try smallModel()
    #expect(try QuantizedGPT2(model, scheme: .fp32).embeddingScheme == .fp32)
    let q = try QuantizedGPT2(model, scheme: .q4_0)
    #expect(q.embeddingScheme == .fp16)
    #expect(
        q.head.weight.dequantized().transposed.data
            == model.weights.wte.data.map {
                halfBitsToFloat(floatToHalfBits($0))
            })
    let fp32Head = try QuantizedGPT2(model, scheme: .q4_0, embeddings: .fp32)
    #expect(fp32Head.head.weight.dequantized().transposed == model.weights.wte)
    #expect(throws: QuantizationError.unsupportedEmbeddingScheme(.q8_0)) {
        try QuantizedGPT2(model, scheme: .q4_0, embeddings: .q8_0)
    }
}

@Test func fp16AndQ8_0StayCloseToFP32() throws {
    let model = try smallModel()
    let reference = try model.forward(ids)
    let scale = reference.data.map { abs($0) }.max() ?? 1
    // fp16 keeps 11 significant bits (relative error ≤ 2^-11 per weight), bf16 8, Q8_0 about
    // 7 per block, Q4_0 about 3; the logit error grows as the bits shrink. (Measured with these
    // seeds: 0.06 %, 0.5 %, 1.6 % and 22 % of the largest logit.)
    var errors: [Float] = []
    for (scheme, bound) in [(QuantScheme.fp16, 2e-3), (.bf16, 2e-2), (.q8_0, 4e-2), (.q4_0, 0.5)] {
        let diff = try QuantizedGPT2(model, scheme: scheme).forward(ids).maxAbsDifference(reference)
        errors.append(diff)
        #expect(
            diff <= Float(bound) * scale,
            "\(scheme): max |logit diff| \(diff), logits up to \(scale)")
    }
    #expect(errors == errors.sorted(), "errors should grow as bits shrink: \(errors)")
}

@Test(arguments: [QuantScheme.q8_0, .q4_0, .int8Channel, .fp16])
func kvDecodeEqualsFullForward(scheme: QuantScheme) throws {
    let q = try QuantizedGPT2(try smallModel(), scheme: scheme)
    let full = try q.forward(ids)  // [T, V]
    var cache = QuantizedKVCache(config: q.config)
    let prefill = try q.forward(Array(ids[0..<4]), cache: &cache)  // T > 1 path through the cache
    var rows = [prefill]
    for token in ids[4...] {
        rows.append(try q.decode(token: token, cache: &cache).reshaped([1, q.config.vocabSize]))
    }
    let decoded = Tensor.concatenated(rows, axis: 0)
    let diff = decoded.maxAbsDifference(full)
    #expect(cache.length == ids.count)
    #expect(diff <= 1e-4, "\(scheme): max |diff| between KV decode and full forward \(diff)")
}

@Test func modelRejectsBadInput() throws {
    let q = try QuantizedGPT2(try smallModel(), scheme: .q8_0)
    #expect(throws: TransformerError.tokenOutOfRange(id: 80, position: 1, vocabSize: 80)) {
        try q.forward([1, 80])
    }
    var cache = QuantizedKVCache(config: q.config, capacity: 2)
    _ = try q.forward([1, 2], cache: &cache)
    #expect(throws: TransformerError.sequenceTooLong(length: 3, maxPositions: 2)) {
        try q.decode(token: 3, cache: &cache)
    }
    let odd = try GPT2Config(vocabSize: 10, nPositions: 4, nEmbd: 48, nLayer: 1, nHead: 2)
    #expect(
        throws: QuantizationError.notBlockAligned(
            tensor: "h.0.attn.c_attn.weight", inputs: 48, scheme: .q4_0)
    ) {
        try QuantizedGPT2(GPT2Model.randomInit(odd, seed: 1), scheme: .q4_0)
    }
}

@Test func reportMeasuresBitsErrorAndPerplexity() throws {
    let model = try smallModel()
    // 60 tokens: windows of 24 inputs score targets 1...24, 25...48, 49...59 = 59 targets.
    let tokens = (0..<60).map { ($0 * 37 + 11) % 80 }
    let r = try quantizationReport(model: model, scheme: .q8_0, evalTokens: tokens, decodeTokens: 4)
    #expect(r.bitsPerWeight == 8.5)
    #expect(r.evalTargets == 59)
    // The fp32 loss is the target-weighted mean of the reference loss over the three windows.
    let windows = [Array(tokens[0...24]), Array(tokens[24...48]), Array(tokens[48...59])]
    var expected: Double = 0
    for w in windows { expected += Double(try model.loss(tokens: w)) * Double(w.count - 1) }
    expected /= 59
    #expect(abs(Double(r.fp32Loss) - expected) <= 1e-5, "fp32 loss \(r.fp32Loss) vs \(expected)")
    #expect(abs(r.perplexity - r.fp32Perplexity) < 0.05 * r.fp32Perplexity)
    #expect(r.maxAbsWeightError > 0 && r.meanAbsWeightError < r.maxAbsWeightError)
    // Q8_0's error per weight is at most half a step plus the fp16 rounding of d over 127
    // steps: d/2 + 127 · d · 2^-11 < 0.57 d, with d = block absmax / 127 ≤ max |w| / 127.
    var maxWeight: Float = 0
    for b in model.weights.blocks {
        for m in [
            b.attention.cAttnWeight, b.attention.cProjWeight, b.mlp.cFcWeight, b.mlp.cProjWeight,
        ] {
            for v in m.data { maxWeight = max(maxWeight, abs(v)) }
        }
    }
    #expect(r.maxAbsWeightError <= maxWeight / 127 * 0.57)
    #expect(r.quantizedWeightBytes * 32 == r.fp32WeightBytes * 17 / 2)
    #expect(r.decodeTokensPerSecond > 0 && r.fp32DecodeTokensPerSecond > 0)
}

@Test func studyReportsOneRowPerSchemeAgainstOneBaseline() throws {
    let model = try smallModel()
    let tokens = (0..<30).map { ($0 * 13 + 5) % 80 }
    let rows = try quantizationReports(
        model: model, schemes: [.fp16, .q8_0, .q4_0], evalTokens: tokens, decodeTokens: 2)
    #expect(rows.map(\.scheme) == [.fp16, .q8_0, .q4_0])
    #expect(rows.map(\.bitsPerWeight) == [16, 8.5, 4.5])
    #expect(Set(rows.map(\.fp32Loss)).count == 1)
    // One window of 24 inputs plus one of 5: the fp32 loss weighted by targets.
    let expected =
        (Double(try model.loss(tokens: Array(tokens[0...24]))) * 24
            + Double(try model.loss(tokens: Array(tokens[24...]))) * 5) / 29
    #expect(abs(Double(rows[0].fp32Loss) - expected) <= 1e-5)
    #expect(throws: QuantizationError.tooFewEvalTokens(count: 1)) {
        try quantizationReports(model: model, schemes: [.q8_0], evalTokens: [3])
    }
}
