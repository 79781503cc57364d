// LoRA (lab 05): the forward, the merge, the adapter's gradients and its parameter count, built
// from the Training module's pieces (LoRAAdapter.delta, loraBackward). The family's one home: the
// components (their reference with `Knobs()`) and the catalogued mistakes, each with one knob of
// `LoRAVariant` turned (alpha not divided by r, B·A not transposed, merging with a minus).
import Tensors
import Training
import Transformer

/// How a student's LoRA code may differ from PEFT's; `LoRAVariant()` is correct.
struct LoRAVariant: Sendable {
    /// The update is scaled by alpha instead of alpha / r.
    var alphaNotDividedByR = false
    /// ΔW = s·B·A [out, in] added as if it were [in, out] (only possible when in == out).
    var baNotTransposed = false
    /// Merging subtracts the update: W − s·(B·A)ᵀ.
    var mergeSubtracts = false
}

/// The LoRA arguments of a case, shape-checked: A [r, in], B [out, r] against W [in, out].
struct LoRAArguments {
    var a: Tensor  // [r, in]
    var b: Tensor  // [out, r]
    var alpha: Float

    init(_ args: CaseArguments, inputs: Int?, outputs: Int?) throws {
        a = try args.tensor("lora_a")
        b = try args.tensor("lora_b")
        alpha = Float(try args.double("alpha"))
        guard a.rank == 2, b.rank == 2, a.shape[0] == b.shape[1], a.shape[0] >= 1 else {
            throw GradingError.badArgument("lora_a, lora_b", "A [r, in] and B [out, r]")
        }
        if let inputs, a.shape[1] != inputs {
            throw GradingError.badArgument("lora_a", "A [r, \(inputs)]")
        }
        if let outputs, b.shape[0] != outputs {
            throw GradingError.badArgument("lora_b", "B [\(outputs), r]")
        }
    }

    var rank: Int { a.shape[0] }

    /// s = alpha / r (or alpha under the knob).
    func scaling(_ v: LoRAVariant) -> Float { v.alphaNotDividedByR ? alpha : alpha / Float(rank) }

    func adapter(_ v: LoRAVariant) -> LoRAAdapter {
        LoRAAdapter(layer: 0, target: .cAttn, a: a, b: b, scaling: scaling(v))
    }

    /// The update in W's layout [in, out]: s·(B·A)ᵀ, or s·B·A under the knob (nil when that
    /// would not even have W's shape — the student's code would have raised).
    func delta(_ v: LoRAVariant) -> Tensor? {
        guard v.baNotTransposed else { return adapter(v).delta }  // [in, out]
        guard a.shape[1] == b.shape[0] else { return nil }
        return b.matmul(a) * scaling(v)  // [out, r] @ [r, in] -> [out, in]
    }
}

/// y = x W + b + s·(x Aᵀ) Bᵀ: x [T, in] -> [T, out].
func loraForward(_ args: CaseArguments, _ v: LoRAVariant) throws -> Tensor? {
    let x = try args.tensor("x")
    let w = try args.tensor("w")
    let bias = try args.tensor("b")
    guard x.rank == 2, w.rank == 2, x.shape[1] == w.shape[0], bias.shape == [w.shape[1]] else {
        throw GradingError.badArgument("x, w, b", "x [T, in], w [in, out], b [out]")
    }
    let lora = try LoRAArguments(args, inputs: w.shape[0], outputs: w.shape[1])
    let base = linear(x, weight: w, bias: bias)  // [T, in] -> [T, out]
    if v.baNotTransposed {
        guard let delta = lora.delta(v) else { return nil }
        return base + x.matmul(delta)  // [T, in] @ [in(=out), out(=in)]
    }
    let xa = x.matmul(lora.a, transposeOther: true)  // [T, in] @ [in, r] -> [T, r]
    return base + xa.matmul(lora.b, transposeOther: true) * lora.scaling(v)  // [T, r] @ [r, out]
}

/// W' = W + s·(B·A)ᵀ: [in, out] -> [in, out].
func loraMerge(_ args: CaseArguments, _ v: LoRAVariant) throws -> Tensor? {
    let w = try args.tensor("w")
    guard w.rank == 2 else { throw GradingError.badArgument("w", "a matrix [in, out]") }
    let lora = try LoRAArguments(args, inputs: w.shape[0], outputs: w.shape[1])
    guard let delta = lora.delta(v) else { return nil }
    return v.mergeSubtracts ? w - delta : w + delta
}

