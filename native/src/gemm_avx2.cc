// AVX2 + FMA packing routines and 6x16 micro-kernel.
//
// Every function that uses AVX2/FMA carries a target attribute, so this file
// is compiled WITHOUT -mavx2; it is only called after cpu_features() reported
// avx2+fma (see gemm.cc dispatch).
#include "gemm_kernels.h"

#if MYELIN_X86_KERNELS

#include <immintrin.h>

#include <utility>

#define MYELIN_T256 __attribute__((target("avx2,fma")))

namespace myelin {
namespace gemm_detail {
namespace {

constexpr int MR = 6;
constexpr int NV = 2;
constexpr int NR = 8 * NV;

MYELIN_T256 inline void transpose8x8(__m256* r) {
  __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
  __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
  __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
  __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
  __m256 s0 = _mm256_shuffle_ps(t0, t2, 0x44), s1 = _mm256_shuffle_ps(t0, t2, 0xEE);
  __m256 s2 = _mm256_shuffle_ps(t1, t3, 0x44), s3 = _mm256_shuffle_ps(t1, t3, 0xEE);
  __m256 s4 = _mm256_shuffle_ps(t4, t6, 0x44), s5 = _mm256_shuffle_ps(t4, t6, 0xEE);
  __m256 s6 = _mm256_shuffle_ps(t5, t7, 0x44), s7 = _mm256_shuffle_ps(t5, t7, 0xEE);
  r[0] = _mm256_permute2f128_ps(s0, s4, 0x20);
  r[1] = _mm256_permute2f128_ps(s1, s5, 0x20);
  r[2] = _mm256_permute2f128_ps(s2, s6, 0x20);
  r[3] = _mm256_permute2f128_ps(s3, s7, 0x20);
  r[4] = _mm256_permute2f128_ps(s0, s4, 0x31);
  r[5] = _mm256_permute2f128_ps(s1, s5, 0x31);
  r[6] = _mm256_permute2f128_ps(s2, s6, 0x31);
  r[7] = _mm256_permute2f128_ps(s3, s7, 0x31);
}

// Stores the first G (1..8) lanes of v to d.
template <int G>
MYELIN_T256 inline void store_first(float* d, __m256 v) {
  if constexpr (G == 8) {
    _mm256_storeu_ps(d, v);
  } else {
    __m128 lo = _mm256_castps256_ps128(v);
    if constexpr (G >= 4) {
      _mm_storeu_ps(d, lo);
      d += 4;
      lo = _mm256_extractf128_ps(v, 1);
    }
    constexpr int rest = G & 3;
    if constexpr (rest >= 2) {
      _mm_storel_pi((__m64*)d, lo);
      if constexpr (rest == 3) _mm_store_ss(d + 2, _mm_movehl_ps(lo, lo));
    } else if constexpr (rest == 1) {
      _mm_store_ss(d, lo);
    }
  }
}

template <int R, int G>
MYELIN_T256 inline int64_t transpose_group(int64_t k, const float* src, int64_t rs, float* dst) {
  int64_t kk = 0;
  for (; kk + 8 <= k; kk += 8) {
    __m256 r[8];
#pragma GCC unroll 8
    for (int i = 0; i < 8; ++i) r[i] = i < G ? _mm256_loadu_ps(src + i * rs + kk) : _mm256_setzero_ps();
    transpose8x8(r);
#pragma GCC unroll 8
    for (int j = 0; j < 8; ++j) store_first<G>(dst + (kk + j) * R, r[j]);
  }
  return kk;
}

template <int R, int G0>
MYELIN_T256 inline void transpose_groups(int64_t k, const float* src, int64_t rs, float* dst, int64_t* done) {
  if constexpr (G0 < R) {
    constexpr int G = (R - G0) >= 8 ? 8 : (R - G0);
    *done = transpose_group<R, G>(k, src + G0 * rs, rs, dst + G0);
    transpose_groups<R, G0 + G>(k, src, rs, dst, done);
  }
}

template <int R>
MYELIN_T256 void pack_block(int64_t rows, int64_t k, const float* src, int64_t rs, int64_t ks, float* dst) {
  const int64_t npanels = (rows + R - 1) / R;
  if (ks == 1) {
    for (int64_t p = 0; p < npanels; ++p) {
      const float* s = src + p * R * rs;
      float* d = dst + p * R * k;
      const int64_t valid = rows - p * R < R ? rows - p * R : R;
      int64_t done = 0;
      if (valid == R) transpose_groups<R, 0>(k, s, rs, d, &done);
      for (int64_t kk = done; kk < k; ++kk) {
        int64_t r = 0;
        for (; r < valid; ++r) d[kk * R + r] = s[r * rs + kk];
        for (; r < R; ++r) d[kk * R + r] = 0.0f;
      }
    }
    return;
  }
  if (rs == 1) {
    // Groups of G panels (>= 256 contiguous source bytes per k), k by k.
    constexpr int G = R >= 64 ? 1 : (64 + R - 1) / R;
    const int64_t last_rows = rows - (npanels - 1) * R;
    for (int64_t p0 = 0; p0 < npanels; p0 += G) {
      const int64_t g = npanels - p0 < G ? npanels - p0 : G;
      const bool has_last = p0 + g == npanels;
      const int64_t gfull = has_last ? g - 1 : g;
      const float* sp = src + p0 * R;
      float* dp = dst + p0 * R * k;
      for (int64_t kk = 0; kk < k; ++kk) {
        const float* s = sp + kk * ks;
        float* d = dp + kk * R;
        for (int64_t q = 0; q < gfull; ++q) {
          if constexpr (R % 8 == 0) {
#pragma GCC unroll 4
            for (int v = 0; v < R / 8; ++v) _mm256_storeu_ps(d + 8 * v, _mm256_loadu_ps(s + 8 * v));
          } else {
#pragma GCC unroll 16
            for (int r = 0; r < R; ++r) d[r] = s[r];
          }
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
    const float* sp = src + p * R * rs;
    float* dp = dst + p * R * k;
    for (int64_t kk = 0; kk < k; ++kk) {
      float* d = dp + kk * R;
      const float* s = sp + kk * ks;
      int64_t r = 0;
      for (; r < valid; ++r) d[r] = s[r * rs];
      for (; r < R; ++r) d[r] = 0.0f;
    }
  }
}

template <int ROWS, int NVEC, bool FULL>
MYELIN_T256 __attribute__((noinline)) void ukernel(int64_t k, const float* __restrict a,
                                                    const float* __restrict b, float* c, int64_t ldc,
                                                    int64_t n, float alpha, float beta) {
  __m256 acc[ROWS][NVEC];
#pragma GCC unroll 16
  for (int i = 0; i < ROWS; ++i)
#pragma GCC unroll 4
    for (int v = 0; v < NVEC; ++v) acc[i][v] = _mm256_setzero_ps();
#pragma GCC unroll 16
  for (int i = 0; i < ROWS; ++i) {
    _mm_prefetch((const char*)(c + i * ldc), _MM_HINT_T0);
    _mm_prefetch((const char*)(c + i * ldc + NVEC * 8 - 1), _MM_HINT_T0);
  }
#pragma GCC unroll 4
  for (int64_t p = 0; p < k; ++p) {
    __m256 bv[NVEC];
#pragma GCC unroll 4
    for (int v = 0; v < NVEC; ++v) bv[v] = _mm256_load_ps(b + 8 * v);
#pragma GCC unroll 16
    for (int i = 0; i < ROWS; ++i) {
      __m256 av = _mm256_broadcast_ss(a + i);
#pragma GCC unroll 4
      for (int v = 0; v < NVEC; ++v) acc[i][v] = _mm256_fmadd_ps(av, bv[v], acc[i][v]);
    }
    a += MR;
    b += NR;
  }
  const __m256 va = _mm256_set1_ps(alpha);
  const __m256 vb = _mm256_set1_ps(beta);
  const bool bz = beta == 0.0f;
#pragma GCC unroll 16
  for (int i = 0; i < ROWS; ++i)
#pragma GCC unroll 4
    for (int v = 0; v < NVEC; ++v) {
      float* p = c + i * ldc + 8 * v;
      __m256 r = _mm256_mul_ps(acc[i][v], va);
      if (FULL || v + 1 < NVEC) {
        if (!bz) r = _mm256_fmadd_ps(vb, _mm256_loadu_ps(p), r);
        _mm256_storeu_ps(p, r);
      } else {
        alignas(32) float tmp[8];
        _mm256_store_ps(tmp, r);
        const int64_t nl = n - 8 * (NVEC - 1);
        if (bz)
          for (int64_t j = 0; j < nl; ++j) p[j] = tmp[j];
        else
          for (int64_t j = 0; j < nl; ++j) p[j] = tmp[j] + beta * p[j];
      }
    }
}

using UK = void (*)(int64_t, const float*, const float*, float*, int64_t, int64_t, float, float);

template <int ROWS, int... V>
constexpr void fill_row(UK* t, std::integer_sequence<int, V...>) {
  ((t[V] = &ukernel<ROWS, V + 1, false>), ...);
}
template <int... Rw>
constexpr void fill_all(UK (*t)[NV], std::integer_sequence<int, Rw...>) {
  (fill_row<Rw + 1>(t[Rw], std::make_integer_sequence<int, NV>{}), ...);
}
struct EdgeTable {
  UK t[MR][NV];
  EdgeTable() { fill_all(t, std::make_integer_sequence<int, MR>{}); }
};
const EdgeTable& edge_table() {
  static const EdgeTable e;
  return e;
}

void kernel(int64_t k, const float* a, const float* b, float* c, int64_t ldc, int64_t m, int64_t n,
            float alpha, float beta) {
  if (m == MR && n == NR) {
    ukernel<MR, NV, true>(k, a, b, c, ldc, n, alpha, beta);
    return;
  }
  edge_table().t[m - 1][(n + 7) / 8 - 1](k, a, b, c, ldc, n, alpha, beta);
}

void pack_a(int64_t rows, int64_t k, const float* src, int64_t rs, int64_t ks, float* dst) {
  pack_block<MR>(rows, k, src, rs, ks, dst);
}
void pack_b(int64_t rows, int64_t k, const float* src, int64_t rs, int64_t ks, float* dst) {
  pack_block<NR>(rows, k, src, rs, ks, dst);
}

MYELIN_T256 void gemv_axpy(int64_t K, int64_t n, const float* x, const float* B, int64_t ldb, float* y) {
  constexpr int V = 8;  // 64 columns per block in registers
  int64_t j = 0;
  for (; j + 8 * V <= n; j += 8 * V) {
    __m256 acc[V];
#pragma GCC unroll 8
    for (int v = 0; v < V; ++v) acc[v] = _mm256_setzero_ps();
    const float* b = B + j;
    for (int64_t k = 0; k < K; ++k, b += ldb) {
      const __m256 xv = _mm256_broadcast_ss(x + k);
#pragma GCC unroll 8
      for (int v = 0; v < V; ++v) acc[v] = _mm256_fmadd_ps(xv, _mm256_loadu_ps(b + 8 * v), acc[v]);
    }
#pragma GCC unroll 8
    for (int v = 0; v < V; ++v) _mm256_storeu_ps(y + j + 8 * v, acc[v]);
  }
  for (; j + 8 <= n; j += 8) {
    __m256 acc = _mm256_setzero_ps();
    const float* b = B + j;
    for (int64_t k = 0; k < K; ++k, b += ldb) acc = _mm256_fmadd_ps(_mm256_broadcast_ss(x + k), _mm256_loadu_ps(b), acc);
    _mm256_storeu_ps(y + j, acc);
  }
  for (; j < n; ++j) {
    float acc = 0.0f;
    const float* b = B + j;
    for (int64_t k = 0; k < K; ++k, b += ldb) acc += x[k] * b[0];
    y[j] = acc;
  }
}

MYELIN_T256 inline float hsum256(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

MYELIN_T256 void gemv_dot(int64_t K, int64_t n, const float* x, const float* B, int64_t ldb, float* y) {
  const int64_t k8 = K & ~(int64_t)7;
  int64_t j = 0;
  for (; j + 4 <= n; j += 4) {
    const float* b0 = B + j * ldb;
    const float* b1 = b0 + ldb;
    const float* b2 = b1 + ldb;
    const float* b3 = b2 + ldb;
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps(),
           a3 = _mm256_setzero_ps();
    for (int64_t k = 0; k < k8; k += 8) {
      const __m256 xv = _mm256_loadu_ps(x + k);
      a0 = _mm256_fmadd_ps(xv, _mm256_loadu_ps(b0 + k), a0);
      a1 = _mm256_fmadd_ps(xv, _mm256_loadu_ps(b1 + k), a1);
      a2 = _mm256_fmadd_ps(xv, _mm256_loadu_ps(b2 + k), a2);
      a3 = _mm256_fmadd_ps(xv, _mm256_loadu_ps(b3 + k), a3);
    }
    float s0 = hsum256(a0), s1 = hsum256(a1), s2 = hsum256(a2), s3 = hsum256(a3);
    for (int64_t k = k8; k < K; ++k) {
      s0 += x[k] * b0[k];
      s1 += x[k] * b1[k];
      s2 += x[k] * b2[k];
      s3 += x[k] * b3[k];
    }
    y[j] = s0;
    y[j + 1] = s1;
    y[j + 2] = s2;
    y[j + 3] = s3;
  }
  for (; j < n; ++j) {
    const float* b0 = B + j * ldb;
    __m256 a0 = _mm256_setzero_ps();
    for (int64_t k = 0; k < k8; k += 8) a0 = _mm256_fmadd_ps(_mm256_loadu_ps(x + k), _mm256_loadu_ps(b0 + k), a0);
    float s0 = hsum256(a0);
    for (int64_t k = k8; k < K; ++k) s0 += x[k] * b0[k];
    y[j] = s0;
  }
}

const KernelSet kSet = {"avx2", MR, NR,
                        /*mc=*/MR * 512, /*kc=*/256, /*nc=*/NR * 192,
                        /*mc_item=*/MR * 24, /*nc_item=*/NR * 16,
                        pack_a, pack_b, kernel, gemv_axpy, gemv_dot};

}  // namespace

const KernelSet* kernels_avx2() { return &kSet; }

}  // namespace gemm_detail
}  // namespace myelin

#else

namespace myelin {
namespace gemm_detail {
const KernelSet* kernels_avx2() { return nullptr; }
}  // namespace gemm_detail
}  // namespace myelin

#endif
