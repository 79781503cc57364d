// The whole model for training: a forward over a batch of B sequences of length T that keeps
// every activation (calling the reference's layerNorm, linear, gelu, embed, tiedHead), and the
// backward from the loss to every parameter. The batch is processed at once: the linears see
// N = B·T rows (one sgemm each), attention loops over sequences and heads.
import Tensors
import Transformer

/// A forward pass with its cache; `backward` turns dlogits into gradients.
struct TrainingForward {
    let config: GPT2Config
    let weights: GPT2Weights
    let lora: LoRAWeights?
    let ids: [Int]  // [N], B sequences back to back
    let batch: Int
    var blocks: [BlockCache] = []
    var xFinal: Tensor  // [N, C] the residual stream entering ln_f
    var lnF: Tensor  // [N, C]
    var logits: Tensor  // [N, V]

    /// ids: B·T valid token ids (the caller validated them), `batch` = B.
    init(config: GPT2Config, weights: GPT2Weights, lora: LoRAWeights?, ids: [Int], batch: Int) {
        precondition(batch > 0 && ids.count % batch == 0 && !ids.isEmpty, "TrainingForward: \(ids.count) ids in \(batch) sequences")
        self.config = config
        self.weights = weights
        self.lora = lora
        self.ids = ids
        self.batch = batch
        let t = ids.count / batch
        var x = Tensor.concatenated(
            (0..<batch).map { b in
                embed(ids: Array(ids[(b * t)..<((b + 1) * t)]), wte: weights.wte, wpe: weights.wpe)
            }, axis: 0)  // [N, C]
        for (layer, w) in weights.blocks.enumerated() {
            let (out, cache) = blockForward(
                x, weights: w, batch: batch, heads: config.nHead, eps: config.layerNormEpsilon,
                adapters: lora?.adapters(layer: layer) ?? [:])
            blocks.append(cache)
            x = out
        }
        xFinal = x
        lnF = layerNorm(x, weight: weights.lnFWeight, bias: weights.lnFBias, eps: config.layerNormEpsilon)
        logits = tiedHead(lnF, wte: weights.wte)  // [N, C] -> [N, V]
    }

    /// dLogits [N, V] -> gradients of every base parameter (if `baseGradients`) and of every
    /// adapter (if there are adapters).
    func backward(_ dLogits: Tensor, baseGradients: Bool) -> (base: Gradients?, lora: LoRAWeights?) {
        let eps = config.layerNormEpsilon
        let head = tiedHeadBackward(dLogits, x: lnF, wte: weights.wte, weightGradient: baseGradients)
        let lnFGrads = layerNormBackward(head.dx, x: xFinal, weight: weights.lnFWeight, eps: eps)
        var dx = lnFGrads.dx  // [N, C]
        var blockGrads: [BlockWeights] = []
        var adapterGrads: [LoRAAdapter] = []
        for layer in stride(from: weights.blocks.count - 1, through: 0, by: -1) {
            let g = blockBackward(
                dx, cache: blocks[layer], weights: weights.blocks[layer], eps: eps,
                adapters: lora?.adapters(layer: layer) ?? [:], baseGradients: baseGradients)
            dx = g.dx
            if let w = g.weights { blockGrads.append(w) }
            adapterGrads = g.adapters + adapterGrads
        }
        var loraGrads: LoRAWeights?
        if let lora {
            // Back in the adapters' own order (layer, then target order).
            var ordered = lora.zeros
            for g in adapterGrads {
                if let i = ordered.adapters.firstIndex(where: { $0.layer == g.layer && $0.target == g.target }) {
                    ordered.adapters[i] = g
                }
            }
            loraGrads = ordered
        }
        guard baseGradients, let dwteHead = head.dwte else { return (nil, loraGrads) }
        let emb = embeddingBackward(
            dx, ids: ids, sequenceLength: ids.count / batch, vocabSize: config.vocabSize,
            positions: config.nPositions)
        let base = GPT2Weights(
            wte: emb.dwte + dwteHead,  // the tied wte gets the embedding's and the head's share
            wpe: emb.dwpe, blocks: blockGrads.reversed(), lnFWeight: lnFGrads.dWeight,
            lnFBias: lnFGrads.dBias)
        return (base, loraGrads)
    }
}

