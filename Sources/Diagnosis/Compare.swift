// Compares a student's returned value with the reference's: shape, element kind, NaN/Inf, and
// allclose for numbers; exact equality for ids, ints, text, mappings and string lists.
import Foundation
import LabConfig

/// allclose's tolerances: an element passes when |got − expected| ≤ atol + rtol·|expected|.
public struct Tolerance: Sendable, Codable, Equatable {
    public var atol: Double
    public var rtol: Double

    public init(atol: Double, rtol: Double) {
        self.atol = atol
        self.rtol = rtol
    }

    public static let exact = Tolerance(atol: 0, rtol: 0)

    /// The allowed error at an expected value.
    public func allowed(at expected: Double) -> Double { atol + rtol * abs(expected) }

    /// The same tolerance scaled, for "close" (near-miss) checks.
    public func scaled(_ factor: Double) -> Tolerance {
        Tolerance(atol: atol * factor, rtol: rtol * factor)
    }
}

/// Why a comparison failed, coarse enough to count and to choose a hint.
public enum FailureKind: String, Sendable, Codable {
    /// Not even the right sort of thing (a list where an array was expected…).
    case type
    case shape
    /// Right container, wrong element kind (floats where ids were expected…).
    case dtype
    /// NaN or ±inf where the reference is finite.
    case nonFinite
    /// Numbers outside tolerance.
    case values
    /// Exact values (ids, text, keys) that differ.
    case mismatch
}

/// The outcome of one comparison, with the numbers a student can act on.
public struct Comparison: Sendable, Codable, Equatable {
    public var passed: Bool
    public var failure: FailureKind?
    /// One or two sentences: "max abs error 0.31 at [2, 5]; expected 0.12, got 0.43 …".
    public var message: String
    public var maxAbsError: Double?
    public var maxRelError: Double?
    /// Where the error is largest relative to the tolerance (on failure, an element outside
    /// it: the largest absolute error may sit on a large value well within rtol), or the first
    /// differing position for exact kinds. On a pass, where the largest absolute error is.
    public var worstIndex: [Int]?
    /// max over elements of |got − expected| / (atol + rtol·|expected|): ≤ 1 passes; the
    /// near-miss check uses it (≤ 10 is "close").
    public var errorRatio: Double?
    /// Fraction of elements within tolerance (numeric arrays only).
    public var fractionClose: Double?

    public static func pass(_ message: String, maxAbs: Double? = nil, maxRel: Double? = nil,
                            ratio: Double? = nil) -> Comparison {
        Comparison(passed: true, failure: nil, message: message, maxAbsError: maxAbs,
                   maxRelError: maxRel, worstIndex: nil, errorRatio: ratio, fractionClose: 1)
    }

    public static func fail(_ kind: FailureKind, _ message: String, at index: [Int]? = nil)
        -> Comparison
    {
        Comparison(passed: false, failure: kind, message: message, maxAbsError: nil,
                   maxRelError: nil, worstIndex: index, errorRatio: nil, fractionClose: nil)
    }
}

/// Formats a number compactly for messages: 0.31, 2e-3, 1.5e+04.
public func formatNumber(_ x: Double) -> String {
    if x.isNaN { return "nan" }
    if x.isInfinite { return x > 0 ? "inf" : "-inf" }
    if x == 0 { return "0" }
    if x == x.rounded() && abs(x) < 1e6 { return String(Int(x)) }
    let magnitude = abs(x)
    if magnitude >= 1e-3 && magnitude < 1e5 {
        var s = String(format: "%.4g", x)
        if s.contains("e") { s = String(format: "%.4f", x) }
        return s
    }
    var s = String(format: "%.2g", x)
    s = s.replacingOccurrences(of: "e-0", with: "e-").replacingOccurrences(of: "e+0", with: "e+")
    return s
}

func formatIndex(_ index: [Int]) -> String { "[" + index.map(String.init).joined(separator: ", ") + "]" }

