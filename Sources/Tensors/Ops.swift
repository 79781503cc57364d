// Generic tensor operations the reference model is built from: NumPy-style broadcasting
// arithmetic, axis permutation and slicing. Each loop runs over contiguous memory.

extension Tensor {
    /// An axis that may be negative (counted from the end), resolved to 0 ..< rank.
    public func normalizedAxis(_ axis: Int) -> Int {
        let resolved = axis < 0 ? axis + rank : axis
        precondition(resolved >= 0 && resolved < rank, "axis \(axis) out of range for \(shape)")
        return resolved
    }

    /// The shape two operands broadcast to under NumPy rules (right-aligned, 1 stretches).
    public static func broadcastShape(_ a: [Int], _ b: [Int]) -> [Int] {
        let rank = max(a.count, b.count)
        var out = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            precondition(da == db || da == 1 || db == 1, "cannot broadcast \(a) with \(b)")
            out[i] = da == 1 ? db : da
        }
        return out
    }

    /// Strides (in elements) that read this tensor as if it had `target` shape: broadcast
    /// axes get stride 0.
    public func broadcastStrides(to target: [Int]) -> [Int] {
        precondition(rank <= target.count, "cannot broadcast \(shape) to \(target)")
        let own = strides
        var out = [Int](repeating: 0, count: target.count)
        let lead = target.count - rank
        for axis in 0..<rank {
            let d = shape[axis]
            precondition(
                d == target[lead + axis] || d == 1, "cannot broadcast \(shape) to \(target)")
            out[lead + axis] = d == 1 ? 0 : own[axis]
        }
        return out
    }

    /// A materialised copy of this tensor stretched to `target` shape.
    public func broadcasted(to target: [Int]) -> Tensor {
        if shape == target { return self }
        let src = broadcastStrides(to: target)
        var out = Tensor(zeros: target)
        guard out.count > 0 else { return out }
        // Walk the output in row-major order; the innermost axis is a strided copy.
        let inner = target.last ?? 1
        let innerStride = src.last ?? 0
        let outerShape = Array(target.dropLast())
        var index = [Int](repeating: 0, count: outerShape.count)
        let outerCount = out.count / Swift.max(inner, 1)
        data.withUnsafeBufferPointer { x in
            out.data.withUnsafeMutableBufferPointer { y in
                var o = 0
                for _ in 0..<outerCount {
                    var base = 0
                    for axis in 0..<outerShape.count { base += index[axis] * src[axis] }
                    for j in 0..<inner { y[o + j] = x[base + j * innerStride] }
                    o += inner
                    var axis = outerShape.count - 1
                    while axis >= 0 {
                        index[axis] += 1
                        if index[axis] < outerShape[axis] { break }
                        index[axis] = 0
                        axis -= 1
                    }
                }
            }
        }
        return out
    }

    /// Elementwise `op` with NumPy broadcasting. Fast paths: equal shapes, and `rhs` matching
    /// the trailing axes of `lhs` (a bias row added to every row).
    public static func elementwise(
        _ lhs: Tensor, _ rhs: Tensor, _ op: (Float, Float) -> Float
    ) -> Tensor {
        if lhs.shape == rhs.shape {
            var out = lhs
            out.data.withUnsafeMutableBufferPointer { y in
                rhs.data.withUnsafeBufferPointer { b in
                    for i in 0..<y.count { y[i] = op(y[i], b[i]) }
                }
            }
            return out
        }
        if rhs.rank <= lhs.rank && Array(lhs.shape.suffix(rhs.rank)) == rhs.shape && rhs.count > 0 {
            var out = lhs
            let n = rhs.count
            out.data.withUnsafeMutableBufferPointer { y in
                rhs.data.withUnsafeBufferPointer { b in
                    for row in 0..<(y.count / n) {
                        let base = row * n
                        for j in 0..<n { y[base + j] = op(y[base + j], b[j]) }
                    }
                }
            }
            return out
        }
        let target = broadcastShape(lhs.shape, rhs.shape)
        var out = lhs.broadcasted(to: target)
        let b = rhs.broadcasted(to: target)
        out.data.withUnsafeMutableBufferPointer { y in
            b.data.withUnsafeBufferPointer { b in
                for i in 0..<y.count { y[i] = op(y[i], b[i]) }
            }
        }
        return out
    }

    public static func + (lhs: Tensor, rhs: Tensor) -> Tensor { elementwise(lhs, rhs, +) }
    public static func - (lhs: Tensor, rhs: Tensor) -> Tensor { elementwise(lhs, rhs, -) }
    public static func * (lhs: Tensor, rhs: Tensor) -> Tensor { elementwise(lhs, rhs, *) }
    public static func / (lhs: Tensor, rhs: Tensor) -> Tensor { elementwise(lhs, rhs, /) }

    public static func * (lhs: Tensor, rhs: Float) -> Tensor { lhs.map { $0 * rhs } }
    public static func * (lhs: Float, rhs: Tensor) -> Tensor { rhs.map { lhs * $0 } }

    /// `transform` applied to every element.
    public func map(_ transform: (Float) -> Float) -> Tensor {
        var out = self
        out.data.withUnsafeMutableBufferPointer { y in
            for i in 0..<y.count { y[i] = transform(y[i]) }
        }
        return out
    }

    /// Axes reordered: output axis i is input axis `axes[i]` (NumPy's transpose(axes)).
    public func permuted(_ axes: [Int]) -> Tensor {
        precondition(axes.count == rank && Set(axes) == Set(0..<rank), "bad permutation \(axes)")
        if axes == Array(0..<rank) { return self }
        let newShape = axes.map { shape[$0] }
        let own = strides
        let src = axes.map { own[$0] }
        var out = Tensor(zeros: newShape)
        guard count > 0 else { return out }
        let inner = newShape[rank - 1]
        let innerStride = src[rank - 1]
        var index = [Int](repeating: 0, count: rank - 1)
        data.withUnsafeBufferPointer { x in
            out.data.withUnsafeMutableBufferPointer { y in
                var o = 0
                for _ in 0..<(count / inner) {
                    var base = 0
                    for axis in 0..<(rank - 1) { base += index[axis] * src[axis] }
                    for j in 0..<inner { y[o + j] = x[base + j * innerStride] }
                    o += inner
                    var axis = rank - 2
                    while axis >= 0 {
                        index[axis] += 1
                        if index[axis] < newShape[axis] { break }
                        index[axis] = 0
                        axis -= 1
                    }
                }
            }
        }
        return out
    }

    /// The last two axes swapped.
    public var transposed: Tensor {
        precondition(rank >= 2, "transpose needs rank >= 2, got \(shape)")
        var axes = Array(0..<rank)
        axes.swapAt(rank - 1, rank - 2)
        return permuted(axes)
    }

    /// Elements `range` along `axis` (a copy).
    public func sliced(axis: Int, _ range: Range<Int>) -> Tensor {
        let a = normalizedAxis(axis)
        precondition(
            range.lowerBound >= 0 && range.upperBound <= shape[a], "slice \(range) of \(shape)")
        let outer = shape[..<a].reduce(1, *)
        let inner = shape[(a + 1)...].reduce(1, *)
        var newShape = shape
        newShape[a] = range.count
        var out = Tensor(zeros: newShape)
        let rowIn = shape[a] * inner
        let rowOut = range.count * inner
        guard rowOut > 0 else { return out }
        data.withUnsafeBufferPointer { x in
            out.data.withUnsafeMutableBufferPointer { y in
                for o in 0..<outer {
                    let src = o * rowIn + range.lowerBound * inner
                    for j in 0..<rowOut { y[o * rowOut + j] = x[src + j] }
                }
            }
        }
        return out
    }

    /// Tensors joined along `axis`; all other axes must agree.
    public static func concatenated(_ parts: [Tensor], axis: Int) -> Tensor {
        precondition(!parts.isEmpty, "concatenate needs at least one tensor")
        let a = parts[0].normalizedAxis(axis)
        var newShape = parts[0].shape
        newShape[a] = 0
        for p in parts {
            var s = p.shape
            s[a] = 0
            var expect = parts[0].shape
            expect[a] = 0
            precondition(s == expect, "cannot concatenate \(parts.map(\.shape)) on axis \(axis)")
            newShape[a] += p.shape[a]
        }
        let outer = newShape[..<a].reduce(1, *)
        var out = [Float]()
        out.reserveCapacity(newShape.reduce(1, *))
        for o in 0..<outer {
            for p in parts {
                let row = p.shape[a...].reduce(1, *)
                out.append(contentsOf: p.data[(o * row)..<((o + 1) * row)])
            }
        }
        return Tensor(shape: newShape, data: out)
    }

    /// Sum of all elements, accumulated in Double.
    public func sum() -> Float {
        var acc: Double = 0
        for v in data { acc += Double(v) }
        return Float(acc)
    }
}

