// The vectorized element-wise kernels of the training step against Double-precision maths
// written here: GELU's derivative on a dense grid (with its max error printed), the SIMD sums,
// and AdamW / clipping through key paths that cross an array subscript.
import Foundation
import Tensors
import Testing
@testable import Training
import Transformer

@Suite struct VectorizedKernelTests {
    /// gelu'(x) in Double, the two terms of ½(1 + tanh u) + ½x(1 - tanh²u)·√(2/π)(1 + 3·0.044715x²)
    /// and the sum of their magnitudes (the scale an error is measured against). Foundation's
    /// Double tanh for |u| < 1; beyond, 1 ± tanh u = 2e^{∓2u}/(1 + e^{∓2u}) in Double, because
    /// 1 + tanh u itself cancels in Double once u < -18.
    func exactDerivative(_ x: Double) -> (value: Double, scale: Double) {
        let k = (2 / Double.pi).squareRoot()
        let u = k * (x + 0.044715 * x * x * x)
        let slope = k * (1 + 3 * 0.044715 * x * x)
        let halfOnePlusTanh: Double
        let halfSech2: Double
        if abs(u) < 1 {
            let th = tanh(u)
            (halfOnePlusTanh, halfSech2) = (0.5 * (1 + th), 0.5 * (1 - th * th))
        } else {
            let e = exp(-2 * abs(u))
            halfOnePlusTanh = u > 0 ? 1 / (1 + e) : e / (1 + e)
            halfSech2 = 2 * e / ((1 + e) * (1 + e))
        }
        let b = x * halfSech2 * slope
        return (halfOnePlusTanh + b, abs(halfOnePlusTanh) + abs(b))
    }

    @Test func geluDerivativeIsAccurateOnADenseGrid() {
        // Every 1/4096 on [-25, 25] plus 0, tiny and huge values.
        var grid = (-102_400...102_400).map { Float($0) / 4096 }
        grid += [0, 1e-30, -1e-30, 1e-8, -1e-8, 1e-4, -1e-4, 20, -20, 100, -100, 1e10, -1e10]
        var maxAbs = 0.0
        var maxAbsAt: Float = 0
        var maxUlp = (near: 0.0, middle: 0.0, far: 0.0)  // |x| < 2, 2 ≤ |x| < 6, beyond
        for x in grid {
            let got = Double(geluDerivative(x))
            let (want, scale) = exactDerivative(Double(x))
            let err = abs(got - want)
            if err > maxAbs { (maxAbs, maxAbsAt) = (err, x) }
            guard scale > 1e-30 else { continue }  // e^{-2|u|} below Float's normal range
            let ulps = err / Double(Float(scale).ulp)
            switch abs(x) {
            case ..<2: maxUlp.near = max(maxUlp.near, ulps)
            case ..<6: maxUlp.middle = max(maxUlp.middle, ulps)
            default: maxUlp.far = max(maxUlp.far, ulps)
            }
        }
        print("gelu' vs Double: max |diff| \(maxAbs) at x = \(maxAbsAt); max ulps of the terms' scale: |x| < 2: \(maxUlp.near), 2 ≤ |x| < 6: \(maxUlp.middle), beyond: \(maxUlp.far)")
        #expect(maxAbs < 2.5e-7, "gelu' max |diff| \(maxAbs) at x = \(maxAbsAt)")
        // A few ulp near 0; further out exp(-2u) of a rounded u carries about 2|u| ulp (the
        // tanhf form loses all relative precision there: 1 + tanh u rounds to a multiple of 2⁻²⁴).
        #expect(maxUlp.near < 6, "gelu' for |x| < 2: \(maxUlp.near) ulp")
        #expect(maxUlp.middle < 64, "gelu' for 2 ≤ |x| < 6: \(maxUlp.middle) ulp")
        #expect(maxUlp.far < 256, "gelu' for |x| ≥ 6: \(maxUlp.far) ulp")
        // Hand values: gelu'(0) = ½; saturation at ±20; NaN stays NaN.
        #expect(geluDerivative(0) == 0.5)
        #expect(geluDerivative(20) == 1 && geluDerivative(-20) == 0)
        #expect(geluDerivative(1e10) == 1 && geluDerivative(-1e10) == 0)
        #expect(geluDerivative(.nan).isNaN)
    }

