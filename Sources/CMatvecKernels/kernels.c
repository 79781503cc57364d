// Batch-1 fp32 matrix-vector kernels and their thread pool (see CMatvecKernels.h).
// Each product is cut into chunks that each read one contiguous block of A, so every thread
// streams memory front to back: for A·x a chunk is a run of rows of A and owns those outputs;
// for Aᵀ·x (GPT-2's Conv1D layout [in, out]) a chunk is a run of rows of A too, folded into its
// own partial y, and the caller adds the partials once every chunk is done. (Cutting Aᵀ·x by
// columns instead read each row of A in short strided pieces, slower than OpenBLAS's sgemv.)
// The workers spin briefly after a product (decoding issues the next one within microseconds),
// then sleep on a condition variable so an idle process costs no CPU.
#include "CMatvecKernels.h"

#include <pthread.h>
#include <stdlib.h>
#include <sched.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS 8
// Below this many weights a product runs on the caller alone: waking a worker costs more.
#define PARALLEL_MIN_WEIGHTS (64L * 1024)
// How long a worker spins for the next product before it sleeps.
#define SPIN_NANOSECONDS 2000000L
// Chunks per thread: more lets the others finish the share of a thread that was descheduled.
#ifndef CHUNKS_PER_THREAD
#define CHUNKS_PER_THREAD 4
#endif

// MARK: - Kernels on a slice of outputs

static void apply_beta(float *y, long n, float beta) {
    if (beta == 0.0f) {
        for (long j = 0; j < n; j++) y[j] = 0.0f;
    } else if (beta != 1.0f) {
        for (long j = 0; j < n; j++) y[j] *= beta;
    }
}

// The portable kernels: the reference for the SIMD ones, and what runs without AVX2.
static void rows_portable(long begin, long end, long cols, const float *a, long lda,
                          const float *x, float beta, float *y) {
    for (long o = begin; o < end; o++) {
        const float *row = a + o * lda;
        float sum = 0.0f;
        for (long i = 0; i < cols; i++) sum += row[i] * x[i];
        y[o] = beta == 0.0f ? sum : beta * y[o] + sum;
    }
}

static void columns_portable(long begin, long end, long rows, const float *a, long lda,
                             const float *x, float beta, float *y) {
    apply_beta(y + begin, end - begin, beta);
    for (long i = 0; i < rows; i++) {
        const float *row = a + i * lda;
        const float xi = x[i];
        for (long j = begin; j < end; j++) y[j] += xi * row[j];
    }
}

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

#define LMLAB_TARGET __attribute__((target("avx2,fma")))

