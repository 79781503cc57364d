// Verified quantization runs: a student's quantizer runs INSIDE the grading sandbox on every
// linear weight of the base model; lmlab checks what comes back, dequantizes it with its own
// reference, evaluates the perplexity itself and records the run as `verified`.
//
// The contract (ggml's layout): w is float32 [out, in] — the transposed Conv1D weight, one row
// per output channel, blocks of 32 consecutive weights along a row (in is a multiple of 32).
// The lab's own functions (lab 06), preferred when the module defines them:
// - Q8_0: codes = q8_0_quantize(w) int8 [out, in] (q = round(w / d), d = absmax/127 per block),
//   scales = q8_0_scales(w) [out, in/32] (d; float16, or float32 rounded to fp16 by lmlab).
// - Q4_0: packed = q4_0_pack(q4_0_quantize(w)) uint8 [out, in/2], byte j of a block holding
//   element j in its low nibble and element j + 16 in its high nibble (codes 0...15, value
//   (q - 8)·d), scales = q4_0_scales(w) [out, in/32] (d = signed max / -8).
// Or one function per scheme returning the pair: quantize_q8_0(w) -> (codes, scales),
// quantize_q4_0(w) -> (packed, scales). Flattened arrays of the same sizes are accepted too.
import Foundation
import Harness
import Quantization
import Store
import Tensors
import Transformer

/// What lmlab measured for a student's quantizer.
public struct VerifiedQuantizer: Sendable {
    public var runID: String?
    public var scheme: QuantScheme
    /// The model with every linear weight replaced by the student's dequantized codes.
    public var model: GPT2Model
    public var loss: Float
    public var perplexity: Float { expf(loss) }
    public var fp32Loss: Float
    public var evalTargets: Int
    /// Bits per quantized weight of what the student returned (codes + fp16 scales).
    public var bitsPerWeight: Double
    public var maxAbsWeightError: Float
    public var meanAbsWeightError: Float
    /// Fraction of the student's codes (and scales) identical to lmlab's reference quantizer.
    public var codeAgreement: Double
    public var scaleAgreement: Double
    /// Weight matrices quantized.
    public var matrices: Int
}

/// Which student functions quantize one weight matrix for a scheme.
public enum QuantizerFunctions: Sendable, Equatable {
    /// The lab's functions: codes, (for Q4_0) the packing, and the block scales.
    case lab(quantize: String, pack: String?, scales: String)
    /// One function returning (codes or packed, scales).
    case combined(String)

    /// The lab's functions for `scheme` (lab 06's names).
    public static func lab(_ scheme: QuantScheme) throws -> QuantizerFunctions {
        let s = try verifiable(scheme).rawValue
        return .lab(
            quantize: "\(s)_quantize", pack: scheme == .q4_0 ? "\(s)_pack" : nil,
            scales: "\(s)_scales")
    }

    /// The single-function alternative for `scheme`.
    public static func combined(_ scheme: QuantScheme) throws -> QuantizerFunctions {
        .combined("quantize_\(try verifiable(scheme).rawValue)")
    }

    /// The lab's functions if the module defines them all, else the combined one if it is
    /// defined, else an error naming both choices.
    public static func choose(_ scheme: QuantScheme, defined: [String], file: String) throws
        -> QuantizerFunctions
    {
        let lab = try lab(scheme)
        if lab.names.allSatisfy(defined.contains) { return lab }
        let combined = try combined(scheme)
        if combined.names.allSatisfy(defined.contains) { return combined }
        throw ExperimentError.missingQuantizer(
            function: lab.names.joined(separator: ", "), file: file, found: defined)
    }

    /// Every function called, in call order.
    public var names: [String] {
        switch self {
        case .lab(let quantize, let pack, let scales):
            return [quantize] + (pack.map { [$0] } ?? []) + [scales]
        case .combined(let name): return [name]
        }
    }

    /// How error messages name the quantizer.
    public var label: String { names.joined(separator: "/") }

    static func verifiable(_ scheme: QuantScheme) throws -> QuantScheme {
        guard scheme == .q8_0 || scheme == .q4_0 else {
            throw ExperimentError.unverifiableScheme(scheme.rawValue)
        }
        return scheme
    }
}

