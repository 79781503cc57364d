// The harness protocol between the grader and labs/harness/runner.py: values, tensors, frames
// (u32 LE header length, UTF-8 JSON header, raw payload) and the errors both sides report.
import Foundation
import LabConfig
import Tensors

// MARK: - JSON

/// A JSON value with integers kept apart from floats (so `1` and `1.0` survive a round trip).
public enum JSONValue: Sendable, Equatable, Codable, CustomStringConvertible {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    public subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var intValue: Int? {
        switch self {
        case .int(let value): return value
        case .double(let value) where value.rounded() == value && abs(value) < 9.0e15:
            return Int(value)
        default: return nil
        }
    }

    public var doubleValue: Double? {
        switch self {
        case .int(let value): return Double(value)
        case .double(let value): return value
        default: return nil
        }
    }

    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// Compact JSON text. Non-finite doubles have no JSON spelling and are refused.
    public func serialized() throws -> String {
        var out = ""
        try write(into: &out)
        return out
    }

    public var description: String { (try? serialized()) ?? "<non-finite JSON>" }

    private func write(into out: inout String) throws {
        switch self {
        case .null: out += "null"
        case .bool(let value): out += value ? "true" : "false"
        case .int(let value): out += String(value)
        case .double(let value):
            guard value.isFinite else {
                throw HarnessError.protocolViolation(
                    "\(value) cannot be sent as JSON; use a tensor")
            }
            // Swift prints 1.0 as "1.0" and 1e-05 as "1e-05": both valid JSON that Python
            // reads back as a float, never as an int.
            out += "\(value)"
        case .string(let value): out += jsonQuoted(value)
        case .array(let values):
            out += "["
            for (index, value) in values.enumerated() {
                if index > 0 { out += "," }
                try value.write(into: &out)
            }
            out += "]"
        case .object(let object):
            out += "{"
            for (index, key) in object.keys.sorted().enumerated() {
                if index > 0 { out += "," }
                out += jsonQuoted(key)
                out += ":"
                try object[key, default: .null].write(into: &out)
            }
            out += "}"
        }
    }

    /// Parses JSON text; numbers with a fraction or exponent become `.double`, others `.int`.
    public static func parse(_ bytes: Data) throws -> JSONValue {
        var parser = JSONParser(bytes: [UInt8](bytes))
        let value = try parser.value(depth: 0)
        parser.skipSpace()
        guard parser.index == parser.bytes.count else {
            throw parser.failure("trailing characters")
        }
        return value
    }
}

/// A small strict JSON reader (RFC 8259), so number kinds and error messages are under our control.
private struct JSONParser {
    let bytes: [UInt8]
    var index = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    func failure(_ what: String) -> HarnessError {
        .protocolViolation("malformed JSON header at byte \(index): \(what)")
    }

