// sgemm against a hand-worked product, and Tensor.matmul against NumPy on random shapes
// (Tests/Oracle/tensors_matmul.py, exchanged as .npy).
import Foundation
import Testing
import TestSupport

@testable import Tensors

@Test func handWorkedProduct() {
    let a = Tensor(shape: [2, 3], data: [1, 2, 3, 4, 5, 6])
    let b = Tensor(shape: [3, 2], data: [7, 8, 9, 10, 11, 12])
    // [1 2 3; 4 5 6] · [7 8; 9 10; 11 12] = [58 64; 139 154]
    #expect(a.matmul(b).data == [58, 64, 139, 154])
    #expect(naiveMatmul(a, b).data == [58, 64, 139, 154])
}

struct MatmulCase: Codable {
    var index: Int
    var transposeSelf: Bool
    var transposeOther: Bool
    var k: Int
}

@Test func matmulMatchesNumpyOnRandomShapes() throws {
    let dir = try makeScratchDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let cases = try JSONDecoder().decode(
        [MatmulCase].self, from: try runOracle("tensors_matmul.py", ["make", dir.path]))
    #expect(cases.count == 20)
    for c in cases {
        let load = { (suffix: String) in
            try Npy.read(dir.appendingPathComponent("case\(c.index)_\(suffix).npy"))
        }
        let a = try load("a").tensor
        let b = try load("b").tensor
        let want = try load("want")
        let got = a.matmul(b, transposeSelf: c.transposeSelf, transposeOther: c.transposeOther)
        #expect(got.shape == want.shape, "case \(c.index): \(a.shape) @ \(b.shape)")
        guard got.shape == want.shape else { continue }
        // float32 accumulation over k terms of size ~1: error grows like sqrt(k) · eps.
        let tolerance = 1e-5 * Double(c.k).squareRoot()
        let maxDiff = zip(got.data, want.doubles()).map { abs(Double($0) - $1) }.max() ?? 0
        #expect(
            maxDiff <= tolerance,
            "case \(c.index): \(a.shape) @ \(b.shape) max diff \(maxDiff) > \(tolerance)")
    }
}
