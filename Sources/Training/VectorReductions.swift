// Sums over contiguous Float buffers that vectorize. Swift keeps floating-point additions in
// source order, so a plain `s += x[j]` loop runs one add at a time; these keep 16 partial sums
// (a SIMD16 accumulator) and add them up at the end. The result differs from a left-to-right
// sum by float rounding only (it is usually closer to the exact sum).

/// The 16-float chunk of `x` starting at element `j`.
@inline(__always)
private func chunk(_ x: UnsafePointer<Float>, _ j: Int) -> SIMD16<Float> {
    UnsafeRawPointer(x + j).loadUnaligned(as: SIMD16<Float>.self)
}

/// Σ x[j] over `count` values.
@inline(__always)
func vectorSum(_ x: UnsafePointer<Float>, count n: Int) -> Float {
    var acc = SIMD16<Float>()
    var j = 0
    while j + 16 <= n {
        acc += chunk(x, j)
        j += 16
    }
    var s = acc.sum()
    while j < n {
        s += x[j]
        j += 1
    }
    return s
}

/// Σ x[j]·y[j] over `count` values.
@inline(__always)
func vectorDot(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, count n: Int) -> Float {
    var acc = SIMD16<Float>()
    var j = 0
    while j + 16 <= n {
        acc += chunk(x, j) * chunk(y, j)
        j += 16
    }
    var s = acc.sum()
    while j < n {
        s += x[j] * y[j]
        j += 1
    }
    return s
}

/// Σ (x[j] - c)² over `count` values (c = 0: the squared L2 norm).
@inline(__always)
func vectorSumOfSquares(_ x: UnsafePointer<Float>, minus c: Float = 0, count n: Int) -> Float {
    var acc = SIMD16<Float>()
    let shift = SIMD16<Float>(repeating: c)
    var j = 0
    while j + 16 <= n {
        let d = chunk(x, j) - shift
        acc += d * d
        j += 16
    }
    var s = acc.sum()
    while j < n {
        let d = x[j] - c
        s += d * d
        j += 1
    }
    return s
}

/// max x[j] over `count` values (-∞ for none). NaNs are skipped, as `Swift.max(m, x)` skips
/// them; the callers' exp of a NaN logit makes their result NaN anyway.
@inline(__always)
func vectorMax(_ x: UnsafePointer<Float>, count n: Int) -> Float {
    var acc = SIMD16<Float>(repeating: -.infinity)
    var j = 0
    while j + 16 <= n {
        let v = chunk(x, j)
        acc = acc.replacing(with: v, where: v .> acc)
        j += 16
    }
    var m = acc.max()
    while j < n {
        if x[j] > m { m = x[j] }
        j += 1
    }
    return m
}
