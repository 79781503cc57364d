// One generated argument of a test case, as lmlab holds it: float32 or float64 tensors, ids,
// masks, literals and the params dicts. The grader sends these to the harness; the reference
// and the mistake catalogue read them directly.
import Harness
import Tensors

public indirect enum CaseValue: Sendable, Equatable {
    case float32(Tensor)
    /// A float64 tensor, generated in Double so students who compute in float64 see float64.
    case float64(shape: [Int], values: [Double])
    case ids([Int])
    case mask(shape: [Int], values: [Bool])
    /// An array sent with its own NumPy dtype: int8 codes, uint8 nibbles or bytes, fp16 scales.
    case typed(HarnessTensor)
    case int(Int)
    case float(Double)
    case bool(Bool)
    case string(String)
    case null
    case list([CaseValue])
    case dict([String: CaseValue])

    /// The value as a Float tensor (float64 rounded), or nil if it is not a float tensor.
    public var tensor: Tensor? {
        switch self {
        case .float32(let t): return t
        case .float64(let shape, let values): return Tensor(shape: shape, data: values.map(Float.init))
        default: return nil
        }
    }

    /// Whether a float tensor arrived as float64 (the answer may then be compared in Double).
    public var isFloat64: Bool {
        if case .float64 = self { return true }
        return false
    }

    public var intValue: Int? {
        switch self {
        case .int(let x): return x
        case .float(let x) where x == x.rounded(): return Int(x)
        default: return nil
        }
    }

    public var doubleValue: Double? {
        switch self {
        case .int(let x): return Double(x)
        case .float(let x): return x
        case .float32(let t) where t.count == 1: return Double(t.data[0])
        case .float64(_, let v) where v.count == 1: return v[0]
        default: return nil
        }
    }

    public var idsValue: [Int]? {
        switch self {
        case .ids(let ids): return ids
        case .list(let items): return items.compactMap(\.intValue).count == items.count
            ? items.compactMap(\.intValue) : nil
        default: return nil
        }
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var dictValue: [String: CaseValue]? {
        if case .dict(let d) = self { return d }
        return nil
    }

    /// A short description for feedback ("float32 [4, 7]", "ids (8)", "'Hello'").
    public var summary: String {
        switch self {
        case .float32(let t): return "float32 \(formatIndex(t.shape))"
        case .float64(let shape, _): return "float64 \(formatIndex(shape))"
        case .ids(let ids): return "ids (\(ids.count))"
        case .mask(let shape, _): return "bool mask \(formatIndex(shape))"
        case .typed(let t): return "\(t.dtype.rawValue) \(formatIndex(t.shape))"
        case .int(let x): return String(x)
        case .float(let x): return formatNumber(x)
        case .bool(let b): return b ? "True" : "False"
        case .string(let s):
            return s.count > 40 ? String(s.prefix(40)).debugDescription + "…" : s.debugDescription
        case .null: return "None"
        case .list(let items): return "list of \(items.count)"
        case .dict(let items): return "dict of \(items.count)"
        }
    }
}

/// A test case's arguments by name (the component's `args`), plus their positional order.
public struct CaseArguments: Sendable {
    public var names: [String]
    public var values: [String: CaseValue]

    public init(names: [String], values: [String: CaseValue]) {
        self.names = names
        self.values = values
    }

    public subscript(_ name: String) -> CaseValue? { values[name] }

    /// A float tensor argument, or a programmer error if the lab and the registry disagree.
    public func tensor(_ name: String) throws -> Tensor {
        guard let t = values[name]?.tensor else { throw GradingError.badArgument(name, "a tensor") }
        return t
    }

    public func int(_ name: String, default fallback: Int? = nil) throws -> Int {
        if let x = values[name]?.intValue { return x }
        if let fallback, values[name] == nil || values[name] == .null { return fallback }
        throw GradingError.badArgument(name, "an int")
    }

    public func double(_ name: String, default fallback: Double? = nil) throws -> Double {
        if let x = values[name]?.doubleValue { return x }
        if let fallback, values[name] == nil || values[name] == .null { return fallback }
        throw GradingError.badArgument(name, "a number")
    }

    public func ids(_ name: String) throws -> [Int] {
        guard let ids = values[name]?.idsValue else { throw GradingError.badArgument(name, "ids") }
        return ids
    }

    public func string(_ name: String) throws -> String {
        guard let s = values[name]?.stringValue else {
            throw GradingError.badArgument(name, "a string")
        }
        return s
    }

    /// A params dict of tensors by HF name.
    public func params(_ name: String) throws -> [String: Tensor] {
        guard let dict = values[name]?.dictValue else {
            throw GradingError.badArgument(name, "a params dict")
        }
        var out: [String: Tensor] = [:]
        for (key, value) in dict {
            guard let t = value.tensor else { throw GradingError.badArgument("\(name)[\(key)]", "a tensor") }
            out[key] = t
        }
        return out
    }

    /// Whether any float tensor argument is float64 (then answers are checked as float64).
    public var usesFloat64: Bool { values.values.contains { $0.isFloat64 } }
}
