// safetensors reading and writing against the reference `safetensors` Python package
// (Tests/Oracle/tensors_safetensors.py): its files read here, ours read there, corrupt files.
import Foundation
import TestSupport
import Testing

@testable import Tensors

struct SafeTensorsOracleTensor: Codable {
    var name: String
    var dtype: String
    var shape: [Int]
    var bits: [String]?
    var ints: [String]?
}

struct SafeTensorsOracleMake: Codable {
    var tensors: [SafeTensorsOracleTensor]
    var reference_rejects: [String: Bool]
}

struct SafeTensorsOracleCheck: Codable {
    var tensors: [SafeTensorsOracleTensor]
    var metadata: [String: String]
    var header_length: Int
    var header_keys: [String]
}

/// The oracle's formula tensors, computed here independently: i/4 - 3 and i*7 - 20.
func formulaEntries() throws -> [SafeTensorsEntry] {
    func f(_ shape: [Int]) -> Tensor {
        let n = shape.reduce(1, *)
        return Tensor(shape: shape, data: (0..<n).map { Float($0) / 4 - 3 })
    }
    func i(_ n: Int) -> [Int] { (0..<n).map { $0 * 7 - 20 } }
    return [
        SafeTensorsEntry(name: "wte.weight", tensor: f([4, 3])),
        SafeTensorsEntry(name: "h.0.attn.bias", tensor: f([5]), as: .F16),
        try SafeTensorsEntry(name: "ids", ints: i(4), shape: [2, 2], as: .I64),
        try SafeTensorsEntry(name: "pos", ints: i(3), shape: [3], as: .I32),
        try SafeTensorsEntry(name: "small", ints: i(3), shape: [3], as: .I8),
        try SafeTensorsEntry(name: "bytes", ints: [0, 50, 100, 150, 200], shape: [5], as: .U8),
        SafeTensorsEntry(name: "scalar", tensor: Tensor(scalar: 1.5)),
        SafeTensorsEntry(name: "empty", tensor: Tensor(zeros: [0, 2])),
    ]
}

@Test func readsFilesTheReferenceWrote() throws {
    let dir = try makeScratchDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let made = try JSONDecoder().decode(
        SafeTensorsOracleMake.self,
        from: try runOracle("tensors_safetensors.py", ["make", dir.path]))
    let good = try SafeTensorsFile(contentsOf: dir.appendingPathComponent("good.safetensors"))
    let bf16 = try SafeTensorsFile(contentsOf: dir.appendingPathComponent("bf16.safetensors"))
    #expect(good.names == ["empty", "f16", "f32", "f64", "i32", "i64", "i8", "scalar", "u8"])
    #expect(good.metadata == ["format": "np", "note": "ünïcode"])
    let dtypes: [String: SafeTensorsDType] = [
        "float32": .F32, "float16": .F16, "float64": .F64, "int64": .I64, "int32": .I32,
        "int8": .I8, "uint8": .U8, "bfloat16": .BF16,
    ]
    for want in made.tensors {
        let file = want.dtype == "bfloat16" ? bf16 : good
        let info = file.info(want.name)
        #expect(info?.dtype == dtypes[want.dtype], "\(want.name)")
        #expect(info?.shape == want.shape, "\(want.name)")
        if let bits = want.bits {
            let t = try file.tensor(want.name)
            #expect(t.shape == want.shape)
            let got = t.data.map { String($0.bitPattern) }
            let maxDiff =
                zip(t.data, bits.compactMap { UInt32($0) }.map(Float.init(bitPattern:)))
                .map { $0 == $1 ? 0 : abs($0 - $1) }.max() ?? 0
            #expect(got == bits, "\(want.name): values differ, max diff \(maxDiff)")
        } else {
            #expect(try file.ints(want.name).map(String.init) == want.ints, "\(want.name)")
            #expect(throws: SafeTensorsError.self) { try file.tensor(want.name) }
        }
    }
    #expect(throws: SafeTensorsError.self) { try good.ints("f32") }
    // rawBytes is the stored little-endian data: u8 is [0, 1, 200, 255] in the oracle.
    #expect(try good.rawBytes("u8") == Data([0, 1, 200, 255]))
    #expect(good.info("nope") == nil)
    #expect {
        try good.tensor("nope")
    } throws: { error in
        "\(error)".contains("no tensor named 'nope'") && "\(error)".contains("f32")
    }
}

