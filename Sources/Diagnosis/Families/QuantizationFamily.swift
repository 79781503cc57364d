// Quantization (lab 06): int8 absmax (per tensor, per output column), fp16 rounding, ggml's Q8_0
// and Q4_0 and a Q8_0 matmul, from the Quantization module's building blocks. The family's one
// home: the components (their reference with `Knobs()`) and the catalogued mistakes, each one knob
// of `QuantVariant` turned on top of the module's procedure.
import Foundation
import Harness
import Quantization
import Tensors

/// How a student's quantizer may differ from the lab's; `QuantVariant()` is correct.
struct QuantVariant: Sendable, Equatable {
    /// How an int8 code of 128 is kept when the scale is absmax / 128.
    enum Overflow: Sendable, Equatable {
        /// clip to [-127, 127] (the lab's clamp).
        case clampSymmetric
        /// clip to int8's [-128, 127].
        case clampInt8
        /// no clip: astype(np.int8) wraps 128 to -128.
        case wrap
    }

    enum NibbleOrder: Sendable, Equatable {
        /// ggml: byte j of a block holds element j (low nibble) and j + 16 (high).
        case ggml
        /// element j in the HIGH nibble, j + 16 in the low one.
        case swapped
        /// consecutive pairs: byte k holds elements 2k (low) and 2k + 1 (high).
        case consecutive
    }

    /// The absmax is divided by this (127 is right; 128 is the mistake).
    var divisor: Float = 127
    var overflow = Overflow.clampSymmetric
    /// floor(x / scale) instead of rounding to the nearest integer.
    var floorNotRound = false
    /// One scale for the whole matrix where one per output column was asked.
    var perTensorNotPerChannel = false
    var nibbleOrder = NibbleOrder.ggml
    /// The block scale kept in float32 instead of rounded to fp16.
    var scaleNotFP16 = false

    /// Whether the knobs are the lab's own procedure (then the module's functions are used).
    var isCorrect: Bool { self == QuantVariant() }
}

// MARK: - Arguments and results

extension CaseArguments {
    /// An array argument sent with its own dtype (int8 codes, uint8 bytes, fp16 scales).
    func typed(_ name: String) throws -> HarnessTensor {
        guard case .typed(let t)? = values[name] else {
            throw GradingError.badArgument(name, "an int8, uint8 or float16 array")
        }
        return t
    }

    /// A [rows, cols] float matrix argument.
    func matrix(_ name: String) throws -> Tensor {
        let t = try tensor(name)
        guard t.rank == 2 else { throw GradingError.badArgument(name, "a matrix") }
        return t
    }

    /// A [out, in] matrix whose rows split into blocks of 32.
    func blockMatrix(_ name: String) throws -> Tensor {
        let t = try matrix(name)
        guard t.shape[1] % QuantScheme.blockSize == 0 else {
            throw GradingError.badArgument(name, "a matrix [out, in] with in a multiple of 32")
        }
        return t
    }
}

private func int8Array(_ codes: [Int8], _ shape: [Int]) -> GradedValue {
    .array(NumericArray(shape: shape, values: codes.map(Double.init), kind: .int, dtype: "|i1"))
}

private func uint8Array(_ codes: [UInt8], _ shape: [Int]) -> GradedValue {
    .array(NumericArray(shape: shape, values: codes.map(Double.init), kind: .int, dtype: "|u1"))
}

private func floats(_ values: [Float], _ shape: [Int]) -> GradedValue { .floats(values, shape: shape) }

/// fp16 bits of a float16 argument, in order.
private func halfBits(_ t: HarnessTensor) -> [UInt16] {
    var bits = [UInt16](repeating: 0, count: t.count)
    bits.withUnsafeMutableBytes { _ = t.bytes.copyBytes(to: $0) }
    return bits.map { UInt16(littleEndian: $0) }
}

// MARK: - int8 absmax

/// Quantizes one buffer symmetrically under `v`: scale = absmax / divisor, q = round(x / scale)
/// half to even (or floor), then the clamp. The correct knobs defer to the module.
private func int8Quantize(_ x: [Float], _ v: QuantVariant) -> (codes: [Int8], scale: Float) {
    if v.divisor == 127 && !v.floorNotRound { return quantizeInt8Symmetric(x) }
    var amax: Float = 0
    for value in x { amax = max(amax, abs(value)) }
    let scale = amax / v.divisor
    guard scale > 0 else { return ([Int8](repeating: 0, count: x.count), 0) }
    let codes = x.map { value -> Int8 in
        let r = v.floorNotRound ? (value / scale).rounded(.down) : (value / scale).rounded(.toNearestOrEven)
        return overflowed(r, v.overflow)
    }
    return (codes, scale)
}