    mutating func skipSpace() {
        while index < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[index]) { index += 1 }
    }

    mutating func value(depth: Int) throws -> JSONValue {
        guard depth < 512 else { throw failure("nested too deeply") }
        skipSpace()
        guard index < bytes.count else { throw failure("unexpected end") }
        switch bytes[index] {
        case UInt8(ascii: "{"):
            index += 1
            var object: [String: JSONValue] = [:]
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                return .object(object)
            }
            while true {
                skipSpace()
                let key = try string()
                skipSpace()
                try expect(UInt8(ascii: ":"))
                object[key] = try value(depth: depth + 1)
                skipSpace()
                if try separator(closing: UInt8(ascii: "}")) { return .object(object) }
            }
        case UInt8(ascii: "["):
            index += 1
            var array: [JSONValue] = []
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .array(array)
            }
            while true {
                array.append(try value(depth: depth + 1))
                skipSpace()
                if try separator(closing: UInt8(ascii: "]")) { return .array(array) }
            }
        case UInt8(ascii: "\""):
            return .string(try string())
        case UInt8(ascii: "t"):
            try literal("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try literal("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try literal("null")
            return .null
        default:
            return try number()
        }
    }

    mutating func expect(_ byte: UInt8) throws {
        guard index < bytes.count, bytes[index] == byte else {
            throw failure("expected '\(Character(Unicode.Scalar(byte)))'")
        }
        index += 1
    }

    /// Consumes "," (returns false) or the closing bracket (returns true).
    mutating func separator(closing: UInt8) throws -> Bool {
        guard index < bytes.count else { throw failure("unexpected end") }
        if bytes[index] == UInt8(ascii: ",") {
            index += 1
            return false
        }
        if bytes[index] == closing {
            index += 1
            return true
        }
        throw failure("expected ',' or '\(Character(Unicode.Scalar(closing)))'")
    }

    mutating func literal(_ word: String) throws {
        let utf8 = Array(word.utf8)
        guard index + utf8.count <= bytes.count, Array(bytes[index..<(index + utf8.count)]) == utf8
        else { throw failure("expected \(word)") }
        index += utf8.count
    }

    mutating func number() throws -> JSONValue {
        let start = index
        var isInteger = true
        while index < bytes.count {
            let byte = bytes[index]
            if (0x30...0x39).contains(byte) || byte == UInt8(ascii: "-")
                || byte == UInt8(ascii: "+")
            {
                index += 1
            } else if byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e")
                || byte == UInt8(ascii: "E")
            {
                isInteger = false
                index += 1
            } else {
                break
            }
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        if isInteger, let value = Int(text) { return .int(value) }
        guard !text.isEmpty, let value = Double(text), value.isFinite else {
            throw failure("bad number '\(text)'")
        }
        return .double(value)
    }

    mutating func hex4() throws -> UInt32 {
        guard index + 4 <= bytes.count,
            let value = UInt32(
                String(decoding: bytes[index..<(index + 4)], as: UTF8.self), radix: 16)
        else { throw failure("bad \\u escape") }
        index += 4
        return value
    }

    mutating func string() throws -> String {
        try expect(UInt8(ascii: "\""))
        var raw: [UInt8] = []
        while true {
            guard index < bytes.count else { throw failure("unterminated string") }
            let byte = bytes[index]
            index += 1
            if byte == UInt8(ascii: "\"") { break }
            guard byte == UInt8(ascii: "\\") else {
                raw.append(byte)
                continue
            }
            guard index < bytes.count else { throw failure("unterminated escape") }
            let escape = bytes[index]
            index += 1
            switch escape {
            case UInt8(ascii: "n"): raw.append(0x0A)
            case UInt8(ascii: "t"): raw.append(0x09)
            case UInt8(ascii: "r"): raw.append(0x0D)
            case UInt8(ascii: "b"): raw.append(0x08)
            case UInt8(ascii: "f"): raw.append(0x0C)
            case UInt8(ascii: "u"):
                var code = try hex4()
                if (0xD800..<0xDC00).contains(code), index + 6 <= bytes.count,
                    bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
                {
                    index += 2
                    let low = try hex4()
                    if (0xDC00..<0xE000).contains(low) {
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    } else {
                        index -= 6  // not a pair: the high half alone becomes U+FFFD below
                    }
                }
                let scalar = Unicode.Scalar(code) ?? "\u{FFFD}"
                raw.append(contentsOf: Array(String(Character(scalar)).utf8))
            default: raw.append(escape)  // \" \\ \/
            }
        }
        return String(decoding: raw, as: UTF8.self)
    }
}

// MARK: - Tensors

/// A tensor as it crosses the protocol: NumPy dtype name, shape and little-endian raw bytes.
public struct HarnessTensor: Sendable, Equatable, CustomStringConvertible {
    public enum DType: String, Sendable, CaseIterable {
        case float32 = "<f4"
        case float64 = "<f8"
        case float16 = "<f2"
        case int32 = "<i4"
        case int64 = "<i8"
        case int8 = "|i1"
        case uint8 = "|u1"
        case bool = "|b1"

        public var byteCount: Int {
            switch self {
            case .float64, .int64: return 8
            case .float32, .int32: return 4
            case .float16: return 2
            case .int8, .uint8, .bool: return 1
            }
        }

        public var isFloatingPoint: Bool {
            self == .float32 || self == .float64 || self == .float16
        }
    }

    public let dtype: DType
    public let shape: [Int]
    public let bytes: Data

    public var count: Int { shape.reduce(1, *) }

