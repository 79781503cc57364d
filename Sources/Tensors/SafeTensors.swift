// The safetensors checkpoint format (huggingface/safetensors): an 8-byte little-endian header
// length, a JSON header naming each tensor's dtype, shape and byte range, then the raw data.
// Reading validates the whole header up front the way the reference implementation does.
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why a safetensors file could not be read or written; names the file and the tensor.
public enum SafeTensorsError: Error, CustomStringConvertible, Equatable {
    case io(file: String, reason: String)
    case fileTooSmall(file: String, size: Int)
    case badHeaderLength(file: String, length: UInt64, reason: String)
    case headerPastEnd(file: String, headerLength: UInt64, fileSize: Int)
    case badJSON(file: String, reason: String)
    case badMetadata(file: String, reason: String)
    case missingField(file: String, tensor: String, field: String)
    case badField(file: String, tensor: String, field: String, reason: String)
    case unknownDType(file: String, tensor: String, dtype: String)
    case byteCountMismatch(
        file: String, tensor: String, dtype: String, shape: [Int], expected: Int, actual: Int)
    case offsetsOverlap(file: String, tensor: String, other: String)
    case offsetsGap(file: String, tensor: String, start: Int, previousEnd: Int)
    case uncoveredData(file: String, coveredEnd: Int, dataSize: Int)
    case offsetsPastEnd(file: String, tensor: String, end: Int, dataSize: Int)
    case missingTensor(file: String, tensor: String, available: [String])
    case duplicateName(file: String, tensor: String)
    case wrongKind(file: String, tensor: String, dtype: String, wanted: String)
    case valueOutOfRange(tensor: String, value: Int, dtype: String)

    public var description: String {
        switch self {
        case .io(let file, let reason):
            return "\(file): \(reason)"
        case .fileTooSmall(let file, let size):
            return "\(file): truncated safetensors file: \(size) bytes, but the format starts with "
                + "an 8-byte header length; write the file again"
        case .badHeaderLength(let file, let length, let reason):
            return "\(file): header length \(length) is invalid (\(reason)); "
                + "is this a safetensors file?"
        case .headerPastEnd(let file, let length, let size):
            return "\(file): header of \(length) bytes runs past the end of the \(size)-byte "
                + "file; the file is truncated or not a safetensors file"
        case .badJSON(let file, let reason):
            return "\(file): header is not valid JSON: \(reason)"
        case .badMetadata(let file, let reason):
            return "\(file): __metadata__ \(reason); it must map strings to strings"
        case .missingField(let file, let tensor, let field):
            return "\(file): tensor '\(tensor)' has no '\(field)' in the header; each tensor "
                + "needs dtype, shape and data_offsets"
        case .badField(let file, let tensor, let field, let reason):
            return "\(file): tensor '\(tensor)': '\(field)' \(reason)"
        case .unknownDType(let file, let tensor, let dtype):
            return "\(file): tensor '\(tensor)' has dtype '\(dtype)'; lmlab reads "
                + SafeTensorsDType.allCases.map(\.rawValue).joined(separator: ", ")
        case .byteCountMismatch(
            let file, let tensor, let dtype, let shape, let expected, let actual):
            return "\(file): tensor '\(tensor)' is \(dtype) \(shape), which needs \(expected) "
                + "bytes, but its data_offsets span \(actual)"
        case .offsetsOverlap(let file, let tensor, let other):
            return "\(file): the data of tensors '\(other)' and '\(tensor)' overlap; "
                + "the file is corrupt, write it again"
        case .offsetsGap(let file, let tensor, let start, let previousEnd):
            return "\(file): tensor '\(tensor)' starts at data byte \(start), but the previous "
                + "tensor ends at \(previousEnd); the data offsets do not cover the data"
        case .uncoveredData(let file, let coveredEnd, let dataSize):
            return "\(file): the tensors cover \(coveredEnd) bytes of data, but the file holds "
                + "\(dataSize); the data offsets do not cover the data"
        case .offsetsPastEnd(let file, let tensor, let end, let dataSize):
            return "\(file): tensor '\(tensor)' ends at data byte \(end), past the end of the "
                + "\(dataSize) bytes of data; the file is truncated, write or download it again"
        case .missingTensor(let file, let tensor, let available):
            let shown = available.prefix(8).joined(separator: ", ")
            let more = available.count > 8 ? ", … (\(available.count) in all)" : ""
            return "\(file): no tensor named '\(tensor)'; the file has \(shown)\(more)"
        case .duplicateName(let file, let tensor):
            return "\(file): tensor name '\(tensor)' appears twice; names must be unique"
        case .wrongKind(let file, let tensor, let dtype, let wanted):
            return "\(file): tensor '\(tensor)' is \(dtype); expected \(wanted)"
        case .valueOutOfRange(let tensor, let value, let dtype):
            return "tensor '\(tensor)': value \(value) does not fit in \(dtype)"
        }
    }
}

