// NumPy's .npy format: how students hand arrays to lmlab and lmlab hands them back.
// Spec: numpy.lib.format (versions 1.0 and 2.0); we read and write little-endian C-order only.
import Foundation

/// Why a .npy file could not be read; each message names the file and says what to do.
public enum NpyError: Error, CustomStringConvertible, Equatable {
    case unreadable(file: String, reason: String)
    case badMagic(file: String)
    case unsupportedVersion(file: String, major: UInt8, minor: UInt8)
    case badHeader(file: String, reason: String)
    case unsupportedDType(file: String, descr: String)
    case fortranOrder(file: String)
    case truncated(file: String, expectedBytes: Int, actualBytes: Int)
    case shapeDataMismatch(file: String, shape: [Int], expectedBytes: Int, actualBytes: Int)

    static let supported = "lmlab reads f4, f8, i4, i8 (little-endian), C order"

    public var description: String {
        switch self {
        case .unreadable(let file, let reason):
            return "\(file): cannot read the file (\(reason))"
        case .badMagic(let file):
            return "\(file): not a .npy file (it does not start with \\x93NUMPY); "
                + "save arrays with numpy.save"
        case .unsupportedVersion(let file, let major, let minor):
            return "\(file): .npy format version \(major).\(minor) is not supported; "
                + "lmlab reads versions 1.0 and 2.0 (numpy.save writes these)"
        case .badHeader(let file, let reason):
            return "\(file): malformed .npy header: \(reason)"
        case .unsupportedDType(let file, let descr):
            return "\(file): unsupported dtype '\(descr)'; \(NpyError.supported). "
                + "Convert first, e.g. np.save(path, arr.astype('<f4'))"
        case .fortranOrder(let file):
            return "\(file): array is stored in Fortran order; \(NpyError.supported). "
                + "Save np.ascontiguousarray(arr) instead"
        case .truncated(let file, let expected, let actual):
            return "\(file): file is truncated: the header promises \(expected) bytes of data "
                + "but only \(actual) are there; save the array again"
        case .shapeDataMismatch(let file, let shape, let expected, let actual):
            return "\(file): shape \(shape) needs \(expected) bytes of data but the file holds "
                + "\(actual); save the array again with numpy.save"
        }
    }
}

/// An array read from a .npy file: its shape and its values in the dtype they were stored in.
public struct NpyArray: Sendable, Equatable {
    /// The element types lmlab understands.
    public enum DType: String, Sendable, Equatable {
        case float32 = "<f4"
        case float64 = "<f8"
        case int32 = "<i4"
        case int64 = "<i8"

        /// Bytes per element.
        public var size: Int {
            switch self {
            case .float32, .int32: return 4
            case .float64, .int64: return 8
            }
        }
    }

    /// The values, in their stored type, row-major.
    public enum Storage: Sendable, Equatable {
        case float32([Float])
        case float64([Double])
        case int32([Int32])
        case int64([Int64])
    }

    /// Dimensions; `[]` for a 0-d array (which holds one value).
    public var shape: [Int]
    /// The values in their stored type.
    public var storage: Storage

    /// Pairs a shape with values; the element count must match (a programmer error otherwise).
    public init(shape: [Int], storage: Storage) {
        self.shape = shape
        self.storage = storage
        precondition(shape.reduce(1, *) == count, "shape \(shape) for \(count) values")
    }

    /// The stored element type.
    public var dtype: DType {
        switch storage {
        case .float32: return .float32
        case .float64: return .float64
        case .int32: return .int32
        case .int64: return .int64
        }
    }

    /// Number of elements.
    public var count: Int {
        switch storage {
        case .float32(let v): return v.count
        case .float64(let v): return v.count
        case .int32(let v): return v.count
        case .int64(let v): return v.count
        }
    }

    /// The values as Float (doubles rounded to nearest, integers converted).
    public func floats() -> [Float] {
        switch storage {
        case .float32(let v): return v
        case .float64(let v): return v.map { Float($0) }
        case .int32(let v): return v.map { Float($0) }
        case .int64(let v): return v.map { Float($0) }
        }
    }

    /// The values as Double (exact for every stored type but int64 beyond 2^53).
    public func doubles() -> [Double] {
        switch storage {
        case .float32(let v): return v.map { Double($0) }
        case .float64(let v): return v
        case .int32(let v): return v.map { Double($0) }
        case .int64(let v): return v.map { Double($0) }
        }
    }

