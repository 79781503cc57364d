// IEEE fp16 and bfloat16 <-> fp32 by bit manipulation, so checkpoints in half precision load the
// same way on every platform (Swift's Float16 is missing on some, e.g. macOS on Intel).
//
// Encoding rounds to nearest, ties to even; overflow goes to ±inf; fp16 subnormals are exact.
// NaN stays NaN with its sign and its top payload bits, and comes out quiet (quiet bit set),
// as x86 F16C and ARM hardware conversions do. (NumPy's software path instead keeps a
// signalling NaN signalling; the tests compare NaNs by sign and NaN-ness only.)

/// fp32 -> IEEE binary16 bits, rounding to nearest even.
@inlinable
public func floatToHalfBits(_ x: Float) -> UInt16 {
    let bits = x.bitPattern
    let sign = UInt16(truncatingIfNeeded: (bits >> 16) & 0x8000)
    let exponent = (bits >> 23) & 0xFF  // biased by 127
    let mantissa = bits & 0x7F_FFFF
    if exponent == 0xFF {  // inf or NaN
        if mantissa == 0 { return sign | 0x7C00 }
        return sign | 0x7E00 | UInt16(truncatingIfNeeded: mantissa >> 13)
    }
    if exponent >= 143 { return sign | 0x7C00 }  // |x| >= 2^16: beyond every half, even rounded
    if exponent >= 113 {
        // Normal half: rebias the exponent 127 -> 15 and keep the top 10 mantissa bits.
        // A carry out of the mantissa bumps the exponent, which is exactly right (up to inf).
        var h = UInt32((exponent - 112) << 10) | (mantissa >> 13)
        let rest = mantissa & 0x1FFF
        if rest > 0x1000 || (rest == 0x1000 && h & 1 == 1) { h += 1 }
        return sign | UInt16(truncatingIfNeeded: h)
    }
    if exponent < 101 { return sign }  // |x| < 2^-26: rounds to zero
    // Subnormal half h · 2^-24: h = (1.mantissa · 2^23) >> (126 - exponent), rounded.
    let full = mantissa | 0x80_0000
    let shift = 126 - exponent  // 14 ... 25
    var h = full >> shift
    let rest = full & ((1 << shift) - 1)
    let halfway: UInt32 = 1 << (shift - 1)
    if rest > halfway || (rest == halfway && h & 1 == 1) { h += 1 }
    return sign | UInt16(truncatingIfNeeded: h)
}

/// IEEE binary16 bits -> fp32 (exact; a NaN comes out quiet).
@inlinable
public func halfBitsToFloat(_ h: UInt16) -> Float {
    let sign = UInt32(h & 0x8000) << 16
    let exponent = UInt32(h >> 10) & 0x1F
    let mantissa = UInt32(h & 0x3FF)
    if exponent == 0x1F {
        let payload = mantissa == 0 ? 0 : 0x40_0000 | mantissa << 13  // NaN: quiet it
        return Float(bitPattern: sign | 0x7F80_0000 | payload)
    }
    if exponent == 0 {
        // Zero or subnormal: mantissa · 2^-24, exact in Float.
        let magnitude = Float(mantissa) * 0x1p-24
        return Float(bitPattern: sign | magnitude.bitPattern)
    }
    return Float(bitPattern: sign | (exponent + 112) << 23 | mantissa << 13)
}

/// fp32 -> bfloat16 bits (the upper 16 bits of fp32), rounding to nearest even.
@inlinable
public func floatToBFloat16Bits(_ x: Float) -> UInt16 {
    let bits = x.bitPattern
    if x.isNaN { return UInt16(truncatingIfNeeded: bits >> 16) | 0x0040 }
    // Adding 0x7FFF (+1 if the kept part is odd) carries into bit 16 exactly when the dropped
    // half is above the midpoint, or at it with an odd kept part; overflow carries into inf.
    let rounded = bits &+ 0x7FFF &+ ((bits >> 16) & 1)
    return UInt16(truncatingIfNeeded: rounded >> 16)
}

/// bfloat16 bits -> fp32 (exact; a NaN comes out quiet).
@inlinable
public func bfloat16BitsToFloat(_ h: UInt16) -> Float {
    var bits = UInt32(h) << 16
    if bits & 0x7F80_0000 == 0x7F80_0000 && bits & 0x7F_FFFF != 0 { bits |= 0x40_0000 }
    return Float(bitPattern: bits)
}

// MARK: Bulk conversions over buffers (counts must match: a programmer error otherwise).

/// Encodes `source` into `destination` as fp16 bits.
public func floatToHalfBits(
    _ source: UnsafeBufferPointer<Float>, into destination: UnsafeMutableBufferPointer<UInt16>
) {
    precondition(source.count == destination.count, "fp16 encode: count mismatch")
    for i in 0..<source.count { destination[i] = floatToHalfBits(source[i]) }
}

/// Decodes fp16 bits in `source` into `destination`.
public func halfBitsToFloat(
    _ source: UnsafeBufferPointer<UInt16>, into destination: UnsafeMutableBufferPointer<Float>
) {
    precondition(source.count == destination.count, "fp16 decode: count mismatch")
    for i in 0..<source.count { destination[i] = halfBitsToFloat(source[i]) }
}

/// Encodes `source` into `destination` as bf16 bits.
public func floatToBFloat16Bits(
    _ source: UnsafeBufferPointer<Float>, into destination: UnsafeMutableBufferPointer<UInt16>
) {
    precondition(source.count == destination.count, "bf16 encode: count mismatch")
    for i in 0..<source.count { destination[i] = floatToBFloat16Bits(source[i]) }
}

/// Decodes bf16 bits in `source` into `destination`.
public func bfloat16BitsToFloat(
    _ source: UnsafeBufferPointer<UInt16>, into destination: UnsafeMutableBufferPointer<Float>
) {
    precondition(source.count == destination.count, "bf16 decode: count mismatch")
    for i in 0..<source.count { destination[i] = bfloat16BitsToFloat(source[i]) }
}

/// fp16 bits of every value.
public func floatsToHalfBits(_ values: [Float]) -> [UInt16] { values.map(floatToHalfBits) }

/// Floats from fp16 bits.
public func halfBitsToFloats(_ bits: [UInt16]) -> [Float] { bits.map(halfBitsToFloat) }

/// bf16 bits of every value.
public func floatsToBFloat16Bits(_ values: [Float]) -> [UInt16] { values.map(floatToBFloat16Bits) }

/// Floats from bf16 bits.
public func bfloat16BitsToFloats(_ bits: [UInt16]) -> [Float] { bits.map(bfloat16BitsToFloat) }
