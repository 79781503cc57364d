// AVX2/FMA/F16C batch-1 kernels for lmlab's quantized formats (see CQuantKernels.h). Each
// function carries its own target attribute, so the file builds for the x86-64 baseline and
// the kernels only run after lmlab_quant_simd_available() said yes. Off x86-64 the kernels are
// absent and lmlab_quant_simd_available() returns 0 (the Swift kernels run instead).
#include "CQuantKernels.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
#include <string.h>

#define LMLAB_TARGET __attribute__((target("avx2,fma,f16c")))

int lmlab_quant_simd_available(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
           __builtin_cpu_supports("f16c");
}

LMLAB_TARGET static inline float hsum256(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

LMLAB_TARGET static inline float fp16_to_float(uint16_t h) {
    return _mm_cvtss_f32(_mm_cvtph_ps(_mm_cvtsi32_si128(h)));
}

// 8 signed bytes at p -> 8 floats.
LMLAB_TARGET static inline __m256 i8x8_to_ps(__m128i bytes) {
    return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(bytes));
}

LMLAB_TARGET void lmlab_q8_0_matvec(const int8_t *codes, const uint16_t *scales,
                                    const float *x, float *y, long inputs, long row_begin,
                                    long row_end) {
    const long blocks = inputs / 32;
    for (long o = row_begin; o < row_end; o++) {
        const int8_t *q = codes + o * inputs;
        const uint16_t *d = scales + o * blocks;
        __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
        for (long b = 0; b < blocks; b++) {
            const int8_t *qb = q + b * 32;
            const float *xb = x + b * 32;
            __m128i lo = _mm_loadu_si128((const __m128i *)qb);
            __m128i hi = _mm_loadu_si128((const __m128i *)(qb + 16));
            __m256 s = _mm256_mul_ps(i8x8_to_ps(lo), _mm256_loadu_ps(xb));
            s = _mm256_fmadd_ps(i8x8_to_ps(_mm_srli_si128(lo, 8)), _mm256_loadu_ps(xb + 8), s);
            __m256 t = _mm256_mul_ps(i8x8_to_ps(hi), _mm256_loadu_ps(xb + 16));
            t = _mm256_fmadd_ps(i8x8_to_ps(_mm_srli_si128(hi, 8)), _mm256_loadu_ps(xb + 24), t);
            __m256 db = _mm256_set1_ps(fp16_to_float(d[b]));
            acc0 = _mm256_fmadd_ps(db, s, acc0);
            acc1 = _mm256_fmadd_ps(db, t, acc1);
        }
        y[o] += hsum256(_mm256_add_ps(acc0, acc1));
    }
}

LMLAB_TARGET void lmlab_q4_0_matvec(const uint8_t *nibbles, const uint16_t *scales,
                                    const float *x, float *y, long inputs, long row_begin,
                                    long row_end) {
    const long blocks = inputs / 32;
    const __m128i low4 = _mm_set1_epi8(0x0F), eight = _mm_set1_epi8(8);
    for (long o = row_begin; o < row_end; o++) {
        const uint8_t *q = nibbles + o * inputs / 2;
        const uint16_t *d = scales + o * blocks;
        __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
        for (long b = 0; b < blocks; b++) {
            const float *xb = x + b * 32;
            __m128i bytes = _mm_loadu_si128((const __m128i *)(q + b * 16));
            // elements 0..15 in the low nibbles, 16..31 in the high ones; minus 8 -> signed
            __m128i lo = _mm_sub_epi8(_mm_and_si128(bytes, low4), eight);
            __m128i hi = _mm_sub_epi8(_mm_and_si128(_mm_srli_epi16(bytes, 4), low4), eight);
            __m256 s = _mm256_mul_ps(i8x8_to_ps(lo), _mm256_loadu_ps(xb));
            s = _mm256_fmadd_ps(i8x8_to_ps(_mm_srli_si128(lo, 8)), _mm256_loadu_ps(xb + 8), s);
            __m256 t = _mm256_mul_ps(i8x8_to_ps(hi), _mm256_loadu_ps(xb + 16));
            t = _mm256_fmadd_ps(i8x8_to_ps(_mm_srli_si128(hi, 8)), _mm256_loadu_ps(xb + 24), t);
            __m256 db = _mm256_set1_ps(fp16_to_float(d[b]));
            acc0 = _mm256_fmadd_ps(db, s, acc0);
            acc1 = _mm256_fmadd_ps(db, t, acc1);
        }
        y[o] += hsum256(_mm256_add_ps(acc0, acc1));
    }
}

