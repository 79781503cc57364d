// Batch-1 matrix-vector products for decoding: our AVX2/FMA kernel on a persistent thread pool
// (CMatvecKernels), with OpenBLAS's sgemv (Matmul.swift) as the reference it is tested against.
// Everything with more than one row stays on sgemm.
import CMatvecKernels

/// y[m] = op(A) · x + beta · y with A stored row-major [rows, cols] (row stride `lda`):
/// op(A) = A (y has `rows` entries) or Aᵀ when `transposed` (y has `cols` entries, as for
/// GPT-2's Conv1D weights [in, out]). As in BLAS, beta = 0 ignores y's old contents.
@inlinable
public func matvec(
    transposed: Bool, rows: Int, cols: Int, a: UnsafePointer<Float>, lda: Int,
    x: UnsafePointer<Float>, beta: Float = 0, y: UnsafeMutablePointer<Float>
) {
    if transposed {
        lmlab_matvec_transposed(rows, cols, a, lda, x, beta, y)
    } else {
        lmlab_matvec(rows, cols, a, lda, x, beta, y)
    }
}

/// The threads `matvec` runs on and the kernel it chose for this CPU.
public enum MatvecKernel {
    /// Threads sharing one product, the caller included (default: the online cores, at most 8).
    public static var threads: Int {
        get { Int(lmlab_matvec_threads()) }
        set { lmlab_matvec_set_threads(Int32(clamping: newValue)) }
    }

    /// True when the AVX2/FMA kernels run; false when the portable loop does.
    public static var usesSIMD: Bool { lmlab_matvec_simd_available() != 0 }

    /// The portable loop alone on the calling thread: what runs on CPUs without AVX2/FMA.
    public static func portable(
        transposed: Bool, rows: Int, cols: Int, a: UnsafePointer<Float>, lda: Int,
        x: UnsafePointer<Float>, beta: Float = 0, y: UnsafeMutablePointer<Float>
    ) {
        lmlab_matvec_portable(transposed ? 1 : 0, rows, cols, a, lda, x, beta, y)
    }
}
