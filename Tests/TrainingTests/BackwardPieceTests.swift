// Each backward piece against central finite differences of an independent Double forward
// written here from the formula: f = Σ r ⊙ y(x), whose gradient is backward(dy = r).
import Foundation
import Tensors
import Testing
@testable import Training
import Transformer

@Suite struct BackwardPieceTests {
    @Test func layerNormMatchesFiniteDifferences() {
        let (n, c) = (3, 5)
        let x = randomTensor([n, c], seed: 1)
        let g = randomTensor([c], seed: 2)
        let b = randomTensor([c], seed: 3)
        let r = randomTensor([n, c], seed: 4)
        func ln(_ x: [Double], _ g: [Double], _ b: [Double]) -> [Double] {
            var y = [Double](repeating: 0, count: n * c)
            for i in 0..<n {
                let row = Array(x[(i * c)..<((i + 1) * c)])
                let mean = row.reduce(0, +) / Double(c)
                let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(c)
                for j in 0..<c { y[i * c + j] = (row[j] - mean) / (variance + 1e-5).squareRoot() * g[j] + b[j] }
            }
            return y
        }
        let got = layerNormBackward(r, x: x, weight: g, eps: 1e-5)
        let (xd, gd, bd, rd) = (doubles(x), doubles(g), doubles(b), doubles(r))
        expectRelative(got.dx.data, finiteDifferences(xd) { dot(rd, ln($0, gd, bd)) }, 1e-4, "dx")
        expectRelative(got.dWeight.data, finiteDifferences(gd) { dot(rd, ln(xd, $0, bd)) }, 1e-4, "dWeight")
        expectRelative(got.dBias.data, finiteDifferences(bd) { dot(rd, ln(xd, gd, $0)) }, 1e-4, "dBias")
    }

    @Test func geluMatchesFiniteDifferences() {
        let x = randomTensor([20], seed: 5, std: 2)
        let r = randomTensor([20], seed: 6)
        let rd = doubles(r)
        let fd = finiteDifferences(doubles(x)) { x in
            dot(rd, x.map { 0.5 * $0 * (1 + tanh((2 / Double.pi).squareRoot() * ($0 + 0.044715 * $0 * $0 * $0))) })
        }
        expectRelative(geluBackward(r, x: x).data, fd, 1e-5, "gelu dx")
    }

    @Test func linearMatchesFiniteDifferences() {
        let (n, nIn, nOut) = (4, 3, 5)
        let x = randomTensor([n, nIn], seed: 7)
        let w = randomTensor([nIn, nOut], seed: 8)
        let b = randomTensor([nOut], seed: 9)
        let r = randomTensor([n, nOut], seed: 10)
        func lin(_ x: [Double], _ w: [Double], _ b: [Double]) -> [Double] {
            (0..<(n * nOut)).map { idx in
                let (i, j) = (idx / nOut, idx % nOut)
                return (0..<nIn).reduce(b[j]) { $0 + x[i * nIn + $1] * w[$1 * nOut + j] }
            }
        }
        let (xd, wd, bd, rd) = (doubles(x), doubles(w), doubles(b), doubles(r))
        let got = linearBackward(r, x: x, weight: w)
        expectRelative(got.dx.data, finiteDifferences(xd) { dot(rd, lin($0, wd, bd)) }, 1e-5, "dx")
        expectRelative(got.dWeight.data, finiteDifferences(wd) { dot(rd, lin(xd, $0, bd)) }, 1e-5, "dW")
        expectRelative(got.dBias.data, finiteDifferences(bd) { dot(rd, lin(xd, wd, $0)) }, 1e-5, "db")
    }

    /// Double causal attention of B sequences: qkv [B·T, 3C] -> [B·T, C].
    static func attention(_ qkv: [Double], batch: Int, t: Int, c: Int, heads: Int) -> [Double] {
        let hs = c / heads
        var out = [Double](repeating: 0, count: batch * t * c)
        for b in 0..<batch {
            for h in 0..<heads {
                func at(_ row: Int, _ part: Int, _ j: Int) -> Double { qkv[(b * t + row) * 3 * c + part * c + h * hs + j] }
                for i in 0..<t {
                    let scores = (0...i).map { k in (0..<hs).reduce(0.0) { $0 + at(i, 0, $1) * at(k, 1, $1) } / Double(hs).squareRoot() }
                    let m = scores.max() ?? 0
                    let e = scores.map { exp($0 - m) }
                    let z = e.reduce(0, +)
                    for j in 0..<hs {
                        out[(b * t + i) * c + h * hs + j] = (0...i).reduce(0.0) { $0 + e[$1] / z * at($1, 2, j) }
                    }
                }
            }
        }
        return out
    }

    @Test func causalAttentionMatchesFiniteDifferences() {
        let (batch, t, c, heads) = (2, 4, 6, 2)
        let qkv = randomTensor([batch * t, 3 * c], seed: 11)
        let r = randomTensor([batch * t, c], seed: 12)
        let (out, probs) = causalAttentionForward(qkv: qkv, batch: batch, heads: heads)
        let expected = Self.attention(doubles(qkv), batch: batch, t: t, c: c, heads: heads)
        expectRelative(out.data, expected, 1e-5, "attention forward")
        let rd = doubles(r)
        let fd = finiteDifferences(doubles(qkv)) { dot(rd, Self.attention($0, batch: batch, t: t, c: c, heads: heads)) }
        let got = causalAttentionBackward(r, qkv: qkv, probabilities: probs)
        expectRelative(got.data, fd, 1e-4, "dqkv")
    }

