// fp16/bf16 conversions against numpy (Tests/Oracle/tensors_halffloat.py), bit for bit, via .npy.
import Foundation
import TestSupport
import Testing

@testable import Tensors

/// Loads the oracle's int64 bit patterns.
func oracleBits(_ dir: URL, _ name: String) throws -> [Int] {
    try Npy.read(dir.appendingPathComponent(name)).ints()
}

/// NaN-aware comparison: NaNs must agree in sign (numpy keeps signalling payloads, we quiet).
func sameFloatBits(_ got: UInt32, _ want: UInt32) -> Bool {
    let (g, w) = (Float(bitPattern: got), Float(bitPattern: want))
    if w.isNaN { return g.isNaN && g.sign == w.sign && got & 0x40_0000 != 0 }
    return got == want
}

func sameHalfBits(_ got: UInt16, _ want: UInt16) -> Bool {
    let isNaN = { (h: UInt16) in h & 0x7C00 == 0x7C00 && h & 0x3FF != 0 }
    if isNaN(want) { return isNaN(got) && got & 0x8000 == want & 0x8000 && got & 0x200 != 0 }
    return got == want
}

@Test func halfFloatsMatchNumpy() throws {
    let dir = try makeScratchDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    try runOracle("tensors_halffloat.py", ["make", dir.path])

    // Every fp16 pattern decoded.
    let decoded = try oracleBits(dir, "f16_decode.npy")
    #expect(decoded.count == 65536)
    var bad = (0..<65536).filter {
        !sameFloatBits(halfBitsToFloat(UInt16($0)).bitPattern, UInt32(decoded[$0]))
    }
    #expect(bad.isEmpty, "fp16 decode: \(bad.count) patterns differ, first \(bad.prefix(5))")

    // ~1M float32 inputs encoded.
    let inputs = try oracleBits(dir, "enc_inputs.npy").map { Float(bitPattern: UInt32($0)) }
    let f16 = try oracleBits(dir, "enc_f16.npy")
    #expect(inputs.count > 1_000_000 && f16.count == inputs.count)
    var got = [UInt16](repeating: 0, count: inputs.count)
    inputs.withUnsafeBufferPointer { src in
        got.withUnsafeMutableBufferPointer { floatToHalfBits(src, into: $0) }
    }
    bad = (0..<inputs.count).filter { !sameHalfBits(got[$0], UInt16(f16[$0])) }
    let example = bad.first.map {
        "input \(String(inputs[$0].bitPattern, radix: 16)) -> \(String(got[$0], radix: 16)), "
            + "numpy \(String(f16[$0], radix: 16))"
    }
    #expect(bad.isEmpty, "fp16 encode: \(bad.count) of \(inputs.count) differ; \(example ?? "")")
    // Decoding our encodings gives back the inputs wherever fp16 is exact: a round trip check.
    let back = halfBitsToFloats(got)
    let exact = (0..<inputs.count).filter { UInt16(f16[$0]) == got[$0] && !inputs[$0].isNaN }
    let worst =
        exact.filter { got[$0] & 0x7C00 != 0x7C00 }.map {
            abs(Double(back[$0]) - Double(inputs[$0])) / max(abs(Double(inputs[$0])), 0x1p-14)
        }.max() ?? 0
    // Half an ulp relative to the value (or to the smallest normal, for subnormals).
    #expect(worst <= 0x1p-11, "fp16 round trip worst relative error \(worst)")
}

@Test func bfloat16MatchesNumpyBitTrick() throws {
    let dir = try makeScratchDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    try runOracle("tensors_halffloat.py", ["make", dir.path])

    let inputs = try oracleBits(dir, "enc_inputs.npy").map { Float(bitPattern: UInt32($0)) }
    let want = try oracleBits(dir, "enc_bf16.npy")
    let got = floatsToBFloat16Bits(inputs)
    let bad = (0..<inputs.count).filter { got[$0] != UInt16(want[$0]) }
    #expect(
        bad.isEmpty, "bf16 encode: \(bad.count) of \(inputs.count) differ, first \(bad.prefix(5))")

    let decoded = try oracleBits(dir, "bf16_decode.npy")
    let all = bfloat16BitsToFloats((0..<65536).map { UInt16($0) })
    let badDecode = (0..<65536).filter { all[$0].bitPattern != UInt32(decoded[$0]) }
    #expect(
        badDecode.isEmpty, "bf16 decode: \(badDecode.count) differ, first \(badDecode.prefix(5))")
}

@Test func handWorkedHalfValues() {
    // Published binary16 constants: 1.0 = 0x3C00, max 65504 = 0x7BFF, min normal 2^-14 =
    // 0x0400, min subnormal 2^-24 = 0x0001, -2 = 0xC000; 65520 rounds (tie, to even) to inf.
    #expect(floatToHalfBits(1) == 0x3C00)
    #expect(floatToHalfBits(65504) == 0x7BFF)
    #expect(floatToHalfBits(65520) == 0x7C00)
    #expect(floatToHalfBits(0x1p-14) == 0x0400)
    #expect(floatToHalfBits(0x1p-24) == 0x0001)
    #expect(floatToHalfBits(0x1p-25) == 0x0000)  // tie between 0 and 2^-24 -> even (0)
    #expect(floatToHalfBits(-2) == 0xC000)
    #expect(floatToHalfBits(-0.0) == 0x8000)
    #expect(halfBitsToFloat(0x3555) == 0.333251953125)
    // bfloat16: 1.0 = 0x3F80; 1 + 2^-8 is a tie and rounds to even 0x3F80; NaN sign kept.
    #expect(floatToBFloat16Bits(1) == 0x3F80)
    #expect(floatToBFloat16Bits(1 + 0x1p-8) == 0x3F80)
    #expect(floatToBFloat16Bits(1 + 0x1p-7 + 0x1p-8) == 0x3F82)
    #expect(floatToBFloat16Bits(-Float.nan) & 0x8000 == 0x8000)
    #expect(bfloat16BitsToFloat(0xC040) == -3)
}
