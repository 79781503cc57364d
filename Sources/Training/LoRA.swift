// LoRA adapters on the reference GPT-2, in PEFT's layout: A [r, in] Kaiming-uniform (bound
// 1/√in, PEFT's kaiming_uniform_(a=√5)), B [out, r] zero, scaling = alpha / r. GPT-2's Conv1D
// stores W as [in, out] (PEFT's fan_in_fan_out = true), so the update is ΔW = s·(B·A)ᵀ [in, out]
// and an adapted layer computes y = x W + b + s·(x Aᵀ) Bᵀ. The base weights stay frozen.
import Tensors
import Transformer

/// A GPT-2 linear layer LoRA can adapt, named as PEFT's `target_modules` would name it.
public enum LoRATarget: String, Sendable, CaseIterable, Codable {
    case cAttn = "c_attn"  // h.{i}.attn.c_attn [C, 3C]
    case attnCProj = "attn.c_proj"  // h.{i}.attn.c_proj [C, C]
    case cFc = "c_fc"  // h.{i}.mlp.c_fc [C, 4C]
    case mlpCProj = "mlp.c_proj"  // h.{i}.mlp.c_proj [4C, C]

    /// The module's path inside a block, as in the checkpoint's tensor names.
    public var module: String {
        switch self {
        case .cAttn: return "attn.c_attn"
        case .attnCProj: return "attn.c_proj"
        case .cFc: return "mlp.c_fc"
        case .mlpCProj: return "mlp.c_proj"
        }
    }

    /// (in, out) features of the layer for a model of width C.
    public func features(nEmbd c: Int) -> (in: Int, out: Int) {
        switch self {
        case .cAttn: return (c, 3 * c)
        case .attnCProj: return (c, c)
        case .cFc: return (c, 4 * c)
        case .mlpCProj: return (4 * c, c)
        }
    }

    /// (in, out) features of the layer in a model with `config` (n_inner wide MLPs too).
    public func features(_ config: GPT2Config) -> (in: Int, out: Int) {
        switch self {
        case .cFc: return (config.nEmbd, config.innerSize)
        case .mlpCProj: return (config.innerSize, config.nEmbd)
        default: return features(nEmbd: config.nEmbd)
        }
    }

    /// Where the frozen base weight [in, out] of block `layer` lives.
    public func weightPath(layer i: Int) -> WritableKeyPath<GPT2Weights, Tensor> {
        switch self {
        case .cAttn: return \.blocks[i].attention.cAttnWeight
        case .attnCProj: return \.blocks[i].attention.cProjWeight
        case .cFc: return \.blocks[i].mlp.cFcWeight
        case .mlpCProj: return \.blocks[i].mlp.cProjWeight
        }
    }
}

/// What to adapt and how strongly.
public struct LoRAConfig: Sendable, Equatable {
    /// r, the rank of every adapter.
    public var rank: Int
    /// PEFT's lora_alpha; the update is scaled by alpha / r.
    public var alpha: Float
    /// The adapted layers in every block (kept in `LoRATarget.allCases` order).
    public var targets: [LoRATarget]
    /// Adapt only the q and v thirds of c_attn. PEFT cannot split the fused c_attn, so this
    /// keeps its full layout (B [3C, r]) and holds B's k rows (outputs C ..< 2C) at zero: they
    /// get no gradient, so a saved adapter is an ordinary PEFT c_attn adapter.
    public var queryValueOnly: Bool
    /// Written to adapter_config.json as base_model_name_or_path.
    public var baseModelNameOrPath: String

    /// Throws `invalidOption` for a rank below 1, a non-positive alpha or no targets.
    public init(
        rank: Int = 8, alpha: Float = 16, targets: [LoRATarget] = [.cAttn],
        queryValueOnly: Bool = false, baseModelNameOrPath: String = ""
    ) throws {
        guard rank >= 1 else { throw TrainingError.invalidOption(name: "lora rank", reason: "must be at least 1, got \(rank)") }
        guard alpha > 0, alpha.isFinite else { throw TrainingError.invalidOption(name: "lora alpha", reason: "must be a positive number, got \(alpha)") }
        guard !targets.isEmpty else { throw TrainingError.invalidOption(name: "lora targets", reason: "must name at least one of \(LoRATarget.allCases.map(\.rawValue))") }
        guard !queryValueOnly || targets.contains(.cAttn) else {
            throw TrainingError.invalidOption(name: "lora q,v only", reason: "needs c_attn among the targets")
        }
        self.rank = rank
        self.alpha = alpha
        self.targets = LoRATarget.allCases.filter { targets.contains($0) }
        self.queryValueOnly = queryValueOnly
        self.baseModelNameOrPath = baseModelNameOrPath
    }

    /// s = alpha / r.
    public var scaling: Float { alpha / Float(rank) }
}

/// One adapter on one layer. Also used for its gradients (dA in `a`, dB in `b`).
public struct LoRAAdapter: Sendable, Equatable {
    public let layer: Int
    public let target: LoRATarget
    public var a: Tensor  // [r, in]
    public var b: Tensor  // [out, r]
    public var scaling: Float
    /// nil = every output adapted; otherwise true for the output columns B may change.
    public var outputMask: [Bool]?

