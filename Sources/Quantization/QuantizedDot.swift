// The portable batch-1 decoding kernels: y[o] = Σ_i W[o, i] x[i] read straight from the
// quantized rows, never expanding a row to fp32 in memory. On x86-64 with AVX2 the C kernels of
// CQuantKernels run instead (3-4x faster: SSE2, Swift's x86 baseline, unpacks int8 slowly);
// these run everywhere else (ARM, where the baseline has NEON) and are tested against the same
// oracle. Decoding is bound by reading the weights, so 8.5 or 4.5 bits instead of 32 is the win.
//
// Why the loops look like this: each keeps 32 independent per-lane accumulators (acc[j] for
// lane j of a block) instead of summing a block into one scalar, so there is no reduction in
// the inner loop and LLVM vectorizes it (int8 -> int32 -> float conversion, multiply, add) at
// whatever SIMD width the build targets; the 32 lanes are summed once per output row.
import Tensors

/// fp16 bits -> Float for a finite value, branch-free: the half's exponent and mantissa moved
/// into fp32's fields are off by a factor 2^112 for normals AND subnormals, so one multiply
/// fixes both exactly. Inf/NaN (exponent 31) take the general path.
@inline(__always)
func fp16ScaleToFloat(_ h: UInt16) -> Float {
    if h & 0x7C00 == 0x7C00 { return halfBitsToFloat(h) }
    let magnitude = Float(bitPattern: UInt32(h & 0x7FFF) << 13) * 0x1p112
    return h & 0x8000 == 0 ? magnitude : -magnitude
}

/// Σ_b d[b] · Σ_j q[32b+j] · x[32b+j] over one row of int8 codes with fp16 block scales.
@inline(__always)
func blockRowDot(
    _ q: UnsafePointer<Int8>, _ d: UnsafePointer<UInt16>, _ x: UnsafePointer<Float>,
    blocks: Int, acc: UnsafeMutablePointer<Float>
) -> Float {
    let qk = QuantScheme.blockSize
    acc.update(repeating: 0, count: qk)
    for b in 0..<blocks {
        let db = fp16ScaleToFloat(d[b])
        let (qb, xb) = (q + b * qk, x + b * qk)
        for j in 0..<32 { acc[j] += db * (Float(qb[j]) * xb[j]) }
    }
    var total: Float = 0
    for j in 0..<32 { total += acc[j] }
    return total
}

/// Q8_0 rows: y[o] += Σ_b d[o,b] · Σ_j q[o, 32b+j] · x[32b+j]. codes [out, in], scales
/// [out, in/32] (fp16 bits), x [in]; `acc` is scratch for 32 floats.
@inline(never)
func q8_0MatVec(
    codes: UnsafePointer<Int8>, scales: UnsafePointer<UInt16>, x: UnsafePointer<Float>,
    y: UnsafeMutablePointer<Float>, inputs: Int, rows: Range<Int>,
    acc: UnsafeMutablePointer<Float>
) {
    let blocks = inputs / QuantScheme.blockSize
    for o in rows {
        y[o] += blockRowDot(codes + o * inputs, scales + o * blocks, x, blocks: blocks, acc: acc)
    }
}

/// Q4_0 rows: y[o] += Σ_b d[o,b] · Σ_j (q_j - 8) · x_j, with byte j of a block holding
/// element j (low nibble) and j + 16 (high nibble). Each row's nibbles are first unpacked to
/// signed bytes q - 8 in a row buffer that stays in L1 (byte-wide ops, 16 lanes at a time),
/// then go through Q8_0's multiply-accumulate: two simple loops vectorize where one fused loop
/// did not. nibbles [out, in/2], scales [out, in/32], x [in]; `acc`: scratch for 32 floats,
/// `unpacked`: scratch for `inputs` bytes.
@inline(never)
func q4_0MatVec(
    nibbles: UnsafePointer<UInt8>, scales: UnsafePointer<UInt16>, x: UnsafePointer<Float>,
    y: UnsafeMutablePointer<Float>, inputs: Int, rows: Range<Int>,
    acc: UnsafeMutablePointer<Float>, unpacked: UnsafeMutablePointer<Int8>
) {
    let qk = QuantScheme.blockSize
    let blocks = inputs / qk
    for o in rows {
        let q = nibbles + o * inputs / 2
        for b in 0..<blocks {
            let (qb, ub) = (q + b * qk / 2, unpacked + b * qk)
            for j in 0..<16 {
                ub[j] = Int8(bitPattern: qb[j] & 0x0F) &- 8
                ub[j + 16] = Int8(bitPattern: qb[j] >> 4) &- 8
            }
        }
        y[o] += blockRowDot(unpacked, scales + o * blocks, x, blocks: blocks, acc: acc)
    }
}

/// fp16 or bf16 rows: y[o] += Σ_i w[o,i] x[i] with w converted in registers. fp16 uses the
/// exact branch-free conversion of `fp16ScaleToFloat` (finite halves only: the caller checks);
/// bf16 is the top half of an fp32. bits [out, in], x [in]; `acc`: scratch for 32 floats.
@inline(never)
func halfMatVec(
    bits: UnsafePointer<UInt16>, isBF16: Bool, x: UnsafePointer<Float>,
    y: UnsafeMutablePointer<Float>, inputs: Int, rows: Range<Int>,
    acc: UnsafeMutablePointer<Float>
) {
    let vectorEnd = inputs - inputs % 32
    for o in rows {
        let h = bits + o * inputs
        acc.update(repeating: 0, count: 32)
        var i = 0
        if isBF16 {
            while i < vectorEnd {
                let (hi, xi) = (h + i, x + i)
                for j in 0..<32 { acc[j] += Float(bitPattern: UInt32(hi[j]) << 16) * xi[j] }
                i += 32
            }
        } else {
            while i < vectorEnd {
                let (hi, xi) = (h + i, x + i)
                for j in 0..<32 {
                    // sign | (exponent, mantissa) << 13, then rescale by 2^112: exact.
                    let v = UInt32(hi[j])
                    let w = Float(bitPattern: (v & 0x8000) << 16 | (v & 0x7FFF) << 13) * 0x1p112
                    acc[j] += w * xi[j]
                }
                i += 32
            }
        }
        var total: Float = 0
        for j in 0..<32 { total += acc[j] }
        while i < inputs {
            let w = isBF16 ? bfloat16BitsToFloat(h[i]) : halfBitsToFloat(h[i])
            total += w * x[i]
            i += 1
        }
        y[o] += total
    }
}

/// int8 rows with one scale per row (per channel) or one for all: y[o] += s_o · Σ_i q[o,i] x[i].
/// `inputs` need not be a multiple of 32: the tail runs scalar. `acc`: scratch for 32 floats.
@inline(never)
func int8MatVec(
    codes: UnsafePointer<Int8>, scales: UnsafePointer<Float>, perRow: Bool,
    x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, inputs: Int, rows: Range<Int>,
    acc: UnsafeMutablePointer<Float>
) {
    let vectorEnd = inputs - inputs % 32
    for o in rows {
        let q = codes + o * inputs
        acc.update(repeating: 0, count: 32)
        var i = 0
        while i < vectorEnd {
            let (qi, xi) = (q + i, x + i)
            for j in 0..<32 { acc[j] += Float(qi[j]) * xi[j] }
            i += 32
        }
        var total: Float = 0
        for j in 0..<32 { total += acc[j] }
        while i < inputs {
            total += Float(q[i]) * x[i]
            i += 1
        }
        y[o] += (perRow ? scales[o] : scales[0]) * total
    }
}