/// Compares `got` with `expected` as a component returning `kind`.
public func compare(got: GradedValue, expected: GradedValue, as kind: ReturnKind,
                    tolerance: Tolerance) -> Comparison
{
    switch kind {
    case .tensor:
        guard case .array(let want) = expected else { return compareExactValues(got, expected) }
        return compareArrays(got: got, expected: want, tolerance: tolerance)
    case .float:
        return compareFloat(got: got, expected: expected, tolerance: tolerance)
    case .ids:
        return compareIDs(got: got, expected: expected)
    case .int:
        return compareInt(got: got, expected: expected)
    case .text:
        return compareText(got: got, expected: expected)
    case .mapping:
        return compareMapping(got: got, expected: expected)
    case .strings:
        return compareStrings(got: got, expected: expected)
    }
}

// MARK: - Numeric arrays

/// Element-wise allclose with shape, kind and NaN/Inf checks first.
public func compareArrays(got: GradedValue, expected want: NumericArray, tolerance: Tolerance)
    -> Comparison
{
    var have: NumericArray
    switch got {
    case .array(let a): have = a
    case .float(let x) where want.count == 1:
        have = NumericArray(shape: want.shape, values: [x], kind: .float, dtype: "float")
    case .int(let x) where want.count == 1:
        have = NumericArray(shape: want.shape, values: [Double(x)], kind: .int, dtype: "int")
    default:
        return .fail(.type, "expected an array of shape \(formatIndex(want.shape)), got "
            + "\(got.typeDescription) — return an array: a NumPy array (np.asarray(...)) or a torch.Tensor")
    }
    if want.kind == .bool && have.kind == .float {
        return .fail(.dtype, "expected a boolean array (\(want.dtype)), got \(have.dtype) — "
            + "build the mask with dtype=bool (True = may attend)")
    }
    if want.kind == .float && have.kind != .float {
        return .fail(.dtype, "expected floating-point values, got \(have.dtype) — integer "
            + "arithmetic or an integer array (np.zeros(..., dtype=int)?) lost the fractions")
    }
    // Integers (quantized values) are compared exactly, whatever the component's tolerance.
    var tolerance = tolerance
    if want.kind == .int {
        if have.kind == .float {
            return .fail(.dtype, "expected integers (\(want.dtype)), got \(have.dtype) — round "
                + "and convert, e.g. np.round(x).astype(np.int8)")
        }
        tolerance = .exact
    }
    if have.shape != want.shape {
        // A one-element answer may come back as a scalar or [1]; anything else is a real error.
        if have.count == 1 && want.count == 1 {
            have.shape = want.shape
        } else {
            return .fail(.shape, "shape \(formatIndex(have.shape)), expected "
                + "\(formatIndex(want.shape))")
        }
    }
    // NaN / inf where the reference is finite: the usual sign of an unstable softmax or -inf
    // scores that never went through softmax.
    var badCount = 0
    var firstBad: Int?
    for i in 0..<want.count {
        let g = have.values[i]
        let e = want.values[i]
        if !g.isFinite && !sameNonFinite(g, e) {
            badCount += 1
            if firstBad == nil { firstBad = i }
        }
    }
    if let first = firstBad {
        let index = want.index(of: first)
        let what = have.values[first].isNaN ? "NaN" : formatNumber(have.values[first])
        var result = Comparison.fail(
            .nonFinite, "\(what) at \(formatIndex(index)) where the reference is "
                + "\(formatNumber(want.values[first])) (\(badCount) of \(want.count) values are "
                + "NaN or inf)", at: index)
        result.fractionClose = Double(want.count - badCount) / Double(max(want.count, 1))
        return result
    }
    var maxAbs = 0.0
    var maxAbsAt = 0
    var maxRel = 0.0
    var maxRatio = 0.0
    var maxRatioAt = 0
    var outside = 0
    for i in 0..<want.count {
        let g = have.values[i]
        let e = want.values[i]
        if !e.isFinite || !g.isFinite {
            if !sameNonFinite(g, e) {
                outside += 1
                if maxRatio < .infinity { maxRatio = .infinity; maxRatioAt = i }
                if maxAbs < .infinity { maxAbs = .infinity; maxAbsAt = i }
            }
            continue
        }
        let d = abs(g - e)
        if d > maxAbs { maxAbs = d; maxAbsAt = i }
        if e != 0 { maxRel = max(maxRel, d / abs(e)) } else if d > 0 { maxRel = .infinity }
        let allowed = tolerance.allowed(at: e)
        let ratio = allowed > 0 ? d / allowed : (d > 0 ? Double.infinity : 0)
        if ratio > maxRatio { maxRatio = ratio; maxRatioAt = i }
        if ratio > 1 { outside += 1 }
    }
    let fraction = want.count == 0 ? 1 : Double(want.count - outside) / Double(want.count)
    let index = want.index(of: maxAbsAt)
    if outside == 0 {
        var pass = Comparison.pass("max abs error \(formatNumber(maxAbs)) (tolerance atol "
            + "\(formatNumber(tolerance.atol)), rtol \(formatNumber(tolerance.rtol)))",
            maxAbs: maxAbs, maxRel: maxRel, ratio: maxRatio)
        pass.worstIndex = want.count > 0 ? index : nil
        return pass
    }
    // Show the element furthest outside the tolerance; name the largest absolute error's place
    // too when it is elsewhere (a large value within rtol).
    let worst = want.index(of: maxRatioAt)
    let at = want.shape.isEmpty ? "" : " at \(formatIndex(index))"
    let worstAt = maxRatioAt == maxAbsAt || want.shape.isEmpty
        ? "" : "; furthest outside the tolerance at \(formatIndex(worst))"
    let message = "max abs error \(formatNumber(maxAbs))\(at)\(worstAt); expected "
        + "\(formatNumber(want.values[maxRatioAt])), got \(formatNumber(have.values[maxRatioAt])) "
        + "(\(outside) of \(want.count) values outside atol \(formatNumber(tolerance.atol)) + "
        + "rtol \(formatNumber(tolerance.rtol))·|expected|)"
    return Comparison(passed: false, failure: .values, message: message, maxAbsError: maxAbs,
                      maxRelError: maxRel, worstIndex: worst, errorRatio: maxRatio,
                      fractionClose: fraction)
}

