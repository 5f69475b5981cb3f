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

template <int R>
void pack_block(int64_t rows, int64_t k, const float* src, int64_t rs, int64_t ks, float* dst) {
  const int64_t npanels = (rows + R - 1) / R;
  if (rs == 1 && ks != 1) {
    // Groups of G panels (>= 256 contiguous source bytes per k), k by k.
    constexpr int G = R >= 64 ? 1 : (64 + R - 1) / R;
    const int64_t last_rows = rows - (npanels - 1) * R;
    for (int64_t p0 = 0; p0 < npanels; p0 += G) {
      const int64_t g = npanels - p0 < G ? npanels - p0 : G;
      const bool has_last = p0 + g == npanels;
      const int64_t gfull = has_last ? g - 1 : g;
      for (int64_t kk = 0; kk < k; ++kk) {
        const float* s = src + p0 * R + kk * ks;
        float* d = dst + p0 * R * k + kk * R;
        for (int64_t q = 0; q < gfull; ++q) {
          for (int r = 0; r < R; ++r) d[r] = s[r];
          s += R;
          d += R * k;
        }
        if (has_last) {
          int64_t r = 0;
          for (; r < last_rows; ++r) d[r] = s[r];
          for (; r < R; ++r) d[r] = 0.0f;
        }
      }
    }
    return;
  }
  for (int64_t p = 0; p < npanels; ++p) {
    const int64_t valid = rows - p * R < R ? rows - p * R : R;
    pack_panel<R>(valid, k, src + p * R * rs, rs, ks, dst + p * R * k);
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
  pack_block<MR>(rows, k, src, rs, ks, dst);
}
void pack_b(int64_t rows, int64_t k, const float* src, int64_t rs, int64_t ks, float* dst) {
  pack_block<NR>(rows, k, src, rs, ks, dst);
}

void gemv_axpy(int64_t K, int64_t n, const float* x, const float* B, int64_t ldb, float* y) {
  for (int64_t j = 0; j < n; ++j) y[j] = 0.0f;
  for (int64_t k = 0; k < K; ++k) {
    const float xv = x[k];
    const float* b = B + k * ldb;
    for (int64_t j = 0; j < n; ++j) y[j] += xv * b[j];
  }
}

void gemv_dot(int64_t K, int64_t n, const float* x, const float* B, int64_t ldb, float* y) {
  for (int64_t j = 0; j < n; ++j) {
    const float* b = B + j * ldb;
    // Eight partial sums so the compiler may vectorise without reassociation.
    float s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int64_t k = 0;
    for (; k + 8 <= K; k += 8)
      for (int u = 0; u < 8; ++u) s[u] += x[k + u] * b[k + u];
    float t = ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7]));
    for (; k < K; ++k) t += x[k] * b[k];
    y[j] = t;
  }
}

const KernelSet kSet = {"generic", MR, NR,
                        /*mc=*/MR * 512, /*kc=*/256, /*nc=*/NR * 256,
                        /*mc_item=*/MR * 32, /*nc_item=*/NR * 32,
                        pack_a, pack_b, kernel, gemv_axpy, gemv_dot};

}  // namespace

const KernelSet* kernels_generic() { return &kSet; }

}  // namespace gemm_detail
}  // namespace myelin