/// Element types of the safetensors format that lmlab reads.
public enum SafeTensorsDType: String, Sendable, CaseIterable {
    case F32, F16, BF16, F64, I64, I32, I16, I8, U8, BOOL

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .F64, .I64: return 8
        case .F32, .I32: return 4
        case .F16, .BF16, .I16: return 2
        case .I8, .U8, .BOOL: return 1
        }
    }

    /// Position in the reference implementation's dtype order; files are laid out by
    /// decreasing rank (then name), which puts wider types first and keeps every tensor aligned.
    var layoutRank: Int {
        switch self {
        case .BOOL: return 0
        case .U8: return 1
        case .I8: return 2
        case .I16: return 3
        case .F16: return 4
        case .BF16: return 5
        case .I32: return 6
        case .F32: return 7
        case .F64: return 8
        case .I64: return 9
        }
    }

    /// Whether `SafeTensorsFile.tensor(_:)` converts it to Float.
    public var isFloatingPoint: Bool { [.F32, .F16, .BF16, .F64].contains(self) }
}

/// Owns an open file descriptor; pread takes an explicit offset, so sharing it is safe.
final class ReadOnlyFile: @unchecked Sendable {
    let descriptor: Int32
    let path: String

    init(path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw SafeTensorsError.io(
                file: path, reason: "cannot open: \(String(cString: strerror(errno)))")
        }
        descriptor = fd
        self.path = path
    }

    deinit { close(descriptor) }

    /// The file's size in bytes.
    func size() throws -> Int {
        var st = stat()
        guard fstat(descriptor, &st) == 0 else {
            throw SafeTensorsError.io(
                file: path, reason: "cannot stat: \(String(cString: strerror(errno)))")
        }
        return Int(st.st_size)
    }

    /// Reads exactly `count` bytes at `offset` into `buffer`.
    func read(into buffer: UnsafeMutableRawPointer, count: Int, at offset: Int) throws {
        var done = 0
        while done < count {
            let n = pread(descriptor, buffer + done, count - done, off_t(offset + done))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                let why =
                    n == 0
                    ? "file ended early (was it changed while open?)"
                    : String(cString: strerror(errno))
                throw SafeTensorsError.io(file: path, reason: "read failed: \(why)")
            }
            done += n
        }
    }

    /// `count` bytes at `offset` as Data.
    func read(count: Int, at offset: Int) throws -> Data {
        var data = Data(count: count)
        try data.withUnsafeMutableBytes { buf in
            if let base = buf.baseAddress { try read(into: base, count: count, at: offset) }
        }
        return data
    }
}

/// A safetensors file opened for reading. The header is read and validated at open; tensor data
/// is read on demand with pread straight into the destination array (or through a small chunk
/// buffer for fp16/bf16/f64), so the file is never mapped or held in memory: resident memory is
/// just the converted tensors (the page cache is the kernel's, not ours).
public struct SafeTensorsFile: Sendable {
    /// One tensor's header entry; `begin`/`end` are byte offsets into the data section.
    struct Entry: Sendable {
        var dtype: SafeTensorsDType
        var shape: [Int]
        var begin: Int
        var end: Int
    }

    let file: ReadOnlyFile
    let entries: [String: Entry]
    /// Where the data section starts in the file (8 + header length).
    let dataStart: Int

    /// The path the file was opened from.
    public var path: String { file.path }
    /// Tensor names, sorted.
    public let names: [String]
    /// The header's `__metadata__` (empty when absent).
    public let metadata: [String: String]

