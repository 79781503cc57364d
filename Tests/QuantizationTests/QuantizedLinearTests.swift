// The quantized linear layer against dequantize-then-matmul through the reference `linear`
// (the dequantized matrix itself is checked bit-exact against the NumPy oracle), for batch-1
// decoding (the fused kernels) and for T > 1 (the tiled sgemm), over several tiles.
import Tensors
import Testing
import Transformer

@testable import Quantization

/// Shapes per scheme: 96 inputs (3 blocks) and 150 outputs (3 tiles, the last partial); int8
/// and the half formats also get 40 inputs so the scalar tails of their kernels run; and one
/// layer big enough (256 · 1100 weights) that decoding splits its rows between threads.
private func shapes(_ scheme: QuantScheme) -> [(nIn: Int, nOut: Int)] {
    (scheme.isBlockFormat ? [(96, 150), (32, 3)] : [(96, 150), (40, 7)]) + [(256, 1100)]
}

@Test(arguments: QuantScheme.allCases)
func quantizedLinearEqualsDequantizeThenMatmul(scheme: QuantScheme) throws {
    var rng = RNG(seed: 11)
    for (nIn, nOut) in shapes(scheme) {
        let w = Tensor.normal(shape: [nIn, nOut], std: 0.2, rng: &rng)
        let bias = Tensor.normal(shape: [nOut], std: 0.1, rng: &rng)
        let layer = try QuantizedLinear(quantizing: w, bias: bias, scheme: scheme)
        let dense = layer.weight.dequantized()  // [in, out]
        for t in [1, 5] {
            let x = Tensor.normal(shape: [t, nIn], std: 1, rng: &rng)
            let expected = linear(x, weight: dense, bias: bias)
            // Both kernel families: the C SIMD one (when this CPU has it) and the Swift one.
            for portable in [false, true] {
                let got = layer.apply(x, portable: portable)
                // fp32 summation order differs: allow a few ulps of Σ|x||w| (≈ nIn · 0.2 · 1).
                let tolerance = Float(nIn) * 0.2 * 1e-5
                let diff = got.maxAbsDifference(expected)
                #expect(got.shape == [t, nOut])
                #expect(
                    diff <= tolerance,
                    "\(scheme) [\(nIn), \(nOut)] T=\(t) portable=\(portable): max |diff| \(diff)")
            }
        }
    }
}

@Test func quantizedLinearWithoutBiasAndOverLeadingAxes() throws {
    var rng = RNG(seed: 5)
    let w = Tensor.normal(shape: [64, 10], std: 0.2, rng: &rng)
    let layer = try QuantizedLinear(quantizing: w, bias: nil, scheme: .q4_0)
    let x = Tensor.normal(shape: [2, 3, 64], std: 1, rng: &rng)
    let expected = linear(x.reshaped([6, 64]), weight: layer.weight.dequantized(), bias: nil)
    let got = layer(x)
    #expect(got.shape == [2, 3, 10])
    let diff = got.reshaped([6, 10]).maxAbsDifference(expected)
    #expect(diff <= 1e-4, "max |diff| \(diff)")
}