    /// Checks that `bytes` holds exactly the elements of `shape`.
    public init(dtype: DType, shape: [Int], bytes: Data) throws {
        guard shape.allSatisfy({ $0 >= 0 }) else {
            throw HarnessError.protocolViolation("tensor shape \(shape) has a negative dimension")
        }
        let expected = shape.reduce(1, *) * dtype.byteCount
        guard bytes.count == expected else {
            throw HarnessError.protocolViolation(
                "tensor \(dtype.rawValue) \(shape) needs \(expected) bytes, got \(bytes.count)")
        }
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }

    private init(unchecked dtype: DType, shape: [Int], bytes: Data) {
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }

    private static func packing<T>(_ values: [T], _ dtype: DType, _ shape: [Int]) -> HarnessTensor {
        precondition(
            shape.reduce(1, *) == values.count, "shape \(shape) for \(values.count) values")
        let bytes = values.withUnsafeBufferPointer { Data(buffer: $0) }
        return HarnessTensor(unchecked: dtype, shape: shape, bytes: bytes)
    }

    /// A float32 ("<f4") tensor of a `Tensor`.
    public init(_ tensor: Tensor) {
        self = HarnessTensor.packing(
            tensor.data.map { $0.bitPattern.littleEndian }, .float32, tensor.shape)
    }

    public init(floats: [Float], shape: [Int]) {
        self = HarnessTensor.packing(floats.map { $0.bitPattern.littleEndian }, .float32, shape)
    }

    public init(doubles: [Double], shape: [Int]) {
        self = HarnessTensor.packing(doubles.map { $0.bitPattern.littleEndian }, .float64, shape)
    }

    /// int64 ("<i8"), the dtype token ids travel in.
    public init(ints: [Int], shape: [Int]) {
        self = HarnessTensor.packing(ints.map { Int64($0).littleEndian }, .int64, shape)
    }

    public init(bools: [Bool], shape: [Int]) {
        self = HarnessTensor.packing(bools.map { UInt8($0 ? 1 : 0) }, .bool, shape)
    }

    private func elements<T: FixedWidthInteger>(_: T.Type) -> [T] {
        var out = [T](repeating: 0, count: count)
        out.withUnsafeMutableBytes { destination in
            _ = bytes.copyBytes(to: destination)
        }
        return out.map { T(littleEndian: $0) }
    }

    /// Every element as a Double, whatever the dtype (bools are 0 and 1).
    public func doubles() -> [Double] {
        switch dtype {
        case .float64: return elements(UInt64.self).map { Double(bitPattern: $0) }
        case .float32: return elements(UInt32.self).map { Double(Float(bitPattern: $0)) }
        case .float16: return elements(UInt16.self).map { Double(HarnessTensor.halfToFloat($0)) }
        case .int64: return elements(Int64.self).map { Double($0) }
        case .int32: return elements(Int32.self).map { Double($0) }
        case .int8: return elements(Int8.self).map { Double($0) }
        case .uint8: return elements(UInt8.self).map { Double($0) }
        case .bool: return elements(UInt8.self).map { $0 != 0 ? 1 : 0 }
        }
    }

    /// Every element as a Float (float64 values are rounded).
    public func floats() -> [Float] {
        switch dtype {
        case .float32: return elements(UInt32.self).map { Float(bitPattern: $0) }
        default: return doubles().map { Float($0) }
        }
    }

    /// Integer elements; nil when the dtype is floating point (a student returned floats for ids).
    public func ints() -> [Int]? {
        switch dtype {
        case .int64: return elements(Int64.self).map { Int($0) }
        case .int32: return elements(Int32.self).map { Int($0) }
        case .int8: return elements(Int8.self).map { Int($0) }
        case .uint8: return elements(UInt8.self).map { Int($0) }
        case .bool: return elements(UInt8.self).map { $0 != 0 ? 1 : 0 }
        case .float32, .float64, .float16: return nil
        }
    }

    public func bools() -> [Bool] { doubles().map { $0 != 0 } }

    /// The values as a float32 `Tensor` of the same shape.
    public func tensor() -> Tensor { Tensor(shape: shape, data: floats()) }

    public var description: String { "tensor \(dtype.rawValue) \(shape)" }

    static func halfToFloat(_ bits: UInt16) -> Float {
        let sign: UInt32 = UInt32(bits & 0x8000) << 16
        let exponent = Int((bits >> 10) & 0x1F)
        let mantissa = UInt32(bits & 0x3FF)
        if exponent == 0 {
            let magnitude = Float(mantissa) * Float(sign: .plus, exponent: -24, significand: 1)
            return sign != 0 ? -magnitude : magnitude
        }
        if exponent == 31 {
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        }
        return Float(bitPattern: sign | (UInt32(exponent - 15 + 127) << 23) | (mantissa << 13))
    }
}