    /// Opens `url`, reads and validates its header; fails with a `SafeTensorsError`.
    public init(contentsOf url: URL) throws {
        let file = try ReadOnlyFile(path: url.path)
        let name = url.path
        let fileSize = try file.size()
        guard fileSize >= 8 else { throw SafeTensorsError.fileTooSmall(file: name, size: fileSize) }
        var lengthBytes = [UInt8](repeating: 0, count: 8)
        try lengthBytes.withUnsafeMutableBytes {
            if let base = $0.baseAddress { try file.read(into: base, count: 8, at: 0) }
        }
        let headerLength = lengthBytes.enumerated().reduce(UInt64(0)) {
            $0 | UInt64($1.element) << (8 * UInt64($1.offset))
        }
        // The reference implementation caps headers at 100 MB.
        guard headerLength <= 100_000_000 else {
            throw SafeTensorsError.badHeaderLength(
                file: name, length: headerLength, reason: "over the 100 MB limit")
        }
        guard Int(headerLength) <= fileSize - 8 else {
            throw SafeTensorsError.headerPastEnd(
                file: name, headerLength: headerLength, fileSize: fileSize)
        }
        let header = [UInt8](try file.read(count: Int(headerLength), at: 8))
        let dataSize = fileSize - 8 - Int(headerLength)
        let parsed = try SafeTensorsFile.parseHeader(header, file: name, dataSize: dataSize)
        self.file = file
        self.entries = parsed.entries
        self.metadata = parsed.metadata
        self.names = parsed.entries.keys.sorted()
        self.dataStart = 8 + Int(headerLength)
    }

    /// The dtype and shape of tensor `name`, or nil if the file has none by that name.
    public func info(_ name: String) -> (dtype: SafeTensorsDType, shape: [Int])? {
        entries[name].map { ($0.dtype, $0.shape) }
    }

    func entry(_ name: String) throws -> Entry {
        guard let e = entries[name] else {
            throw SafeTensorsError.missingTensor(file: path, tensor: name, available: names)
        }
        return e
    }

    /// The stored bytes of tensor `name`, little-endian as in the file.
    public func rawBytes(_ name: String) throws -> Data {
        let e = try entry(name)
        return try file.read(count: e.end - e.begin, at: dataStart + e.begin)
    }

    /// Tensor `name` as Float: F32 read directly, F16/BF16/F64 converted (F64 rounded).
    public func tensor(_ name: String) throws -> Tensor {
        let e = try entry(name)
        let count = e.shape.reduce(1, *)
        let offset = dataStart + e.begin
        var data: [Float]
        switch e.dtype {
        case .F32:
            data = try [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                if let base = buffer.baseAddress {
                    try file.read(into: base, count: count * 4, at: offset)
                }
                initialized = count
            }
            #if _endian(big)
                for i in 0..<count {
                    data[i] = Float(bitPattern: UInt32(littleEndian: data[i].bitPattern))
                }
            #endif
        case .F16, .BF16:
            let decode: (UInt16) -> Float =
                e.dtype == .F16 ? { halfBitsToFloat($0) } : { bfloat16BitsToFloat($0) }
            data = try readConverted(count: count, at: offset, as: UInt16.self) {
                decode(UInt16(littleEndian: $0))
            }
        case .F64:
            data = try readConverted(count: count, at: offset, as: UInt64.self) {
                Float(Double(bitPattern: UInt64(littleEndian: $0)))
            }
        default:
            throw SafeTensorsError.wrongKind(
                file: path, tensor: name, dtype: e.dtype.rawValue,
                wanted: "a floating-point dtype (F32, F16, BF16, F64); use ints(_:)")
        }
        return Tensor(shape: e.shape, data: data)
    }

    /// Reads `count` values of `T` in chunks of at most 1 MiB and converts each to Float.
    func readConverted<T: FixedWidthInteger>(
        count: Int, at offset: Int, as: T.Type, _ convert: (T) -> Float
    ) throws -> [Float] {
        let chunk = max(1, (1 << 20) / MemoryLayout<T>.size)
        var scratch = [T](repeating: 0, count: min(chunk, count))
        return try [Float](unsafeUninitializedCapacity: count) { out, initialized in
            var done = 0
            while done < count {
                let n = min(chunk, count - done)
                try scratch.withUnsafeMutableBytes {
                    guard let base = $0.baseAddress else { return }
                    try file.read(
                        into: base, count: n * MemoryLayout<T>.size,
                        at: offset + done * MemoryLayout<T>.size)
                }
                for i in 0..<n { out[done + i] = convert(scratch[i]) }
                done += n
            }
            initialized = count
        }
    }

