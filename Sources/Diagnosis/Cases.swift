// Test cases from a lab's input specs and a seed: visible tests use their fixed seed, hidden and
// after_due ones a seed derived from the submission's recorded seed and the test's index.
import Foundation
import Harness
import LabConfig
import Tensors
import Transformer

/// A fresh submission seed (recorded in the grade so the run can be reproduced).
public func freshSubmissionSeed() -> UInt64 {
    var generator = SystemRandomNumberGenerator()
    return generator.next()
}

/// The seed of test number `index` for a submission: the test's own seed if it has one,
/// otherwise SplitMix64 of (submission seed, index) — deterministic and well spread.
public func caseSeed(test: LabTest, index: Int, submissionSeed: UInt64) -> UInt64 {
    if let seed = test.seed { return seed }
    var mixer = SplitMix64(seed: submissionSeed &+ 0x9E37_79B9_7F4A_7C15 &* UInt64(index + 1))
    return mixer.next()
}

/// Generates a test's arguments from its input specs with the Tensors RNG.
public func makeArguments(test: LabTest, lab: Lab, seed: UInt64) throws -> CaseArguments {
    guard let component = lab.component(named: test.component) else {
        throw GradingError.badInput(test: test.name, argument: "component",
                                    reason: "no component named \(test.component)")
    }
    var rng = RNG(seed: seed)
    var values: [String: CaseValue] = [:]
    for input in test.inputs {
        values[input.name] = try generate(input.spec, name: input.name, test: test, lab: lab,
                                          rng: &rng)
    }
    var args = CaseArguments(names: component.args.filter { values[$0] != nil }, values: values)
    if test.component == "sample_next" { try keepAwayFromBoundaries(&args, rng: &rng) }
    return args
}

private func generate(_ spec: InputSpec, name: String, test: LabTest, lab: Lab, rng: inout RNG)
    throws -> CaseValue
{
    switch spec {
    case .tensor(let shape, let dist, let scale, let offset, let dtype, let low, let high):
        if dtype.isInteger || dtype == .float16 {
            return try typedTensor(shape: shape, dist: dist, scale: scale, offset: offset,
                                   dtype: dtype, low: low, high: high, rng: &rng)
        }
        let n = shape.reduce(1, *)
        var values = [Double](repeating: 0, count: n)
        for i in 0..<n {
            let base = dist == .normal
                ? (dtype == .float64 ? rng.normalDouble() : Double(rng.normal()))
                : low + (high - low) * (dtype == .float64 ? rng.uniformDouble() : Double(rng.uniform()))
            values[i] = offset + scale * base
        }
        return dtype == .float64
            ? .float64(shape: shape, values: values)
            : .float32(Tensor(shape: shape, data: values.map(Float.init)))
    case .literal(let value):
        return literal(value)
    case .ids(let count, let vocab):
        return .ids((0..<count).map { _ in rng.int(below: vocab) })
    case .causal(let t):
        return .mask(shape: [t, t], values: causalMask(t).allowed)
    case .gpt2(let spec):
        var params: [String: CaseValue] = [:]
        let scale = Float(spec.embeddingScale)
        params["wte.weight"] = .float32(randomTensor([spec.vocab, spec.nEmbd], scale, &rng))
        params["wpe.weight"] = .float32(randomTensor([spec.ctx, spec.nEmbd], scale, &rng))
        for layer in 0..<spec.nLayer {
            for (key, value) in blockParams(spec.nEmbd, &rng) { params["h.\(layer).\(key)"] = value }
        }
        params["ln_f.weight"] = .float32(randomTensor([spec.nEmbd], 0.1, &rng, offset: 1))
        params["ln_f.bias"] = .float32(randomTensor([spec.nEmbd], 0.1, &rng))
        if spec.untiedHead {
            params["lm_head.weight"] = .float32(randomTensor([spec.vocab, spec.nEmbd], 0.5, &rng))
        }
        return .dict(params)
    case .block(let nEmbd):
        return .dict(blockParams(nEmbd, &rng))
    case .weight(let shape, let scale):
        return .float32(randomTensor(shape, Float(scale), &rng))
    case .fixture(let file):
        return try fixture(lab.fixtureURL(file))
    case .uniformScalar:
        return .float(rng.uniformDouble())
    }
}