private func sameNonFinite(_ a: Double, _ b: Double) -> Bool {
    (a.isNaN && b.isNaN) || (a.isInfinite && b.isInfinite && (a > 0) == (b > 0))
}

/// One number from a scalar-like value (a Python float/int, a 0-d or one-element array).
func scalarValue(_ value: GradedValue) -> (Double, ElementKind)? {
    switch value {
    case .float(let x): return (x, .float)
    case .int(let x): return (Double(x), .int)
    case .bool(let b): return (b ? 1 : 0, .bool)
    case .array(let a) where a.count == 1: return (a.values[0], a.kind)
    default: return nil
    }
}

func compareFloat(got: GradedValue, expected: GradedValue, tolerance: Tolerance) -> Comparison {
    guard let (want, _) = scalarValue(expected) else { return compareExactValues(got, expected) }
    guard let (have, _) = scalarValue(got) else {
        return .fail(.type, "expected a number, got \(got.typeDescription)")
    }
    let wantArray = NumericArray(shape: [], values: [want], kind: .float, dtype: "<f8")
    let haveArray = NumericArray(shape: [], values: [have], kind: .float, dtype: "<f8")
    return compareArrays(got: .array(haveArray), expected: wantArray, tolerance: tolerance)
}

// MARK: - Exact kinds

/// Token ids from a list of ints or an integer array; nil with a reason otherwise.
enum IDList {
    case ids([Int])
    case failure(Comparison)
}

