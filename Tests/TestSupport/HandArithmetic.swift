// Small hand-written reference arithmetic the test targets share: plain loops over [Float] and
// Double, independent of the lmlab modules they check (TestSupport depends on none of them).

/// |a − b| / |b| (b floored at 1e-12): how far a measured value is from the expected one.
public func relativeDifference(_ a: Double, _ b: Double) -> Double {
    abs(a - b) / max(abs(b), 1e-12)
}

/// The LoRA merge by hand: W[in, out] += scaling · Σ_k A[k, in] · B[out, k], with the adapter's
/// A [rank, in] and B [out, rank] row-major, W [in, out] row-major.
public func mergeLoRAByHand(
    _ w: inout [Float], inputs nIn: Int, outputs nOut: Int, a: [Float], b: [Float], rank r: Int,
    scaling: Float
) {
    precondition(w.count == nIn * nOut && a.count == r * nIn && b.count == nOut * r)
    for i in 0..<nIn {
        for o in 0..<nOut {
            var sum: Float = 0
            for k in 0..<r { sum += a[k * nIn + i] * b[o * r + k] }
            w[i * nOut + o] += scaling * sum
        }
    }
}