/// The index of the largest value; ties go to the lowest index.
public func argmax(_ values: UnsafeBufferPointer<Float>) -> Int {
    precondition(!values.isEmpty, "argmax of an empty list")
    var best = 0
    for i in 1..<values.count where values[i] > values[best] { best = i }
    return best
}

/// The index of the largest value; ties go to the lowest index.
public func argmax(_ values: [Float]) -> Int {
    values.withUnsafeBufferPointer { argmax($0) }
}

/// e^x in pure arithmetic so loops calling it vectorize (libm's expf is an opaque call):
/// x = n ln 2 + r with |r| <= ln 2 / 2, e^r by Cephes' expf polynomial, 2^n put in the exponent
/// bits. Within a few ulp of expf on [-86.5, 88.72]; below -86.5 it returns 0 (the true value
/// is < 3e-38, and exp(-inf) = 0 as softmax needs), above 88.72 +inf.
@inlinable @inline(__always)
public func fastExp(_ x: Float) -> Float {
    let lo: Float = -86.5
    let hi: Float = 88.72
    let c = min(max(x, lo), hi)
    // n = round(c / ln 2) with the 1.5 · 2^23 trick, which rounds to nearest in float arithmetic.
    let magic: Float = 12_582_912
    let shifted = c * 1.442_695_04 + magic
    let n = shifted - magic  // -125 ... 128
    // n as an integer, read from the low mantissa bits (no trapping Float -> Int conversion,
    // which would stop the loop vectorizing).
    let nBits = shifted.bitPattern &- magic.bitPattern
    let r = (c - n * 0.693_359_375) + n * 2.121_944_4e-4  // c - n ln 2, ln 2 split hi + lo
    var p: Float = 1.987_569_15e-4
    p = p * r + 1.398_199_95e-3
    p = p * r + 8.333_451_9e-3
    p = p * r + 4.166_579_59e-2
    p = p * r + 1.666_666_55e-1
    p = p * r + 5.000_000_12e-1
    let er = p * r * r + r + 1
    // 2^n as 2^(n-1) · 2 so n = 128 (x near 88.7) does not overflow the exponent field.
    let half = Float(bitPattern: (nBits &+ 126) << 23)
    let y = er * half * 2
    return x < lo ? 0 : (x > hi ? .infinity : y)
}
