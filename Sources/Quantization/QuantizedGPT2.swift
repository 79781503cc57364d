// GPT-2 with every linear layer (attn.c_attn, attn.c_proj, mlp.c_fc, mlp.c_proj) quantized.
// The token embedding wte, which is also the tied output head, is kept in fp32 or fp16 (fp16 by
// default for quantized schemes: it is 38.6M of GPT-2 small's 124M weights, and at batch 1 the
// head reads all of it per token); wpe, biases and layer norms stay fp32.
// Layer norms, GELU and attention are the reference's own functions.
// Shapes: T time, C = n_embd, V = vocab, H heads, hs = C / H.
import Tensors
import Transformer

/// One block's parameters with quantized linear layers; layer norms stay fp32.
public struct QuantizedBlock: Sendable, Equatable {
    public var ln1Weight: Tensor  // [C]
    public var ln1Bias: Tensor  // [C]
    public var cAttn: QuantizedLinear  // [C, 3C]
    public var attnProj: QuantizedLinear  // [C, C]
    public var ln2Weight: Tensor  // [C]
    public var ln2Bias: Tensor  // [C]
    public var cFc: QuantizedLinear  // [C, 4C]
    public var mlpProj: QuantizedLinear  // [4C, C]

    /// The four linear layers in checkpoint order, with their Hugging Face name suffixes.
    public var linears: [(name: String, layer: QuantizedLinear)] {
        [
            ("attn.c_attn", cAttn), ("attn.c_proj", attnProj), ("mlp.c_fc", cFc),
            ("mlp.c_proj", mlpProj),
        ]
    }
}

/// A GPT-2 whose block weights are stored in `scheme`.
public struct QuantizedGPT2: Sendable {
    public let config: GPT2Config
    public let scheme: QuantScheme
    /// How wte is stored: fp32 or fp16.
    public let embeddingScheme: QuantScheme
    /// The tied head: wte [V, C] as a linear layer with V outputs of C inputs (no bias); the
    /// token embedding reads its rows.
    public let head: QuantizedLinear
    public let wpe: Tensor  // [P, C] fp32
    public let blocks: [QuantizedBlock]
    public let lnFWeight: Tensor  // [C]
    public let lnFBias: Tensor  // [C]

    /// Quantizes every linear layer of `model`; throws naming the first tensor that cannot be
    /// stored in `scheme` (e.g. Q4_0 needs n_embd a multiple of 32). `embeddings` (fp32 or fp16)
    /// stores wte; by default fp32 for the fp32 scheme and fp16 for every other.
    public init(_ model: GPT2Model, scheme: QuantScheme, embeddings: QuantScheme? = nil) throws {
        let w = model.weights
        guard model.config.tieWordEmbeddings else {
            throw QuantizationError.untiedHead
        }
        let embeddingScheme = embeddings ?? (scheme == .fp32 ? .fp32 : .fp16)
        guard embeddingScheme == .fp32 || embeddingScheme == .fp16 else {
            throw QuantizationError.unsupportedEmbeddingScheme(embeddingScheme)
        }
        config = model.config
        self.scheme = scheme
        self.embeddingScheme = embeddingScheme
        // wte [V, C] is already [out, in] for the head: no transpose.
        let (v, c) = (w.wte.shape[0], w.wte.shape[1])
        let storage: QuantizedStorage =
            embeddingScheme == .fp32 ? .float32(w.wte.data) : .half(floatsToHalfBits(w.wte.data))
        head = QuantizedLinear(
            weight: QuantizedMatrix(
                scheme: embeddingScheme, outputs: v, inputs: c, storage: storage),
            bias: nil)
        wpe = w.wpe
        lnFWeight = w.lnFWeight
        lnFBias = w.lnFBias
        blocks = try w.blocks.enumerated().map { i, b in
            func q(_ weight: Tensor, _ bias: Tensor, _ name: String) throws -> QuantizedLinear {
                try QuantizedLinear(
                    quantizing: weight, bias: bias, scheme: scheme, name: "h.\(i).\(name).weight")
            }
            return QuantizedBlock(
                ln1Weight: b.ln1Weight, ln1Bias: b.ln1Bias,
                cAttn: try q(b.attention.cAttnWeight, b.attention.cAttnBias, "attn.c_attn"),
                attnProj: try q(b.attention.cProjWeight, b.attention.cProjBias, "attn.c_proj"),
                ln2Weight: b.ln2Weight, ln2Bias: b.ln2Bias,
                cFc: try q(b.mlp.cFcWeight, b.mlp.cFcBias, "mlp.c_fc"),
                mlpProj: try q(b.mlp.cProjWeight, b.mlp.cProjBias, "mlp.c_proj"))
        }
    }