/// Runs the student's quantizer in `file` (a .py, folder or notebook whose module is `entry`)
/// for `scheme` in a harness session configured by `harness` (the sandbox for untrusted code)
/// on every linear weight of `base`, evaluates the result on `evalTokens` and records a
/// `verified` run in `target` if given, with `tags` added to its own. Malformed outputs are
/// refused with a message naming the tensor. `baseLoss` is `base`'s loss on `evalTokens` when
/// the caller has measured it already (else it is measured here).
public func verifyQuantizer(
    file: URL, entry: String = "quantize.py", scheme: QuantScheme, base: GPT2Model,
    basePath: String, evalTokens: [Int], evalFile: String, baseLoss: Float? = nil,
    harness: HarnessConfiguration, pool: SandboxPool? = nil, callTimeout: Double = 60,
    target: RunTarget?, tags: [String: String] = [:]
) throws -> VerifiedQuantizer {
    _ = try QuantizerFunctions.verifiable(scheme)
    let (staged, session) = try openSession(
        for: file, entry: entry, configuration: harness, pool: pool)
    defer { staged.remove() }
    defer { session.close() }
    let defined: [String]
    do {
        defined = try session.start()
    } catch HarnessError.importFailed(let error) {
        throw ExperimentError.quantizerFailed(
            function: entry, tensor: "import", reason: "\(staged.remap(error))")
    }
    let functions = try QuantizerFunctions.choose(
        scheme, defined: defined, file: file.lastPathComponent)
    let function = functions.label

    var weights = base.weights
    var stats = WeightStats()
    for i in 0..<weights.blocks.count {
        for (name, path) in linearWeights(layer: i) {
            let tensorName = "h.\(i).\(name).weight"
            let w = weights[keyPath: path]  // [in, out]
            guard w.shape[0] % QuantScheme.blockSize == 0 else {
                throw QuantizationError.notBlockAligned(
                    tensor: tensorName, inputs: w.shape[0], scheme: scheme)
            }
            let rows = w.transposed  // [out, in]
            let outcome = try callQuantizer(
                functions, session: session, rows: rows, timeout: callTimeout, tensor: tensorName)
            let theirs = try quantizedMatrix(
                outcome, scheme: scheme, outputs: rows.shape[0], inputs: rows.shape[1],
                function: function, tensor: tensorName)
            let reference = try QuantizedMatrix(quantizing: w, scheme: scheme, name: tensorName)
            let dequantized = theirs.dequantized()  // lmlab's own dequantization, [in, out]
            stats.add(theirs, reference: reference, dequantized: dequantized, original: w)
            weights[keyPath: path] = dequantized
        }
    }
    let model = try GPT2Model(config: base.config, weights: weights)
    let (loss, targets) = try textLoss(model: model, tokens: evalTokens)
    let fp32Loss = try baseLoss ?? textLoss(model: base, tokens: evalTokens).loss
    var result = VerifiedQuantizer(
        runID: nil, scheme: scheme, model: model, loss: loss, fp32Loss: fp32Loss,
        evalTargets: targets, bitsPerWeight: stats.bitsPerWeight,
        maxAbsWeightError: stats.maxError, meanAbsWeightError: stats.meanError,
        codeAgreement: stats.codeAgreement, scaleAgreement: stats.scaleAgreement,
        matrices: stats.matrices)
    guard let target else { return result }
    let recorder = try RunRecorder(
        target: target, source: .verified,
        tags: tags.merging(
            ["verified": "true", "kind": "quantize", "scheme": scheme.rawValue]
        ) { _, own in own })
    result.runID = try recorder.recording { r in
        var params = modelParams(base.config)
        params["model"] = basePath
        params["scheme"] = scheme.rawValue
        params["quantizer"] = file.lastPathComponent
        params["quantizer_function"] = function
        params["quantizer_sha256"] = SHA256.hexDigest(
            (try? Data(contentsOf: staged.folder.appendingPathComponent(staged.entry))) ?? Data())
        params["embeddings"] = "fp32"
        params["eval_file"] = evalFile
        params["eval_targets"] = "\(targets)"
        params["matrices"] = "\(stats.matrices)"
        params["verified_by"] = "lmlab: student codes dequantized by the reference, perplexity measured"
        try r.log(params: params)
        let values: [(String, Double)] = [
            ("bits_per_weight", result.bitsPerWeight), ("eval_loss", Double(loss)),
            ("perplexity", Double(expf(loss))), ("fp32_eval_loss", Double(fp32Loss)),
            ("fp32_perplexity", Double(expf(fp32Loss))),
            ("perplexity_change", Double(expf(loss) - expf(fp32Loss))),
            ("max_abs_weight_error", Double(stats.maxError)),
            ("mean_abs_weight_error", Double(stats.meanError)),
            ("code_agreement", stats.codeAgreement), ("scale_agreement", stats.scaleAgreement),
        ]
        for (key, value) in values { try r.log(key, value, step: 0) }
        return r.runID
    }
    return result
}