    @Test func vectorSumsMatchDoubleSums() {
        // Lengths around the 16-wide chunks, so both the SIMD part and the tail are exercised.
        for n in [0, 1, 15, 16, 17, 33, 256, 1000] {
            // One value more than n, so the buffers are never empty.
            let x = randomTensor([n + 1], seed: UInt64(n) + 1).data
            let y = randomTensor([n + 1], seed: UInt64(n) + 100).data
            let (xd, yd) = (x.prefix(n).map(Double.init), y.prefix(n).map(Double.init))
            let sum = xd.reduce(0, +)
            let dotXY = zip(xd, yd).reduce(0) { $0 + $1.0 * $1.1 }
            let shift = 0.25
            let squares = xd.reduce(0) { $0 + ($1 - shift) * ($1 - shift) }
            let maximum = xd.max() ?? -.infinity
            x.withUnsafeBufferPointer { xb in
                y.withUnsafeBufferPointer { yb in
                    guard let xp = xb.baseAddress, let yp = yb.baseAddress else { return }
                    // Float sums of n values of size ~1: error well below n·2⁻²⁴.
                    let tol = 1e-6 * Double(max(n, 1))
                    let s = Double(vectorSum(xp, count: n))
                    let d = Double(vectorDot(xp, yp, count: n))
                    let q = Double(vectorSumOfSquares(xp, minus: Float(shift), count: n))
                    #expect(abs(s - sum) <= tol, "sum of \(n): \(s) vs \(sum)")
                    #expect(abs(d - dotXY) <= tol, "dot of \(n): \(d) vs \(dotXY)")
                    #expect(abs(q - squares) <= tol, "sum of squares of \(n): \(q) vs \(squares)")
                    #expect(Double(vectorMax(xp, count: n)) == maximum, "max of \(n)")
                }
            }
        }
    }

    @Test func adamWAndClippingUpdateTensorsBehindArraySubscripts() throws {
        // Key paths through `blocks[i]`: the update must land in the model's own tensors
        // (taken out and put back), and agree with the formula worked here for one value.
        let model = try tinyModel()
        var weights = model.weights
        var grads = GPT2Weights(zerosFor: model.config)
        grads.blocks[1].mlp.cFcWeight.data[5] = 3
        grads.blocks[0].ln2Bias.data[2] = 4  // global norm 5
        let norm = clipGradients(&grads, maxNorm: 1)
        #expect(norm == 5)
        #expect(abs(grads.blocks[1].mlp.cFcWeight.data[5] - 0.6) < 1e-6)
        #expect(abs(grads.blocks[0].ln2Bias.data[2] - 0.8) < 1e-6)
        var opt = AdamW(AdamWHyperparameters(weightDecay: 0.1))
        opt.update(&weights, gradients: grads, learningRate: 0.01)
        // Step 1: m̂ = g, v̂ = g², so θ ← θ(1 - lr·λ) - lr·g/(|g| + ε) for matrices.
        let w0 = Double(model.weights.blocks[1].mlp.cFcWeight.data[5])
        let want = w0 * (1 - 0.01 * 0.1) - 0.01 * 0.6 / (0.6 + 1e-8)
        #expect(abs(Double(weights.blocks[1].mlp.cFcWeight.data[5]) - want) < 1e-6)
        let b0 = Double(model.weights.blocks[0].ln2Bias.data[2])
        #expect(abs(Double(weights.blocks[0].ln2Bias.data[2]) - (b0 - 0.01)) < 1e-6, "biases: no decay")
        #expect(weights.blocks.count == model.weights.blocks.count)
        #expect(weights.blocks[0].mlp.cFcWeight.shape == model.weights.blocks[0].mlp.cFcWeight.shape)
    }
}
