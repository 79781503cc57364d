// A linear layer y = x W + b computed from quantized weights: batch-1 decoding runs fused block
// dot products (CQuantKernels' AVX2 ones when the CPU has them, else QuantizedDot.swift's),
// split by output rows across the cores; a prompt (T > 1) dequantizes a tile of output rows at
// a time into a small buffer and hands it to sgemm, so the fp32 matrix never exists whole.
import CQuantKernels
import Dispatch
import Foundation
import Tensors

/// A Conv1D-layout linear layer (W [in, out] in the maths) whose W is quantized.
public struct QuantizedLinear: Sendable, Equatable {
    public let weight: QuantizedMatrix  // stored [out, in]
    public let bias: Tensor?  // [out], kept in fp32

    /// Output rows dequantized per sgemm in the T > 1 path (a [tileRows, in] fp32 buffer).
    static let tileRows = 64

    public init(weight: QuantizedMatrix, bias: Tensor?) {
        precondition(bias == nil || bias?.shape == [weight.outputs], "bias must be [out]")
        self.weight = weight
        self.bias = bias
    }

    /// Quantizes a Conv1D weight [in, out]; `name` labels errors.
    public init(
        quantizing weight: Tensor, bias: Tensor?, scheme: QuantScheme, name: String = "weight"
    )
        throws
    {
        self.init(
            weight: try QuantizedMatrix(quantizing: weight, scheme: scheme, name: name), bias: bias)
    }

    /// Whether this CPU runs the C AVX2 kernels (else the portable Swift ones run).
    public static let simdKernelsAvailable = lmlab_quant_simd_available() != 0