/// Calls the student's functions on one weight [out, in]; the reply is a pair (codes or packed,
/// scales) as `quantizedMatrix` reads it, or the first call that did not return a value.
func callQuantizer(
    _ functions: QuantizerFunctions, session: HarnessSession, rows: Tensor, timeout: Double,
    tensor: String
) throws -> CallOutcome {
    let w = HarnessValue.tensor(HarnessTensor(rows))
    switch functions {
    case .combined(let name):
        return session.call(name, args: [w], timeout: timeout)
    case .lab(let quantize, let pack, let scales):
        var codes = session.call(quantize, args: [w], timeout: timeout)
        if let pack {
            guard case .value(let unpacked, _) = codes else { return codes }
            guard case .tensor = unpacked else {
                throw ExperimentError.malformedQuantizerOutput(
                    function: quantize, tensor: tensor,
                    reason: "expected an array of codes 0...15, got \(unpacked)")
            }
            codes = session.call(pack, args: [unpacked], timeout: timeout)
        }
        guard case .value(let codesValue, let seconds) = codes else { return codes }
        let d = session.call(scales, args: [w], timeout: timeout)
        guard case .value(let scalesValue, let more) = d else { return d }
        return .value(.list([codesValue, scalesValue]), seconds: seconds + more)
    }
}

/// The four linear weights of block `layer`, with their checkpoint names.
func linearWeights(layer i: Int) -> [(String, WritableKeyPath<GPT2Weights, Tensor>)] {
    [
        ("attn.c_attn", \.blocks[i].attention.cAttnWeight),
        ("attn.c_proj", \.blocks[i].attention.cProjWeight),
        ("mlp.c_fc", \.blocks[i].mlp.cFcWeight), ("mlp.c_proj", \.blocks[i].mlp.cProjWeight),
    ]
}

