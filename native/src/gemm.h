// Single-precision GEMM for myelin's native backend.
//
// Portable C++17, no Node headers. All matrices are ROW-MAJOR.
//
//   C = alpha * op(A) * op(B) + beta * C
//
//   op(A) is M x K: A itself (transA == false, A is M x K, lda >= K) or A^T
//         (transA == true, A is stored K x M, lda >= M).
//   op(B) is K x N: B (transB == false, B is K x N, ldb >= N) or B^T
//         (transB == true, B is stored N x K, ldb >= K).
//   C is M x N, ldc >= N.
//
// Semantics (same as BLAS):
//   * M == 0 or N == 0: nothing is touched.
//   * beta == 0: C is write-only (it may contain NaN/Inf garbage).
//   * K == 0 or alpha == 0: C = beta * C, A and B are not read.
//   * NaN/Inf in A or B propagate as IEEE arithmetic dictates (no fast-math).
//   * C must not alias A or B.
//
// Work is split over the process-wide thread pool (thread_pool.h) when the
// problem is large enough to pay for it; called from inside a pool task it
// runs single-threaded. Calls from several threads at once are safe (the
// pool runs one job at a time; other callers compute on their own thread).
//
// Implementation: BLIS/GotoBLAS-style packing + cache blocking around a
// register-blocked FMA micro-kernel (AVX-512: 12x32 tile; AVX2: 6x16 tile;
// portable C++ fallback). The micro-kernel is chosen at run time from
// cpu_features(); no part of the build needs -march flags.
#pragma once

#include <cstdint>

namespace myelin {

void sgemm(bool transA, bool transB, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
           int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc);

// Batched GEMM: for b in [0, batch):
//   C + b*strideC = alpha * op(A + b*strideA) * op(B + b*strideB) + beta * (C + b*strideC)
// Strides are in floats. strideA == 0 or strideB == 0 broadcasts that operand
// over the batch. strideC == 0 (only sensible with batch == 1 or to
// accumulate with beta == 1) processes the batch in order, one after another.
// Small matrices are distributed over the pool by batch; large ones are
// parallelised inside each GEMM.
void sgemm_batched(bool transA, bool transB, int64_t M, int64_t N, int64_t K, float alpha,
                   const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C,
                   int64_t ldc, int64_t batch, int64_t strideA, int64_t strideB, int64_t strideC);

// Kernel selection (mainly for tests and benchmarks).
enum class GemmPath { Auto = 0, Generic = 1, Avx2 = 2, Avx512 = 3 };

// Forces a code path for all subsequent calls in the process. Returns false
// (and changes nothing) if the path is not supported by this CPU/build.
// Auto = best supported. The environment variable MYELIN_GEMM_PATH
// (auto|generic|avx2|avx512) sets the initial choice.
bool sgemm_set_path(GemmPath path);
GemmPath sgemm_get_path();        // the path actually in use (never Auto)
const char* sgemm_path_name();    // "avx512", "avx2" or "generic"
bool sgemm_path_supported(GemmPath path);

}  // namespace myelin
