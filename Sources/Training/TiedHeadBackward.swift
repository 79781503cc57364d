// Backward of the output head tied to the token embedding, logits = x wteᵀ:
// dx = dlogits wte, dwte = dlogitsᵀ x (added to the embedding's scatter-add into the same wte).
import Tensors

/// dLogits [N, V], x [N, C] (ln_f's output), wte [V, C] -> dx [N, C], dwte [V, C].
public func tiedHeadBackward(_ dLogits: Tensor, x: Tensor, wte: Tensor, weightGradient: Bool = true)
    -> (dx: Tensor, dwte: Tensor?)
{
    let dx = dLogits.matmul(wte)  // [N, V] @ [V, C] -> [N, C]
    guard weightGradient else { return (dx, nil) }
    return (dx, dLogits.matmul(x, transposeSelf: true))  // [V, N] @ [N, C] -> [V, C]
}