/// The student's reply as a quantized matrix [out, in], or a clear refusal.
func quantizedMatrix(
    _ outcome: CallOutcome, scheme: QuantScheme, outputs: Int, inputs: Int, function: String,
    tensor: String
) throws -> QuantizedMatrix {
    func refuse(_ reason: String) -> ExperimentError {
        .malformedQuantizerOutput(function: function, tensor: tensor, reason: reason)
    }
    let value: HarnessValue
    switch outcome {
    case .value(let v, _): value = v
    case .studentError(let error):
        throw ExperimentError.quantizerFailed(function: function, tensor: tensor, reason: "\(error)")
    case .timeout(let seconds):
        throw ExperimentError.quantizerFailed(
            function: function, tensor: tensor, reason: "timed out after \(seconds) s")
    case .crashed(let status, let logTail):
        throw ExperimentError.quantizerFailed(
            function: function, tensor: tensor, reason: "the Python process died (\(status)) \(logTail)")
    case .memoryExceeded(let detail):
        throw ExperimentError.quantizerFailed(
            function: function, tensor: tensor, reason: "ran out of memory (\(detail))")
    case .interrupted(let status):
        throw ExperimentError.quantizerFailed(
            function: function, tensor: tensor,
            reason: "the sandbox was killed from outside (\(status)), not by the quantizer")
    }
    let codesName = scheme == .q8_0 ? "codes" : "packed"
    let blocks = outputs * inputs / QuantScheme.blockSize
    let codesShape = scheme == .q8_0 ? [outputs, inputs] : [outputs, inputs / 2]
    let scalesShape = [outputs, inputs / QuantScheme.blockSize]
    guard case .list(let items) = value, items.count == 2,
        case .tensor(let codes) = items[0], case .tensor(let scales) = items[1]
    else {
        throw refuse(
            "expected a tuple (\(codesName), scales) of two arrays, got \(value)")
    }
    func shapeOK(_ t: HarnessTensor, _ shape: [Int]) -> Bool {
        t.shape == shape || t.shape == [shape.reduce(1, *)]
    }
    let codesDType = scheme == .q8_0 ? "int8" : "uint8"
    guard shapeOK(codes, codesShape), let ints = codes.ints(), codes.dtype != .bool else {
        throw refuse(
            "\(codesName) must be an array of \(codesDType) of shape \(codesShape) for a "
                + "[\(outputs), \(inputs)] weight, got \(codes)")
    }
    guard shapeOK(scales, scalesShape), scales.dtype.isFloatingPoint else {
        throw refuse(
            "scales must be a float16 (or float32) array of shape \(scalesShape) (one per block "
                + "of 32), got \(scales)")
    }
    let d = scales.floats()
    if let bad = d.firstIndex(where: { !$0.isFinite }) {
        throw refuse("scales[\(bad)] is \(d[bad]); every block scale must be finite")
    }
    let scaleBits = floatsToHalfBits(d)
    precondition(scaleBits.count == blocks)
    let storage: QuantizedStorage
    if scheme == .q8_0 {
        if let bad = ints.firstIndex(where: { $0 < -128 || $0 > 127 }) {
            throw refuse("codes[\(bad)] = \(ints[bad]) does not fit in int8 (-128 ... 127)")
        }
        storage = .q8_0(codes: ints.map { Int8($0) }, scales: scaleBits)
    } else {
        if let bad = ints.firstIndex(where: { $0 < 0 || $0 > 255 }) {
            throw refuse("packed[\(bad)] = \(ints[bad]) is not a byte (0 ... 255): two 4-bit codes")
        }
        storage = .q4_0(nibbles: ints.map { UInt8($0) }, scales: scaleBits)
    }
    return QuantizedMatrix(scheme: scheme, outputs: outputs, inputs: inputs, storage: storage)
}

/// Running totals over the verified matrices.
struct WeightStats {
    var matrices = 0
    var bytes = 0
    var weights = 0
    var maxError: Float = 0
    var errorSum: Double = 0
    var sameCodes = 0
    var codes = 0
    var sameScales = 0
    var scales = 0

    mutating func add(
        _ theirs: QuantizedMatrix, reference: QuantizedMatrix, dequantized: Tensor, original: Tensor
    ) {
        matrices += 1
        bytes += theirs.byteCount
        weights += original.count
        for (a, b) in zip(dequantized.data, original.data) {
            let e = abs(a - b)
            maxError = max(maxError, e)
            errorSum += Double(e)
        }
        switch (theirs.storage, reference.storage) {
        case (.q8_0(let c, let s), .q8_0(let rc, let rs)):
            count(c, rc, s, rs)
        case (.q4_0(let q, let s), .q4_0(let rq, let rs)):
            count(q, rq, s, rs)
        default: break
        }
    }

    private mutating func count<C: Equatable>(_ c: [C], _ rc: [C], _ s: [UInt16], _ rs: [UInt16]) {
        sameCodes += zip(c, rc).reduce(0) { $0 + ($1.0 == $1.1 ? 1 : 0) }
        codes += c.count
        sameScales += zip(s, rs).reduce(0) { $0 + ($1.0 == $1.1 ? 1 : 0) }
        scales += s.count
    }

    var bitsPerWeight: Double { Double(bytes * 8) / Double(max(1, weights)) }
    var meanError: Float { Float(errorSum / Double(max(1, weights))) }
    var codeAgreement: Double { Double(sameCodes) / Double(max(1, codes)) }
    var scaleAgreement: Double { Double(sameScales) / Double(max(1, scales)) }
}