/// Integer codes uniform in [low, high] (both included), or float32 draws rounded to fp16, with
/// the NumPy dtype the student's code should receive (labs 05–06).
private func typedTensor(
    shape: [Int], dist: Distribution, scale: Double, offset: Double, dtype: DType, low: Double,
    high: Double, rng: inout RNG
) throws -> CaseValue {
    let n = shape.reduce(1, *)
    let bytes: Data
    let wire: HarnessTensor.DType
    switch dtype {
    case .int8, .uint8:
        let span = Int(high) - Int(low) + 1
        let values = (0..<n).map { _ in Int(low) + rng.int(below: span) }
        if dtype == .int8 {
            bytes = Data(values.map { UInt8(bitPattern: Int8($0)) })
            wire = .int8
        } else {
            bytes = Data(values.map { UInt8($0) })
            wire = .uint8
        }
    default:  // float16
        let values = (0..<n).map { _ -> Float in
            let base = dist == .normal ? Double(rng.normal()) : low + (high - low) * Double(rng.uniform())
            return Float(offset + scale * base)
        }
        var data = Data(capacity: 2 * n)
        for bits in floatsToHalfBits(values) {
            data.append(UInt8(bits & 0xFF))
            data.append(UInt8(bits >> 8))
        }
        bytes = data
        wire = .float16
    }
    return .typed(try HarnessTensor(dtype: wire, shape: shape, bytes: bytes))
}

/// scale·N(0, 1) + offset as float32.
private func randomTensor(_ shape: [Int], _ scale: Float, _ rng: inout RNG, offset: Float = 0)
    -> Tensor
{
    Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in offset + scale * rng.normal() })
}

/// One block's HF-named params. Weights are larger than GPT-2's N(0, 0.02) on purpose: with
/// tiny weights every mistake would stay inside the tolerance and go unnoticed.
private func blockParams(_ c: Int, _ rng: inout RNG) -> [String: CaseValue] {
    let specs: [(String, [Int], Float, Float)] = [
        ("ln_1.weight", [c], 0.1, 1), ("ln_1.bias", [c], 0.1, 0),
        ("attn.c_attn.weight", [c, 3 * c], 0.3, 0), ("attn.c_attn.bias", [3 * c], 0.1, 0),
        ("attn.c_proj.weight", [c, c], 0.3, 0), ("attn.c_proj.bias", [c], 0.1, 0),
        ("ln_2.weight", [c], 0.1, 1), ("ln_2.bias", [c], 0.1, 0),
        ("mlp.c_fc.weight", [c, 4 * c], 0.3, 0), ("mlp.c_fc.bias", [4 * c], 0.1, 0),
        ("mlp.c_proj.weight", [4 * c, c], 0.3, 0), ("mlp.c_proj.bias", [c], 0.1, 0),
    ]
    var params: [String: CaseValue] = [:]
    for (name, shape, scale, offset) in specs {
        params[name] = .float32(randomTensor(shape, scale, &rng, offset: offset))
    }
    return params
}

private func literal(_ value: LabValue) -> CaseValue {
    switch value {
    case .int(let x): return .int(x)
    case .double(let x): return .float(x)
    case .string(let s): return .string(s)
    case .bool(let b): return .bool(b)
    case .array(let items): return .list(items.map(literal))
    }
}

/// A fixture: .json → its value (dicts, lists, numbers, strings); merges.txt → [[a, b], …].
func fixture(_ url: URL) throws -> CaseValue {
    let data: Data
    do { data = try Data(contentsOf: url) } catch {
        throw GradingError.fixture(file: url.path, reason: "cannot be read (\(error))")
    }
    if url.pathExtension == "json" {
        guard let object = try? JSONSerialization.jsonObject(with: data) else {
            throw GradingError.fixture(file: url.path, reason: "is not valid JSON")
        }
        return jsonCaseValue(object)
    }
    let text = String(decoding: data, as: UTF8.self)
    var pairs: [CaseValue] = []
    for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
        if line.hasPrefix("#version") || line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
        let parts = line.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 2 else {
            throw GradingError.fixture(file: url.path, reason: "line \(number + 1) is not \"a b\"")
        }
        pairs.append(.list([.string(String(parts[0])), .string(String(parts[1]))]))
    }
    return .list(pairs)
}

private func jsonCaseValue(_ object: Any) -> CaseValue {
    if let n = object as? NSNumber {
        let type = String(cString: n.objCType)
        return type == "d" || type == "f" ? .float(n.doubleValue) : .int(n.intValue)
    }
    if let s = object as? String { return .string(s) }
    if let items = object as? [Any] { return .list(items.map(jsonCaseValue)) }
    if let dict = object as? [String: Any] { return .dict(dict.mapValues(jsonCaseValue)) }
    return .null
}

