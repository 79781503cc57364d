// Batch-1 quantized matrix-vector kernels in C, compiled for AVX2 + FMA + F16C per function and
// chosen at run time: Swift cannot target CPU features per function, and SSE2 (the x86-64
// baseline) cannot unpack int8/int4/fp16 to floats fast enough to beat fp32 sgemv.
// Every kernel computes y[o] += Σ_i W[o, i] · x[i] for rows o in [row_begin, row_end), W in
// ggml's row layout [out, in]; results equal the dequantized fp32 dot product up to rounding.
#ifndef LMLAB_CQUANTKERNELS_H
#define LMLAB_CQUANTKERNELS_H

#include <stdint.h>

/// 1 if this CPU runs the AVX2 kernels (x86-64 with AVX2, FMA and F16C), else 0.
int lmlab_quant_simd_available(void);

/// Q8_0: codes [out, in], fp16 scales [out, in/32]; inputs % 32 == 0.
void lmlab_q8_0_matvec(const int8_t *codes, const uint16_t *scales, const float *x, float *y,
                       long inputs, long row_begin, long row_end);

/// Q4_0: nibbles [out, in/2] (byte j of a block: element j low, j+16 high), fp16 scales
/// [out, in/32]; inputs % 32 == 0.
void lmlab_q4_0_matvec(const uint8_t *nibbles, const uint16_t *scales, const float *x, float *y,
                       long inputs, long row_begin, long row_end);

/// int8 codes [out, in] with one fp32 scale per row (per_row != 0) or scales[0] for all.
void lmlab_int8_matvec(const int8_t *codes, const float *scales, int per_row, const float *x,
                       float *y, long inputs, long row_begin, long row_end);

/// fp16 (bf16 == 0) or bf16 (bf16 != 0) bits [out, in].
void lmlab_half_matvec(const uint16_t *bits, int bf16, const float *x, float *y, long inputs,
                       long row_begin, long row_end);

#endif