    /// The values as Int: exact for integer dtypes; floats are truncated toward zero, and NaN,
    /// ±inf or values outside Int's range become 0 — check `dtype` first when that matters.
    public func ints() -> [Int] {
        func toInt<F: BinaryFloatingPoint>(_ x: F) -> Int {
            Int(exactly: x.rounded(.towardZero)) ?? 0
        }
        switch storage {
        case .float32(let v): return v.map(toInt)
        case .float64(let v): return v.map(toInt)
        case .int32(let v): return v.map { Int($0) }
        case .int64(let v): return v.map { Int($0) }
        }
    }

    /// The array as a Float tensor of the same shape.
    public var tensor: Tensor { Tensor(shape: shape, data: floats()) }
}

/// Reading and writing .npy files (format versions 1.0 and 2.0, little-endian, C order).
public enum Npy {
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // \x93NUMPY

    /// Reads a .npy file.
    public static func read(_ url: URL) throws -> NpyArray {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw NpyError.unreadable(file: url.path, reason: error.localizedDescription)
        }
        return try read(data: data, name: url.path)
    }

    /// Parses the bytes of a .npy file; `name` is used in error messages.
    public static func read(data: Data, name: String) throws -> NpyArray {
        let bytes = [UInt8](data.prefix(12))
        guard bytes.count >= 8, Array(bytes[0..<6]) == magic else {
            throw NpyError.badMagic(file: name)
        }
        let (major, minor) = (bytes[6], bytes[7])
        let lengthSize: Int
        switch (major, minor) {
        case (1, 0): lengthSize = 2
        case (2, 0): lengthSize = 4
        default: throw NpyError.unsupportedVersion(file: name, major: major, minor: minor)
        }
        guard bytes.count >= 8 + lengthSize else {
            throw NpyError.badHeader(file: name, reason: "file ends inside the header length")
        }
        var headerLength = 0
        for i in 0..<lengthSize { headerLength |= Int(bytes[8 + i]) << (8 * i) }
        let headerStart = 8 + lengthSize
        let dataStart = headerStart + headerLength
        guard data.count >= dataStart else {
            throw NpyError.badHeader(
                file: name,
                reason: "header says it is \(headerLength) bytes but the file ends before that")
        }
        let headerBytes = data.subdata(
            in: (data.startIndex + headerStart)..<(data.startIndex + dataStart))
        guard let header = String(data: headerBytes, encoding: .utf8) else {
            throw NpyError.badHeader(file: name, reason: "header is not text")
        }
        let fields = try NpyHeader.parse(header, file: name)
        guard !fields.fortranOrder else { throw NpyError.fortranOrder(file: name) }
        // '|' means "byte order not applicable"; numpy never writes it for these types, but
        // it describes the same bytes, so accept it beside '<'.
        let descr = fields.descr.hasPrefix("|") ? "<" + fields.descr.dropFirst() : fields.descr
        guard let dtype = NpyArray.DType(rawValue: descr) else {
            throw NpyError.unsupportedDType(file: name, descr: fields.descr)
        }

        // Checked at every step: a shape such as (2**40, 2**40) must be an error, not a trap.
        let (byteCount, overflow) = fields.shape.reduce((dtype.size, false)) { product, d in
            let (p, o) = product.0.multipliedReportingOverflow(by: d)
            return (p, product.1 || o)
        }
        guard !overflow else {
            throw NpyError.badHeader(file: name, reason: "shape \(fields.shape) is too large")
        }
        let count = byteCount / dtype.size
        let available = data.count - dataStart
        if available < byteCount {
            throw NpyError.truncated(file: name, expectedBytes: byteCount, actualBytes: available)
        }
        if available > byteCount {
            throw NpyError.shapeDataMismatch(
                file: name, shape: fields.shape, expectedBytes: byteCount, actualBytes: available)
        }
        let payload = data.subdata(in: (data.startIndex + dataStart)..<data.endIndex)
        let storage: NpyArray.Storage
        switch dtype {
        case .float32:
            storage = .float32(
                loadLittleEndian(payload, count: count, as: UInt32.self).map {
                    Float(bitPattern: $0)
                })
        case .float64:
            storage = .float64(
                loadLittleEndian(payload, count: count, as: UInt64.self).map {
                    Double(bitPattern: $0)
                })
        case .int32:
            storage = .int32(loadLittleEndian(payload, count: count, as: Int32.self))
        case .int64:
            storage = .int64(loadLittleEndian(payload, count: count, as: Int64.self))
        }
        return NpyArray(shape: fields.shape, storage: storage)
    }

    /// Writes `tensor` as a little-endian float32 .npy file (atomically: temp file, then rename).
    public static func write(_ tensor: Tensor, to url: URL) throws {
        try encode(tensor).write(to: url, options: .atomic)
    }

    /// The bytes of a float32 .npy file holding `tensor`.
    public static func encode(_ tensor: Tensor) -> Data {
        encode(dtype: .float32, shape: tensor.shape, values: tensor.data.map { $0.bitPattern })
    }

    /// The bytes of an int64 .npy file; `ints.count` must equal the product of `shape`.
    public static func encode(ints: [Int], shape: [Int]) -> Data {
        precondition(shape.reduce(1, *) == ints.count, "shape \(shape) for \(ints.count) ints")
        return encode(dtype: .int64, shape: shape, values: ints.map { Int64($0) })
    }

    /// The bytes of a float64 .npy file; `doubles.count` must equal the product of `shape`.
    public static func encode(doubles: [Double], shape: [Int]) -> Data {
        precondition(shape.reduce(1, *) == doubles.count, "shape \(shape) for \(doubles.count)")
        return encode(dtype: .float64, shape: shape, values: doubles.map { $0.bitPattern })
    }

    /// Header padded with spaces and a final newline so the data starts on a 64-byte boundary,
    /// as numpy.save does; version 2.0 only when the header outgrows 1.0's 16-bit length.
    static func encode<T: FixedWidthInteger>(dtype: NpyArray.DType, shape: [Int], values: [T])
        -> Data
    {
        precondition(shape.allSatisfy { $0 >= 0 } && shape.reduce(1, *) == values.count)
        let shapeText: String
        switch shape.count {
        case 0: shapeText = "()"
        case 1: shapeText = "(\(shape[0]),)"
        default: shapeText = "(" + shape.map(String.init).joined(separator: ", ") + ")"
        }
        var header =
            "{'descr': '\(dtype.rawValue)', 'fortran_order': False, 'shape': \(shapeText), }"
        var prefixSize = 10
        if (prefixSize + header.utf8.count + 1 + 63) / 64 * 64 - prefixSize > 0xFFFF {
            prefixSize = 12
        }
        let total = (prefixSize + header.utf8.count + 1 + 63) / 64 * 64
        header += String(repeating: " ", count: total - prefixSize - header.utf8.count - 1) + "\n"
        let headerLength = header.utf8.count

        var out = Data(capacity: total + values.count * MemoryLayout<T>.size)
        out.append(contentsOf: magic)
        out.append(contentsOf: prefixSize == 10 ? [1, 0] : [2, 0])
        for i in 0..<(prefixSize - 8) { out.append(UInt8((headerLength >> (8 * i)) & 0xFF)) }
        out.append(contentsOf: Array(header.utf8))
        let little = values.map { $0.littleEndian }
        little.withUnsafeBytes { out.append(contentsOf: $0) }
        return out
    }

    /// Copies `count` little-endian values of T out of `bytes` (which may be unaligned).
    static func loadLittleEndian<T: FixedWidthInteger>(_ bytes: Data, count: Int, as: T.Type)
        -> [T]
    {
        var out = [T](repeating: 0, count: count)
        out.withUnsafeMutableBytes { dst in
            bytes.withUnsafeBytes { src in
                if let d = dst.baseAddress, let s = src.baseAddress {
                    d.copyMemory(from: s, byteCount: count * MemoryLayout<T>.size)
                }
            }
        }
        #if _endian(big)
            for i in 0..<count { out[i] = T(littleEndian: out[i]) }
        #endif
        return out
    }
}