// MARK: - Values

/// A value passed to or returned from a student function.
public indirect enum HarnessValue: Sendable, Equatable, CustomStringConvertible {
    case tensor(HarnessTensor)
    case json(JSONValue)
    case dict([String: HarnessValue])
    case list([HarnessValue])

    public static func from(_ tensor: Tensor) -> HarnessValue { .tensor(HarnessTensor(tensor)) }

    public var description: String {
        switch self {
        case .tensor(let tensor): return tensor.description
        case .json(let value): return value.description
        case .dict(let items):
            return "{"
                + items.keys.sorted().map { "\($0): \(items[$0].map(\.description) ?? "")" }
                .joined(separator: ", ") + "}"
        case .list(let items): return "[" + items.map(\.description).joined(separator: ", ") + "]"
        }
    }

    /// The descriptor for this value; tensor bytes are appended to `payload` (8-byte aligned).
    public func descriptor(payload: inout Data) -> JSONValue {
        switch self {
        case .tensor(let tensor):
            let padding = (8 - payload.count % 8) % 8
            payload.append(contentsOf: [UInt8](repeating: 0, count: padding))
            let offset = payload.count
            payload.append(tensor.bytes)
            return .object([
                "t": .string("tensor"), "dtype": .string(tensor.dtype.rawValue),
                "shape": .array(tensor.shape.map { .int($0) }), "offset": .int(offset),
                "nbytes": .int(tensor.bytes.count),
            ])
        case .json(let value):
            return .object(["t": .string("json"), "value": value])
        case .dict(let items):
            var described: [String: JSONValue] = [:]
            for key in items.keys.sorted() {
                if let item = items[key] { described[key] = item.descriptor(payload: &payload) }
            }
            return .object(["t": .string("dict"), "items": .object(described)])
        case .list(let items):
            return .object([
                "t": .string("list"),
                "items": .array(items.map { $0.descriptor(payload: &payload) }),
            ])
        }
    }

    /// Reads a descriptor back, slicing tensors out of `payload`.
    public init(descriptor: JSONValue, payload: Data) throws {
        guard let kind = descriptor["t"]?.stringValue else {
            throw HarnessError.protocolViolation("value descriptor without a kind: \(descriptor)")
        }
        switch kind {
        case "tensor":
            guard let name = descriptor["dtype"]?.stringValue else {
                throw HarnessError.protocolViolation(
                    "tensor descriptor without dtype: \(descriptor)")
            }
            guard let dtype = HarnessTensor.DType(rawValue: name) else {
                throw HarnessError.protocolViolation("unknown tensor dtype \(name)")
            }
            guard case .array(let dims) = descriptor["shape"],
                let offset = descriptor["offset"]?.intValue,
                let nbytes = descriptor["nbytes"]?.intValue
            else {
                throw HarnessError.protocolViolation("incomplete tensor descriptor: \(descriptor)")
            }
            let shape = try dims.map { dim -> Int in
                guard let value = dim.intValue else {
                    throw HarnessError.protocolViolation(
                        "tensor shape entry \(dim) is not an integer")
                }
                return value
            }
            guard offset >= 0, nbytes >= 0, offset + nbytes <= payload.count else {
                throw HarnessError.protocolViolation(
                    "tensor bytes \(offset)..<\(offset + nbytes) outside a \(payload.count)-byte payload"
                )
            }
            let start = payload.startIndex + offset
            self = .tensor(
                try HarnessTensor(
                    dtype: dtype, shape: shape, bytes: Data(payload[start..<(start + nbytes)])))
        case "json":
            self = .json(descriptor["value"] ?? .null)
        case "dict":
            guard case .object(let items) = descriptor["items"] else {
                throw HarnessError.protocolViolation("dict descriptor without items")
            }
            self = .dict(try items.mapValues { try HarnessValue(descriptor: $0, payload: payload) })
        case "list":
            guard case .array(let items) = descriptor["items"] else {
                throw HarnessError.protocolViolation("list descriptor without items")
            }
            self = .list(try items.map { try HarnessValue(descriptor: $0, payload: payload) })
        default:
            throw HarnessError.protocolViolation("unknown value kind \(kind)")
        }
    }
}

