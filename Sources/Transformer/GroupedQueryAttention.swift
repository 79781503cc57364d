// Grouped-query attention (LLaMA 2/3): n_head query heads share n_kv_head < n_head key/value
// heads, each KV head serving a group of n_head / n_kv_head consecutive query heads; RoPE on the
// queries and keys, causal mask, no biases.
import Tensors

/// The attention weights, x · W layout (no biases). hd = C / n_head.
public struct GQAWeights: Sendable, Equatable {
    public var q: Tensor  // [C, n_head·hd]
    public var k: Tensor  // [C, n_kv_head·hd]
    public var v: Tensor  // [C, n_kv_head·hd]
    public var o: Tensor  // [n_head·hd, C]

    public init(q: Tensor, k: Tensor, v: Tensor, o: Tensor) {
        self.q = q
        self.k = k
        self.v = v
        self.o = o
    }
}

/// kv [n_kv, T, hd] -> [n_kv·nRep, T, hd]: each KV head repeated for its group of query heads.
public func repeatKV(_ kv: Tensor, nRep: Int, order: KVRepeatOrder = .grouped) -> Tensor {
    precondition(kv.rank == 3 && nRep >= 1, "repeatKV needs [n_kv, T, hd], got \(kv.shape)")
    let (nKV, head) = (kv.shape[0], kv.shape[1] * kv.shape[2])
    var out = Tensor(zeros: [nKV * nRep, kv.shape[1], kv.shape[2]])
    for h in 0..<(nKV * nRep) {
        let source = order == .grouped ? h / nRep : h % nKV  // the KV head query head h reads
        out.data.replaceSubrange(h * head..<(h + 1) * head,
                                 with: kv.data[source * head..<(source + 1) * head])
    }
    return out
}

/// x [T, C] -> [T, C]: causal self-attention with `heads` query heads and `kvHeads` KV heads.
public func groupedQueryAttention(
    _ x: Tensor, weights w: GQAWeights, heads: Int, kvHeads: Int, theta: Float,
    variant: LlamaVariant = LlamaVariant()
) -> Tensor {
    precondition(kvHeads >= 1 && heads % kvHeads == 0, "n_head \(heads), n_kv_head \(kvHeads)")
    let t = x.shape[0]
    let q = rotaryEmbedding(splitHeads(x.matmul(w.q), heads: heads), theta: theta,
                            variant: variant.rope)  // [T, H·hd] -> [H, T, hd]
    let k = rotaryEmbedding(splitHeads(x.matmul(w.k), heads: kvHeads), theta: theta,
                            variant: variant.rope)  // [T, KV·hd] -> [KV, T, hd]
    var v = splitHeads(x.matmul(w.v), heads: kvHeads)  // [KV, T, hd]
    if variant.ropeOnValues { v = rotaryEmbedding(v, theta: theta, variant: variant.rope) }
    let nRep = heads / kvHeads
    let out = scaledDotProductAttention(
        q: q, k: repeatKV(k, nRep: nRep, order: variant.kvOrder),
        v: repeatKV(v, nRep: nRep, order: variant.kvOrder),
        mask: variant.noCausalMask ? nil : causalMask(t))  // [H, T, hd]
    return mergeHeads(out).matmul(w.o)  // [T, H·hd] -> [T, C]
}