    /// Tensor `name` of an integer dtype (I64, I32, I16, I8, U8, BOOL) as Ints.
    public func ints(_ name: String) throws -> [Int] {
        let e = try entry(name)
        let bytes = try rawBytes(name)
        let count = e.shape.reduce(1, *)
        return try bytes.withUnsafeBytes { raw -> [Int] in
            func load<T: FixedWidthInteger>(_: T.Type) -> [Int] {
                (0..<count).map {
                    Int(
                        T(
                            littleEndian: raw.loadUnaligned(
                                fromByteOffset: $0 * T.bitWidth / 8, as: T.self)))
                }
            }
            switch e.dtype {
            case .I64: return load(Int64.self)
            case .I32: return load(Int32.self)
            case .I16: return load(Int16.self)
            case .I8: return load(Int8.self)
            case .U8, .BOOL: return load(UInt8.self)
            default:
                throw SafeTensorsError.wrongKind(
                    file: path, tensor: name, dtype: e.dtype.rawValue,
                    wanted: "an integer dtype (I64, I32, I16, I8, U8, BOOL); use tensor(_:)")
            }
        }
    }

    /// Validates the header as the reference implementation does: every entry well-formed,
    /// byte counts matching shape × dtype size, and the entries' ranges tiling the data exactly.
    static func parseHeader(_ header: [UInt8], file: String, dataSize: Int) throws
        -> (entries: [String: Entry], metadata: [String: String])
    {
        let json: JSONValue
        do {
            json = try JSONParser.parse(header)
        } catch let e as JSONParseError {
            if let key = e.duplicateKey, e.depth == 1 {
                throw SafeTensorsError.duplicateName(file: file, tensor: key)
            }
            throw SafeTensorsError.badJSON(file: file, reason: "\(e.message) at byte \(e.offset)")
        }
        guard case .object(let top) = json else {
            throw SafeTensorsError.badJSON(file: file, reason: "the header must be a JSON object")
        }
        var entries: [String: Entry] = [:]
        var metadata: [String: String] = [:]
        for (name, value) in top {
            if name == "__metadata__" {
                guard case .object(let pairs) = value else {
                    throw SafeTensorsError.badMetadata(file: file, reason: "is \(value.kind)")
                }
                for (k, v) in pairs {
                    guard case .string(let s) = v else {
                        throw SafeTensorsError.badMetadata(
                            file: file, reason: "value of '\(k)' is \(v.kind)")
                    }
                    metadata[k] = s
                }
                continue
            }
            entries[name] = try parseEntry(name, value, file: file)
        }
        // The ranges, in order, must start at 0, touch end to start, and end at the data's end.
        var previousEnd = 0
        var previousName = ""
        // Sorted by (begin, end, name) so an empty tensor sits before one starting where it does.
        let byOffset = entries.sorted {
            ($0.value.begin, $0.value.end, $0.key) < ($1.value.begin, $1.value.end, $1.key)
        }
        for (name, e) in byOffset {
            if e.begin < previousEnd {
                throw SafeTensorsError.offsetsOverlap(file: file, tensor: name, other: previousName)
            }
            if e.begin > previousEnd {
                throw SafeTensorsError.offsetsGap(
                    file: file, tensor: name, start: e.begin, previousEnd: previousEnd)
            }
            if e.end > dataSize {
                throw SafeTensorsError.offsetsPastEnd(
                    file: file, tensor: name, end: e.end, dataSize: dataSize)
            }
            previousEnd = e.end
            previousName = name
        }
        if previousEnd != dataSize {
            throw SafeTensorsError.uncoveredData(
                file: file, coveredEnd: previousEnd, dataSize: dataSize)
        }
        return (entries, metadata)
    }