@Test func theReferenceReadsFilesWeWrote() throws {
    let dir = try makeScratchDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let values: [Float] = [1, -2.5, 0x1p-20, 65504, .infinity, -0.0]
    let t = Tensor(shape: [2, 3], data: values)
    let entries = [
        SafeTensorsEntry(name: "a.f32", tensor: t),
        SafeTensorsEntry(name: "a.f16", tensor: t, as: .F16),
        SafeTensorsEntry(name: "a.bf16", tensor: t, as: .BF16),
        SafeTensorsEntry(name: "a.f64", tensor: t, as: .F64),
        try SafeTensorsEntry(name: "ids", ints: [Int.min, -1, 0, Int.max], shape: [4]),
        try SafeTensorsEntry(name: "i32", ints: [-5, 7], shape: [2, 1], as: .I32),
        try SafeTensorsEntry(name: "u8", ints: [255, 0, 3], shape: [3], as: .U8),
        try SafeTensorsEntry(name: "i8", ints: [-128, 127], shape: [2], as: .I8),
        SafeTensorsEntry(name: "name \"quoted\"\n", tensor: Tensor(scalar: 3)),
    ]
    let metadata = ["format": "pt", "weird \"key\"": "line\nbreak ✓"]
    try SafeTensors.write(
        entries, metadata: metadata, to: dir.appendingPathComponent("ours.safetensors"))
    let out = try runOracle("tensors_safetensors.py", ["check", dir.path])
    let seen = try JSONDecoder().decode(SafeTensorsOracleCheck.self, from: out)
    #expect(seen.metadata == metadata)
    #expect((8 + seen.header_length) % 8 == 0, "header padded to 8 bytes")
    let byName = Dictionary(uniqueKeysWithValues: seen.tensors.map { ($0.name, $0) })
    #expect(byName.count == entries.count)
    // Exactly representable in every float type except where noted: 0x1p-20 is subnormal in
    // fp16 (exact), 65504 rounds to 65536 in bf16 (hand-worked: 65504 = 0x477FE000 -> 0x4780).
    let bits = { (x: [Float]) in x.map { String($0.bitPattern) } }
    #expect(byName["a.f32"]?.bits == bits(values))
    #expect(byName["a.f16"]?.bits == bits(values))
    #expect(byName["a.f64"]?.bits == bits(values))
    #expect(byName["a.bf16"]?.bits == bits([1, -2.5, 0x1p-20, 65536, .infinity, -0.0]))
    #expect(byName["a.bf16"]?.dtype == "BF16" && byName["a.f16"]?.shape == [2, 3])
    #expect(byName["ids"]?.ints == ["\(Int.min)", "-1", "0", "\(Int.max)"])
    #expect(byName["i32"]?.ints == ["-5", "7"] && byName["i32"]?.shape == [2, 1])
    #expect(byName["u8"]?.ints == ["255", "0", "3"] && byName["i8"]?.ints == ["-128", "127"])
    #expect(byName["name \"quoted\"\n"]?.bits == bits([3]))
    #expect(byName["name \"quoted\"\n"]?.shape == [])
}

@Test func writesTheSameBytesAsTheReference() throws {
    let dir = try makeScratchDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    try runOracle("tensors_safetensors.py", ["make", dir.path])
    let ours = dir.appendingPathComponent("ours-formula.safetensors")
    try SafeTensors.write(try formulaEntries(), metadata: ["made_by": "oracle"], to: ours)
    let want = try Data(contentsOf: dir.appendingPathComponent("reference.safetensors"))
    let got = try Data(contentsOf: ours)
    let firstDiff = zip(got, want).enumerated().first { $0.element.0 != $0.element.1 }?.offset
    #expect(
        got == want,
        "\(got.count) vs \(want.count) bytes, first difference at \(firstDiff ?? got.count)"
    )
}