/// An integer-valued r kept as int8 the way `overflow` says.
private func overflowed(_ r: Float, _ overflow: QuantVariant.Overflow) -> Int8 {
    switch overflow {
    case .clampSymmetric: return Int8(min(127, max(-127, r)))
    case .clampInt8: return Int8(min(127, max(-128, r)))
    case .wrap: return Int8(truncatingIfNeeded: Int(r))
    }
}

/// Columns of a [in, out] matrix as contiguous buffers (one per output channel).
private func columns(_ w: Tensor) -> [[Float]] {
    let t = w.transposed  // [in, out] -> [out, in]
    let n = w.shape[0]
    return (0..<w.shape[1]).map { Array(t.data[($0 * n)..<(($0 + 1) * n)]) }
}

/// Codes [in, out] and scales [out] of per-column quantization (per tensor under the knob).
private func int8PerChannel(_ w: Tensor, _ v: QuantVariant) -> (codes: [Int8], scales: [Float]) {
    let (nIn, nOut) = (w.shape[0], w.shape[1])
    if v.perTensorNotPerChannel {
        let (codes, scale) = int8Quantize(w.data, v)
        return (codes, [Float](repeating: scale, count: nOut))
    }
    var codes = [Int8](repeating: 0, count: nIn * nOut)
    var scales = [Float](repeating: 0, count: nOut)
    for (o, column) in columns(w).enumerated() {
        let (c, s) = int8Quantize(column, v)
        scales[o] = s
        for i in 0..<nIn { codes[i * nOut + o] = c[i] }  // back to [in, out]
    }
    return (codes, scales)
}

/// q [in, out] · scale (one number, or one per column) through the module's int8 storage.
private func dequantizeInt8(_ args: CaseArguments) throws -> GradedValue {
    let q = try args.typed("q")
    guard q.dtype == .int8, q.shape.count == 2, let codes = q.ints() else {
        throw GradingError.badArgument("q", "int8 codes [in, out]")
    }
    let (nIn, nOut) = (q.shape[0], q.shape[1])
    var scales: [Float]
    switch args["scale"] {
    case .float(let x)?: scales = [Float(x)]
    case .int(let x)?: scales = [Float(x)]
    default:
        let t = try args.tensor("scale")
        guard t.count == nOut || t.count == 1 else {
            throw GradingError.badArgument("scale", "one number or one scale per column")
        }
        scales = t.data
    }
    var rows = [Int8](repeating: 0, count: nIn * nOut)  // codes as the module stores them [out, in]
    for i in 0..<nIn { for o in 0..<nOut { rows[o * nIn + i] = Int8(codes[i * nOut + o]) } }
    let matrix = QuantizedMatrix(
        scheme: scales.count == 1 ? .int8 : .int8Channel, outputs: nOut, inputs: nIn,
        storage: .int8(codes: rows, scales: scales))
    let w = matrix.dequantized()  // [in, out]
    return floats(w.data, w.shape)
}

// MARK: - ggml blocks

/// Q8_0 of a [out, in] matrix: codes [out, in] and fp16 scale bits [out, in/32] (or fp32 scales
/// under the knob). The correct knobs are the module's quantizeRowQ8_0.
private func q8_0(_ w: Tensor, _ v: QuantVariant) -> (codes: [Int8], scales: [Float]) {
    let n = w.count
    let qk = QuantScheme.blockSize
    var codes = [Int8](repeating: 0, count: n)
    var bits = [UInt16](repeating: 0, count: n / qk)
    w.data.withUnsafeBufferPointer { x in
        codes.withUnsafeMutableBufferPointer { q in
            bits.withUnsafeMutableBufferPointer { d in
                guard let x = x.baseAddress, let q = q.baseAddress, let d = d.baseAddress else { return }
                quantizeRowQ8_0(x, count: n, codes: q, scales: d)
            }
        }
    }
    var scales = halfBitsToFloats(bits)
    if v.isCorrect { return (codes, scales) }
    for b in 0..<(n / qk) {
        let block = w.data[(b * qk)..<((b + 1) * qk)]
        let amax = block.reduce(Float(0)) { max($0, abs($1)) }
        let d = amax / v.divisor
        let id: Float = d != 0 ? 1 / d : 0
        scales[b] = v.scaleNotFP16 ? d : halfBitsToFloat(floatToHalfBits(d))
        guard v.divisor != 127 || v.floorNotRound else { continue }
        for (j, x) in block.enumerated() {
            let r = v.floorNotRound ? (x * id).rounded(.down) : (x * id).rounded(.toNearestOrAwayFromZero)
            codes[b * qk + j] = overflowed(r, v.overflow)
        }
    }
    return (codes, scales)
}