static int cpu_has_simd(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

LMLAB_TARGET static inline float hsum256(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

// Four rows at a time share each load of x; two accumulators per row hide the FMA latency.
LMLAB_TARGET static void rows_avx2(long begin, long end, long cols, const float *a, long lda,
                                   const float *x, float beta, float *y) {
    const long vend = cols - cols % 16;
    long o = begin;
    for (; o + 4 <= end; o += 4) {
        const float *r0 = a + o * lda, *r1 = r0 + lda, *r2 = r1 + lda, *r3 = r2 + lda;
        __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
        __m256 b0 = _mm256_setzero_ps(), b1 = _mm256_setzero_ps();
        __m256 c0 = _mm256_setzero_ps(), c1 = _mm256_setzero_ps();
        __m256 d0 = _mm256_setzero_ps(), d1 = _mm256_setzero_ps();
        long i = 0;
        for (; i < vend; i += 16) {
            __m256 x0 = _mm256_loadu_ps(x + i), x1 = _mm256_loadu_ps(x + i + 8);
            a0 = _mm256_fmadd_ps(_mm256_loadu_ps(r0 + i), x0, a0);
            a1 = _mm256_fmadd_ps(_mm256_loadu_ps(r0 + i + 8), x1, a1);
            b0 = _mm256_fmadd_ps(_mm256_loadu_ps(r1 + i), x0, b0);
            b1 = _mm256_fmadd_ps(_mm256_loadu_ps(r1 + i + 8), x1, b1);
            c0 = _mm256_fmadd_ps(_mm256_loadu_ps(r2 + i), x0, c0);
            c1 = _mm256_fmadd_ps(_mm256_loadu_ps(r2 + i + 8), x1, c1);
            d0 = _mm256_fmadd_ps(_mm256_loadu_ps(r3 + i), x0, d0);
            d1 = _mm256_fmadd_ps(_mm256_loadu_ps(r3 + i + 8), x1, d1);
        }
        float s[4] = {hsum256(_mm256_add_ps(a0, a1)), hsum256(_mm256_add_ps(b0, b1)),
                      hsum256(_mm256_add_ps(c0, c1)), hsum256(_mm256_add_ps(d0, d1))};
        for (; i < cols; i++) {
            s[0] += r0[i] * x[i];
            s[1] += r1[i] * x[i];
            s[2] += r2[i] * x[i];
            s[3] += r3[i] * x[i];
        }
        for (int k = 0; k < 4; k++) y[o + k] = beta == 0.0f ? s[k] : beta * y[o + k] + s[k];
    }
    for (; o < end; o++) {
        const float *r = a + o * lda;
        __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
        long i = 0;
        for (; i < vend; i += 16) {
            s0 = _mm256_fmadd_ps(_mm256_loadu_ps(r + i), _mm256_loadu_ps(x + i), s0);
            s1 = _mm256_fmadd_ps(_mm256_loadu_ps(r + i + 8), _mm256_loadu_ps(x + i + 8), s1);
        }
        float s = hsum256(_mm256_add_ps(s0, s1));
        for (; i < cols; i++) s += r[i] * x[i];
        y[o] = beta == 0.0f ? s : beta * y[o] + s;
    }
}

// Four rows of A at a time are folded into this thread's slice of y, which stays in L1.
LMLAB_TARGET static void columns_avx2(long begin, long end, long rows, const float *a, long lda,
                                      const float *x, float beta, float *y) {
    apply_beta(y + begin, end - begin, beta);
    const long vend = begin + (end - begin) - (end - begin) % 8;
    long i = 0;
    for (; i + 4 <= rows; i += 4) {
        const float *r0 = a + i * lda, *r1 = r0 + lda, *r2 = r1 + lda, *r3 = r2 + lda;
        const __m256 x0 = _mm256_set1_ps(x[i]), x1 = _mm256_set1_ps(x[i + 1]);
        const __m256 x2 = _mm256_set1_ps(x[i + 2]), x3 = _mm256_set1_ps(x[i + 3]);
        long j = begin;
        for (; j < vend; j += 8) {
            __m256 acc = _mm256_loadu_ps(y + j);
            acc = _mm256_fmadd_ps(x0, _mm256_loadu_ps(r0 + j), acc);
            acc = _mm256_fmadd_ps(x1, _mm256_loadu_ps(r1 + j), acc);
            acc = _mm256_fmadd_ps(x2, _mm256_loadu_ps(r2 + j), acc);
            acc = _mm256_fmadd_ps(x3, _mm256_loadu_ps(r3 + j), acc);
            _mm256_storeu_ps(y + j, acc);
        }
        for (; j < end; j++) {
            y[j] += x[i] * r0[j] + x[i + 1] * r1[j] + x[i + 2] * r2[j] + x[i + 3] * r3[j];
        }
    }
    for (; i < rows; i++) {
        const float *r = a + i * lda;
        const __m256 xi = _mm256_set1_ps(x[i]);
        long j = begin;
        for (; j < vend; j += 8) {
            _mm256_storeu_ps(y + j,
                             _mm256_fmadd_ps(xi, _mm256_loadu_ps(r + j), _mm256_loadu_ps(y + j)));
        }
        for (; j < end; j++) y[j] += x[i] * r[j];
    }
}

#else  // not x86-64: the portable loops only.

static int cpu_has_simd(void) { return 0; }
static void rows_avx2(long b, long e, long n, const float *a, long lda, const float *x,
                      float beta, float *y) { rows_portable(b, e, n, a, lda, x, beta, y); }
static void columns_avx2(long b, long e, long n, const float *a, long lda, const float *x,
                         float beta, float *y) { columns_portable(b, e, n, a, lda, x, beta, y); }

#endif

static atomic_int simd_state = -1;  // -1 not probed yet, 0 no, 1 yes

int lmlab_matvec_simd_available(void) {
    int state = atomic_load(&simd_state);
    if (state < 0) {
        state = cpu_has_simd();
        atomic_store(&simd_state, state);
    }
    return state;
}


// MARK: - The product, cut into chunks

typedef struct {
    int transposed;
    long rows, cols, lda;
    const float *a, *x;
    float beta;
    float *y;
    int simd;
    int chunks;
    // Aᵀ·x cut into several chunks: chunk c folds its rows into partials + c * cols.
    float *partials;
} product;

// Chunk `index` of `p->chunks`. A·x: outputs (rows of A) in multiples of 16 floats, whole cache
// lines of y. Aᵀ·x: rows of A in multiples of 4 (the kernel's step), into the chunk's partial y,
// or straight into y when the product is one chunk.
static void run_chunk(const product *p, int index) {
    if (p->transposed) {
        const long groups = (p->rows + 3) / 4;
        long begin = groups * index / p->chunks * 4, end = groups * (index + 1) / p->chunks * 4;
        if (end > p->rows) end = p->rows;
        if (p->chunks == 1) {
            (p->simd ? columns_avx2 : columns_portable)(0, p->cols, p->rows, p->a, p->lda, p->x,
                                                        p->beta, p->y);
            return;
        }
        float *partial = p->partials + (long)index * p->cols;
        if (begin >= end) {
            apply_beta(partial, p->cols, 0.0f);
            return;
        }
        (p->simd ? columns_avx2 : columns_portable)(0, p->cols, end - begin,
                                                    p->a + begin * p->lda, p->lda, p->x + begin,
                                                    0.0f, partial);
        return;
    }
    const long groups = (p->rows + 15) / 16;
    long begin = groups * index / p->chunks * 16, end = groups * (index + 1) / p->chunks * 16;
    if (end > p->rows) end = p->rows;
    if (begin >= end) return;
    (p->simd ? rows_avx2 : rows_portable)(begin, end, p->cols, p->a, p->lda, p->x, p->beta, p->y);
}

// y = beta·y + the chunks' partial products, once every chunk of an Aᵀ·x product is done.
static void add_partials(const product *p) {
    apply_beta(p->y, p->cols, p->beta);
    for (int c = 0; c < p->chunks; c++) {
        const float *partial = p->partials + (long)c * p->cols;
        for (long j = 0; j < p->cols; j++) p->y[j] += partial[j];
    }
}

// MARK: - The pool
// A product is published as one 64-bit ticket: generation (32 bits) | chunks (16) | next chunk
// (16). The caller and the workers claim chunks with fetch_add on the ticket, so when a worker
// is descheduled (this machine is shared) the caller takes its chunks instead of waiting for it.
// A claim whose index is below the chunk count is a chunk of `current`, which the caller keeps
// unchanged until every chunk has been counted in `done`.

static pthread_mutex_t pool_owner = PTHREAD_MUTEX_INITIALIZER;  // one product at a time
static pthread_mutex_t sleep_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static _Atomic unsigned long long ticket = 0;
static atomic_int done = 0;  // chunks of the current product finished
static atomic_int sleepers = 0;
static int started_workers = 0;       // guarded by pool_owner
static unsigned publications = 0;     // guarded by pool_owner
static atomic_int thread_count = 0;   // 0: not chosen yet
static product current;               // written by the owner before the ticket

#define TICKET_GENERATION(t) ((unsigned)((t) >> 32))
#define TICKET_CHUNKS(t) ((int)(((t) >> 16) & 0xFFFF))
#define TICKET_INDEX(t) ((int)((t) & 0xFFFF))

static long now_nanoseconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long)t.tv_sec * 1000000000L + t.tv_nsec;
}

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

