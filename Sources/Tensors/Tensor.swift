// A row-major Float tensor: a shape and a flat buffer. The value type every module shares.

/// Errors a user can act on: each names what was wrong and what was expected.
public enum TensorError: Error, CustomStringConvertible, Equatable {
    case shapeMismatch(String)
    case invalidShape(String)

    public var description: String {
        switch self {
        case .shapeMismatch(let message): return "shape mismatch: \(message)"
        case .invalidShape(let message): return "invalid shape: \(message)"
        }
    }
}

/// A dense row-major tensor of `Float`. The last axis is contiguous.
public struct Tensor: Sendable, Equatable {
    public var shape: [Int]
    public var data: [Float]

    /// Wraps `data` with `shape`; the element count must match (a programmer error otherwise).
    public init(shape: [Int], data: [Float]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        precondition(
            shape.reduce(1, *) == data.count,
            "shape \(shape) holds \(shape.reduce(1, *)) values, data has \(data.count)")
        self.shape = shape
        self.data = data
    }

    /// Like `init(shape:data:)` but throws instead of trapping, for data a user supplied.
    public init(validating shape: [Int], data: [Float]) throws {
        guard shape.allSatisfy({ $0 >= 0 }) else {
            throw TensorError.invalidShape("negative dimension in \(shape)")
        }
        let n = shape.reduce(1, *)
        guard n == data.count else {
            throw TensorError.shapeMismatch("shape \(shape) holds \(n) values, data has \(data.count)")
        }
        self.shape = shape
        self.data = data
    }

    public init(zeros shape: [Int]) {
        self.init(shape: shape, data: [Float](repeating: 0, count: shape.reduce(1, *)))
    }

    public init(repeating value: Float, shape: [Int]) {
        self.init(shape: shape, data: [Float](repeating: value, count: shape.reduce(1, *)))
    }

    /// A scalar (rank-0) tensor.
    public init(scalar: Float) {
        self.init(shape: [], data: [scalar])
    }

    public var rank: Int { shape.count }
    public var count: Int { data.count }

    /// Row-major strides in elements.
    public var strides: [Int] { Tensor.strides(for: shape) }

    public static func strides(for shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var acc = 1
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[axis] = acc
            acc *= shape[axis]
        }
        return strides
    }

    /// Element at a full multi-index.
    public subscript(_ index: Int...) -> Float {
        get { data[offset(index)] }
        set { data[offset(index)] = newValue }
    }

    private func offset(_ index: [Int]) -> Int {
        precondition(index.count == shape.count, "index \(index) for shape \(shape)")
        var off = 0
        for (axis, i) in index.enumerated() {
            precondition(i >= 0 && i < shape[axis], "index \(index) out of range for \(shape)")
            off = off * shape[axis] + i
        }
        return off
    }

    /// Same data, new shape; one dimension may be -1 and is inferred.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var resolved = newShape
        if let hole = newShape.firstIndex(of: -1) {
            let known = newShape.enumerated().filter { $0.offset != hole }.map(\.element)
                .reduce(1, *)
            precondition(known > 0 && count % known == 0, "cannot reshape \(shape) to \(newShape)")
            resolved[hole] = count / known
        }
        return Tensor(shape: resolved, data: data)
    }

    /// Rows `range` of the leading axis (a copy).
    public func rows(_ range: Range<Int>) -> Tensor {
        precondition(rank >= 1 && range.lowerBound >= 0 && range.upperBound <= shape[0])
        let inner = shape.dropFirst().reduce(1, *)
        let slice = Array(data[(range.lowerBound * inner)..<(range.upperBound * inner)])
        return Tensor(shape: [range.count] + shape.dropFirst(), data: slice)
    }

    /// Largest absolute elementwise difference; shapes must match.
    public func maxAbsDifference(_ other: Tensor) -> Float {
        precondition(shape == other.shape, "compare \(shape) with \(other.shape)")
        var m: Float = 0
        for i in 0..<count {
            let d = abs(data[i] - other.data[i])
            if d > m || d.isNaN { m = d.isNaN ? .nan : d }
        }
        return m
    }
}