    /// Every part given (loading a saved model); shapes must agree with `config` (the loader
    /// checks them).
    init(
        config: GPT2Config, scheme: QuantScheme, embeddingScheme: QuantScheme,
        head: QuantizedLinear, wpe: Tensor, blocks: [QuantizedBlock], lnFWeight: Tensor,
        lnFBias: Tensor
    ) {
        self.config = config
        self.scheme = scheme
        self.embeddingScheme = embeddingScheme
        self.head = head
        self.wpe = wpe
        self.blocks = blocks
        self.lnFWeight = lnFWeight
        self.lnFBias = lnFBias
    }

    /// Bytes of the quantized linear weights (codes and scales; biases and embeddings excluded).
    public var quantizedWeightBytes: Int {
        blocks.reduce(0) { $0 + $1.linears.reduce(0) { $0 + $1.layer.weight.byteCount } }
    }

    /// Number of quantized weights (the linear layers' matrices).
    public var quantizedWeightCount: Int {
        blocks.reduce(0) {
            $0 + $1.linears.reduce(0) { $0 + $1.layer.weight.inputs * $1.layer.weight.outputs }
        }
    }

    /// Bits per quantized weight, scales included.
    public var bitsPerWeight: Double {
        Double(quantizedWeightBytes * 8) / Double(max(1, quantizedWeightCount))
    }

    /// Next-token logits at every position: ids [T] -> [T, V].
    public func forward(_ ids: [Int]) throws -> Tensor {
        try config.validate(ids)
        let eps = config.layerNormEpsilon
        var x = embedTokens(ids)  // [T, C]
        for (layer, b) in blocks.enumerated() {
            let h = layerNorm(x, weight: b.ln1Weight, bias: b.ln1Bias, eps: eps)  // [T, C]
            x = x + selfAttention(h, block: b, scale: config.attentionScale(layer: layer))
            let m = layerNorm(x, weight: b.ln2Weight, bias: b.ln2Bias, eps: eps)  // [T, C]
            x = x + b.mlpProj(config.activation(b.cFc(m)))  // [T, C] -> [T, 4C] -> [T, C]
        }
        x = layerNorm(x, weight: lnFWeight, bias: lnFBias, eps: eps)
        return head(x)  // [T, C] -> [T, V]
    }

    /// wte[ids] + wpe[offset ..< offset + T]: ids [T] -> [T, C] (ids already validated).
    func embedTokens(_ ids: [Int], offset: Int = 0) -> Tensor {
        let c = config.nEmbd
        var out = Tensor(zeros: [ids.count, c])
        out.data.withUnsafeMutableBufferPointer { y in
            wpe.data.withUnsafeBufferPointer { pe in
                guard let y = y.baseAddress else { return }
                for (t, id) in ids.enumerated() {
                    head.weight.dequantizeRows(id..<(id + 1), into: y + t * c)
                    for j in 0..<c { y[t * c + j] += pe[(offset + t) * c + j] }
                }
            }
        }
        return out
    }

    /// Causal self-attention from the reference's pieces: x [T, C] -> [T, C].
    func selfAttention(_ x: Tensor, block b: QuantizedBlock, scale: Float) -> Tensor {
        let merged = causalSelfAttention(qkv: b.cAttn(x), heads: config.nHead, scale: scale)
        return b.attnProj(merged)  // [T, C] -> [T, C]
    }

    /// The loss of predicting each next token of `tokens` (at least two, at most n_positions + 1).
    public func loss(tokens: [Int]) throws -> Float {
        guard tokens.count >= 2 else { throw TransformerError.tooFewTokens(count: tokens.count) }
        let logits = try forward(Array(tokens.dropLast()))  // [T-1, V]
        return crossEntropy(logits: logits, targets: Array(tokens.dropFirst()))
    }
}