@Test func corruptFilesGiveTheirErrors() throws {
    let dir = try makeScratchDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let made = try JSONDecoder().decode(
        SafeTensorsOracleMake.self,
        from: try runOracle("tensors_safetensors.py", ["make", dir.path]))
    func error(_ name: String) -> SafeTensorsError? {
        // Each case must be refused by the reference implementation too.
        #expect(made.reference_rejects[name] == true, "reference accepts \(name)")
        do {
            _ = try SafeTensorsFile(contentsOf: dir.appendingPathComponent("\(name).safetensors"))
            return nil
        } catch let e as SafeTensorsError {
            #expect(e.description.contains("\(name).safetensors"), "message names the file: \(e)")
            return e
        } catch {
            return nil
        }
    }
    let p = { (name: String) in dir.appendingPathComponent("\(name).safetensors").path }
    #expect(error("too_small") == .fileTooSmall(file: p("too_small"), size: 3))
    #expect(
        error("huge_header")
            == .badHeaderLength(
                file: p("huge_header"), length: 1 << 40, reason: "over the 100 MB limit"))
    #expect(
        error("header_past_end")
            == .headerPastEnd(file: p("header_past_end"), headerLength: 1000, fileSize: 16))
    if case .badJSON = error("bad_json") {} else { Issue.record("bad_json") }
    if case .badJSON = error("not_object") {} else { Issue.record("not_object") }
    #expect(
        error("missing_dtype")
            == .missingField(file: p("missing_dtype"), tensor: "a", field: "dtype"))
    #expect(
        error("missing_shape")
            == .missingField(file: p("missing_shape"), tensor: "a", field: "shape"))
    #expect(
        error("missing_offsets")
            == .missingField(file: p("missing_offsets"), tensor: "a", field: "data_offsets"))
    #expect(
        error("unknown_dtype") == .unknownDType(file: p("unknown_dtype"), tensor: "a", dtype: "Q4"))
    #expect(error("overlap") == .offsetsOverlap(file: p("overlap"), tensor: "b", other: "a"))
    #expect(error("gap") == .offsetsGap(file: p("gap"), tensor: "b", start: 8, previousEnd: 4))
    #expect(error("uncovered") == .uncoveredData(file: p("uncovered"), coveredEnd: 8, dataSize: 16))
    #expect(
        error("past_end") == .offsetsPastEnd(file: p("past_end"), tensor: "a", end: 16, dataSize: 8)
    )
    #expect(
        error("byte_count")
            == .byteCountMismatch(
                file: p("byte_count"), tensor: "a", dtype: "F32", shape: [3], expected: 12,
                actual: 16))
    #expect(error("duplicate") == .duplicateName(file: p("duplicate"), tensor: "a"))
    if case .badMetadata = error("bad_metadata") {} else { Issue.record("bad_metadata") }
    // The last 10 bytes of good.safetensors are gone: the last tensor by offset runs past the end.
    if case .offsetsPastEnd = error("truncated") {} else { Issue.record("truncated") }
    #expect(throws: SafeTensorsError.self) {
        try SafeTensorsFile(contentsOf: dir.appendingPathComponent("absent.safetensors"))
    }
}

@Test func writeRefusesBadEntriesAndLeavesNothingBehind() throws {
    let dir = try makeScratchDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let url = dir.appendingPathComponent("x.safetensors")
    let a = SafeTensorsEntry(name: "a", tensor: Tensor(zeros: [2]))
    #expect(throws: SafeTensorsError.duplicateName(file: url.path, tensor: "a")) {
        try SafeTensors.write([a, a], to: url)
    }
    let short = SafeTensorsEntry(name: "s", dtype: .F32, shape: [3], bytes: Data(count: 8))
    #expect(
        throws: SafeTensorsError.byteCountMismatch(
            file: url.path, tensor: "s", dtype: "F32", shape: [3], expected: 12, actual: 8)
    ) { try SafeTensors.write([short], to: url) }
    #expect(throws: SafeTensorsError.valueOutOfRange(tensor: "b", value: 300, dtype: "U8")) {
        try SafeTensorsEntry(name: "b", ints: [300], shape: [1], as: .U8)
    }
    let missingDir = dir.appendingPathComponent("no/such/dir/x.safetensors")
    #expect(throws: SafeTensorsError.self) { try SafeTensors.write([a], to: missingDir) }
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
}