/// The header is a Python dict literal:
/// {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }.
/// This parses exactly that grammar (strings, True/False, tuples of ints, nested lists for
/// structured dtypes, which are then rejected as unsupported).
struct NpyHeader {
    var descr: String
    var fortranOrder: Bool
    var shape: [Int]

    indirect enum Value {
        case string(String)
        case bool(Bool)
        case int(Int)
        case tuple([Value])
        case list([Value])
        case dict([(String, Value)])
    }

    static func parse(_ text: String, file: String) throws -> NpyHeader {
        var parser = Parser(chars: Array(text.unicodeScalars), file: file)
        let value = try parser.value()
        parser.skipSpace()
        guard parser.pos == parser.chars.count else {
            throw parser.error("unexpected text after the dictionary")
        }
        guard case .dict(let entries) = value else {
            throw parser.error("the header is not a dictionary")
        }
        var descr: String?
        var fortran: Bool?
        var shape: [Int]?
        for (key, v) in entries {
            switch (key, v) {
            case ("descr", .string(let s)): descr = s
            case ("descr", .list): descr = "structured dtype"
            case ("fortran_order", .bool(let b)): fortran = b
            case ("shape", .tuple(let items)):
                shape = try items.map {
                    guard case .int(let n) = $0, n >= 0 else {
                        throw parser.error("shape entries must be non-negative integers")
                    }
                    return n
                }
            default:
                throw parser.error("unexpected key or value for '\(key)'")
            }
        }
        guard let descr, let fortran, let shape else {
            throw parser.error("needs the keys 'descr', 'fortran_order' and 'shape'")
        }
        return NpyHeader(descr: descr, fortranOrder: fortran, shape: shape)
    }