func idList(_ value: GradedValue) -> IDList {
    switch value {
    case .array(let a):
        if a.count == 0 { return .ids([]) }
        if a.kind == .float {
            return .failure(.fail(.dtype, "expected integer token ids, got \(a.dtype) floats — "
                + "convert with int(...) or .astype(int)"))
        }
        guard a.shape.count == 1 else {
            return .failure(.fail(.shape, "expected a flat list of ids, got shape "
                + "\(formatIndex(a.shape))"))
        }
        var ids: [Int] = []
        ids.reserveCapacity(a.count)
        for (i, x) in a.values.enumerated() {
            guard let id = tokenID(x) else { return .failure(notAnID(x, at: i)) }
            ids.append(id)
        }
        return .ids(ids)
    case .list(let items):
        var ids: [Int] = []
        for (i, item) in items.enumerated() {
            switch item {
            case .int(let x): ids.append(x)
            case .array(let a) where a.count == 1 && a.kind != .float:
                guard let id = tokenID(a.values[0]) else {
                    return .failure(notAnID(a.values[0], at: i))
                }
                ids.append(id)
            default:
                return .failure(.fail(.dtype, "item \(i) is \(item.typeDescription), expected an "
                    + "int token id", at: [i]))
            }
        }
        return .ids(ids)
    default:
        return .failure(.fail(.type, "expected a list of token ids, got \(got(value))"))
    }
}

private func got(_ value: GradedValue) -> String { value.typeDescription }

/// An integer element as an Int, or nil when it does not fit (an int64 near its limits loses
/// precision in Double, and Int(_:) would trap on a student's value).
private func tokenID(_ x: Double) -> Int? {
    guard abs(x) < 0x1p62 else { return nil }
    return Int(exactly: x)
}

private func notAnID(_ x: Double, at i: Int) -> Comparison {
    .fail(.mismatch, "id at position \(i) is \(formatNumber(x)), far outside any vocabulary",
          at: [i])
}

func compareIDs(got: GradedValue, expected: GradedValue) -> Comparison {
    guard case .ids(let want) = idList(expected) else {
        return compareExactValues(got, expected)
    }
    let have: [Int]
    switch idList(got) {
    case .ids(let ids): have = ids
    case .failure(let failure): return failure
    }
    return compareSequences(have, want, noun: "ids", show: String.init)
}

/// Exact comparison of two sequences, reporting the first differing position.
func compareSequences<T: Equatable>(_ have: [T], _ want: [T], noun: String,
                                    show: (T) -> String) -> Comparison
{
    let common = min(have.count, want.count)
    for i in 0..<common where have[i] != want[i] {
        return .fail(.mismatch, "\(noun) differ at position \(i): expected \(show(want[i])), got "
            + "\(show(have[i])) (expected \(want.count) \(noun), got \(have.count))", at: [i])
    }
    if have.count != want.count {
        let extra = have.count > want.count
            ? "first extra: \(show(have[common]))" : "first missing: \(show(want[common]))"
        return .fail(.mismatch, "expected \(want.count) \(noun), got \(have.count) — the first "
            + "\(common) agree; \(extra)", at: [common])
    }
    return .pass("all \(want.count) \(noun) equal")
}

func compareInt(got: GradedValue, expected: GradedValue) -> Comparison {
    guard let (want, _) = scalarValue(expected) else { return compareExactValues(got, expected) }
    guard let (have, kind) = scalarValue(got) else {
        return .fail(.type, "expected an int, got \(got.typeDescription)")
    }
    // A NumPy integer scalar may arrive as a 0-d float64; only a fractional value is wrong-kind.
    if kind == .float && have != have.rounded() {
        return .fail(.dtype, "expected an int, got the float \(formatNumber(have))")
    }
    if have != want {
        return .fail(.mismatch, "expected \(formatNumber(want)), got \(formatNumber(have))")
    }
    return .pass("equal (\(formatNumber(want)))")
}

