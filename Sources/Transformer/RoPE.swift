// Rotary position embeddings (RoPE), in the rotate-half convention of Hugging Face's LLaMA code:
// dimension i of a head is rotated with dimension i + d/2 by the angle pos · theta^(-2i/d).
import Foundation
import Tensors

/// The rotation angle of frequency pair i (0 ≤ i < d/2) at position `position`.
func ropeAngle(position: Int, pair i: Int, headDim d: Int, theta: Float) -> Double {
    Double(position) * Foundation.pow(Double(theta), -Double(2 * i) / Double(d))
}

/// x [..., T, d] (d even; positions 0 ..< T along the second-last axis) -> [..., T, d]:
///   out[i]       = x[i] · cos(θ_i) − x[i + d/2] · sin(θ_i)
///   out[i + d/2] = x[i + d/2] · cos(θ_i) + x[i] · sin(θ_i)      (HF: x·cos + rotate_half(x)·sin)
/// `variant` pairs (2i, 2i+1) instead, or rotates the other way (the catalogued mistakes).
public func rotaryEmbedding(_ x: Tensor, theta: Float, variant: RoPEVariant = RoPEVariant())
    -> Tensor
{
    precondition(x.rank >= 2 && x.shape[x.rank - 1] % 2 == 0,
                 "rotaryEmbedding needs x [..., T, d] with d even, got \(x.shape)")
    let d = x.shape[x.rank - 1]
    let t = x.shape[x.rank - 2]
    let half = d / 2
    var out = x
    for b in 0..<(x.count / max(t * d, 1)) {
        for pos in 0..<t {
            let row = (b * t + pos) * d  // [d]
            for i in 0..<half {
                let angle = ropeAngle(position: pos, pair: i, headDim: d, theta: theta)
                let (cos, sin) = (Float(Foundation.cos(angle)), variant.sign * Float(Foundation.sin(angle)))
                let (a, c) = variant.pairing == .rotateHalf ? (i, i + half) : (2 * i, 2 * i + 1)
                let (x1, x2) = (x.data[row + a], x.data[row + c])
                out.data[row + a] = x1 * cos - x2 * sin
                out.data[row + c] = x2 * cos + x1 * sin
            }
        }
    }
    return out
}
