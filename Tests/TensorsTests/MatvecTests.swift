// Our batch-1 matvec kernel (SIMD and portable) against OpenBLAS's cblas_sgemv: every size from
// 1 to 4099 on each side, the threaded sizes of GPT-2, unaligned pointers and row strides,
// beta, NaN/inf propagation, and concurrent callers sharing the thread pool.
import Dispatch
import Testing

@testable import Tensors

/// 64 Ki normals from seed 2026, the values every case draws from.
private let randomPool: [Float] = {
    var rng = RNG(seed: 2026)
    return (0..<(1 << 16)).map { _ in rng.normal() }
}()

/// One product A [rows, cols] (row stride lda) with x and a starting y, from a recorded seed.
/// `offset` floats in front of each buffer make the pointers unaligned.
private struct MatvecCase {
    var rows: Int
    var cols: Int
    var lda: Int
    var transposed: Bool
    var offset: Int
    var a: [Float]
    var x: [Float]
    var y: [Float]

    init(rows: Int, cols: Int, transposed: Bool, seed: UInt64, offset: Int = 0, padding: Int = 0) {
        var rng = RNG(seed: seed)
        (self.rows, self.cols, self.transposed, self.offset) = (rows, cols, transposed, offset)
        lda = cols + padding
        // Slices of one seeded pool of normals at random starts: thousands of cases stay cheap.
        func draw(_ count: Int) -> [Float] {
            var out: [Float] = []
            out.reserveCapacity(count)
            while out.count < count {
                let start = rng.int(below: randomPool.count)
                out += randomPool[start..<min(randomPool.count, start + count - out.count)]
            }
            return out
        }
        a = draw(offset + rows * lda)
        x = draw(offset + (transposed ? rows : cols))
        y = draw(offset + (transposed ? cols : rows))
    }

    var outputs: Int { transposed ? cols : rows }

    enum Kernel { case ours, portable, cblas }

    /// y after the product through `kernel` (without the offset).
    func run(_ kernel: Kernel, beta: Float) -> [Float] {
        var out = y
        a.withUnsafeBufferPointer { a in
            x.withUnsafeBufferPointer { x in
                out.withUnsafeMutableBufferPointer { y in
                    let (a, x, y) = (a.baseAddress! + offset, x.baseAddress! + offset, y.baseAddress! + offset)
                    switch kernel {
                    case .ours:
                        matvec(
                            transposed: transposed, rows: rows, cols: cols, a: a, lda: lda, x: x,
                            beta: beta, y: y)
                    case .portable:
                        MatvecKernel.portable(
                            transposed: transposed, rows: rows, cols: cols, a: a, lda: lda, x: x,
                            beta: beta, y: y)
                    case .cblas:
                        sgemv(
                            trans: transposed, rows: rows, cols: cols, a: a, lda: lda, x: x,
                            beta: beta, y: y)
                    }
                }
            }
        }
        return Array(out.dropFirst(offset))
    }

    /// Σ |A[o, i] x[i]| for each output: the scale a float sum's rounding error is relative to.
    func magnitudes() -> [Float] {
        var sums = [Float](repeating: 0, count: outputs)
        let inner = transposed ? rows : cols
        a.withUnsafeBufferPointer { a in
            x.withUnsafeBufferPointer { x in
                sums.withUnsafeMutableBufferPointer { sums in
                    for o in 0..<outputs {
                        for i in 0..<inner {
                            let w = transposed ? a[offset + i * lda + o] : a[offset + o * lda + i]
                            sums[o] += abs(w * x[offset + i])
                        }
                    }
                }
            }
        }
        return sums
    }

    /// The largest |ours - cblas| relative to each output's magnitude (plus |beta · y|).
    func worstRelativeError(_ kernel: Kernel, beta: Float) -> Float {
        let (got, want, scale) = (run(kernel, beta: beta), run(.cblas, beta: beta), magnitudes())
        var worst: Float = 0
        for o in 0..<outputs {
            let bound = scale[o] + abs(beta * y[offset + o]) + Float.leastNormalMagnitude
            worst = max(worst, abs(got[o] - want[o]) / bound)
        }
        return worst
    }
}

@Test func matvecMatchesSgemvOnEverySizeUpTo4099() {
    // Every length 1 ... 4099 along one side (the other small and odd), both layouts: each
    // SIMD tail and each split of the outputs between threads meets cblas_sgemv.
    var worst: Float = 0
    for n in 1...4099 {
        for transposed in [false, true] {
            let long = MatvecCase(rows: n, cols: 5, transposed: transposed, seed: UInt64(n))
            let wide = MatvecCase(rows: 3, cols: n, transposed: transposed, seed: UInt64(n) + 9000)
            worst = max(worst, long.worstRelativeError(.ours, beta: 0))
            worst = max(worst, wide.worstRelativeError(.ours, beta: 1))
        }
    }
    #expect(worst <= 1e-5, "worst relative difference from cblas_sgemv: \(worst)")
}

