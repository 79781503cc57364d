// Test helpers: a tiny GPT-2, random tensors, Double finite differences and relative comparison.
import Foundation
import Tensors
import Testing
@testable import Training
import Transformer

/// 2 layers, 2 heads, C = 16, V = 50, 16 positions.
func tinyConfig() throws -> GPT2Config {
    try GPT2Config(vocabSize: 50, nPositions: 16, nEmbd: 16, nLayer: 2, nHead: 2)
}

/// Every tensor N(0, 0.3) (layer-norm weights 1 + N(0, 0.3)), so attention is far from uniform.
func tinyModel(seed: UInt64 = 7) throws -> GPT2Model {
    let config = try tinyConfig()
    var rng = RNG(seed: seed)
    var weights = GPT2Weights(zerosFor: config)
    for p in GPT2Weights.parameters(for: config) {
        let isLNWeight = p.name.contains("ln_") && p.name.hasSuffix(".weight")
        weights[keyPath: p.field] = Tensor.normal(shape: p.shape, mean: isLNWeight ? 1 : 0, std: 0.3, rng: &rng)
    }
    return try GPT2Model(config: config, weights: weights)
}

func randomTensor(_ shape: [Int], seed: UInt64, std: Float = 1) -> Tensor {
    var rng = RNG(seed: seed)
    return Tensor.normal(shape: shape, std: std, rng: &rng)
}

func randomIds(_ count: Int, below v: Int, seed: UInt64) -> [Int] {
    var rng = RNG(seed: seed)
    return (0..<count).map { _ in rng.int(below: v) }
}

/// Central differences of a Double function at x: ∂f/∂x_i ≈ (f(x + h e_i) - f(x - h e_i)) / 2h.
func finiteDifferences(_ x: [Double], h: Double = 1e-6, _ f: ([Double]) -> Double) -> [Double] {
    var x = x
    return x.indices.map { i in
        let old = x[i]
        x[i] = old + h
        let plus = f(x)
        x[i] = old - h
        let minus = f(x)
        x[i] = old
        return (plus - minus) / (2 * h)
    }
}

/// max |a - b| / max |b|: the error relative to the expected tensor's scale.
func relativeError(_ actual: [Float], _ expected: [Double]) -> Double {
    precondition(actual.count == expected.count, "\(actual.count) vs \(expected.count) values")
    var diff = 0.0
    var scale = 1e-12
    for (a, e) in zip(actual, expected) {
        diff = max(diff, abs(Double(a) - e))
        scale = max(scale, abs(e))
    }
    return diff / scale
}

/// Expects `actual` ≈ `expected` within `tolerance` relative to the expected scale.
func expectRelative(
    _ actual: [Float], _ expected: [Double], _ tolerance: Double, _ what: String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    let err = relativeError(actual, expected)
    print("max relative error \(what): \(err)")
    #expect(err <= tolerance, "\(what): max relative error \(err) > \(tolerance)", sourceLocation: sourceLocation)
}

func doubles(_ t: Tensor) -> [Double] { t.data.map(Double.init) }

/// Σ r ⊙ y: the scalar whose gradient with respect to y is r.
func dot(_ r: [Double], _ y: [Double]) -> Double { zip(r, y).reduce(0) { $0 + $1.0 * $1.1 } }
