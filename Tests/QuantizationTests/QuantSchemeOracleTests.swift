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