/// Places u for a sampling case. One u reads a single id off the distribution, so a plausible
/// bug (the temperature ignored, a top-k keeping k + 1) would often sample the same id as the
/// right sampler and pass by luck. u is redrawn from the case's stream until each such bug
/// samples another id than the right sampler (as many of them as any u can tell apart), and u
/// is at least 1e-3 away from every cumulative boundary, the bugs' included, so float rounding
/// in the student's code cannot flip an id either way.
private func keepAwayFromBoundaries(_ args: inout CaseArguments, rng: inout RNG) throws {
    guard args["u"] != nil, let logits = args["logits"]?.tensor, !logits.data.isEmpty else {
        return
    }
    let temperature = try args.double("temperature", default: 1)
    guard temperature > 0 else { return }
    let topK = try args.int("top_k", default: 0)
    let topP = Float(try args.double("top_p", default: 1))
    func kept(temperature: Double, topK: Int) -> KeptTokens {
        KeptTokens(logits: logits.data, temperature: Float(temperature), topK: topK, topP: topP)
    }
    let right = kept(temperature: temperature, topK: topK)
    var bugs: [KeptTokens] = []
    if temperature != 1 { bugs.append(kept(temperature: 1, topK: topK)) }
    if topK > 0 && topK < logits.data.count {
        bugs.append(kept(temperature: temperature, topK: topK + 1))
    }
    let boundaries = ([right] + bugs).flatMap(\.cumulative).sorted()
    func safe(_ u: Double) -> Bool {
        // The boundaries nearest u lie either side of the first one >= u.
        var low = 0
        var high = boundaries.count
        while low < high {
            let mid = (low + high) / 2
            if boundaries[mid] < u { low = mid + 1 } else { high = mid }
        }
        return (low == boundaries.count || boundaries[low] - u >= 1e-3)
            && (low == 0 || u - boundaries[low - 1] >= 1e-3)
    }
    func caught(_ u: Double) -> Int {
        let id = right.token(at: u)
        return bugs.filter { $0.token(at: u) != id }.count
    }
    let grid = (0..<2000).map { (Double($0) + 0.5) / 2000 }.filter(safe)
    let catchable = grid.map(caught).max() ?? 0
    func good(_ u: Double) -> Bool { safe(u) && caught(u) == catchable }
    var u = try args.double("u")
    var tries = 0
    while !good(u) && tries < 1000 {
        u = rng.uniformDouble()
        tries += 1
    }
    if !good(u), let fallback = grid.first(where: good) { u = fallback }
    args.values["u"] = .float(u)
}

extension CaseValue {
    /// The value as it crosses the harness protocol. Ids go as a Python list of ints (students
    /// append to them); float64 tensors stay float64; masks are bool arrays.
    public var harnessValue: HarnessValue {
        switch self {
        case .float32(let t): return .tensor(HarnessTensor(t))
        case .float64(let shape, let values):
            return .tensor(HarnessTensor(doubles: values, shape: shape))
        case .ids(let ids): return .json(.array(ids.map { .int($0) }))
        case .mask(let shape, let values): return .tensor(HarnessTensor(bools: values, shape: shape))
        case .typed(let t): return .tensor(t)
        case .int(let x): return .json(.int(x))
        case .float(let x): return .json(.double(x))
        case .bool(let b): return .json(.bool(b))
        case .string(let s): return .json(.string(s))
        case .null: return .json(.null)
        case .list(let items): return .list(items.map(\.harnessValue))
        case .dict(let items): return .dict(items.mapValues(\.harnessValue))
        }
    }
}

extension GradedValue {
    /// A student's returned value, decoded from the harness.
    public init(_ value: HarnessValue) {
        switch value {
        case .tensor(let t):
            let kind: ElementKind = t.dtype == .bool ? .bool : (t.dtype.isFloatingPoint ? .float : .int)
            self = .array(NumericArray(shape: t.shape, values: t.doubles(), kind: kind,
                                       dtype: t.dtype.rawValue))
        case .json(let json): self = GradedValue(json: json)
        case .list(let items): self = .list(items.map(GradedValue.init))
        case .dict(let items): self = .dict(items.mapValues(GradedValue.init))
        }
    }

    init(json: JSONValue) {
        switch json {
        case .null: self = .null
        case .bool(let b): self = .bool(b)
        case .int(let x): self = .int(x)
        case .double(let x): self = .float(x)
        case .string(let s): self = .text(s)
        case .array(let items): self = .list(items.map(GradedValue.init(json:)))
        case .object(let items): self = .dict(items.mapValues(GradedValue.init(json:)))
        }
    }
}
