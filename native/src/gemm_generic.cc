// Portable packing routines and micro-kernel (any architecture).
// Written so that GCC/Clang auto-vectorise the inner loops with the baseline
// ISA (SSE2 on x86-64, NEON on arm64). No intrinsics, no target attributes.
#include <cstdint>

#include "gemm_kernels.h"

namespace myelin {
namespace gemm_detail {
namespace {

#if defined(__aarch64__) || defined(_M_ARM64)
constexpr int MR = 8;   // 32 NEON registers: 8x12 -> 24 accumulators
constexpr int NR = 12;
#else
constexpr int MR = 4;   // 16 SSE registers: 4x8 -> 8 accumulators
constexpr int NR = 8;
#endif

template <int R>
void pack_panel(int64_t rows, int64_t k, const float* src, int64_t rs, int64_t ks, float* dst) {
  if (rows == R && rs == 1) {
    for (int64_t kk = 0; kk < k; ++kk) {
      const float* s = src + kk * ks;
      float* d = dst + kk * R;
      for (int r = 0; r < R; ++r) d[r] = s[r];
    }
    return;
  }
  if (rows == R && ks == 1) {
    // Transpose in 4-wide k blocks to keep the source reads sequential.
    int64_t kk = 0;
    for (; kk + 4 <= k; kk += 4)
      for (int r = 0; r < R; ++r) {
        const float* s = src + r * rs + kk;
        dst[(kk + 0) * R + r] = s[0];
        dst[(kk + 1) * R + r] = s[1];
        dst[(kk + 2) * R + r] = s[2];
        dst[(kk + 3) * R + r] = s[3];
      }
    for (; kk < k; ++kk)
      for (int r = 0; r < R; ++r) dst[kk * R + r] = src[r * rs + kk];
    return;
  }
  for (int64_t kk = 0; kk < k; ++kk) {
    float* d = dst + kk * R;
    const float* s = src + kk * ks;
    int64_t r = 0;
    for (; r < rows; ++r) d[r] = s[r * rs];
    for (; r < R; ++r) d[r] = 0.0f;
  }
}

void kernel(int64_t k, const float* __restrict a, const float* __restrict b, float* c, int64_t ldc,
            int64_t m, int64_t n, float alpha, float beta) {
  float acc[MR][NR];
  for (int i = 0; i < MR; ++i)
    for (int j = 0; j < NR; ++j) acc[i][j] = 0.0f;
  for (int64_t p = 0; p < k; ++p) {
    const float* ap = a + p * MR;
    const float* bp = b + p * NR;
    for (int i = 0; i < MR; ++i) {
      const float av = ap[i];
      for (int j = 0; j < NR; ++j) acc[i][j] += av * bp[j];
    }
  }
  if (m == MR && n == NR) {
    if (beta == 0.0f) {
      for (int i = 0; i < MR; ++i)
        for (int j = 0; j < NR; ++j) c[i * ldc + j] = alpha * acc[i][j];
    } else {
      for (int i = 0; i < MR; ++i)
        for (int j = 0; j < NR; ++j) c[i * ldc + j] = alpha * acc[i][j] + beta * c[i * ldc + j];
    }
    return;
  }
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      float v = alpha * acc[i][j];
      c[i * ldc + j] = beta == 0.0f ? v : v + beta * c[i * ldc + j];
    }
}

void pack_a(int64_t rows, int64_t k, const float* src, int64_t rs, int64_t ks, float* dst) {
  pack_panel<MR>(rows, k, src, rs, ks, dst);
}
void pack_b(int64_t rows, int64_t k, const float* src, int64_t rs, int64_t ks, float* dst) {
  pack_panel<NR>(rows, k, src, rs, ks, dst);
}

const KernelSet kSet = {"generic", MR, NR, MR * 32, 256, NR * 256, pack_a, pack_b, kernel};

}  // namespace

const KernelSet* kernels_generic() { return &kSet; }

}  // namespace gemm_detail
}  // namespace myelin
