// ggml's Q8_0 and Q4_0 block formats, row by row, following ggml's reference C
// (quantize_row_q8_0_ref, quantize_row_q4_0_ref, dequantize_row_q8_0/_q4_0) so the codes and
// fp16 scales are bit-identical to what llama.cpp writes for the same fp32 row.
// A row of n weights (n a multiple of 32) is n/32 blocks; block b covers weights 32b ..< 32b+32.
import Tensors

/// Q8_0: d = absmax / 127 (fp32), id = 1/d (0 if d = 0), q_j = roundf(x_j · id) (half away
/// from zero), and d is stored as fp16. Dequantization is q_j · fp16(d). When absmax is tiny
/// (below about 3.7e-37, every subnormal block included) 1/d overflows to inf, x_j · id is ±inf
/// or NaN, and ggml's cast to int8 gives 0 (see `ggmlInt8Cast`): such a block is all zeros.
/// x: [n] -> codes [n], scales [n/32] (fp16 bits).
public func quantizeRowQ8_0(
    _ x: UnsafePointer<Float>, count n: Int, codes: UnsafeMutablePointer<Int8>,
    scales: UnsafeMutablePointer<UInt16>
) {
    let qk = QuantScheme.blockSize
    precondition(n % qk == 0, "Q8_0 rows must be a multiple of \(qk), got \(n)")
    for b in 0..<(n / qk) {
        let xb = x + b * qk
        var amax: Float = 0
        for j in 0..<qk { amax = max(amax, abs(xb[j])) }
        let d = amax / 127
        let id: Float = d != 0 ? 1 / d : 0
        scales[b] = floatToHalfBits(d)
        for j in 0..<qk {
            codes[b * qk + j] = ggmlInt8Cast((xb[j] * id).rounded(.toNearestOrAwayFromZero))
        }
    }
}

/// Q4_0: max = the weight of largest magnitude WITH its sign (the first one on ties),
/// d = max / -8, id = 1/d (0 if d = 0), q = min(15, (int8)(x · id + 8.5)) — truncation, which is
/// floor here since x · id + 8.5 ≥ 0 — and d stored as fp16. Byte j of a block holds element j in
/// its low nibble and element j + 16 in its high nibble. Dequantization is (q - 8) · fp16(d).
/// x: [n] -> nibbles [n/2], scales [n/32] (fp16 bits).
public func quantizeRowQ4_0(
    _ x: UnsafePointer<Float>, count n: Int, nibbles: UnsafeMutablePointer<UInt8>,
    scales: UnsafeMutablePointer<UInt16>
) {
    let qk = QuantScheme.blockSize
    precondition(n % qk == 0, "Q4_0 rows must be a multiple of \(qk), got \(n)")
    for b in 0..<(n / qk) {
        let xb = x + b * qk
        var amax: Float = 0
        var signedMax: Float = 0
        for j in 0..<qk where amax < abs(xb[j]) {
            amax = abs(xb[j])
            signedMax = xb[j]
        }
        let d = signedMax / -8
        let id: Float = d != 0 ? 1 / d : 0
        scales[b] = floatToHalfBits(d)
        // Writing the sum first keeps Swift from fusing it into an FMA (ggml's C does not fuse).
        func code(_ v: Float) -> UInt8 {
            let shifted: Float = v * id + 8.5
            // min(15, (int8_t)shifted): truncation toward zero. When id overflowed to inf (|d|
            // below about 2.9e-39) shifted is ±inf or NaN and ggml's cast gives 0, as in
            // `ggmlInt8Cast`.
            guard shifted.isFinite, shifted >= 1 else { return 0 }
            guard shifted < 16 else { return 15 }
            return UInt8(shifted)
        }
        for j in 0..<(qk / 2) {
            nibbles[b * qk / 2 + j] = code(xb[j]) | code(xb[j + qk / 2]) << 4
        }
    }
}

/// ggml's `(int8_t)` of a rounded float: exact in range (every code of a block whose 1/d is
/// finite lies in -127 ... 127). ±inf and NaN, which arise only when 1/d overflowed, give 0:
/// C leaves that cast undefined, and on x86-64 it is cvttss2si, whose "integer indefinite"
/// 0x80000000 has low byte 0 — what llama.cpp writes, and what gguf-py's NumPy gives.
func ggmlInt8Cast(_ r: Float) -> Int8 {
    guard r.isFinite else { return 0 }
    return Int8(min(127, max(-128, r)))
}

/// round-to-integer result -> Int8 for the int8 schemes, clipped to [-127, 127] as their
/// definition (np.clip) says, NaN to 0.
func saturatingInt8(_ r: Float) -> Int8 {
    guard r == r else { return 0 }
    return Int8(min(127, max(-127, r)))
}

/// codes [n], scales [n/32] (fp16 bits) -> x [n] = q · d.
public func dequantizeRowQ8_0(
    codes: UnsafePointer<Int8>, scales: UnsafePointer<UInt16>, count n: Int,
    into x: UnsafeMutablePointer<Float>
) {
    let qk = QuantScheme.blockSize
    for b in 0..<(n / qk) {
        let d = halfBitsToFloat(scales[b])
        for j in 0..<qk { x[b * qk + j] = Float(codes[b * qk + j]) * d }
    }
}

/// nibbles [n/2], scales [n/32] (fp16 bits) -> x [n] = (q - 8) · d.
public func dequantizeRowQ4_0(
    nibbles: UnsafePointer<UInt8>, scales: UnsafePointer<UInt16>, count n: Int,
    into x: UnsafeMutablePointer<Float>
) {
    let qk = QuantScheme.blockSize
    for b in 0..<(n / qk) {
        let d = halfBitsToFloat(scales[b])
        let q = nibbles + b * qk / 2
        let xb = x + b * qk
        for j in 0..<(qk / 2) {
            xb[j] = Float(Int32(q[j] & 0x0F) - 8) * d
            xb[j + qk / 2] = Float(Int32(q[j] >> 4) - 8) * d
        }
    }
}