func compareText(got: GradedValue, expected: GradedValue) -> Comparison {
    guard case .text(let want) = expected else { return compareExactValues(got, expected) }
    guard case .text(let have) = got else {
        return .fail(.type, "expected a str, got \(got.typeDescription)")
    }
    if have == want { return .pass("text equal (\(want.unicodeScalars.count) characters)") }
    let h = Array(have.unicodeScalars)
    let w = Array(want.unicodeScalars)
    var i = 0
    while i < min(h.count, w.count) && h[i] == w[i] { i += 1 }
    func around(_ s: [Unicode.Scalar]) -> String {
        let lo = max(0, i - 8)
        let hi = min(s.count, i + 8)
        return String(String.UnicodeScalarView(s[lo..<hi])).debugDescription
    }
    return .fail(.mismatch, "text differs at character \(i): expected …\(around(w))…, got "
        + "…\(around(h))… (expected \(w.count) characters, got \(h.count))", at: [i])
}

func compareStrings(got: GradedValue, expected: GradedValue) -> Comparison {
    guard case .list(let wantItems) = expected else { return compareExactValues(got, expected) }
    guard case .list(let haveItems) = got else {
        return .fail(.type, "expected a list of str, got \(got.typeDescription)")
    }
    var have: [String] = []
    for (i, item) in haveItems.enumerated() {
        guard case .text(let s) = item else {
            return .fail(.dtype, "item \(i) is \(item.typeDescription), expected a str", at: [i])
        }
        have.append(s)
    }
    let want = wantItems.compactMap { item -> String? in
        if case .text(let s) = item { return s } else { return nil }
    }
    return compareSequences(have, want, noun: "strings", show: { $0.debugDescription })
}

func compareMapping(got: GradedValue, expected: GradedValue) -> Comparison {
    guard case .dict(let want) = expected else { return compareExactValues(got, expected) }
    guard case .dict(let have) = got else {
        return .fail(.type, "expected a dict, got \(got.typeDescription)")
    }
    // Integer keys sort numerically so "first differing key" means the smallest byte.
    let order: (String, String) -> Bool = { a, b in
        if let x = Int(a), let y = Int(b) { return x < y }
        return a < b
    }
    let missing = want.keys.filter { have[$0] == nil }.sorted(by: order)
    let extra = have.keys.filter { want[$0] == nil }.sorted(by: order)
    if !missing.isEmpty || !extra.isEmpty {
        var parts: [String] = []
        if !missing.isEmpty {
            parts.append("\(missing.count) keys missing (first: \(missing[0]))")
        }
        if !extra.isEmpty { parts.append("\(extra.count) unexpected keys (first: \(extra[0]))") }
        return .fail(.mismatch, "expected \(want.count) keys, got \(have.count): "
            + parts.joined(separator: "; "))
    }
    for key in want.keys.sorted(by: order) {
        guard let h = have[key], let w = want[key] else { continue }
        if !exactlyEqual(h, w) {
            return .fail(.mismatch, "value for key \(key) differs: expected \(describe(w)), got "
                + "\(describe(h)) (\(differingCount(have, want)) of \(want.count) keys differ)")
        }
    }
    return .pass("all \(want.count) entries equal")
}

private func differingCount(_ have: [String: GradedValue], _ want: [String: GradedValue]) -> Int {
    want.filter { key, w in have[key].map { !exactlyEqual($0, w) } ?? true }.count
}

func describe(_ value: GradedValue) -> String {
    switch value {
    case .text(let s): return s.debugDescription
    case .int(let x): return String(x)
    case .float(let x): return formatNumber(x)
    case .bool(let b): return b ? "True" : "False"
    default: return value.typeDescription
    }
}

/// Equality that treats an int and a one-element integral array as the same number.
func exactlyEqual(_ a: GradedValue, _ b: GradedValue) -> Bool {
    if a == b { return true }
    if let (x, _) = scalarValue(a), let (y, _) = scalarValue(b) { return x == y }
    return false
}

/// The fallback for a reference value of an unexpected form: plain structural equality.
func compareExactValues(_ got: GradedValue, _ expected: GradedValue) -> Comparison {
    exactlyEqual(got, expected)
        ? .pass("equal")
        : .fail(.mismatch, "expected \(describe(expected)), got \(describe(got))")
}
