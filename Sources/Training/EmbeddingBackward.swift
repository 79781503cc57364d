// Backward of the input embedding x[n] = wte[ids[n]] + wpe[n mod T]: scatter-add each row's
// gradient into the token's row of wte and the position's row of wpe (repeats accumulate).
import Tensors

/// dx [B·T, C], ids [B·T] (B sequences of length T), V, P -> dwte [V, C], dwpe [P, C].
public func embeddingBackward(_ dx: Tensor, ids: [Int], sequenceLength t: Int, vocabSize v: Int, positions p: Int)
    -> (dwte: Tensor, dwpe: Tensor)
{
    precondition(dx.rank == 2 && dx.shape[0] == ids.count && t > 0 && ids.count % t == 0 && t <= p, "embeddingBackward: dx \(dx.shape), \(ids.count) ids, T \(t)")
    let c = dx.shape[1]
    var dwte = Tensor(zeros: [v, c])
    var dwpe = Tensor(zeros: [p, c])
    dx.data.withUnsafeBufferPointer { g in
        dwte.data.withUnsafeMutableBufferPointer { te in
            dwpe.data.withUnsafeMutableBufferPointer { pe in
                for (n, id) in ids.enumerated() {
                    precondition(id >= 0 && id < v, "embeddingBackward: id \(id) outside 0 ..< \(v)")
                    let (tok, pos, row) = (id * c, (n % t) * c, n * c)
                    for j in 0..<c {
                        te[tok + j] += g[row + j]
                        pe[pos + j] += g[row + j]
                    }
                }
            }
        }
    }
    return (dwte, dwpe)
}
