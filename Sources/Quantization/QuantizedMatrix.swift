// One weight matrix stored in a QuantScheme, laid out as ggml does: rows are OUTPUT channels.
// GPT-2's Conv1D weight W is [in, out] (y = x W); we store Wᵀ [out, in], so that a block of 32
// runs along the input dimension of one output row and y[o] is one dot product with row o.
import Tensors

/// The stored codes of one matrix, [out, in] row-major (rows = output channels).
public enum QuantizedStorage: Sendable, Equatable {
    /// fp32 values [out, in].
    case float32([Float])
    /// fp16 or bf16 bits [out, in] (which one is the matrix's scheme).
    case half([UInt16])
    /// int8 codes [out, in] with one fp32 scale (per tensor) or one per output row (channel).
    case int8(codes: [Int8], scales: [Float])
    /// Q8_0: int8 codes [out, in], fp16 scale bits [out, in/32].
    case q8_0(codes: [Int8], scales: [UInt16])
    /// Q4_0: nibbles [out, in/2] (byte j of a block: element j low, j+16 high), fp16 scales
    /// [out, in/32].
    case q4_0(nibbles: [UInt8], scales: [UInt16])
}

/// A weight matrix quantized in one scheme.
public struct QuantizedMatrix: Sendable, Equatable {
    public let scheme: QuantScheme
    /// Output channels (the rows as stored; columns of the Conv1D weight).
    public let outputs: Int
    /// Input channels (the row length as stored; rows of the Conv1D weight).
    public let inputs: Int
    public let storage: QuantizedStorage
    /// bf16, or fp16 without inf/NaN: the fast branch-free conversion in the kernel is exact.
    let halvesAreFinite: Bool

    /// Wraps already-quantized storage; sizes must agree (a programmer error otherwise).
    public init(scheme: QuantScheme, outputs: Int, inputs: Int, storage: QuantizedStorage) {
        let n = outputs * inputs
        switch storage {
        case .float32(let v): precondition(scheme == .fp32 && v.count == n)
        case .half(let v): precondition((scheme == .fp16 || scheme == .bf16) && v.count == n)
        case .int8(let c, let s):
            precondition(c.count == n && (scheme == .int8 ? s.count == 1 : s.count == outputs))
        case .q8_0(let c, let s):
            precondition(scheme == .q8_0 && c.count == n && s.count == n / QuantScheme.blockSize)
        case .q4_0(let q, let s):
            precondition(
                scheme == .q4_0 && q.count == n / 2 && s.count == n / QuantScheme.blockSize)
        }
        self.scheme = scheme
        self.outputs = outputs
        self.inputs = inputs
        self.storage = storage
        if scheme == .fp16, case .half(let bits) = storage {
            halvesAreFinite = bits.allSatisfy { $0 & 0x7C00 != 0x7C00 }
        } else {
            halvesAreFinite = true
        }
    }

    /// Quantizes a Conv1D weight [in, out]. `name` labels errors (e.g. "h.0.attn.c_attn.weight").
    /// Throws if a block format's input count is not a multiple of 32, or a weight is not finite.
    public init(quantizing weight: Tensor, scheme: QuantScheme, name: String = "weight") throws {
        precondition(weight.rank == 2, "quantize a [in, out] matrix, got \(weight.shape)")
        let (nIn, nOut) = (weight.shape[0], weight.shape[1])
        if scheme.isBlockFormat && nIn % QuantScheme.blockSize != 0 {
            throw QuantizationError.notBlockAligned(tensor: name, inputs: nIn, scheme: scheme)
        }
        if scheme != .fp32 && scheme != .fp16 && scheme != .bf16
            && !weight.data.allSatisfy({ $0.isFinite })
        {
            throw QuantizationError.nonFiniteWeight(tensor: name)
        }
        let rows = weight.transposed.data  // Wᵀ [out, in]
        let storage: QuantizedStorage
        switch scheme {
        case .fp32: storage = .float32(rows)
        case .fp16: storage = .half(floatsToHalfBits(rows))
        case .bf16: storage = .half(floatsToBFloat16Bits(rows))
        case .int8:
            let (codes, scale) = quantizeInt8Symmetric(rows)
            storage = .int8(codes: codes, scales: [scale])
        case .int8Channel:
            var codes = [Int8](repeating: 0, count: rows.count)
            var scales = [Float](repeating: 0, count: nOut)
            for o in 0..<nOut {
                let (c, s) = quantizeInt8Symmetric(Array(rows[(o * nIn)..<((o + 1) * nIn)]))
                codes.replaceSubrange((o * nIn)..<((o + 1) * nIn), with: c)
                scales[o] = s
            }
            storage = .int8(codes: codes, scales: scales)
        case .q8_0:
            var codes = [Int8](repeating: 0, count: rows.count)
            var scales = [UInt16](repeating: 0, count: rows.count / QuantScheme.blockSize)
            rows.withUnsafeBufferPointer { x in
                codes.withUnsafeMutableBufferPointer { q in
                    scales.withUnsafeMutableBufferPointer { d in
                        guard let x = x.baseAddress, let q = q.baseAddress, let d = d.baseAddress
                        else { return }
                        quantizeRowQ8_0(x, count: rows.count, codes: q, scales: d)
                    }
                }
            }
            storage = .q8_0(codes: codes, scales: scales)
        case .q4_0:
            var nibbles = [UInt8](repeating: 0, count: rows.count / 2)
            var scales = [UInt16](repeating: 0, count: rows.count / QuantScheme.blockSize)
            rows.withUnsafeBufferPointer { x in
                nibbles.withUnsafeMutableBufferPointer { q in
                    scales.withUnsafeMutableBufferPointer { d in
                        guard let x = x.baseAddress, let q = q.baseAddress, let d = d.baseAddress
                        else { return }
                        quantizeRowQ4_0(x, count: rows.count, nibbles: q, scales: d)
                    }
                }
            }
            storage = .q4_0(nibbles: nibbles, scales: scales)
        }
        // Blocks never straddle rows because `inputs` is a multiple of 32, so quantizing the
        // whole [out, in] buffer as one long row equals quantizing row by row.
        self.init(scheme: scheme, outputs: nOut, inputs: nIn, storage: storage)
    }