    struct Parser {
        let chars: [Unicode.Scalar]
        let file: String
        var pos = 0
        /// Tuples, lists and dicts enclosing the current value: a header is a dict holding a
        /// tuple, so a deep nesting is a hostile file, refused before it exhausts the stack.
        var depth = 0
        static let maxDepth = 16

        init(chars: [Unicode.Scalar], file: String) {
            self.chars = chars
            self.file = file
        }

        func error(_ reason: String) -> NpyError { .badHeader(file: file, reason: reason) }

        mutating func skipSpace() {
            while pos < chars.count, chars[pos].properties.isWhitespace { pos += 1 }
        }

        mutating func peek() -> Unicode.Scalar? {
            skipSpace()
            return pos < chars.count ? chars[pos] : nil
        }

        mutating func expect(_ c: Unicode.Scalar) throws {
            guard peek() == c else { throw error("expected '\(c)' at character \(pos)") }
            pos += 1
        }

        /// Items up to `close`, separated by commas, a trailing comma allowed.
        mutating func items<T>(close: Unicode.Scalar, _ item: (inout Parser) throws -> T) throws
            -> [T]
        {
            var out: [T] = []
            while true {
                if peek() == close {
                    pos += 1
                    return out
                }
                out.append(try item(&self))
                if peek() == "," {
                    pos += 1
                } else {
                    try expect(close)
                    return out
                }
            }
        }

        mutating func value() throws -> Value {
            guard let c = peek() else { throw error("header ends too early") }
            if c == "(" || c == "[" || c == "{" {
                depth += 1
                guard depth <= Self.maxDepth else {
                    throw error("nested more than \(Self.maxDepth) deep at character \(pos)")
                }
            }
            defer { if c == "(" || c == "[" || c == "{" { depth -= 1 } }
            switch c {
            case "'", "\"":
                return .string(try string())
            case "(":
                pos += 1
                return .tuple(try items(close: ")") { try $0.value() })
            case "[":
                pos += 1
                return .list(try items(close: "]") { try $0.value() })
            case "{":
                pos += 1
                return .dict(
                    try items(close: "}") { p in
                        let key = try p.string()
                        try p.expect(":")
                        return (key, try p.value())
                    })
            default:
                var word = ""
                while pos < chars.count,
                    chars[pos].properties.isAlphabetic || ("0"..."9").contains(chars[pos])
                        || chars[pos] == "-"
                {
                    word.unicodeScalars.append(chars[pos])
                    pos += 1
                }
                if word == "True" { return .bool(true) }
                if word == "False" { return .bool(false) }
                // numpy < 2 could write Python 2 longs such as 3L.
                if let n = Int(word.hasSuffix("L") ? String(word.dropLast()) : word) {
                    return .int(n)
                }
                throw error("unexpected '\(word.isEmpty ? String(c) : word)' at character \(pos)")
            }
        }

        mutating func string() throws -> String {
            guard let quote = peek(), quote == "'" || quote == "\"" else {
                throw error("expected a quoted string at character \(pos)")
            }
            pos += 1
            var s = ""
            while pos < chars.count, chars[pos] != quote {
                s.unicodeScalars.append(chars[pos])
                pos += 1
            }
            guard pos < chars.count else { throw error("unterminated string") }
            pos += 1
            return s
        }
    }
}