    public init(layer: Int, target: LoRATarget, a: Tensor, b: Tensor, scaling: Float, outputMask: [Bool]? = nil) {
        precondition(a.rank == 2 && b.rank == 2 && a.shape[0] == b.shape[1], "LoRAAdapter: A \(a.shape), B \(b.shape)")
        self.layer = layer
        self.target = target
        self.a = a
        self.b = b
        self.scaling = scaling
        self.outputMask = outputMask
    }

    public var rank: Int { a.shape[0] }

    /// ΔW = s·(B·A)ᵀ = s·Aᵀ Bᵀ: [in, r] @ [r, out] -> [in, out], in the Conv1D layout.
    public var delta: Tensor {
        var d = Tensor(zeros: [a.shape[1], b.shape[0]])
        let (nIn, nOut, r) = (a.shape[1], b.shape[0], rank)
        a.data.withUnsafeBufferPointer { av in
            b.data.withUnsafeBufferPointer { bv in
                d.data.withUnsafeMutableBufferPointer { dv in
                    guard let av = av.baseAddress, let bv = bv.baseAddress, let dv = dv.baseAddress
                    else { return }
                    sgemm(
                        transA: true, transB: true, m: nIn, n: nOut, k: r, alpha: scaling, a: av,
                        lda: nIn, b: bv, ldb: r, c: dv, ldc: nOut)
                }
            }
        }
        return d
    }

    /// Parameters training can change: all of A, and B's unmasked rows.
    public var trainableParameterCount: Int {
        let rows = outputMask.map { $0.filter { $0 }.count } ?? b.shape[0]
        return a.count + rows * rank
    }
}

/// The adapters of a whole model, in layer order then `LoRATarget.allCases` order.
public struct LoRAWeights: Sendable, Equatable {
    public var config: LoRAConfig
    public var adapters: [LoRAAdapter]

    public init(config: LoRAConfig, adapters: [LoRAAdapter]) {
        self.config = config
        self.adapters = adapters
    }

    /// Fresh adapters for a model: A Kaiming-uniform with bound 1/√in from `RNG(seed:)` (drawn
    /// in adapter order), B zero — so the adapted model starts exactly as the base.
    public init(config: LoRAConfig, model: GPT2Config, seed: UInt64) {
        var rng = RNG(seed: seed)
        var adapters: [LoRAAdapter] = []
        for layer in 0..<model.nLayer {
            for target in config.targets {
                let (nIn, nOut) = target.features(model)
                let bound = 1 / Float(nIn).squareRoot()
                let a = Tensor.uniform(shape: [config.rank, nIn], low: -bound, high: bound, rng: &rng)
                adapters.append(
                    LoRAAdapter(
                        layer: layer, target: target, a: a, b: Tensor(zeros: [nOut, config.rank]),
                        scaling: config.scaling,
                        outputMask: LoRAWeights.outputMask(target, config: config, nEmbd: model.nEmbd)))
            }
        }
        self.init(config: config, adapters: adapters)
    }

    /// The q,v-only mask for c_attn: outputs 0 ..< C (q) and 2C ..< 3C (v) adapted.
    static func outputMask(_ target: LoRATarget, config: LoRAConfig, nEmbd c: Int) -> [Bool]? {
        guard target == .cAttn && config.queryValueOnly else { return nil }
        return (0..<(3 * c)).map { $0 < c || $0 >= 2 * c }
    }

    /// The parameters fine-tuning trains (the base is frozen).
    public var trainableParameterCount: Int { adapters.reduce(0) { $0 + $1.trainableParameterCount } }

    /// Block `layer`'s adapters by target.
    public func adapters(layer: Int) -> [LoRATarget: LoRAAdapter] {
        var out: [LoRATarget: LoRAAdapter] = [:]
        for adapter in adapters where adapter.layer == layer { out[adapter.target] = adapter }
        return out
    }

    /// Same adapters with every A and B zero (a gradient accumulator).
    public var zeros: LoRAWeights {
        var z = self
        for i in z.adapters.indices {
            z.adapters[i].a = Tensor(zeros: z.adapters[i].a.shape)
            z.adapters[i].b = Tensor(zeros: z.adapters[i].b.shape)
        }
        return z
    }

    /// The base with every adapter folded in: W += s·(B·A)ᵀ.
    public func merged(into base: GPT2Model) throws -> GPT2Model {
        var weights = base.weights
        for adapter in adapters {
            let path = adapter.target.weightPath(layer: adapter.layer)
            weights[keyPath: path] = weights[keyPath: path] + adapter.delta
        }
        return try GPT2Model(config: base.config, weights: weights)
    }

    /// The inverse of `merged(into:)`: W -= s·(B·A)ᵀ, the same ΔW subtracted.
    public func unmerged(from model: GPT2Model) throws -> GPT2Model {
        var weights = model.weights
        for adapter in adapters {
            let path = adapter.target.weightPath(layer: adapter.layer)
            weights[keyPath: path] = weights[keyPath: path] - adapter.delta
        }
        return try GPT2Model(config: model.config, weights: weights)
    }

    /// Logits of the adapted model without merging: ids [T] -> [T, V].
    public func forward(base: GPT2Model, _ ids: [Int]) throws -> Tensor {
        try base.validate(ids)
        if let key = base.config.firstNonDefaultKey { throw TrainingError.unsupportedConfig(key: key) }
        return TrainingForward(config: base.config, weights: base.weights, lora: self, ids: ids, batch: 1).logits
    }
}
