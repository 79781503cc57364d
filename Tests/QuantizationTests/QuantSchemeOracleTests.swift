// Every scheme against the NumPy oracle (Tests/Oracle/quant_schemes.py, a transcription of
// ggml's reference C and of the int8 definitions): codes and scales bit-exact, dequant equal.
import Foundation
import Tensors
import TestSupport
import Testing

@testable import Quantization

private struct OracleResult: Decodable {
    var codes: [Int]
    var scales: [Int]
    var dequant: [UInt32]
}

/// A Conv1D weight [64, 24] with awkward content: normal values at several magnitudes, an
/// all-zero column (zero blocks), exact Q4_0/int8 ties, a column whose extremes are equal and
/// opposite (Q4_0 keeps the first), and tiny values near fp16's subnormal range.
private func awkwardWeight() -> Tensor {
    var rng = RNG(seed: 2024)
    let (nIn, nOut) = (64, 24)
    var w = Tensor.normal(shape: [nIn, nOut], std: 0.05, rng: &rng)
    for i in 0..<nIn {
        w[i, 3] = 0  // a zero output channel
        w[i, 5] *= 40  // a large one
        w[i, 7] *= 1e-4  // a tiny one: scales near fp16 subnormals
        w[i, 9] = Float(i % 16 - 8) * 0.25  // Q4_0 levels and ties
        w[i, 11] = Float(i % 5) - 2.5  // x.5 values: rounding ties
    }
    w[0, 13] = -0.3
    w[1, 13] = 0.3  // equal and opposite extremes in one block
    return w
}

private func oracle(_ w: Tensor, scheme: QuantScheme) throws -> OracleResult {
    let request: [String: Any] = [
        "scheme": scheme.rawValue, "shape": w.shape, "bits": w.data.map { Int($0.bitPattern) },
    ]
    let input = try JSONSerialization.data(withJSONObject: request)
    return try JSONDecoder().decode(
        OracleResult.self, from: runOracle("quant_schemes.py", input: input))
}

private func codesAndScales(_ m: QuantizedMatrix) -> (codes: [Int], scales: [Int]) {
    switch m.storage {
    case .float32: return ([], [])
    case .half(let h): return (h.map(Int.init), [])
    case .int8(let c, let s): return (c.map(Int.init), s.map { Int($0.bitPattern) })
    case .q8_0(let c, let s): return (c.map(Int.init), s.map(Int.init))
    case .q4_0(let q, let s): return (q.map(Int.init), s.map(Int.init))
    }
}

@Test(arguments: QuantScheme.allCases)
func schemeMatchesNumPyOracle(scheme: QuantScheme) throws {
    let w = awkwardWeight()
    let expected = try oracle(w, scheme: scheme)
    let m = try QuantizedMatrix(quantizing: w, scheme: scheme)
    let (codes, scales) = codesAndScales(m)
    let codeMismatches = zip(codes, expected.codes).filter { $0 != $1 }.count
    #expect(
        codes.count == expected.codes.count && codeMismatches == 0,
        "\(scheme): \(codeMismatches) of \(codes.count) codes differ from the oracle")
    #expect(scales == expected.scales, "\(scheme): scales differ from the oracle")
    let deq = m.dequantized()
    #expect(deq.shape == w.shape)
    let got = deq.data.map(\.bitPattern)
    let bitMismatches = zip(got, expected.dequant).filter { $0 != $1 }.count
    let maxDiff =
        zip(deq.data, expected.dequant.map(Float.init(bitPattern:)))
        .map { abs($0 - $1) }.max() ?? 0
    #expect(
        bitMismatches == 0,
        "\(scheme): \(bitMismatches) dequantized values differ, max |diff| \(maxDiff)")
}

/// A Conv1D weight [64, 12] whose output channels are adversarial blocks for Q8_0 and Q4_0:
/// subnormal maxima (1/d overflows), maxima just above and below where 1/d overflows, fp16
/// scales that underflow to 0 or land in fp16's subnormals, ±max first and last, exact .5
/// points, all zeros, a lone subnormal among zeros, and every Q4_0 level with its ties.
private func adversarialWeight() -> Tensor {
    let (nIn, nOut) = (64, 12)
    var w = Tensor(zeros: [nIn, nOut])
    var rng = RNG(seed: 1414)
    let noise = Tensor.normal(shape: [nIn, nOut], std: 1, rng: &rng)
    for i in 0..<nIn {
        let sign: Float = i % 2 == 0 ? 1 : -1
        w[i, 0] = sign * Float(bitPattern: UInt32(1 + i * 3))  // subnormals only
        w[i, 1] = noise[i, 1] * 1e-37  // normal, but 1/d overflows for most blocks
        w[i, 2] = noise[i, 2] * 1e-36  // 1/d finite: ordinary codes, fp16 scale 0
        w[i, 3] = noise[i, 3] * 1e-7  // fp16 scale 0, codes kept
        w[i, 4] = noise[i, 4] * 5e-6  // fp16 scale subnormal
        w[i, 5] = Float(i % 32) - 15.5 + (i % 32 == 0 ? -111.5 : 0)  // amax 127: x.5 points
        w[i, 6] = Float(i % 16 - 8)  // Q4_0 levels: d = 1, shifted = level + 0.5
        w[i, 7] = (Float(i % 16) - 7.5) * 0.5  // Q4_0 exact ties after the shift
        w[i, 8] = noise[i, 8] * 0.1  // ordinary
        // column 9 stays zero
        w[i, 10] = i == 5 || i == 40 ? -Float(bitPattern: 0x0000_0100) : 0  // lone subnormal
        w[i, 11] = noise[i, 11] * 0.01
    }
    // ±max first and last, equal magnitudes: Q4_0 takes the first's sign.
    w[0, 11] = 2
    w[31, 11] = -2
    w[32, 11] = -2
    w[63, 11] = 2
    return w
}

@Test(arguments: [QuantScheme.q8_0, .q4_0])
func adversarialBlocksMatchGGMLDefinition(scheme: QuantScheme) throws {
    let w = adversarialWeight()
    let expected = try oracle(w, scheme: scheme)
    let m = try QuantizedMatrix(quantizing: w, scheme: scheme)
    let (codes, scales) = codesAndScales(m)
    #expect(codes.count == expected.codes.count && scales.count == expected.scales.count)
    let rowCodes = codes.count / w.shape[1]
    for (index, (got, want)) in zip(codes, expected.codes).enumerated() where got != want {
        let message =
            "\(scheme): channel \(index / rowCodes) code \(index % rowCodes) is \(got), "
            + "ggml's definition gives \(want)"
        Issue.record(Comment(rawValue: message))
        break
    }
    #expect(scales == expected.scales, "\(scheme): scales differ from ggml's definition")
    let got = m.dequantized().data.map(\.bitPattern)
    #expect(got == expected.dequant, "\(scheme): dequantized weights differ")
}
