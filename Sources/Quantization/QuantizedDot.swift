// The batch-1 decoding kernels: y[o] = Σ_i W[o, i] x[i] read straight from the quantized rows,
// one block of 32 at a time in SIMD registers, never expanding a row to fp32 in memory.
// Decoding is bound by reading the weights, so reading 8.5 or 4.5 bits instead of 32 is the win.
import Tensors

/// Q8_0 rows: y[o] = Σ_b d[o,b] · Σ_j q[o, 32b+j] · x[32b+j]. codes [out, in], scales
/// [out, in/32] (fp16 bits), x [in] -> y [out] (added to what y holds).
func q8_0MatVec(
    codes: UnsafePointer<Int8>, scales: UnsafePointer<UInt16>, x: UnsafePointer<Float>,
    y: UnsafeMutablePointer<Float>, outputs: Int, inputs: Int, rows: Range<Int>
) {
    let blocks = inputs / QuantScheme.blockSize
    let xr = UnsafeRawPointer(x)
    for o in rows {
        let q = UnsafeRawPointer(codes + o * inputs)
        let d = scales + o * blocks
        var acc = SIMD16<Float>()
        for b in 0..<blocks {
            // 32 codes as two 16-lane halves, widened int8 -> int32 -> float.
            let q0 = q.loadUnaligned(fromByteOffset: b * 32, as: SIMD16<Int8>.self)
            let q1 = q.loadUnaligned(fromByteOffset: b * 32 + 16, as: SIMD16<Int8>.self)
            let x0 = xr.loadUnaligned(fromByteOffset: b * 128, as: SIMD16<Float>.self)
            let x1 = xr.loadUnaligned(fromByteOffset: b * 128 + 64, as: SIMD16<Float>.self)
            let f0 = SIMD16<Float>(SIMD16<Int32>(truncatingIfNeeded: q0))
            let f1 = SIMD16<Float>(SIMD16<Int32>(truncatingIfNeeded: q1))
            acc += halfBitsToFloat(d[b]) * (f0 * x0 + f1 * x1)
        }
        y[o] += acc.sum()
    }
}

/// Q4_0 rows: y[o] = Σ_b d[o,b] · (Σ_j q_j · x_j - 8 · Σ_j x_j), with Σ_j x_j per block
/// precomputed once (`blockSums` [in/32]) so the inner loop skips the "- 8".
/// nibbles [out, in/2], scales [out, in/32], x [in] -> y [out] (added to what y holds).
func q4_0MatVec(
    nibbles: UnsafePointer<UInt8>, scales: UnsafePointer<UInt16>, x: UnsafePointer<Float>,
    blockSums: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, outputs: Int, inputs: Int,
    rows: Range<Int>
) {
    let blocks = inputs / QuantScheme.blockSize
    let xr = UnsafeRawPointer(x)
    for o in rows {
        let q = UnsafeRawPointer(nibbles + o * inputs / 2)
        let d = scales + o * blocks
        var acc = SIMD16<Float>()
        var offset: Float = 0
        for b in 0..<blocks {
            let bytes = q.loadUnaligned(fromByteOffset: b * 16, as: SIMD16<UInt8>.self)
            let lo = SIMD16<Float>(SIMD16<Int32>(truncatingIfNeeded: bytes & 0x0F))  // j
            let hi = SIMD16<Float>(SIMD16<Int32>(truncatingIfNeeded: bytes &>> 4))  // j + 16
            let x0 = xr.loadUnaligned(fromByteOffset: b * 128, as: SIMD16<Float>.self)
            let x1 = xr.loadUnaligned(fromByteOffset: b * 128 + 64, as: SIMD16<Float>.self)
            let db = halfBitsToFloat(d[b])
            acc += db * (lo * x0 + hi * x1)
            offset += db * blockSums[b]
        }
        y[o] += acc.sum() - 8 * offset
    }
}

/// int8 rows with one scale per row (per channel) or one for all: y[o] = s_o · Σ_i q[o,i] x[i].
/// `inputs` need not be a multiple of 16: the tail runs scalar.
func int8MatVec(
    codes: UnsafePointer<Int8>, scales: UnsafePointer<Float>, perRow: Bool,
    x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, inputs: Int, rows: Range<Int>
) {
    let vectorEnd = inputs - inputs % 16
    let xr = UnsafeRawPointer(x)
    for o in rows {
        let q = codes + o * inputs
        let qr = UnsafeRawPointer(q)
        var acc = SIMD16<Float>()
        var i = 0
        while i < vectorEnd {
            let c = qr.loadUnaligned(fromByteOffset: i, as: SIMD16<Int8>.self)
            let xv = xr.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
            acc += SIMD16<Float>(SIMD16<Int32>(truncatingIfNeeded: c)) * xv
            i += 16
        }
        var total = acc.sum()
        while i < inputs {
            total += Float(q[i]) * x[i]
            i += 1
        }
        y[o] += (perRow ? scales[o] : scales[0]) * total
    }
}
