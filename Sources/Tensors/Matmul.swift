// Matrix products through OpenBLAS sgemm, and the naive loop kept beside it as the reference.
import COpenBLAS

/// C[m,n] = alpha · op(A)[m,k] · op(B)[k,n] + beta · C, on raw row-major buffers.
/// `lda`, `ldb`, `ldc` are the row strides of A, B, C as stored (before transposition).
@inlinable
public func sgemm(
    transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
    alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int,
    beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
) {
    if m == 0 || n == 0 { return }
    cblas_sgemm(
        CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
        Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

/// Threads OpenBLAS runs sgemm on (OPENBLAS_NUM_THREADS, else the cores); PyTorch peers in the
/// benchmarks are given as many.
public var blasThreadCount: Int { Int(openblas_get_num_threads()) }

/// y[m] = alpha · op(A) · x + beta · y, with A stored row-major [rows, cols].
@inlinable
public func sgemv(
    trans: Bool, rows: Int, cols: Int, alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
    x: UnsafePointer<Float>, beta: Float = 0, y: UnsafeMutablePointer<Float>
) {
    if rows == 0 || cols == 0 { return }
    cblas_sgemv(
        CblasRowMajor, trans ? CblasTrans : CblasNoTrans, Int32(rows), Int32(cols), alpha, a,
        Int32(lda), x, 1, beta, y, 1)
}

extension Tensor {
    /// Matrix product over the last two axes with leading (batch) axes broadcast from `self`.
    /// self: [..., m, k] (or [..., k, m] if transposeSelf); other: [k, n] or [..., k, n]
    /// with the same leading axes (or [n, k] / [..., n, k] if transposeOther) -> [..., m, n].
    public func matmul(_ other: Tensor, transposeSelf: Bool = false, transposeOther: Bool = false)
        -> Tensor
    {
        precondition(rank >= 2 && other.rank >= 2, "matmul needs rank >= 2: \(shape) @ \(other.shape)")
        let m = transposeSelf ? shape[rank - 1] : shape[rank - 2]
        let k = transposeSelf ? shape[rank - 2] : shape[rank - 1]
        let kb = transposeOther ? other.shape[other.rank - 1] : other.shape[other.rank - 2]
        let n = transposeOther ? other.shape[other.rank - 2] : other.shape[other.rank - 1]
        precondition(k == kb, "matmul inner dimensions differ: \(shape) @ \(other.shape)")
        let batchShape = Array(shape.dropLast(2))
        let batch = batchShape.reduce(1, *)
        let otherBatch = other.shape.dropLast(2).reduce(1, *)
        precondition(
            other.rank == 2 || Array(other.shape.dropLast(2)) == batchShape,
            "matmul batch axes differ: \(shape) @ \(other.shape)")
        var out = Tensor(zeros: batchShape + [m, n])
        let lda = shape[rank - 1]
        let ldb = other.shape[other.rank - 1]
        data.withUnsafeBufferPointer { a in
            other.data.withUnsafeBufferPointer { b in
                out.data.withUnsafeMutableBufferPointer { c in
                    guard let a = a.baseAddress, let b = b.baseAddress, let c = c.baseAddress
                    else { return }
                    if other.rank == 2 && !transposeSelf {
                        // One big sgemm: fold the batch into the rows of A.
                        sgemm(
                            transA: false, transB: transposeOther, m: batch * m, n: n, k: k,
                            a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: n)
                        return
                    }
                    for i in 0..<batch {
                        let bOff = otherBatch == 1 ? 0 : i * k * n
                        sgemm(
                            transA: transposeSelf, transB: transposeOther, m: m, n: n, k: k,
                            a: a + i * m * k, lda: lda, b: b + bOff, ldb: ldb,
                            c: c + i * m * n, ldc: n)
                    }
                }
            }
        }
        return out
    }
}

/// The textbook triple loop: the reference the BLAS path is tested against. a: [m, k], b: [k, n].
public func naiveMatmul(_ a: Tensor, _ b: Tensor) -> Tensor {
    precondition(a.rank == 2 && b.rank == 2 && a.shape[1] == b.shape[0])
    let (m, k, n) = (a.shape[0], a.shape[1], b.shape[1])
    var out = Tensor(zeros: [m, n])
    for i in 0..<m {
        for j in 0..<n {
            var acc: Float = 0
            for p in 0..<k { acc += a.data[i * k + p] * b.data[p * n + j] }
            out.data[i * n + j] = acc
        }
    }
    return out
}