@Test(arguments: [
    (768, 2304), (768, 768), (768, 3072), (3072, 768), (4099, 769), (1031, 4099), (2049, 33),
])
func matvecMatchesSgemvOnThreadedSizes(rows: Int, cols: Int) {
    // Large enough for the thread pool; unaligned pointers and a padded row stride too.
    for transposed in [false, true] {
        for (offset, padding) in [(0, 0), (1, 3), (3, 1)] {
            let product = MatvecCase(
                rows: rows, cols: cols, transposed: transposed, seed: UInt64(rows * cols),
                offset: offset, padding: padding)
            for beta: Float in [0, 1, 0.5] {
                let error = product.worstRelativeError(.ours, beta: beta)
                #expect(error <= 1e-5, "\(rows)×\(cols) t=\(transposed) +\(offset): \(error)")
                let portable = product.worstRelativeError(.portable, beta: beta)
                #expect(portable <= 1e-5, "portable \(rows)×\(cols) t=\(transposed): \(portable)")
            }
        }
    }
}

@Test func matvecPortableLoopMatchesSgemvOnOddSizes() {
    for (rows, cols) in [(1, 1), (7, 13), (17, 33), (65, 100), (257, 15)] {
        for transposed in [false, true] {
            let product = MatvecCase(
                rows: rows, cols: cols, transposed: transposed, seed: UInt64(rows + cols),
                offset: 1)
            #expect(product.worstRelativeError(.portable, beta: 1) <= 1e-5)
        }
    }
}

@Test func matvecIgnoresOldYWhenBetaIsZero() {
    // BLAS semantics: beta = 0 overwrites y, so NaN left in y by an earlier step must vanish.
    for transposed in [false, true] {
        var product = MatvecCase(rows: 1000, cols: 300, transposed: transposed, seed: 5)
        product.y = [Float](repeating: .nan, count: product.y.count)
        for kernel in [MatvecCase.Kernel.ours, .portable] {
            let got = product.run(kernel, beta: 0)
            #expect(got.allSatisfy { $0.isFinite }, "\(kernel) transposed=\(transposed)")
        }
    }
}

@Test func matvecPropagatesNaNAndInfinityLikeSgemv() {
    for transposed in [false, true] {
        for kernel in [MatvecCase.Kernel.ours, .portable] {
            var product = MatvecCase(rows: 1200, cols: 130, transposed: transposed, seed: 11)
            // A NaN weight, an infinite weight, and an infinite input entry.
            product.a[5 * product.lda + 7] = .nan
            product.a[9 * product.lda + 100] = .infinity
            product.x[transposed ? 600 : 60] = -.infinity
            let (got, want) = (product.run(kernel, beta: 1), product.run(.cblas, beta: 1))
            let nan = got.indices.filter { got[$0].isNaN }
            #expect(!nan.isEmpty)
            #expect(nan == want.indices.filter { want[$0].isNaN }, "\(kernel) t=\(transposed)")
            let infinite = got.indices.filter { got[$0].isInfinite }
            #expect(infinite == want.indices.filter { want[$0].isInfinite })
            #expect(infinite.allSatisfy { got[$0] == want[$0] })
            // With a zero weight on the infinite input, 0 · inf is NaN in both (no term skipped).
            var zero = product
            zero.a = zero.a.map { _ in 0 }
            #expect(zero.run(.cblas, beta: 0).allSatisfy { $0.isNaN })
            #expect(zero.run(kernel, beta: 0).allSatisfy { $0.isNaN })
        }
    }
}

@Test func matvecGivesTheSameResultToConcurrentCallers() {
    // Callers that find the pool busy run on their own thread; every result must still be right.
    let product = MatvecCase(rows: 3072, cols: 768, transposed: true, seed: 21)
    let want = product.run(.cblas, beta: 0)
    let scale = product.magnitudes()
    nonisolated(unsafe) let worst = UnsafeMutableBufferPointer<Float>.allocate(capacity: 8)
    worst.initialize(repeating: 0)
    defer { worst.deallocate() }
    DispatchQueue.concurrentPerform(iterations: 8) { caller in
        for _ in 0..<20 {
            let got = product.run(.ours, beta: 0)
            for o in got.indices {
                worst[caller] = max(worst[caller], abs(got[o] - want[o]) / (scale[o] + 1e-30))
            }
        }
    }
    #expect(worst.max()! <= 1e-5)
}