// Claims and runs chunks of the current product until none is left.
static void claim_chunks(void) {
    for (;;) {
        unsigned long long t = atomic_fetch_add(&ticket, 1);
        if (TICKET_INDEX(t) >= TICKET_CHUNKS(t)) return;
        run_chunk(&current, TICKET_INDEX(t));
        atomic_fetch_add(&done, 1);
    }
}

static void *worker_main(void *arg) {
    (void)arg;
    unsigned seen = TICKET_GENERATION(atomic_load(&ticket));
    for (;;) {
        unsigned now = TICKET_GENERATION(atomic_load(&ticket));
        const long give_up = now_nanoseconds() + SPIN_NANOSECONDS;
        for (int spins = 1; now == seen; spins++) {
            cpu_relax();
            now = TICKET_GENERATION(atomic_load(&ticket));
            if ((spins & 1023) == 0 && now == seen) {
                if (now_nanoseconds() > give_up) break;
                sched_yield();  // let a descheduled caller or another job run
            }
        }
        if (now == seen) {
            pthread_mutex_lock(&sleep_lock);
            atomic_fetch_add(&sleepers, 1);
            while ((now = TICKET_GENERATION(atomic_load(&ticket))) == seen) {
                pthread_cond_wait(&wake, &sleep_lock);
            }
            atomic_fetch_sub(&sleepers, 1);
            pthread_mutex_unlock(&sleep_lock);
        }
        seen = now;
        claim_chunks();
    }
    return NULL;
}

