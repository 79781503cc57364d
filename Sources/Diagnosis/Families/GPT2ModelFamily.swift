// GPT-2's model (labs 02–03): the embeddings, the forward from ids to logits and the loss. The
// family's one home: each component's call into the Transformer's GPT2Model (its reference with
// `Knobs()`), and the catalogued mistakes, each the model's forward with one knob of
// `GPT2Variant` turned (or its head untied). The blocks' mistakes show here too.
import Tensors
import Transformer

/// The GPT-2 of a case's HF-named params (n_layer counted from the "h.{i}." keys, n_head given),
/// with the MLP's `activation`, and the params' own lm_head.weight as the head when `untiedHead`.
func gpt2Model(_ p: [String: Tensor], heads: Int, activation: Activation = .geluTanh,
               untiedHead: Bool = false) throws -> GPT2Model
{
    guard let wte = p["wte.weight"], let wpe = p["wpe.weight"], let g = p["ln_f.weight"],
        let b = p["ln_f.bias"], wte.rank == 2, wpe.rank == 2
    else { throw GradingError.badArgument("params", "GPT-2 params (wte, wpe, ln_f)") }
    var blocks: [BlockWeights] = []
    while p["h.\(blocks.count).ln_1.weight"] != nil {
        blocks.append(try blockWeights(p, prefix: "h.\(blocks.count)."))
    }
    var head: Tensor?
    if untiedHead {
        guard let lmHead = p["lm_head.weight"] else {
            throw GradingError.badArgument("params[\"lm_head.weight\"]", "a tensor")
        }
        head = lmHead
    }
    let (c, inner) = (wte.shape[1], blocks.first?.mlp.cFcWeight.shape.last)
    do {
        let config = try GPT2Config(
            vocabSize: wte.shape[0], nPositions: wpe.shape[0], nEmbd: c, nLayer: blocks.count,
            nHead: heads, nInner: inner == 4 * c ? nil : inner, activation: activation,
            tieWordEmbeddings: !untiedHead)
        return try GPT2Model(
            config: config,
            weights: GPT2Weights(wte: wte, wpe: wpe, blocks: blocks, lnFWeight: g, lnFBias: b,
                                 lmHead: head),
            source: "params")
    } catch {
        throw GradingError.badArgument("params", "GPT-2 params of one model (\(error))")
    }
}

/// The case's GPT-2 (params, n_head) with the knobs' activation and head.
func gpt2Model(_ a: CaseArguments, _ k: Knobs) throws -> GPT2Model {
    try gpt2Model(try a.params("params"), heads: try a.int("n_head"), activation: k.activation,
                  untiedHead: k.untiedHead)
}

/// Logits [T, V] of ids under the model and the knobs' forward.
func gpt2Logits(_ ids: [Int], _ model: GPT2Model, _ k: Knobs) throws -> Tensor {
    guard ids.allSatisfy({ $0 >= 0 && $0 < model.config.vocabSize }),
        ids.count <= model.config.nPositions
    else {
        throw GradingError.badArgument("ids", "ids below the vocabulary size, at most ctx of them")
    }
    return try model.forward(ids, variant: k.gpt2)
}

let gpt2ModelFamily = ComponentFamily(
    name: "GPT-2 model",
    buildsOn: ["GPT-2 block", "attention"],
    components: [
        Component(name: "embeddings") { a, k in
            let (ids, wte, wpe) = (try a.ids("ids"), try a.tensor("wte"), try a.tensor("wpe"))
            guard wte.rank == 2, wpe.rank == 2, wte.shape[1] == wpe.shape[1],
                ids.allSatisfy({ $0 >= 0 && $0 < wte.shape[0] }), ids.count <= wpe.shape[0]
            else {
                throw GradingError.badArgument("ids", "ids < \(wte.shape.first ?? 0), at most ctx")
            }
            return .tensor(embed(ids: ids, wte: wte, wpe: wpe, positions: k.gpt2.positions))
        },
        Component(name: "gpt2_forward") { a, k in
            .tensor(try gpt2Logits(try a.ids("ids"), try gpt2Model(a, k), k))
        },
        Component(name: "cross_entropy") { a, k in
            let logits = try a.tensor("logits")
            let targets = try a.ids("targets")
            guard logits.rank == 2, targets.count == logits.shape[0], !targets.isEmpty else {
                throw GradingError.badArgument("targets", "one id per row of logits")
            }
            guard targets.allSatisfy({ $0 >= 0 && $0 < logits.shape[1] }) else {
                throw GradingError.badArgument("targets", "ids < \(logits.shape[1])")
            }
            return .float(Double(crossEntropy(logits: logits, targets: targets,
                                              summed: k.crossEntropySum)))
        },
    ],
    mistakes: [
        Mistake(
            id: "missing_ln_f", title: "Final layer norm (ln_f) missing",
            components: modelComponents,
            hint: "After the last block GPT-2 applies one more layer norm, ln_f, before the "
                + "output projection to the vocabulary.",
            nonFiniteSignature: false, variants: one { $0.gpt2.finalLayerNorm = false }),
        Mistake(
            id: "missing_position_embeddings", title: "Position embeddings missing",
            components: ["embeddings"] + modelComponents,
            hint: "Attention itself ignores order; GPT-2 adds a learned position embedding to each "
                + "token embedding: x = wte[ids] + wpe[0..T).",
            nonFiniteSignature: false, variants: one { $0.gpt2.positions = .missing }),
        Mistake(
            id: "positions_off_by_one", title: "Position embeddings off by one",
            components: ["embeddings"] + modelComponents,
            hint: "Positions start at 0: the first token gets wpe[0], so use wpe[np.arange(T)] "
                + "(wpe[:T]), not wpe[1:T+1].",
            nonFiniteSignature: false, variants: one { $0.gpt2.positions = .offByOne }),
        Mistake(
            id: "head_not_tied", title: "Output head not tied to the token embeddings",
            components: modelComponents,
            hint: "GPT-2 ties its output projection to the token embedding: logits = x @ wte.T. "
                + "Don't use a separate lm_head.weight (in Hugging Face's checkpoint it is the same "
                + "matrix as wte).",
            nonFiniteSignature: false, variants: one { $0.untiedHead = true }),
        Mistake(
            id: "cross_entropy_sum", title: "Cross-entropy summed instead of averaged",
            components: ["cross_entropy"],
            hint: "The language-modelling loss is the MEAN negative log-likelihood over the "
                + "positions, so it does not grow with the sequence length.",
            nonFiniteSignature: false, variants: one { $0.crossEntropySum = true }),
    ])