/// Checks a batch: B ≥ 1 sequences of one length T ≥ 1 within the model's positions, every
/// input and target id in the vocabulary; returns the flattened inputs and targets.
func validateBatch(config: GPT2Config, inputs: [[Int]], targets: [[Int]]) throws -> (ids: [Int], targets: [Int], batch: Int) {
    // The backward implements GPT-2's own attention scale, tanh GELU and tied head only.
    if let key = config.firstNonDefaultKey {
        throw TrainingError.unsupportedConfig(key: key)
    }
    guard let t = inputs.first?.count, t > 0 else {
        throw TrainingError.badBatch("needs at least one non-empty input sequence")
    }
    guard inputs.count == targets.count else {
        throw TrainingError.badBatch("\(inputs.count) input sequences but \(targets.count) target sequences")
    }
    guard t <= config.nPositions else {
        throw TransformerError.sequenceTooLong(length: t, maxPositions: config.nPositions)
    }
    for (b, (x, y)) in zip(inputs, targets).enumerated() {
        guard x.count == t, y.count == t else {
            throw TrainingError.badBatch("sequence \(b) has \(x.count) inputs and \(y.count) targets; every sequence needs \(t) of each")
        }
        for (position, id) in x.enumerated() where id < 0 || id >= config.vocabSize {
            throw TransformerError.tokenOutOfRange(id: id, position: position, vocabSize: config.vocabSize)
        }
        for (position, id) in y.enumerated() where id < 0 || id >= config.vocabSize {
            throw TrainingError.targetOutOfRange(id: id, sequence: b, position: position, vocabSize: config.vocabSize)
        }
    }
    return (inputs.flatMap { $0 }, targets.flatMap { $0 }, inputs.count)
}

/// The mean next-token loss over all B·T positions of a batch and its gradient for every
/// parameter. inputs and targets: B sequences of the same length T (targets[b][t] is the token
/// after inputs[b][t]). The forward gives the same loss as `GPT2Model.forward` + `crossEntropy`.
public func lossAndGradients(model: GPT2Model, inputs: [[Int]], targets: [[Int]]) throws
    -> (loss: Float, gradients: Gradients)
{
    let batch = try validateBatch(config: model.config, inputs: inputs, targets: targets)
    let pass = TrainingForward(config: model.config, weights: model.weights, lora: nil, ids: batch.ids, batch: batch.batch)
    let (loss, dLogits) = crossEntropyBackward(logits: pass.logits, targets: batch.targets)
    guard let grads = pass.backward(dLogits, baseGradients: true).base else {
        preconditionFailure("backward with baseGradients returned no gradients")
    }
    return (loss, grads)
}

/// One sequence: tokens (inputs) [T], targets [T].
public func lossAndGradients(model: GPT2Model, tokens: [Int], targets: [Int]) throws
    -> (loss: Float, gradients: Gradients)
{
    try lossAndGradients(model: model, inputs: [tokens], targets: [targets])
}

/// The loss of the base with adapters, and the adapters' gradients only (the base is frozen).
public func loraLossAndGradients(
    base: GPT2Model, adapters: LoRAWeights, inputs: [[Int]], targets: [[Int]]
) throws -> (loss: Float, gradients: LoRAWeights) {
    let batch = try validateBatch(config: base.config, inputs: inputs, targets: targets)
    let pass = TrainingForward(
        config: base.config, weights: base.weights, lora: adapters, ids: batch.ids, batch: batch.batch)
    let (loss, dLogits) = crossEntropyBackward(logits: pass.logits, targets: batch.targets)
    guard let grads = pass.backward(dLogits, baseGradients: false).lora else {
        preconditionFailure("backward with adapters returned no adapter gradients")
    }
    return (loss, grads)
}

/// The mean loss of a batch (no gradients), with optional adapters.
public func batchLoss(model: GPT2Model, adapters: LoRAWeights? = nil, inputs: [[Int]], targets: [[Int]]) throws -> Float {
    let batch = try validateBatch(config: model.config, inputs: inputs, targets: targets)
    let pass = TrainingForward(
        config: model.config, weights: model.weights, lora: adapters, ids: batch.ids, batch: batch.batch)
    return crossEntropy(logits: pass.logits, targets: batch.targets)
}
