// Hand-worked Q8_0, Q4_0 and int8 blocks: codes, fp16 scales, nibble order, rounding rules.
import Foundation
import Tensors
import Testing

@testable import Quantization

/// A Conv1D weight [32, 1] (one output row of one block) holding `values`.
private func column(_ values: [Float]) -> Tensor { Tensor(shape: [values.count, 1], data: values) }

@Test func q4_0NibbleOrderOfTheSixteenLevels() throws {
    // x_j = (j mod 16 - 8) · 0.5: the largest magnitude is -4 (first at j = 0), so d = -4 / -8
    // = 0.5, x·id + 8.5 = (j mod 16) + 0.5 and q_j = j mod 16. Byte j packs q_j | q_{j+16} << 4.
    let values = (0..<32).map { Float($0 % 16 - 8) * 0.5 }
    let m = try QuantizedMatrix(quantizing: column(values), scheme: .q4_0)
    guard case .q4_0(let nibbles, let scales) = m.storage else {
        Issue.record("expected Q4_0 storage")
        return
    }
    #expect(scales == [0x3800])  // fp16(0.5)
    #expect(nibbles == (0..<16).map { UInt8($0) | UInt8($0) << 4 })
    #expect(m.dequantized().data == values)  // the 16 levels are exact
    #expect(m.byteCount == 18 && m.bitsPerWeight == 4.5)
}

@Test func q4_0PositiveMaximumGivesNegativeScale() throws {
    // max = +8 so d = -1; 8 maps to level 0 ((0 - 8) · -1 = 8), 0 to level 8, -1 to level 9.
    var values = [Float](repeating: 0, count: 32)
    values[0] = 8
    values[1] = -1
    values[17] = 3
    let m = try QuantizedMatrix(quantizing: column(values), scheme: .q4_0)
    guard case .q4_0(let nibbles, let scales) = m.storage else {
        Issue.record("expected Q4_0 storage")
        return
    }
    #expect(scales == [0xBC00])  // fp16(-1)
    // byte 0: element 0 (level 0) low, element 16 (level 8) high; byte 1: 9 low, element 17
    // (3 · -1 + 8.5 = 5.5 -> 5) high; every other byte 8 | 8 << 4.
    #expect(nibbles[0] == 0x80 && nibbles[1] == 0x59)
    #expect(nibbles[2...].allSatisfy { $0 == 0x88 })
    #expect(m.dequantized().data == values)
}

@Test func q8_0RoundsHalfAwayFromZero() throws {
    // amax = 1: d = 1/127, id = 127. -0.5 · 127 = -63.5 exactly -> -64 (roundf), 0.25 -> 31.75
    // -> 32, and 1 -> 127. fp16(1/127) = 0x2008.
    var values = [Float](repeating: 0, count: 32)
    values[0] = 1
    values[1] = -0.5
    values[2] = 0.25
    let m = try QuantizedMatrix(quantizing: column(values), scheme: .q8_0)
    guard case .q8_0(let codes, let scales) = m.storage else {
        Issue.record("expected Q8_0 storage")
        return
    }
    #expect(scales == [0x2008])
    #expect(Array(codes[0..<4]) == [127, -64, 32, 0])
    #expect(m.byteCount == 34 && m.bitsPerWeight == 8.5)
    let d = halfBitsToFloat(0x2008)
    #expect(m.dequantized().data[1] == -64 * d)
}

@Test func int8RoundsHalfToEvenAndScalesPerColumn() throws {
    // Per tensor: amax 127 -> scale 1; 2.5 -> 2, -3.5 -> -4, 0.5 -> 0 (ties to even).
    let w = Tensor(shape: [3, 2], data: [127, 2.5, -3.5, 0.5, 1.5, -1])  // [in 3, out 2]
    let t = try QuantizedMatrix(quantizing: w, scheme: .int8)
    guard case .int8(let codes, let scales) = t.storage else {
        Issue.record("expected int8 storage")
        return
    }
    #expect(scales == [1])
    // Stored as rows of Wᵀ: column 0 = [127, -3.5, 1.5], column 1 = [2.5, 0.5, -1].
    #expect(codes == [127, -4, 2, 2, 0, -1])
    // Per channel: column 1's absmax 2.5 -> scale 2.5/127; 2.5 -> 127, 0.5 -> 25.4 -> 25,
    // -1 -> -50.8 -> -51.
    let c = try QuantizedMatrix(quantizing: w, scheme: .int8Channel)
    guard case .int8(let cc, let cs) = c.storage else {
        Issue.record("expected int8 storage")
        return
    }
    #expect(cs == [1, Float(2.5) / 127])
    #expect(cc == [127, -4, 2, 127, 25, -51])
}

@Test func blockFormatsRejectUnalignedInputs() {
    let w = Tensor(zeros: [48, 4])
    #expect(throws: QuantizationError.notBlockAligned(tensor: "w", inputs: 48, scheme: .q4_0)) {
        try QuantizedMatrix(quantizing: w, scheme: .q4_0, name: "w")
    }
    #expect(throws: QuantizationError.nonFiniteWeight(tensor: "w")) {
        try QuantizedMatrix(
            quantizing: Tensor(shape: [1, 2], data: [1, .nan]), scheme: .int8, name: "w")
    }
    #expect(throws: QuantizationError.unknownScheme("q5_k")) { try QuantScheme(parsing: "q5_k") }
}

@Test func q8_0BlockWithSubnormalMaximumIsAllZeros() throws {
    // amax = 2⁻¹⁴⁰ (subnormal): d = amax/127 is a subnormal fp32 and 1/d overflows to inf, so
    // every x · id is ±inf (or NaN for the zeros) and ggml's int8 cast gives 0; fp16(d) = 0.
    var values = [Float](repeating: 0, count: 32)
    values[0] = Float(bitPattern: 0x0000_0040)  // 2⁻¹⁴⁰
    values[1] = -Float(bitPattern: 0x0000_0020)
    values[2] = Float(bitPattern: 0x0000_0001)  // the smallest subnormal
    for scheme in [QuantScheme.q8_0, .q4_0] {
        let m = try QuantizedMatrix(quantizing: column(values), scheme: scheme)
        switch m.storage {
        case .q8_0(let codes, let scales):
            #expect(scales == [0] && codes.allSatisfy { $0 == 0 }, "codes \(codes)")
        case .q4_0(let nibbles, let scales):
            // d = 2⁻¹⁴⁰ / -8 is a negative subnormal, fp16 -0 (0x8000); 1/d = -inf and
            // (int8)(±inf + 8.5) = 0 for every element.
            #expect(scales == [0x8000] && nibbles.allSatisfy { $0 == 0 }, "nibbles \(nibbles)")
        default: Issue.record("unexpected storage for \(scheme)")
        }
    }
}

@Test func q8_0ScaleUnderflowingFP16KeepsTheCodes() throws {
    // amax = 1e-7: d = 7.9e-10 is 0 in fp16, but ggml computes id = 1/d from the fp32 d, so the
    // codes are ordinary (1e-7 -> 127, -5e-8 -> -63.5 -> -64) while the stored scale is 0.
    var values = [Float](repeating: 0, count: 32)
    values[0] = 1e-7
    values[1] = -5e-8
    let m = try QuantizedMatrix(quantizing: column(values), scheme: .q8_0)
    guard case .q8_0(let codes, let scales) = m.storage else {
        Issue.record("expected Q8_0 storage")
        return
    }
    #expect(scales == [0])
    #expect(Array(codes[0..<3]) == [127, -64, 0])
}