LMLAB_TARGET void lmlab_int8_matvec(const int8_t *codes, const float *scales, int per_row,
                                    const float *x, float *y, long inputs, long row_begin,
                                    long row_end) {
    const long vector_end = inputs - inputs % 16;
    for (long o = row_begin; o < row_end; o++) {
        const int8_t *q = codes + o * inputs;
        __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
        long i = 0;
        for (; i < vector_end; i += 16) {
            __m128i c = _mm_loadu_si128((const __m128i *)(q + i));
            acc0 = _mm256_fmadd_ps(i8x8_to_ps(c), _mm256_loadu_ps(x + i), acc0);
            acc1 = _mm256_fmadd_ps(i8x8_to_ps(_mm_srli_si128(c, 8)), _mm256_loadu_ps(x + i + 8),
                                   acc1);
        }
        float total = hsum256(_mm256_add_ps(acc0, acc1));
        for (; i < inputs; i++) total += (float)q[i] * x[i];
        y[o] += (per_row ? scales[o] : scales[0]) * total;
    }
}

LMLAB_TARGET void lmlab_half_matvec(const uint16_t *bits, int bf16, const float *x, float *y,
                                    long inputs, long row_begin, long row_end) {
    const long vector_end = inputs - inputs % 16;
    for (long o = row_begin; o < row_end; o++) {
        const uint16_t *h = bits + o * inputs;
        __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
        long i = 0;
        for (; i < vector_end; i += 16) {
            __m128i a = _mm_loadu_si128((const __m128i *)(h + i));
            __m128i b = _mm_loadu_si128((const __m128i *)(h + i + 8));
            __m256 wa, wb;
            if (bf16) {  // the top half of an fp32
                wa = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(a), 16));
                wb = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(b), 16));
            } else {  // F16C: exact for every half, inf and NaN included
                wa = _mm256_cvtph_ps(a);
                wb = _mm256_cvtph_ps(b);
            }
            acc0 = _mm256_fmadd_ps(wa, _mm256_loadu_ps(x + i), acc0);
            acc1 = _mm256_fmadd_ps(wb, _mm256_loadu_ps(x + i + 8), acc1);
        }
        float total = hsum256(_mm256_add_ps(acc0, acc1));
        for (; i < inputs; i++) {
            float w;
            if (bf16) {
                uint32_t u = (uint32_t)h[i] << 16;
                memcpy(&w, &u, sizeof w);
            } else {
                w = fp16_to_float(h[i]);
            }
            total += w * x[i];
        }
        y[o] += total;
    }
}

#else  // not x86-64: no SIMD kernels here; the Swift ones run.

int lmlab_quant_simd_available(void) { return 0; }
void lmlab_q8_0_matvec(const int8_t *c, const uint16_t *s, const float *x, float *y, long n,
                       long b, long e) { (void)c; (void)s; (void)x; (void)y; (void)n; (void)b; (void)e; }
void lmlab_q4_0_matvec(const uint8_t *c, const uint16_t *s, const float *x, float *y, long n,
                       long b, long e) { (void)c; (void)s; (void)x; (void)y; (void)n; (void)b; (void)e; }
void lmlab_int8_matvec(const int8_t *c, const float *s, int p, const float *x, float *y, long n,
                       long b, long e) { (void)c; (void)s; (void)p; (void)x; (void)y; (void)n; (void)b; (void)e; }
void lmlab_half_matvec(const uint16_t *h, int f, const float *x, float *y, long n, long b,
                       long e) { (void)h; (void)f; (void)x; (void)y; (void)n; (void)b; (void)e; }

#endif