/// The adapter's gradients given dL/dy: dA = s·(dy B)ᵀ x [r, in], dB = s·dyᵀ (x Aᵀ) [out, r].
func loraGradients(_ args: CaseArguments, _ v: LoRAVariant) throws -> (dA: Tensor, dB: Tensor) {
    let x = try args.tensor("x")
    let dy = try args.tensor("grad_y")
    guard x.rank == 2, dy.rank == 2, x.shape[0] == dy.shape[0] else {
        throw GradingError.badArgument("x, grad_y", "x [T, in] and grad_y [T, out]")
    }
    let lora = try LoRAArguments(args, inputs: x.shape[1], outputs: dy.shape[1])
    let xa = x.matmul(lora.a, transposeOther: true)  // [T, in] @ [in, r] -> [T, r]
    let g = loraBackward(dy, x: x, xa: xa, adapter: lora.adapter(v))
    return (g.dA, g.dB)
}

/// Adapter parameters for `r` on every targeted layer of every block: Σ r·(in + out).
func loraTrainableCount(_ args: CaseArguments) throws -> Int {
    let layers = try args.int("n_layer")
    let width = try args.int("n_embd")
    let rank = try args.int("r")
    guard case .list(let items) = args["targets"] else {
        throw GradingError.badArgument("targets", "a list of layer names")
    }
    var targets: [LoRATarget] = []
    for item in items {
        guard let name = item.stringValue, let target = LoRATarget(rawValue: name) else {
            throw GradingError.badArgument(
                "targets", "names among \(LoRATarget.allCases.map(\.rawValue))")
        }
        targets.append(target)
    }
    guard layers >= 1, width >= 1 else {
        throw GradingError.badArgument("n_layer, n_embd", "positive sizes")
    }
    let config: LoRAConfig
    do { config = try LoRAConfig(rank: rank, alpha: 1, targets: targets) } catch {
        throw GradingError.badArgument("r, targets", "\(error)")
    }
    var count = 0
    for _ in 0..<layers {
        for target in config.targets {
            let (nIn, nOut) = target.features(nEmbd: width)
            count += LoRAAdapter(
                layer: 0, target: target, a: Tensor(zeros: [rank, nIn]),
                b: Tensor(zeros: [nOut, rank]), scaling: 1
            ).trainableParameterCount
        }
    }
    return count
}


let loraFamily = ComponentFamily(
    name: "LoRA",
    components: [
        // nil: B·A untransposed does not even have W's shape (the student's code raised)
        Component(name: "lora_forward") { a, k in try loraForward(a, k.lora).map(GradedValue.tensor) },
        Component(name: "lora_merge") { a, k in try loraMerge(a, k.lora).map(GradedValue.tensor) },
        Component(name: "lora_trainable_params") { a, _ in .int(try loraTrainableCount(a)) },
        Component(name: "lora_grad_a") { a, k in .tensor(try loraGradients(a, k.lora).dA) },
        Component(name: "lora_grad_b") { a, k in .tensor(try loraGradients(a, k.lora).dB) },
    ],
    mistakes: [
        Mistake(
            id: "lora_alpha_not_scaled", title: "LoRA update scaled by alpha instead of alpha/r",
            components: ["lora_forward", "lora_merge", "lora_grad_a", "lora_grad_b"],
            hint: "LoRA trains a small low-rank update B·A instead of the whole weight, and scales it "
                + "by alpha / r (PEFT's `scaling`), so changing the rank r does not change how strong "
                + "the adapter is. Multiply by alpha / r, not by alpha — in the forward, the merge and "
                + "both gradients.",
            nonFiniteSignature: false, variants: one { $0.lora.alphaNotDividedByR = true }),
        Mistake(
            id: "lora_ba_transposed", title: "B·A used without transposing it",
            components: ["lora_forward", "lora_merge"],
            hint: "A is [r, in] and B is [out, r], so B·A is [out, in] — the PyTorch layout. GPT-2's "
                + "Conv1D weight W is [in, out] (y = x·W), so the update in W's layout is (B·A)ᵀ = "
                + "Aᵀ·Bᵀ, and the adapter's forward is x·Aᵀ·Bᵀ. A square layer hides the mistake "
                + "from the shapes, not from the values.",
            nonFiniteSignature: false, variants: one { $0.lora.baNotTransposed = true }),
        Mistake(
            id: "lora_merge_wrong_sign", title: "Adapter merged with a minus sign",
            components: ["lora_merge"],
            hint: "Merging folds the adapter into the frozen weight so inference costs nothing extra: "
                + "W' = W + (alpha/r)·(B·A)ᵀ, and x·W' must equal the adapted forward x·W + "
                + "(alpha/r)·x·Aᵀ·Bᵀ. Subtracting is unmerging.",
            nonFiniteSignature: false, variants: one { $0.lora.mergeSubtracts = true }),
    ])
