// Seeded fuzzing of the .npy and safetensors readers (Tests/Fuzz/Corpus/npy, …/safetensors):
// every mutated file is read or refused with the reader's own error, never a trap.
import Foundation
import TestSupport
import Testing

@testable import Tensors

@Suite struct ParserFuzzTests {
    @Test func npyReaderRefusesOrReadsEveryMutation() throws {
        let report = Fuzz.run(
            corpus: try Fuzz.corpus("npy"), seed: 0x6E70_7931,
            expected: { $0 is NpyError }
        ) { data in
            let array = try Npy.read(data: data, name: "fuzz.npy")
            _ = array.doubles()
        }
        #expect(report.findings.isEmpty, "\(report.findings.prefix(3))")
        #expect(report.accepted >= 3 && report.inputs > 100)
    }

    @Test func npyHeadersThatOnceTrappedAreErrors() throws {
        // A shape whose byte count overflows, and a header nested past the limit
        func npy(_ header: String) -> Data {
            var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
            let text = Array(header.utf8) + [0x0A]
            bytes += [UInt8(text.count & 0xFF), UInt8(text.count >> 8)] + text
            return Data(bytes)
        }
        let huge = "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }"
        #expect(throws: NpyError.self) { try Npy.read(data: npy(huge), name: "huge.npy") }
        let deep = "{'descr': '<f4', 'fortran_order': False, 'shape': "
            + String(repeating: "(", count: 5_000) + "}"
        #expect(throws: NpyError.self) { try Npy.read(data: npy(deep), name: "deep.npy") }
    }

    @Test func safetensorsReaderRefusesOrReadsEveryMutation() throws {
        let scratch = try makeScratchDirectory("lmlab-fuzz")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let file = scratch.appendingPathComponent("fuzz.safetensors")
        let report = Fuzz.run(
            corpus: try Fuzz.corpus("safetensors"), seed: 0x7361_6665, iterations: 1_500,
            expected: { $0 is SafeTensorsError || $0 is TensorError }
        ) { data in
            try data.write(to: file)
            let opened = try SafeTensorsFile(contentsOf: file)
            // Floats as a Tensor, integers as ints: a float read as ints (or the reverse) is
            // refused with wrongKind, which the second call then gives
            for name in opened.names where (try? opened.tensor(name)) == nil {
                _ = try opened.ints(name)
            }
        }
        #expect(report.findings.isEmpty, "\(report.findings.prefix(3))")
        #expect(report.accepted >= 2 && report.inputs > 100)
    }
}