/// Q4_0 of a [out, in] matrix: codes 0…15 [out, in] (unpacked) and scales [out, in/32].
private func q4_0(_ w: Tensor, _ v: QuantVariant) -> (codes: [UInt8], scales: [Float]) {
    let n = w.count
    let qk = QuantScheme.blockSize
    var nibbles = [UInt8](repeating: 0, count: n / 2)
    var bits = [UInt16](repeating: 0, count: n / qk)
    w.data.withUnsafeBufferPointer { x in
        nibbles.withUnsafeMutableBufferPointer { q in
            bits.withUnsafeMutableBufferPointer { d in
                guard let x = x.baseAddress, let q = q.baseAddress, let d = d.baseAddress else { return }
                quantizeRowQ4_0(x, count: n, nibbles: q, scales: d)
            }
        }
    }
    var codes = unpackQ4_0(nibbles, count: n, .ggml)
    var scales = halfBitsToFloats(bits)
    if v.isCorrect { return (codes, scales) }
    for b in 0..<(n / qk) {
        let block = Array(w.data[(b * qk)..<((b + 1) * qk)])
        var amax: Float = 0
        var signedMax: Float = 0
        for x in block where amax < abs(x) {
            amax = abs(x)
            signedMax = x
        }
        let d = signedMax / -8
        let id: Float = d != 0 ? 1 / d : 0
        scales[b] = v.scaleNotFP16 ? d : halfBitsToFloat(floatToHalfBits(d))
        guard v.floorNotRound else { continue }
        for (j, x) in block.enumerated() {
            let shifted: Float = x * id + 8  // the half that makes truncation round is missing
            codes[b * qk + j] = UInt8(min(15, max(0, shifted.rounded(.down))))
        }
    }
    return (codes, scales)
}

/// Packs codes 0…15 [n] into bytes [n/2] in `order`.
private func packQ4_0(_ codes: [Int], _ order: QuantVariant.NibbleOrder) -> [UInt8] {
    let qk = QuantScheme.blockSize
    var bytes = [UInt8](repeating: 0, count: codes.count / 2)
    for k in 0..<bytes.count {
        let block = k / (qk / 2)
        let j = k % (qk / 2)
        let (lo, hi): (Int, Int)
        switch order {
        case .ggml: (lo, hi) = (codes[block * qk + j], codes[block * qk + j + qk / 2])
        case .swapped: (lo, hi) = (codes[block * qk + j + qk / 2], codes[block * qk + j])
        case .consecutive: (lo, hi) = (codes[2 * k], codes[2 * k + 1])
        }
        bytes[k] = UInt8(lo & 0x0F) | UInt8(hi & 0x0F) << 4
    }
    return bytes
}

/// Unpacks bytes [n/2] into codes 0…15 [n] in `order`. The ggml order is the module's
/// dequantizeRowQ4_0 with every scale 1 (0x3C00), plus the offset 8 it subtracts.
private func unpackQ4_0(_ bytes: [UInt8], count n: Int, _ order: QuantVariant.NibbleOrder)
    -> [UInt8]
{
    let qk = QuantScheme.blockSize
    var codes = [UInt8](repeating: 0, count: n)
    switch order {
    case .ggml:
        var x = [Float](repeating: 0, count: n)
        let ones = [UInt16](repeating: 0x3C00, count: n / qk)
        bytes.withUnsafeBufferPointer { q in
            ones.withUnsafeBufferPointer { d in
                x.withUnsafeMutableBufferPointer { out in
                    guard let q = q.baseAddress, let d = d.baseAddress, let out = out.baseAddress
                    else { return }
                    dequantizeRowQ4_0(nibbles: q, scales: d, count: n, into: out)
                }
            }
        }
        for i in 0..<n { codes[i] = UInt8(x[i] + 8) }
    case .swapped, .consecutive:
        for k in 0..<bytes.count {
            let (block, j) = (k / (qk / 2), k % (qk / 2))
            let (lo, hi) = (bytes[k] & 0x0F, bytes[k] >> 4)
            if order == .swapped {
                codes[block * qk + j] = hi
                codes[block * qk + j + qk / 2] = lo
            } else {
                codes[2 * k] = lo
                codes[2 * k + 1] = hi
            }
        }
    }
    return codes
}

