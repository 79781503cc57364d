// AdamW, clipping and the cosine schedule against values worked out by hand in the test.
import Foundation
import Tensors
import Testing
@testable import Training
import Transformer

/// Two tensors: a matrix (decayed) and a bias (not decayed).
struct TwoTensors {
    var w: Tensor
    var b: Tensor
    static var paths: [WritableKeyPath<TwoTensors, Tensor>] { [\.w, \.b] }
}

@Suite struct OptimizerTests {
    @Test func adamWTwoStepsMatchHandComputedValues() {
        let hp = AdamWHyperparameters(beta1: 0.9, beta2: 0.95, epsilon: 1e-8, weightDecay: 0.1)
        var opt = AdamW(hp)
        var p = TwoTensors(w: Tensor(shape: [1, 2], data: [1, -2]), b: Tensor(shape: [1], data: [0.5]))
        let g1 = TwoTensors(w: Tensor(shape: [1, 2], data: [0.1, -0.3]), b: Tensor(shape: [1], data: [2]))
        let g2 = TwoTensors(w: Tensor(shape: [1, 2], data: [-0.2, 0.4]), b: Tensor(shape: [1], data: [1]))
        let lr: Float = 0.01
        opt.update(&p, gradients: g1, paths: TwoTensors.paths, learningRate: lr)
        opt.update(&p, gradients: g2, paths: TwoTensors.paths, learningRate: lr)
        // By hand in Double: step 1 has m̂ = g, v̂ = g², so the Adam term is sign(g).
        func expected(_ theta0: Double, _ ga: Double, _ gb: Double, decay: Bool) -> Double {
            let wd = decay ? 0.1 : 0
            var theta = theta0 * (1 - 0.01 * wd) - 0.01 * ga / (abs(ga) + 1e-8)
            let m = 0.9 * 0.1 * ga + 0.1 * gb
            let v = 0.95 * 0.05 * ga * ga + 0.05 * gb * gb
            let mHat = m / (1 - 0.81)
            let vHat = v / (1 - 0.9025)
            theta = theta * (1 - 0.01 * wd) - 0.01 * mHat / (vHat.squareRoot() + 1e-8)
            return theta
        }
        let want = [expected(1, 0.1, -0.2, decay: true), expected(-2, -0.3, 0.4, decay: true), expected(0.5, 2, 1, decay: false)]
        let got = p.w.data + p.b.data
        for (g, w) in zip(got, want) {
            #expect(abs(Double(g) - w) < 1e-6, "AdamW: got \(got), hand-computed \(want)")
        }
        #expect(opt.step == 2)
    }

    @Test func adamWDecaysOnlyMatricesOfAModel() throws {
        // Zero gradients: the Adam term is 0/(0+ε) = 0, so only the decay moves parameters.
        let model = try tinyModel()
        var weights = model.weights
        let zero = GPT2Weights(zerosFor: model.config)
        var opt = AdamW(AdamWHyperparameters(weightDecay: 0.5))
        opt.update(&weights, gradients: zero, learningRate: 0.1)
        #expect(weights.wte.data[3] == model.weights.wte.data[3] * 0.95)
        #expect(weights.blocks[1].mlp.cFcWeight.data[5] == model.weights.blocks[1].mlp.cFcWeight.data[5] * 0.95)
        #expect(weights.blocks[0].ln1Weight == model.weights.blocks[0].ln1Weight)
        #expect(weights.blocks[0].attention.cAttnBias == model.weights.blocks[0].attention.cAttnBias)
        #expect(weights.lnFBias == model.weights.lnFBias)
    }

    @Test func clippingScalesToTheMaximumNorm() {
        // ‖(3, 4, 12)‖ = 13.
        var g = TwoTensors(w: Tensor(shape: [1, 2], data: [3, 4]), b: Tensor(shape: [1], data: [12]))
        let norm = clipGradients(&g, paths: TwoTensors.paths, maxNorm: 1.3)
        #expect(norm == 13)
        let factor = 1.3 / (13 + 1e-6)
        let want = [3 * factor, 4 * factor, 12 * factor]
        for (a, b) in zip(g.w.data + g.b.data, want) { #expect(abs(Double(a) - b) < 1e-6) }
        var small = TwoTensors(w: Tensor(shape: [1, 2], data: [0.3, 0.4]), b: Tensor(shape: [1], data: [0]))
        #expect(clipGradients(&small, paths: TwoTensors.paths, maxNorm: 1) == 0.5)
        #expect(small.w.data == [0.3, 0.4], "below the maximum nothing changes")
    }

    @Test func cosineScheduleFollowsTheFormula() {
        let s = CosineSchedule(maxLearningRate: 1e-3, minLearningRate: 1e-4, warmupSteps: 10, totalSteps: 110)
        // Warmup: 1e-3 · (step + 1) / 10.
        #expect(abs(s.learningRate(at: 0) - 1e-4) < 1e-9)
        #expect(abs(s.learningRate(at: 4) - 5e-4) < 1e-9)
        #expect(abs(s.learningRate(at: 9) - 1e-3) < 1e-9)
        // Decay: 1e-4 + ½(1 + cos(π·(step-10)/100))·9e-4.
        #expect(abs(s.learningRate(at: 10) - 1e-3) < 1e-9)
        #expect(abs(s.learningRate(at: 60) - 5.5e-4) < 1e-9, "halfway: (max + min) / 2")
        let at35 = 1e-4 + 0.5 * (1 + cos(Double.pi * 0.25)) * 9e-4
        #expect(abs(Double(s.learningRate(at: 35)) - at35) < 1e-9)
        #expect(abs(s.learningRate(at: 110) - 1e-4) < 1e-9)
        #expect(s.learningRate(at: 500) == 1e-4, "the floor after the last step")
    }
}
