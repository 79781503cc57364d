// .npy reading and writing against numpy itself (Tests/Oracle/tensors_npy.py), both directions.
import Foundation
import TestSupport
import Testing

@testable import Tensors

/// One array as the oracle describes it: values as decimal bit patterns / integers.
struct OracleArray: Codable {
    var file: String
    var dtype: String
    var shape: [Int]
    var bits: [String]
}

struct OracleCheck: Codable {
    var file: String
    var ok: Bool
    var dtype: String
    var shape: [Int]
    var max_diff: Double
}

/// The bits of our reading of an array, in the oracle's decimal form.
func decimalBits(_ array: NpyArray) -> [String] {
    switch array.storage {
    case .float32(let v): return v.map { String($0.bitPattern) }
    case .float64(let v): return v.map { String($0.bitPattern) }
    case .int32(let v): return v.map { String($0) }
    case .int64(let v): return v.map { String($0) }
    }
}

@Test func readsFilesNumpyWrote() throws {
    let dir = try makeScratchDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let out = try runOracle("tensors_npy.py", ["make", dir.path])
    let expected = try JSONDecoder().decode([OracleArray].self, from: out)
    #expect(expected.count == 8)
    for want in expected {
        let got = try Npy.read(dir.appendingPathComponent(want.file))
        #expect(got.dtype.rawValue == want.dtype, "\(want.file)")
        #expect(got.shape == want.shape, "\(want.file)")
        let bits = decimalBits(got)
        let mismatches = zip(bits, want.bits).filter { $0 != $1 }.count
        #expect(
            bits.count == want.bits.count && mismatches == 0,
            "\(want.file): \(mismatches) of \(want.bits.count) values differ bitwise")
    }
    // Conversions, checked on hand-known values: the 0-d file holds 2.5.
    let scalar = try Npy.read(dir.appendingPathComponent("scalar0d.npy"))
    #expect(scalar.tensor == Tensor(scalar: 2.5))
    #expect(scalar.doubles() == [2.5] && scalar.ints() == [2])
    let i8 = try Npy.read(dir.appendingPathComponent("i8.npy"))
    #expect(i8.ints() == [0, -1, (1 << 62) + 1, Int.min, Int.max, 12345])
    let empty = try Npy.read(dir.appendingPathComponent("empty.npy"))
    #expect(empty.tensor.shape == [0, 4] && empty.count == 0)
}

@Test func numpyReadsFilesWeWrote() throws {
    let dir = try makeScratchDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let f4: [Float] = [1.5, -0.0, .infinity, -.infinity, .leastNonzeroMagnitude, 3.25e38, 0.1]
    let f8: [Double] = [0.1, -2.0, .leastNonzeroMagnitude, 1e300]
    let i8: [Int] = [0, -1, Int.max, Int.min, 1 << 53 + 1]
    var items: [OracleArray] = []
    func add(_ file: String, _ data: Data, _ dtype: String, _ shape: [Int], _ bits: [String])
        throws
    {
        try data.write(to: dir.appendingPathComponent(file))
        items.append(OracleArray(file: file, dtype: dtype, shape: shape, bits: bits))
    }
    let t = Tensor(shape: [7, 1], data: f4)
    try Npy.write(t, to: dir.appendingPathComponent("t.npy"))
    items.append(
        OracleArray(
            file: "t.npy", dtype: "<f4", shape: [7, 1], bits: f4.map { String($0.bitPattern) }))
    try add(
        "scalar.npy", Npy.encode(Tensor(scalar: -7)), "<f4", [], [String((-7 as Float).bitPattern)])
    try add("empty.npy", Npy.encode(Tensor(zeros: [2, 0, 3])), "<f4", [2, 0, 3], [])
    try add(
        "d.npy", Npy.encode(doubles: f8, shape: [2, 2]), "<f8", [2, 2],
        f8.map { String($0.bitPattern) })
    try add("i.npy", Npy.encode(ints: i8, shape: [5]), "<i8", [5], i8.map { String($0) })
    // A 3-d shape checks the tuple text numpy parses.
    let cube = Tensor(shape: [2, 3, 4], data: (0..<24).map { Float($0) / 8 })
    try add(
        "cube.npy", Npy.encode(cube), "<f4", [2, 3, 4], cube.data.map { String($0.bitPattern) })

    let input = try JSONEncoder().encode(items)
    let out = try runOracle("tensors_npy.py", ["check", dir.path], input: input)
    let results = try JSONDecoder().decode([OracleCheck].self, from: out)
    #expect(results.count == items.count)
    for r in results {
        #expect(
            r.ok, "\(r.file): numpy read dtype \(r.dtype) shape \(r.shape), max diff \(r.max_diff)")
    }
}