static int default_threads(void) {
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    if (cores < 1) cores = 1;
    return cores > MAX_THREADS ? MAX_THREADS : (int)cores;
}

void lmlab_matvec_set_threads(int threads) {
    if (threads < 1) threads = 1;
    if (threads > MAX_THREADS) threads = MAX_THREADS;
    atomic_store(&thread_count, threads);
}

int lmlab_matvec_threads(void) {
    int threads = atomic_load(&thread_count);
    if (threads == 0) {
        threads = default_threads();
        atomic_store(&thread_count, threads);
    }
    return threads;
}

// Starts workers up to threads-1 (they sleep when idle and live as long as the process).
// Holds pool_owner. Returns how many run.
static int ensure_workers(int threads) {
    while (started_workers < threads - 1) {
        pthread_t thread;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        int failed = pthread_create(&thread, &attr, worker_main, NULL);
        pthread_attr_destroy(&attr);
        if (failed) break;
        started_workers++;
    }
    return started_workers;
}

// The partial outputs of a cut Aᵀ·x product (guarded by pool_owner; grows, never shrinks).
static float *partial_buffer = NULL;
static long partial_capacity = 0;

static int reserve_partials(long count) {
    if (count <= partial_capacity) return 1;
    float *grown = realloc(partial_buffer, (size_t)count * sizeof(float));
    if (!grown) return 0;
    partial_buffer = grown;
    partial_capacity = count;
    return 1;
}

static void run_product(product p) {
    const int threads = lmlab_matvec_threads();
    // Chunks are cut along the rows of A in both cases.
    const long groups = p.transposed ? (p.rows + 3) / 4 : (p.rows + 15) / 16;
    if (threads == 1 || p.rows * p.cols < PARALLEL_MIN_WEIGHTS || groups < 2 ||
        pthread_mutex_trylock(&pool_owner) != 0) {
        // Small, single-threaded, or another thread is using the pool: run here.
        p.chunks = 1;
        run_chunk(&p, 0);
        return;
    }
    const int workers = ensure_workers(threads);
    long chunks = (long)(workers + 1) * CHUNKS_PER_THREAD;
    p.chunks = (int)(chunks < groups ? chunks : groups);
    if (p.transposed) {
        if (!reserve_partials((long)p.chunks * p.cols)) {
            // No memory for the partials: the caller alone, straight into y.
            pthread_mutex_unlock(&pool_owner);
            p.chunks = 1;
            run_chunk(&p, 0);
            return;
        }
        p.partials = partial_buffer;
    }
    current = p;
    atomic_store(&done, 0);
    publications++;
    atomic_store(&ticket, ((unsigned long long)publications << 32) |
                              ((unsigned long long)p.chunks << 16));
    if (atomic_load(&sleepers) > 0) {
        pthread_mutex_lock(&sleep_lock);
        pthread_cond_broadcast(&wake);
        pthread_mutex_unlock(&sleep_lock);
    }
    claim_chunks();
    for (int spins = 1; atomic_load(&done) < p.chunks; spins++) {
        cpu_relax();
        if ((spins & 1023) == 0) sched_yield();  // a worker holding a chunk was descheduled
    }
    if (p.transposed) add_partials(&p);
    pthread_mutex_unlock(&pool_owner);
}

void lmlab_matvec(long rows, long cols, const float *a, long lda, const float *x, float beta,
                  float *y) {
    if (rows <= 0) return;
    product p = {0, rows, cols, lda, a, x, beta, y, lmlab_matvec_simd_available(), 1, NULL};
    run_product(p);
}

void lmlab_matvec_transposed(long rows, long cols, const float *a, long lda, const float *x,
                             float beta, float *y) {
    if (cols <= 0) return;
    product p = {1, rows, cols, lda, a, x, beta, y, lmlab_matvec_simd_available(), 1, NULL};
    run_product(p);
}

void lmlab_matvec_portable(int transposed, long rows, long cols, const float *a, long lda,
                           const float *x, float beta, float *y) {
    if (transposed) {
        if (cols > 0) columns_portable(0, cols, rows, a, lda, x, beta, y);
    } else {
        if (rows > 0) rows_portable(0, rows, cols, a, lda, x, beta, y);
    }
}