    @Test func softmaxBackwardMatchesFiniteDifferences() {
        let x = randomTensor([2, 5], seed: 13)
        let r = randomTensor([2, 5], seed: 14)
        let rd = doubles(r)
        let fd = finiteDifferences(doubles(x)) { x in
            var y = [Double]()
            for row in 0..<2 {
                let e = x[(row * 5)..<(row * 5 + 5)].map { exp($0) }
                let z = e.reduce(0, +)
                y += e.map { $0 / z }
            }
            return dot(rd, y)
        }
        expectRelative(softmaxBackward(r, y: softmax(x)).data, fd, 1e-5, "softmax dx")
    }

    @Test func crossEntropyMatchesFiniteDifferences() {
        let (n, v) = (3, 7)
        let z = randomTensor([n, v], seed: 15, std: 2)
        let targets = [2, 0, 6]
        func loss(_ z: [Double]) -> Double {
            (0..<n).reduce(0.0) { acc, i in
                let row = z[(i * v)..<((i + 1) * v)]
                return acc - (z[i * v + targets[i]] - log(row.map { exp($0) }.reduce(0, +)))
            } / Double(n)
        }
        let got = crossEntropyBackward(logits: z, targets: targets)
        #expect(abs(Double(got.loss) - loss(doubles(z))) < 1e-5, "loss \(got.loss) vs \(loss(doubles(z)))")
        #expect(got.loss == crossEntropy(logits: z, targets: targets), "same loss as the reference")
        expectRelative(got.dLogits.data, finiteDifferences(doubles(z), loss), 1e-4, "dlogits")
    }

    @Test func embeddingScatterAddsRepeatedTokensAndPositions() {
        // 2 sequences of T = 2; token 3 appears three times. Hand-worked sums.
        let dx = Tensor(shape: [4, 2], data: [1, 2, 10, 20, 100, 200, 1000, 2000])
        let (dwte, dwpe) = embeddingBackward(dx, ids: [3, 3, 1, 3], sequenceLength: 2, vocabSize: 4, positions: 3)
        #expect(dwte.data == [0, 0, 100, 200, 0, 0, 1011, 2022])
        #expect(dwpe.data == [101, 202, 1010, 2020, 0, 0])
    }

    @Test func tiedHeadMatchesFiniteDifferences() {
        let (n, c, v) = (3, 4, 5)
        let x = randomTensor([n, c], seed: 16)
        let wte = randomTensor([v, c], seed: 17)
        let r = randomTensor([n, v], seed: 18)
        func head(_ x: [Double], _ w: [Double]) -> [Double] {
            (0..<(n * v)).map { idx in (0..<c).reduce(0.0) { $0 + x[(idx / v) * c + $1] * w[(idx % v) * c + $1] } }
        }
        let (xd, wd, rd) = (doubles(x), doubles(wte), doubles(r))
        let got = tiedHeadBackward(r, x: x, wte: wte)
        expectRelative(got.dx.data, finiteDifferences(xd) { dot(rd, head($0, wd)) }, 1e-5, "dx")
        expectRelative(got.dwte?.data ?? [], finiteDifferences(wd) { dot(rd, head(xd, $0)) }, 1e-5, "dwte")
    }

    @Test func loraMatchesFiniteDifferencesAndTheLectureFormulas() {
        // y = x W + b + s·x Aᵀ Bᵀ; only dA, dB and the adapter's share of dx are tested here.
        let (n, nIn, nOut, r) = (4, 5, 6, 2)
        let s: Float = 1.5
        let x = randomTensor([n, nIn], seed: 19)
        let a = randomTensor([r, nIn], seed: 20)
        let b = randomTensor([nOut, r], seed: 21)
        let dy = randomTensor([n, nOut], seed: 22)
        let adapter = LoRAAdapter(layer: 0, target: .cAttn, a: a, b: b, scaling: s)
        func delta(_ x: [Double], _ a: [Double], _ b: [Double]) -> [Double] {
            (0..<(n * nOut)).map { idx in
                let (i, o) = (idx / nOut, idx % nOut)
                return Double(s) * (0..<r).reduce(0.0) { acc, k in
                    acc + b[o * r + k] * (0..<nIn).reduce(0.0) { $0 + x[i * nIn + $1] * a[k * nIn + $1] }
                }
            }
        }
        let (xd, ad, bd, rd) = (doubles(x), doubles(a), doubles(b), doubles(dy))
        let got = loraBackward(dy, x: x, xa: x.matmul(a, transposeOther: true), adapter: adapter)
        expectRelative(got.dA.data, finiteDifferences(ad) { dot(rd, delta(xd, $0, bd)) }, 1e-5, "dA")
        expectRelative(got.dB.data, finiteDifferences(bd) { dot(rd, delta(xd, ad, $0)) }, 1e-5, "dB")
        expectRelative(got.dx.data, finiteDifferences(xd) { dot(rd, delta($0, ad, bd)) }, 1e-5, "dx")
        // The adapted layer's forward equals x W + b + x ΔW with ΔW = s·(B A)ᵀ.
        let w = randomTensor([nIn, nOut], seed: 23)
        let bias = randomTensor([nOut], seed: 24)
        let (y, _) = adaptedLinear(x, weight: w, bias: bias, adapter: adapter)
        let expected = zip(doubles(linear(x, weight: w, bias: bias)), delta(xd, ad, bd)).map(+)
        expectRelative(y.data, expected, 1e-5, "adapted forward")
    }
}