@Test func headersArePaddedTo64Bytes() throws {
    for shape in [[], [3], [1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2]] {
        let data = Npy.encode(Tensor(zeros: shape))
        let headerLength = Int(data[8]) | Int(data[9]) << 8
        #expect((10 + headerLength) % 64 == 0, "shape \(shape)")
        #expect(data[10 + headerLength - 1] == UInt8(ascii: "\n"))
    }
}

@Test func badFilesGiveClearErrors() throws {
    let dir = try makeScratchDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    _ = try runOracle("tensors_npy.py", ["make", dir.path])
    func error(_ file: String) -> NpyError? {
        do {
            _ = try Npy.read(dir.appendingPathComponent(file))
            return nil
        } catch let e as NpyError {
            #expect(e.description.contains(file), "message names the file: \(e)")
            return e
        } catch {
            return nil
        }
    }
    let path = { (f: String) in dir.appendingPathComponent(f).path }
    #expect(error("bigendian.npy") == .unsupportedDType(file: path("bigendian.npy"), descr: ">f4"))
    #expect(error("object.npy") == .unsupportedDType(file: path("object.npy"), descr: "|O"))
    #expect(error("float16.npy") == .unsupportedDType(file: path("float16.npy"), descr: "<f2"))
    #expect(error("fortran.npy") == .fortranOrder(file: path("fortran.npy")))
    #expect(
        error("truncated.npy")
            == .truncated(file: path("truncated.npy"), expectedBytes: 60, actualBytes: 55))
    #expect(
        error("extra.npy")
            == .shapeDataMismatch(
                file: path("extra.npy"), shape: [3, 5], expectedBytes: 60, actualBytes: 64))
    #expect(error("badmagic.npy") == .badMagic(file: path("badmagic.npy")))
    #expect(
        error("version3.npy")
            == .unsupportedVersion(file: path("version3.npy"), major: 3, minor: 0))
    #expect(error("missing.npy").map { "\($0)".contains("cannot read") } == true)
    let message = NpyError.unsupportedDType(file: "x.npy", descr: ">f4").description
    #expect(message.contains("lmlab reads f4, f8, i4, i8 (little-endian), C order"))
}

@Test func malformedHeadersAreRejected() {
    func header(_ text: String) -> Data {
        var d = Data(Npy.magic + [1, 0, UInt8(text.utf8.count), 0])
        d.append(contentsOf: Array(text.utf8))
        return d
    }
    for text in [
        "{'descr': '<f4', 'shape': (1,), }",  // no fortran_order
        "{'descr': '<f4', 'fortran_order': Maybe, 'shape': (1,), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (1,) ",
        "['descr']",
    ] {
        #expect(throws: NpyError.self, "\(text)") { try Npy.read(data: header(text), name: "h") }
    }
    // A structured dtype is a list; it is reported as unsupported, not as a parse failure.
    let structured = "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }"
    #expect(throws: NpyError.unsupportedDType(file: "h", descr: "structured dtype")) {
        try Npy.read(data: header(structured), name: "h")
    }
}
