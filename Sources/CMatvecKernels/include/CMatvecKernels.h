// Batch-1 fp32 matrix-vector products for decoding, in C: AVX2 + FMA chosen at run time (a
// portable loop otherwise), split over a small pool of threads kept alive across calls. OpenBLAS
// 0.3.21's sgemv streams weights well below this machine's read bandwidth, and a token of
// decoding is ~50 such products, too short to pay for waking threads each time.
// A is row-major with row stride lda. Like BLAS, beta == 0 ignores y's old contents (NaN
// included); otherwise y is scaled by beta first. NaN and inf in A or x propagate as in a plain
// sum of products (no term is skipped).
#ifndef LMLAB_CMATVECKERNELS_H
#define LMLAB_CMATVECKERNELS_H

/// 1 if this CPU runs the AVX2/FMA kernels, else 0 (the portable loop runs).
int lmlab_matvec_simd_available(void);

/// y[o] = beta·y[o] + Σ_i A[o, i]·x[i] for o < rows (A: [rows, cols]).
void lmlab_matvec(long rows, long cols, const float *a, long lda, const float *x, float beta,
                  float *y);

/// y[j] = beta·y[j] + Σ_i x[i]·A[i, j] for j < cols (A: [rows, cols], read as Aᵀ).
void lmlab_matvec_transposed(long rows, long cols, const float *a, long lda, const float *x,
                             float beta, float *y);

/// Threads that share one product, the caller included (default: the online cores, at most 8).
/// 1 runs every product on the caller. Call before the first product or between products.
void lmlab_matvec_set_threads(int threads);
int lmlab_matvec_threads(void);

/// The portable loop alone on the calling thread (what runs without AVX2; tests check it too).
void lmlab_matvec_portable(int transposed, long rows, long cols, const float *a, long lda,
                           const float *x, float beta, float *y);

#endif
