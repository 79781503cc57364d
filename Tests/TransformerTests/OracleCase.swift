// Test helpers: run one case of Tests/Oracle/gpt2_oracle.py into a scratch folder, read its
// .npy files, and compare tensors reporting the largest difference.
import Foundation
import Tensors
import TestSupport
import Testing

/// The inputs and expected outputs one oracle case wrote.
struct OracleCase {
    let dir: URL

    /// Runs `gpt2_oracle.py name DIR` in a fresh scratch folder.
    init(_ name: String) throws {
        dir = try makeScratchDirectory("gpt2-\(name)")
        try runOracle("gpt2_oracle.py", [name, dir.path])
    }

    /// Runs `script DIR` (an oracle other than gpt2_oracle.py) in a fresh scratch folder.
    init(script: String, _ prefix: String) throws {
        dir = try makeScratchDirectory(prefix)
        try runOracle(script, [dir.path])
    }

    /// Runs `gpt2_oracle.py name folder` on a folder the test already filled with inputs.
    init(_ name: String, folder: URL) throws {
        dir = folder
        try runOracle("gpt2_oracle.py", [name, dir.path])
    }

    func tensor(_ name: String) throws -> Tensor {
        try Npy.read(dir.appendingPathComponent(name + ".npy")).tensor
    }

    func ints(_ name: String) throws -> [Int] {
        try tensor(name).data.map { Int($0) }
    }

    func scalar(_ name: String) throws -> Float {
        try tensor(name).data[0]
    }
}

/// Cases read by many tests run once per test process.
enum SharedOracle {
    struct Failure: Error, CustomStringConvertible { let description: String }
    static let layers = Result { try OracleCase("layers") }.mapError {
        Failure(description: "\($0)")
    }
    static let attention = Result { try OracleCase("attention") }.mapError {
        Failure(description: "\($0)")
    }
}

/// Expects `actual` ≈ `expected` within `tolerance` (absolute) and prints the max difference.
func expectClose(
    _ actual: Tensor, _ expected: Tensor, tolerance: Float, _ what: String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(
        actual.shape == expected.shape, "\(what): shape \(actual.shape) vs \(expected.shape)",
        sourceLocation: sourceLocation)
    guard actual.shape == expected.shape else { return }
    let diff = actual.maxAbsDifference(expected)
    print("max |diff| \(what): \(diff)")
    #expect(
        diff <= tolerance, "\(what): max |diff| = \(diff) > \(tolerance)",
        sourceLocation: sourceLocation)
}
