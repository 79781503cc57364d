// The input of GPT-2: token embedding plus learned position embedding.
import Tensors

/// wte[ids] + wpe[offset ..< offset + T]. ids [T], wte [V, C], wpe [P, C] -> [T, C].
/// Ids and positions must be in range (a programmer error here; GPT2Model checks user input).
/// `positions` other than `.correct` is a catalogued mistake (no positions, or wpe[1 ... T]).
public func embed(
    ids: [Int], wte: Tensor, wpe: Tensor, offset: Int = 0,
    positions: PositionVariant = .correct
) -> Tensor {
    precondition(
        wte.rank == 2 && wpe.rank == 2 && wte.shape[1] == wpe.shape[1],
        "embed: wte \(wte.shape), wpe \(wpe.shape)")
    let (v, c) = (wte.shape[0], wte.shape[1])
    if positions != .correct {
        // wte[ids] (+ wpe[offset + 1 + t] while the table lasts): the mistakes, plainly.
        var out = Tensor(zeros: [ids.count, c])
        for (t, id) in ids.enumerated() {
            precondition(id >= 0 && id < v, "embed: token id \(id) outside vocabulary of \(v)")
            let p = offset + t + 1
            let add = positions == .offByOne && p < wpe.shape[0]
            for j in 0..<c {
                out.data[t * c + j] = wte.data[id * c + j] + (add ? wpe.data[p * c + j] : 0)
            }
        }
        return out
    }
    precondition(
        offset >= 0 && offset + ids.count <= wpe.shape[0],
        "embed: positions \(offset) ..< \(offset + ids.count) beyond wpe \(wpe.shape)")
    var out = Tensor(zeros: [ids.count, c])
    out.data.withUnsafeMutableBufferPointer { y in
        wte.data.withUnsafeBufferPointer { te in
            wpe.data.withUnsafeBufferPointer { pe in
                for (t, id) in ids.enumerated() {
                    precondition(
                        id >= 0 && id < v, "embed: token id \(id) outside vocabulary of \(v)")
                    let (tok, pos) = (id * c, (offset + t) * c)
                    for j in 0..<c { y[t * c + j] = te[tok + j] + pe[pos + j] }
                }
            }
        }
    }
    return out
}