/// A uint8 argument [out, m] with m a multiple of `multiple`.
private func uint8Matrix(_ args: CaseArguments, _ name: String, multiple: Int) throws
    -> (values: [Int], shape: [Int])
{
    let t = try args.typed(name)
    guard t.dtype == .uint8, t.shape.count == 2, t.shape[1] % multiple == 0, let v = t.ints() else {
        throw GradingError.badArgument(name, "a uint8 matrix with rows a multiple of \(multiple)")
    }
    return (v, t.shape)
}

/// Q8_0 codes [out, in] and fp16 scales [out, in/32] from a case, as the module stores them.
private func q8_0Matrix(_ args: CaseArguments) throws -> QuantizedMatrix {
    let codes = try args.typed("codes")
    let scales = try args.typed("scales")
    let qk = QuantScheme.blockSize
    guard codes.dtype == .int8, codes.shape.count == 2, codes.shape[1] % qk == 0,
        let c = codes.ints()
    else { throw GradingError.badArgument("codes", "int8 codes [out, in], in a multiple of 32") }
    guard scales.dtype == .float16, scales.shape == [codes.shape[0], codes.shape[1] / qk] else {
        throw GradingError.badArgument("scales", "float16 scales [out, in/32]")
    }
    return QuantizedMatrix(
        scheme: .q8_0, outputs: codes.shape[0], inputs: codes.shape[1],
        storage: .q8_0(codes: c.map { Int8($0) }, scales: halfBits(scales)))
}

private let qk = QuantScheme.blockSize