    /// x [..., in] -> [..., out] = x W + b.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        apply(x, portable: false)
    }

    /// x W + b; `portable` forces the Swift kernels (tests compare both paths).
    func apply(_ x: Tensor, portable: Bool) -> Tensor {
        let (nIn, nOut) = (weight.inputs, weight.outputs)
        precondition(
            x.rank >= 1 && x.shape[x.rank - 1] == nIn,
            "quantized linear: x \(x.shape), W [\(nIn), \(nOut)]")
        let rows = x.count / max(nIn, 1)
        var out = Tensor(zeros: Array(x.shape.dropLast()) + [nOut])
        if let bias {
            out.data.withUnsafeMutableBufferPointer { y in
                bias.data.withUnsafeBufferPointer { b in
                    for r in 0..<rows {
                        for j in 0..<nOut { y[r * nOut + j] = b[j] }
                    }
                }
            }
        }
        guard rows > 0, nOut > 0, nIn > 0 else { return out }
        x.data.withUnsafeBufferPointer { xs in
            out.data.withUnsafeMutableBufferPointer { ys in
                guard let xs = xs.baseAddress, let ys = ys.baseAddress else { return }
                if rows == 1 {
                    matVec(xs, into: ys, portable: portable)
                } else {
                    matMat(xs, rows: rows, into: ys)
                }
            }
        }
        return out
    }

    /// y [out] += W x for one input row x [in]. The fused kernels split the output rows
    /// between the cores (each row is independent); fp32 is `matvec`, on its own thread pool.
    func matVec(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, portable: Bool) {
        let (nIn, nOut) = (weight.inputs, weight.outputs)
        switch weight.storage {
        case .float32(let w):
            w.withUnsafeBufferPointer { w in
                guard let w = w.baseAddress else { return }
                matvec(
                    transposed: false, rows: nOut, cols: nIn, a: w, lda: nIn, x: x, beta: 1, y: y)
            }
        case .half where !weight.halvesAreFinite && (portable || !Self.simdKernelsAvailable):
            // fp16 holding inf/NaN (weights beyond ±65504): convert a tile exactly, then sgemv.
            withTiles { range, tile in
                sgemv(
                    trans: false, rows: range.count, cols: nIn, a: tile, lda: nIn, x: x, beta: 1,
                    y: y + range.lowerBound)
            }
        default:
            let simd = !portable && Self.simdKernelsAvailable
            forEachRowChunk(rows: nOut, work: nOut * nIn) { rows in
                if simd {
                    simdMatVecRows(rows, x, into: y)
                } else {
                    matVecRows(rows, x, into: y)
                }
            }
        }
    }

    /// y[rows] += W[rows] x through the C AVX2 kernel of the storage's format.
    func simdMatVecRows(
        _ rows: Range<Int>, _ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>
    ) {
        let (n, begin, end) = (weight.inputs, rows.lowerBound, rows.upperBound)
        switch weight.storage {
        case .q8_0(let codes, let scales):
            codes.withUnsafeBufferPointer { q in
                scales.withUnsafeBufferPointer { d in
                    lmlab_q8_0_matvec(q.baseAddress, d.baseAddress, x, y, n, begin, end)
                }
            }
        case .q4_0(let nibbles, let scales):
            nibbles.withUnsafeBufferPointer { q in
                scales.withUnsafeBufferPointer { d in
                    lmlab_q4_0_matvec(q.baseAddress, d.baseAddress, x, y, n, begin, end)
                }
            }
        case .int8(let codes, let scales):
            let perRow: Int32 = weight.scheme == .int8Channel ? 1 : 0
            codes.withUnsafeBufferPointer { q in
                scales.withUnsafeBufferPointer { s in
                    lmlab_int8_matvec(q.baseAddress, s.baseAddress, perRow, x, y, n, begin, end)
                }
            }
        case .half(let bits):
            let isBF16: Int32 = weight.scheme == .bf16 ? 1 : 0
            bits.withUnsafeBufferPointer { h in
                lmlab_half_matvec(h.baseAddress, isBF16, x, y, n, begin, end)
            }
        case .float32:
            preconditionFailure("fp32 rows go through matvec")
        }
    }

    /// y[rows] += W[rows] x through the portable Swift kernel of the storage's format.
    func matVecRows(
        _ rows: Range<Int>, _ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>
    ) {
        let nIn = weight.inputs
        switch weight.storage {
        case .q8_0(let codes, let scales):
            codes.withUnsafeBufferPointer { q in
                scales.withUnsafeBufferPointer { d in
                    withScratch { acc in
                        guard let q = q.baseAddress, let d = d.baseAddress else { return }
                        q8_0MatVec(
                            codes: q, scales: d, x: x, y: y, inputs: nIn, rows: rows,
                            acc: acc)
                    }
                }
            }
        case .q4_0(let nibbles, let scales):
            nibbles.withUnsafeBufferPointer { q in
                scales.withUnsafeBufferPointer { d in
                    withScratch { acc in
                        withUnsafeTemporaryAllocation(of: Int8.self, capacity: nIn) { unpacked in
                            guard let q = q.baseAddress, let d = d.baseAddress,
                                let unpacked = unpacked.baseAddress
                            else { return }
                            q4_0MatVec(
                                nibbles: q, scales: d, x: x, y: y, inputs: nIn, rows: rows,
                                acc: acc, unpacked: unpacked)
                        }
                    }
                }
            }
        case .int8(let codes, let scales):
            codes.withUnsafeBufferPointer { q in
                scales.withUnsafeBufferPointer { s in
                    withScratch { acc in
                        guard let q = q.baseAddress, let s = s.baseAddress else { return }
                        int8MatVec(
                            codes: q, scales: s, perRow: weight.scheme == .int8Channel, x: x,
                            y: y, inputs: nIn, rows: rows, acc: acc)
                    }
                }
            }
        case .half(let bits):
            bits.withUnsafeBufferPointer { h in
                withScratch { acc in
                    guard let h = h.baseAddress else { return }
                    halfMatVec(
                        bits: h, isBF16: weight.scheme == .bf16, x: x, y: y, inputs: nIn,
                        rows: rows, acc: acc)
                }
            }
        case .float32:
            preconditionFailure("fp32 rows go through matvec")
        }
    }

    /// y [T, out] += x [T, in] Wᵀ, tile by tile of output rows.
    func matMat(_ x: UnsafePointer<Float>, rows t: Int, into y: UnsafeMutablePointer<Float>) {
        let (nIn, nOut) = (weight.inputs, weight.outputs)
        if case .float32(let w) = weight.storage {
            w.withUnsafeBufferPointer { w in
                guard let w = w.baseAddress else { return }
                sgemm(
                    transA: false, transB: true, m: t, n: nOut, k: nIn, a: x, lda: nIn, b: w,
                    ldb: nIn, beta: 1, c: y, ldc: nOut)
            }
            return
        }
        withTiles { range, tile in
            // y[:, range] += x [T, in] @ tileᵀ [in, rows]
            sgemm(
                transA: false, transB: true, m: t, n: range.count, k: nIn, a: x, lda: nIn,
                b: tile, ldb: nIn, beta: 1, c: y + range.lowerBound, ldc: nOut)
        }
    }

    /// Runs `body` over 0 ..< rows in one chunk per core when there is enough work to pay for
    /// the threads (each chunk a contiguous range of output rows), else in one call.
    func forEachRowChunk(rows: Int, work: Int, _ body: (Range<Int>) -> Void) {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let chunks = work >= 1 << 18 ? min(cores, max(1, rows / 16)) : 1
        if chunks <= 1 {
            body(0..<rows)
            return
        }
        // The chunks write disjoint rows of y and only read shared data, and concurrentPerform
        // returns after every chunk ran: safe, though the checker cannot see it through pointers.
        nonisolated(unsafe) let body = body
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            body((c * rows / chunks)..<((c + 1) * rows / chunks))
        }
    }

    /// 32 floats of scratch for the kernels' per-lane accumulators.
    func withScratch(_ body: (UnsafeMutablePointer<Float>) -> Void) {
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 32) { buffer in
            if let base = buffer.baseAddress { body(base) }
        }
    }

    /// Calls `body` with each tile of output rows dequantized into one reused buffer
    /// [tileRows, in].
    func withTiles(_ body: (Range<Int>, UnsafePointer<Float>) -> Void) {
        let (nIn, nOut) = (weight.inputs, weight.outputs)
        let tileRows = Self.tileRows
        var buffer = [Float](repeating: 0, count: tileRows * nIn)
        buffer.withUnsafeMutableBufferPointer { tile in
            guard let tile = tile.baseAddress else { return }
            for start in stride(from: 0, to: nOut, by: tileRows) {
                let range = start..<min(nOut, start + tileRows)
                weight.dequantizeRows(range, into: tile)
                body(range, tile)
            }
        }
    }
}