    static func parseEntry(_ name: String, _ value: JSONValue, file: String) throws -> Entry {
        guard case .object(let fields) = value else {
            throw SafeTensorsError.badField(
                file: file, tensor: name, field: "entry", reason: "is \(value.kind), not an object")
        }
        func field(_ key: String) throws -> JSONValue {
            guard let v = fields.first(where: { $0.key == key })?.value else {
                throw SafeTensorsError.missingField(file: file, tensor: name, field: key)
            }
            return v
        }
        func nonNegativeInts(_ key: String) throws -> [Int] {
            guard case .array(let items) = try field(key) else {
                throw SafeTensorsError.badField(
                    file: file, tensor: name, field: key, reason: "must be an array of integers")
            }
            return try items.map {
                guard case .int(let n) = $0, n >= 0 else {
                    throw SafeTensorsError.badField(
                        file: file, tensor: name, field: key,
                        reason: "must hold non-negative integers, found \($0.kind)")
                }
                return n
            }
        }
        guard case .string(let dtypeName) = try field("dtype") else {
            throw SafeTensorsError.badField(
                file: file, tensor: name, field: "dtype", reason: "must be a string")
        }
        guard let dtype = SafeTensorsDType(rawValue: dtypeName) else {
            throw SafeTensorsError.unknownDType(file: file, tensor: name, dtype: dtypeName)
        }
        let shape = try nonNegativeInts("shape")
        let offsets = try nonNegativeInts("data_offsets")
        guard offsets.count == 2, offsets[0] <= offsets[1] else {
            throw SafeTensorsError.badField(
                file: file, tensor: name, field: "data_offsets",
                reason: "must be [begin, end] with begin <= end, found \(offsets)")
        }
        var expected = dtype.size
        for d in shape {
            let (p, overflow) = expected.multipliedReportingOverflow(by: d)
            guard !overflow else {
                throw SafeTensorsError.badField(
                    file: file, tensor: name, field: "shape", reason: "\(shape) is too large")
            }
            expected = p
        }
        let actual = offsets[1] - offsets[0]
        guard expected == actual else {
            throw SafeTensorsError.byteCountMismatch(
                file: file, tensor: name, dtype: dtypeName, shape: shape, expected: expected,
                actual: actual)
        }
        return Entry(dtype: dtype, shape: shape, begin: offsets[0], end: offsets[1])
    }
}

/// One tensor to write: its name, dtype, shape and little-endian bytes.
public struct SafeTensorsEntry: Sendable {
    /// The tensor's name in the header.
    public var name: String
    /// The stored element type.
    public var dtype: SafeTensorsDType
    /// Dimensions.
    public var shape: [Int]
    /// Raw little-endian bytes; must be shape × dtype.size long (checked at write).
    public var bytes: Data

    /// An entry from raw bytes.
    public init(name: String, dtype: SafeTensorsDType, shape: [Int], bytes: Data) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }

    /// A Float tensor stored as F32, F16, BF16 or F64 (others are a programmer error).
    public init(name: String, tensor: Tensor, as dtype: SafeTensorsDType = .F32) {
        precondition(
            dtype.isFloatingPoint, "store a Float tensor as F32/F16/BF16/F64, not \(dtype)")
        var bytes = Data(capacity: tensor.count * dtype.size)
        switch dtype {
        case .F32: SafeTensorsEntry.append(tensor.data.map(\.bitPattern), to: &bytes)
        case .F16: SafeTensorsEntry.append(floatsToHalfBits(tensor.data), to: &bytes)
        case .BF16: SafeTensorsEntry.append(floatsToBFloat16Bits(tensor.data), to: &bytes)
        default: SafeTensorsEntry.append(tensor.data.map { Double($0).bitPattern }, to: &bytes)
        }
        self.init(name: name, dtype: dtype, shape: tensor.shape, bytes: bytes)
    }

    /// Integers stored as I64, I32, I16, I8 or U8; throws if a value does not fit the dtype.
    /// `ints.count` must equal the product of `shape` (a programmer error otherwise).
    public init(name: String, ints: [Int], shape: [Int], as dtype: SafeTensorsDType = .I64) throws {
        precondition(shape.reduce(1, *) == ints.count, "shape \(shape) for \(ints.count) ints")
        func pack<T: FixedWidthInteger>(_: T.Type) throws -> Data {
            var out = Data(capacity: ints.count * MemoryLayout<T>.size)
            let values = try ints.map {
                guard let v = T(exactly: $0) else {
                    throw SafeTensorsError.valueOutOfRange(
                        tensor: name, value: $0, dtype: dtype.rawValue)
                }
                return v
            }
            SafeTensorsEntry.append(values, to: &out)
            return out
        }
        let bytes: Data
        switch dtype {
        case .I64: bytes = try pack(Int64.self)
        case .I32: bytes = try pack(Int32.self)
        case .I16: bytes = try pack(Int16.self)
        case .I8: bytes = try pack(Int8.self)
        case .U8: bytes = try pack(UInt8.self)
        default: preconditionFailure("store integers as I64/I32/I16/I8/U8, not \(dtype)")
        }
        self.init(name: name, dtype: dtype, shape: shape, bytes: bytes)
    }

    static func append<T: FixedWidthInteger>(_ values: [T], to data: inout Data) {
        values.map { $0.littleEndian }.withUnsafeBytes { data.append(contentsOf: $0) }
    }
}

