// The values grading compares: what a student's function returned (decoded from the harness) and
// what the reference expects, in one lossless shape so comparison needs no Python knowledge.

/// The kind of elements an array holds; a float where ids were expected is a kind mismatch.
public enum ElementKind: String, Sendable, Codable, Equatable {
    case float, int, bool
}

/// A dense row-major array of numbers kept in Double so float64 answers lose nothing.
public struct NumericArray: Sendable, Equatable {
    public var shape: [Int]
    public var values: [Double]
    public var kind: ElementKind
    /// The NumPy dtype string it came as ("<f4", "<i8", "|b1"…), for messages.
    public var dtype: String

    public init(shape: [Int], values: [Double], kind: ElementKind, dtype: String) {
        precondition(shape.reduce(1, *) == values.count, "shape \(shape) vs \(values.count) values")
        self.shape = shape
        self.values = values
        self.kind = kind
        self.dtype = dtype
    }

    public init(floats: [Float], shape: [Int]) {
        self.init(shape: shape, values: floats.map(Double.init), kind: .float, dtype: "<f4")
    }

    public init(ints: [Int], shape: [Int]) {
        self.init(shape: shape, values: ints.map(Double.init), kind: .int, dtype: "<i8")
    }

    public init(bools: [Bool], shape: [Int]) {
        self.init(shape: shape, values: bools.map { $0 ? 1 : 0 }, kind: .bool, dtype: "|b1")
    }

    public var count: Int { values.count }

    /// The multi-index of flat position `flat` (row-major).
    public func index(of flat: Int) -> [Int] {
        var rest = flat
        var index = [Int](repeating: 0, count: shape.count)
        for axis in stride(from: shape.count - 1, through: 0, by: -1) where shape[axis] > 0 {
            index[axis] = rest % shape[axis]
            rest /= shape[axis]
        }
        return index
    }
}

/// A returned value: an array, a scalar, text, or a list/dict of those (JSON-like).
public indirect enum GradedValue: Sendable, Equatable {
    case array(NumericArray)
    case int(Int)
    case float(Double)
    case bool(Bool)
    case text(String)
    case list([GradedValue])
    case dict([String: GradedValue])
    case null

    /// A float32 array from a reference tensor's shape and data.
    public static func floats(_ data: [Float], shape: [Int]) -> GradedValue {
        .array(NumericArray(floats: data, shape: shape))
    }

    /// Token ids as a 1-d int array.
    public static func ids(_ ids: [Int]) -> GradedValue {
        .array(NumericArray(ints: ids, shape: [ids.count]))
    }

    /// A list of strings.
    public static func strings(_ strings: [String]) -> GradedValue {
        .list(strings.map { .text($0) })
    }

    /// What Python would call this value's type, for "expected …, got …" messages.
    public var typeDescription: String {
        switch self {
        case .array(let a): return "array of \(a.dtype) with shape \(a.shape)"
        case .int: return "int"
        case .float: return "float"
        case .bool: return "bool"
        case .text: return "str"
        case .list(let items): return "list of \(items.count)"
        case .dict(let items): return "dict of \(items.count)"
        case .null: return "None"
        }
    }
}