let quantizationFamily = ComponentFamily(
    name: "quantization",
    components: [
        Component(name: "int8_scale") { args, k in
            return .float(Double(int8Quantize(try args.matrix("w").data, k.quant).scale))
        },
        Component(name: "quantize_int8") { args, k in
            let w = try args.matrix("w")
            return int8Array(int8Quantize(w.data, k.quant).codes, w.shape)
        },
        Component(name: "int8_channel_scales") { args, k in
            let w = try args.matrix("w")
            return floats(int8PerChannel(w, k.quant).scales, [w.shape[1]])
        },
        Component(name: "quantize_int8_per_channel") { args, k in
            let w = try args.matrix("w")
            return int8Array(int8PerChannel(w, k.quant).codes, w.shape)
        },
        Component(name: "dequantize_int8") { args, k in
            return try dequantizeInt8(args)
        },
        Component(name: "to_fp16") { args, k in
            let x = try args.tensor("x")
            return floats(halfBitsToFloats(floatsToHalfBits(x.data)), x.shape)
        },
        Component(name: "q8_0_quantize") { args, k in
            let w = try args.blockMatrix("w")
            return int8Array(q8_0(w, k.quant).codes, w.shape)
        },
        Component(name: "q8_0_scales") { args, k in
            let w = try args.blockMatrix("w")
            return floats(q8_0(w, k.quant).scales, [w.shape[0], w.shape[1] / qk])
        },
        Component(name: "q8_0_dequantize") { args, k in
            let w = try q8_0Matrix(args).dequantized()  // [in, out]
            let rows = w.transposed  // back to the stored [out, in]
            return floats(rows.data, rows.shape)
        },
        Component(name: "q8_0_matmul") { args, k in
            let x = try args.matrix("x")
            let matrix = try q8_0Matrix(args)
            guard x.shape[1] == matrix.inputs else {
                throw GradingError.badArgument("x", "x [T, \(matrix.inputs)]")
            }
            let y = QuantizedLinear(weight: matrix, bias: nil)(x)  // [T, in] -> [T, out]
            return floats(y.data, y.shape)
        },
        Component(name: "q4_0_quantize") { args, k in
            let w = try args.blockMatrix("w")
            return uint8Array(q4_0(w, k.quant).codes, w.shape)
        },
        Component(name: "q4_0_scales") { args, k in
            let w = try args.blockMatrix("w")
            return floats(q4_0(w, k.quant).scales, [w.shape[0], w.shape[1] / qk])
        },
        Component(name: "q4_0_pack") { args, k in
            let (codes, shape) = try uint8Matrix(args, "codes", multiple: qk)
            guard codes.allSatisfy({ $0 < 16 }) else {
                throw GradingError.badArgument("codes", "codes between 0 and 15")
            }
            return uint8Array(packQ4_0(codes, k.quant.nibbleOrder), [shape[0], shape[1] / 2])
        },
        Component(name: "q4_0_unpack") { args, k in
            let (bytes, shape) = try uint8Matrix(args, "packed", multiple: qk / 2)
            let codes = unpackQ4_0(bytes.map { UInt8($0) }, count: bytes.count * 2, k.quant.nibbleOrder)
            return uint8Array(codes, [shape[0], shape[1] * 2])
        },
    ],
    mistakes: [
        Mistake(
            id: "int8_128_not_127", title: "Absmax divided by 128 instead of 127",
            components: [
                "int8_scale", "quantize_int8", "int8_channel_scales", "quantize_int8_per_channel",
                "q8_0_quantize", "q8_0_scales",
            ],
            hint: "Symmetric int8 uses the codes -127 … 127 so that 0 stays exactly 0 and both signs "
                + "get the same range: scale = absmax / 127, and the largest weight maps to ±127. "
                + "With 128 the largest weight becomes 128, which int8 cannot hold (it is clipped, or "
                + "wraps to -128).",
            nonFiniteSignature: false,
            variants: { _, _ in
                [QuantVariant.Overflow.clampSymmetric, .clampInt8, .wrap].map { o in
                    knobs {
                        $0.quant.divisor = 128
                        $0.quant.overflow = o
                    }
                }
            }),
        Mistake(
            id: "quant_floor_not_round", title: "Floor instead of rounding to the nearest code",
            components: [
                "quantize_int8", "quantize_int8_per_channel", "q8_0_quantize", "q4_0_quantize",
            ],
            hint: "Quantization maps each weight to the NEAREST code: q = round(x / scale) (np.round "
                + "for int8; Q8_0 rounds halves away from zero, and Q4_0 adds 8.5 before truncating). "
                + "np.floor or astype(int) on its own always rounds down, which doubles the error and "
                + "biases every weight towards -∞.",
            nonFiniteSignature: false, variants: one { $0.quant.floorNotRound = true }),
        Mistake(
            id: "per_tensor_not_per_channel", title: "One scale for the whole matrix, not per channel",
            components: ["int8_channel_scales", "quantize_int8_per_channel"],
            hint: "Per-channel quantization gives every OUTPUT channel its own scale: GPT-2's Conv1D "
                + "weight is [in, out], so that is one absmax per column (np.abs(w).max(axis=0)), "
                + "and a column of small weights keeps its precision even next to a column of "
                + "large ones.",
            nonFiniteSignature: false, variants: one { $0.quant.perTensorNotPerChannel = true }),
        Mistake(
            id: "q4_0_nibble_order", title: "Q4_0 nibbles packed in the wrong order",
            components: ["q4_0_pack", "q4_0_unpack"],
            hint: "ggml packs a block of 32 four-bit codes into 16 bytes: byte j holds element j in "
                + "its LOW nibble and element j + 16 in its HIGH nibble (byte = q[j] | q[j+16] << 4) "
                + "— not neighbouring pairs (2j, 2j+1), and not the other way round.",
            nonFiniteSignature: false,
            variants: { _, _ in
                [QuantVariant.NibbleOrder.swapped, .consecutive].map { o in
                    knobs { $0.quant.nibbleOrder = o }
                }
            }),
        Mistake(
            id: "scale_not_fp16", title: "Block scale not rounded to fp16",
            components: ["q8_0_scales", "q4_0_scales"],
            hint: "Q8_0 and Q4_0 store each block's scale d as a 16-bit float (that is part of their "
                + "8.5 and 4.5 bits per weight), so the value the model uses is np.float16(d). "
                + "Round the scale with np.float16 — the codes are still computed with the float32 d, "
                + "as ggml does.",
            nonFiniteSignature: false, variants: one { $0.quant.scaleNotFP16 = true }),
    ])