/// Writing safetensors files.
public enum SafeTensors {
    /// Writes `entries` (and `metadata`) to `url`: the header JSON padded with spaces to an
    /// 8-byte boundary, tensors laid out in the reference implementation's order (wider dtypes
    /// first, then by name) so each is aligned and the bytes match `safetensors.numpy.save`.
    /// Writes a temporary file beside `url` and renames it, so no half-written file appears.
    public static func write(
        _ entries: [SafeTensorsEntry], metadata: [String: String] = [:], to url: URL
    ) throws {
        let file = url.path
        var seen = Set<String>()
        for e in entries {
            guard e.name != "__metadata__" else {
                throw SafeTensorsError.badField(
                    file: file, tensor: e.name, field: "name", reason: "is reserved for metadata")
            }
            guard seen.insert(e.name).inserted else {
                throw SafeTensorsError.duplicateName(file: file, tensor: e.name)
            }
            guard e.shape.allSatisfy({ $0 >= 0 }) else {
                throw SafeTensorsError.badField(
                    file: file, tensor: e.name, field: "shape", reason: "\(e.shape) is negative")
            }
            let expected = e.shape.reduce(e.dtype.size, *)
            guard expected == e.bytes.count else {
                throw SafeTensorsError.byteCountMismatch(
                    file: file, tensor: e.name, dtype: e.dtype.rawValue, shape: e.shape,
                    expected: expected, actual: e.bytes.count)
            }
        }
        let ordered = entries.sorted {
            ($1.dtype.layoutRank, $0.name) < ($0.dtype.layoutRank, $1.name)
        }
        var parts: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.sorted { $0.key < $1.key }
                .map { "\(jsonQuoted($0.key)):\(jsonQuoted($0.value))" }
            parts.append("\"__metadata__\":{" + pairs.joined(separator: ",") + "}")
        }
        var offset = 0
        for e in ordered {
            let shape = e.shape.map(String.init).joined(separator: ",")
            parts.append(
                "\(jsonQuoted(e.name)):{\"dtype\":\"\(e.dtype.rawValue)\",\"shape\":[\(shape)],"
                    + "\"data_offsets\":[\(offset),\(offset + e.bytes.count)]}")
            offset += e.bytes.count
        }
        var header = Array(("{" + parts.joined(separator: ",") + "}").utf8)
        header += [UInt8](repeating: 0x20, count: (8 - header.count % 8) % 8)

        let directory = url.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(
            ".\(url.lastPathComponent).\(UUID().uuidString).tmp")
        do {
            guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
                throw SafeTensorsError.io(file: file, reason: "cannot create \(temporary.path)")
            }
            let handle = try FileHandle(forWritingTo: temporary)
            defer { try? handle.close() }
            var lengthBytes = Data()
            SafeTensorsEntry.append([UInt64(header.count)], to: &lengthBytes)
            try handle.write(contentsOf: lengthBytes)
            try handle.write(contentsOf: header)
            for e in ordered { try handle.write(contentsOf: e.bytes) }
            try handle.synchronize()
            try handle.close()
            guard rename(temporary.path, url.path) == 0 else {
                throw SafeTensorsError.io(
                    file: file,
                    reason: "cannot rename into place: \(String(cString: strerror(errno)))")
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            if let e = error as? SafeTensorsError { throw e }
            throw SafeTensorsError.io(
                file: file, reason: "cannot write: \(error.localizedDescription)")
        }
    }
}