    /// Bytes of codes and scales (what the weights cost in memory and on disk).
    public var byteCount: Int {
        switch storage {
        case .float32(let v): return v.count * 4
        case .half(let v): return v.count * 2
        case .int8(let c, let s): return c.count + s.count * 4
        case .q8_0(let c, let s): return c.count + s.count * 2
        case .q4_0(let q, let s): return q.count + s.count * 2
        }
    }

    /// Exact bits per weight of this matrix, scales included.
    public var bitsPerWeight: Double {
        Double(byteCount * 8) / Double(max(1, outputs * inputs))
    }

    /// Dequantizes output rows `rows` into `destination` [rows.count, in] (row-major).
    /// This is the tile the prefill path hands to sgemm; it never expands the whole matrix.
    public func dequantizeRows(_ rows: Range<Int>, into destination: UnsafeMutablePointer<Float>) {
        precondition(rows.lowerBound >= 0 && rows.upperBound <= outputs)
        let n = inputs
        let (start, count) = (rows.lowerBound * n, rows.count * n)
        switch storage {
        case .float32(let v):
            v.withUnsafeBufferPointer { src in
                guard let src = src.baseAddress else { return }
                destination.update(from: src + start, count: count)
            }
        case .half(let bits):
            let isBF16 = scheme == .bf16
            bits.withUnsafeBufferPointer { h in
                for i in 0..<count {
                    destination[i] =
                        isBF16 ? bfloat16BitsToFloat(h[start + i]) : halfBitsToFloat(h[start + i])
                }
            }
        case .int8(let codes, let scales):
            codes.withUnsafeBufferPointer { q in
                for r in 0..<rows.count {
                    let row = rows.lowerBound + r
                    let scale = scales.count == 1 ? scales[0] : scales[row]
                    for j in 0..<n { destination[r * n + j] = Float(q[row * n + j]) * scale }
                }
            }
        case .q8_0(let codes, let scales):
            codes.withUnsafeBufferPointer { q in
                scales.withUnsafeBufferPointer { d in
                    guard let q = q.baseAddress, let d = d.baseAddress else { return }
                    dequantizeRowQ8_0(
                        codes: q + start, scales: d + start / QuantScheme.blockSize, count: count,
                        into: destination)
                }
            }
        case .q4_0(let nibbles, let scales):
            nibbles.withUnsafeBufferPointer { q in
                scales.withUnsafeBufferPointer { d in
                    guard let q = q.baseAddress, let d = d.baseAddress else { return }
                    dequantizeRowQ4_0(
                        nibbles: q + start / 2, scales: d + start / QuantScheme.blockSize,
                        count: count, into: destination)
                }
            }
        }
    }

    /// The whole matrix dequantized back to the Conv1D layout [in, out] (for study and tests;
    /// the model never calls it).
    public func dequantized() -> Tensor {
        var rows = [Float](repeating: 0, count: outputs * inputs)
        rows.withUnsafeMutableBufferPointer { p in
            if let base = p.baseAddress { dequantizeRows(0..<outputs, into: base) }
        }
        return Tensor(shape: [outputs, inputs], data: rows).transposed  // [out, in] -> [in, out]
    }
}

/// Symmetric int8 of a whole buffer: scale = absmax / 127, q = round(x / scale) with ties to
/// EVEN (np.round's rule), clamped to [-127, 127]; an all-zero buffer gets scale 0 and codes 0.
public func quantizeInt8Symmetric(_ x: [Float]) -> (codes: [Int8], scale: Float) {
    var amax: Float = 0
    for v in x { amax = max(amax, abs(v)) }
    let scale = amax / 127
    guard scale > 0 else { return ([Int8](repeating: 0, count: x.count), 0) }
    let codes = x.map { saturatingInt8(($0 / scale).rounded(.toNearestOrEven)) }
    return (codes, scale)
}