// MARK: - Frames

/// One protocol frame: a JSON header object and its raw payload.
public struct HarnessFrame: Sendable, Equatable {
    public var header: [String: JSONValue]
    public var payload: Data

    /// Headers above this are refused (a runaway or hostile peer).
    public static let maxHeaderBytes = 64 << 20
    public static let maxPayloadBytes = 2 << 30

    public init(header: [String: JSONValue], payload: Data = Data()) {
        self.header = header
        self.payload = payload
    }

    /// A call frame: the function, its positional arguments and their tensors. For `.torch` the
    /// header says `"framework": "torch"` and the runner hands the tensors as `torch.Tensor`s
    /// made with `torch.from_numpy` from the decoded arrays (same bits).
    public static func call(
        id: Int, function: String, args: [HarnessValue], framework: Framework = .numpy
    ) -> HarnessFrame {
        var payload = Data()
        let descriptors = args.map { $0.descriptor(payload: &payload) }
        var header: [String: JSONValue] = [
            "op": .string("call"), "id": .int(id), "function": .string(function),
            "args": .array(descriptors),
        ]
        if framework != .numpy { header["framework"] = .string(framework.rawValue) }
        return HarnessFrame(header: header, payload: payload)
    }

    public static let exit = HarnessFrame(header: ["op": .string("exit")])

    /// Tells a warm runner that its submission is staged: import `entry` and serve calls.
    public static func load(entry: String) -> HarnessFrame {
        HarnessFrame(header: ["op": .string("load"), "entry": .string(entry)])
    }

    /// The bytes on the wire; "payload" in the header is set from the payload's size.
    public func encoded() throws -> Data {
        var header = self.header
        if payload.isEmpty {
            header.removeValue(forKey: "payload")
        } else {
            header["payload"] = .int(payload.count)
        }
        let text = Data(try JSONValue.object(header).serialized().utf8)
        var data = Data(capacity: 4 + text.count + payload.count)
        withUnsafeBytes(of: UInt32(text.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(text)
        data.append(payload)
        return data
    }

    /// Takes one complete frame off the front of `buffer`, or returns nil if more bytes are needed.
    public static func decode(from buffer: inout Data) throws -> HarnessFrame? {
        guard buffer.count >= 4 else { return nil }
        let base = buffer.startIndex
        let length = buffer[base..<(base + 4)].enumerated().reduce(0) {
            $0 | (Int($1.element) << (8 * $1.offset))
        }
        guard length <= maxHeaderBytes else {
            throw HarnessError.protocolViolation("frame header of \(length) bytes is too large")
        }
        guard buffer.count >= 4 + length else { return nil }
        let headerValue = try JSONValue.parse(Data(buffer[(base + 4)..<(base + 4 + length)]))
        guard case .object(let header) = headerValue else {
            throw HarnessError.protocolViolation("frame header is not a JSON object")
        }
        let size = header["payload"]?.intValue ?? 0
        guard size >= 0, size <= maxPayloadBytes else {
            throw HarnessError.protocolViolation("frame payload of \(size) bytes is out of range")
        }
        guard buffer.count >= 4 + length + size else { return nil }
        let payload = Data(buffer[(base + 4 + length)..<(base + 4 + length + size)])
        buffer = Data(buffer[(base + 4 + length + size)...])
        return HarnessFrame(header: header, payload: payload)
    }
}

/// A message from the runner, decoded from a frame.
public enum HarnessMessage: Sendable, Equatable {
    /// A warm runner (`--warm`) is ready for its submission's `load`.
    case warm
    /// A warm runner took `load` and, next, imports the student's module.
    case loading
    /// The student module imported; `functions` are its public callables.
    case ready(functions: [String], notes: [String])
    /// The student module failed to import (syntax error, missing module, exception at import).
    case importFailed(StudentError)
    case result(id: Int, value: HarnessValue, seconds: Double)
    case failure(id: Int, error: StudentError, seconds: Double)

    public init(frame: HarnessFrame) throws {
        let header = frame.header
        let ok = header["ok"]?.boolValue ?? false
        switch header["op"]?.stringValue {
        case "warm":
            self = .warm
        case "loading":
            self = .loading
        case "ready":
            if ok {
                let functions = Self.strings(header["functions"])
                self = .ready(functions: functions, notes: Self.strings(header["notes"]))
            } else {
                self = .importFailed(StudentError(json: header["error"] ?? .null))
            }
        case "result":
            guard let id = header["id"]?.intValue else {
                throw HarnessError.protocolViolation("result frame without an id")
            }
            let seconds = header["seconds"]?.doubleValue ?? 0
            if ok {
                guard let value = header["value"] else {
                    throw HarnessError.protocolViolation("result frame \(id) without a value")
                }
                self = .result(
                    id: id, value: try HarnessValue(descriptor: value, payload: frame.payload),
                    seconds: seconds)
            } else {
                self = .failure(
                    id: id, error: StudentError(json: header["error"] ?? .null), seconds: seconds)
            }
        default:
            throw HarnessError.protocolViolation(
                "unexpected frame op \(header["op"]?.description ?? "none")")
        }
    }

    private static func strings(_ value: JSONValue?) -> [String] {
        guard case .array(let items) = value else { return [] }
        return items.compactMap(\.stringValue)
    }
}

// MARK: - Errors

/// An exception raised by student code, as the runner reports it (paths relative to the
/// submission, traceback trimmed to the student's own frames).
public struct StudentError: Error, Sendable, Equatable, CustomStringConvertible {
    public var type: String
    public var message: String
    public var file: String?
    public var line: Int?
    public var text: String?
    public var traceback: String
    /// The notebook cell (1-based) when the submission was a notebook; `line` is then in the cell.
    public var cell: Int?

    public init(
        type: String, message: String, file: String? = nil, line: Int? = nil, text: String? = nil,
        traceback: String = ""
    ) {
        self.type = type
        self.message = message
        self.file = file
        self.line = line
        self.text = text
        self.traceback = traceback
    }

    init(json: JSONValue) {
        self.init(
            type: json["type"]?.stringValue ?? "Error",
            message: json["message"]?.stringValue ?? "",
            file: json["file"]?.stringValue, line: json["line"]?.intValue,
            text: json["text"]?.stringValue, traceback: json["traceback"]?.stringValue ?? "")
    }

    /// True when Python ran out of memory (the address-space limit).
    public var isMemoryError: Bool { type == "MemoryError" }

    /// "attention.py, line 12", or "work.ipynb, cell 3, line 2" after `remapped(by:…)`.
    public var location: String? {
        guard let file else { return nil }
        guard let line else { return file }
        if let cell { return "\(file), cell \(cell), line \(line)" }
        return "\(file), line \(line)"
    }

    public var description: String {
        var text = "\(type): \(message)"
        if let location { text += " (\(location))" }
        if let source = self.text { text += "\n    \(source)" }
        return text
    }
}

/// What went wrong in the harness itself (not in student code): each says what to do.
public enum HarnessError: Error, Sendable, Equatable, CustomStringConvertible {
    case protocolViolation(String)
    case sandboxUnavailable(String)
    case pythonNotFound(String)
    case startFailed(String)
    case startTimeout(seconds: Double, log: String)
    case importFailed(StudentError)
    case submission(String)
    case notebook(file: String, reason: String)
    case sessionClosed

    public var description: String {
        switch self {
        case .protocolViolation(let what):
            return "harness protocol violation: \(what)"
        case .sandboxUnavailable(let stderr):
            return "bubblewrap cannot create a sandbox here: \(stderr). Install bubblewrap "
                + "(apt install bubblewrap) or pass --no-sandbox if you trust this code"
        case .pythonNotFound(let what):
            return "cannot find a Python with NumPy to run student code: \(what). Install "
                + "python3 and numpy, or point lmlab at one"
        case .startFailed(let what):
            return "could not start the harness: \(what)"
        case .startTimeout(let seconds, let log):
            return "the student module did not finish importing within \(seconds) s "
                + "(does it compute something at import time?)"
                + (log.isEmpty ? "" : "\nlog:\n\(log)")
        case .importFailed(let error):
            return "the submission could not be imported: \(error)"
        case .submission(let what):
            return what
        case .notebook(let file, let reason):
            return "cannot read notebook \(file): \(reason)"
        case .sessionClosed:
            return "the harness session was closed"
        }
    }
}
