// AVX-512 (F/VL/DQ/BW + FMA) packing routines and micro-kernel.
//
// Every function that uses AVX-512 carries a target attribute, so this file is
// compiled WITHOUT -mavx512f; it is only called after cpu_features() reported
// avx512f+vl+dq+bw+fma (see gemm.cc dispatch).
#include "gemm_kernels.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))

#include <immintrin.h>

#include <cstring>
#include <utility>

#define MYELIN_T512 __attribute__((target("avx512f,avx512vl,avx512dq,avx512bw,avx2,fma")))

namespace myelin {
namespace gemm_detail {
namespace {

#ifndef MYELIN_AVX512_MR
#define MYELIN_AVX512_MR 12
#endif
#ifndef MYELIN_AVX512_NV
#define MYELIN_AVX512_NV 2
#endif
constexpr int MR = MYELIN_AVX512_MR;  // rows of C per tile (broadcast operand)
constexpr int NV = MYELIN_AVX512_NV;  // zmm vectors per row of the tile
constexpr int NR = 16 * NV;           // columns of C per tile

// ---------------------------------------------------------------- packing

MYELIN_T512 inline void transpose8x8(__m256& r0, __m256& r1, __m256& r2, __m256& r3, __m256& r4,
                                     __m256& r5, __m256& r6, __m256& r7) {
  __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
  __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
  __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
  __m256 t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
  __m256 s0 = _mm256_shuffle_ps(t0, t2, 0x44), s1 = _mm256_shuffle_ps(t0, t2, 0xEE);
  __m256 s2 = _mm256_shuffle_ps(t1, t3, 0x44), s3 = _mm256_shuffle_ps(t1, t3, 0xEE);
  __m256 s4 = _mm256_shuffle_ps(t4, t6, 0x44), s5 = _mm256_shuffle_ps(t4, t6, 0xEE);
  __m256 s6 = _mm256_shuffle_ps(t5, t7, 0x44), s7 = _mm256_shuffle_ps(t5, t7, 0xEE);
  r0 = _mm256_permute2f128_ps(s0, s4, 0x20);
  r1 = _mm256_permute2f128_ps(s1, s5, 0x20);
  r2 = _mm256_permute2f128_ps(s2, s6, 0x20);
  r3 = _mm256_permute2f128_ps(s3, s7, 0x20);
  r4 = _mm256_permute2f128_ps(s0, s4, 0x31);
  r5 = _mm256_permute2f128_ps(s1, s5, 0x31);
  r6 = _mm256_permute2f128_ps(s2, s6, 0x31);
  r7 = _mm256_permute2f128_ps(s3, s7, 0x31);
}

// Transposes a group of G (1..8) source rows (k contiguous) into dst columns
// [r0, r0+G) of every packed k-row (stride R). Full 8-wide k blocks only;
// returns the number of k handled.
template <int R, int G>
MYELIN_T512 inline int64_t transpose_group(int64_t k, const float* src, int64_t rs, float* dst) {
  const __mmask8 m = (__mmask8)((1u << G) - 1u);
  int64_t kk = 0;
  for (; kk + 8 <= k; kk += 8) {
    __m256 r[8];
#pragma GCC unroll 8
    for (int i = 0; i < 8; ++i) r[i] = i < G ? _mm256_loadu_ps(src + i * rs + kk) : _mm256_setzero_ps();
    transpose8x8(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]);
#pragma GCC unroll 8
    for (int j = 0; j < 8; ++j) {
      if (G == 8)
        _mm256_storeu_ps(dst + (kk + j) * R, r[j]);
      else
        _mm256_mask_storeu_ps(dst + (kk + j) * R, m, r[j]);
    }
  }
  return kk;
}

template <int R, int G0>
MYELIN_T512 inline void transpose_groups(int64_t k, const float* src, int64_t rs, float* dst, int64_t* done) {
  if constexpr (G0 < R) {
    constexpr int G = (R - G0) >= 8 ? 8 : (R - G0);
    *done = transpose_group<R, G>(k, src + G0 * rs, rs, dst + G0);
    transpose_groups<R, G0 + G>(k, src, rs, dst, done);
  }
}

template <int R>
MYELIN_T512 void pack_panel(int64_t rows, int64_t k, const float* src, int64_t rs, int64_t ks, float* dst) {
  if (rows == R && ks == 1) {
    // op(X)(r, kk) = src[r*rs + kk]: rows contiguous in k -> transpose.
    int64_t done = 0;
    transpose_groups<R, 0>(k, src, rs, dst, &done);
    for (int64_t kk = done; kk < k; ++kk)
      for (int r = 0; r < R; ++r) dst[kk * R + r] = src[r * rs + kk];
    return;
  }
  if (rs == 1) {
    // Each packed k-row is a contiguous run of `rows` source floats.
    constexpr int V = (R + 15) / 16;
    __mmask16 lm[V], sm[V];
    for (int v = 0; v < V; ++v) {
      int64_t nv = rows - 16 * v;
      lm[v] = nv >= 16 ? (__mmask16)0xFFFF : nv > 0 ? (__mmask16)((1u << nv) - 1u) : (__mmask16)0;
      int sv = R - 16 * v;
      sm[v] = sv >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << sv) - 1u);
    }
    for (int64_t kk = 0; kk < k; ++kk) {
      const float* s = src + kk * ks;
      float* d = dst + kk * R;
#pragma GCC unroll 4
      for (int v = 0; v < V; ++v) {
        __m512 x = _mm512_maskz_loadu_ps(lm[v], s + 16 * v);
        if ((R % 16) == 0 || v + 1 < V)
          _mm512_storeu_ps(d + 16 * v, x);
        else
          _mm512_mask_storeu_ps(d + 16 * v, sm[v], x);
      }
    }
    return;
  }
  // General strides or a partial transposed panel.
  for (int64_t kk = 0; kk < k; ++kk) {
    float* d = dst + kk * R;
    const float* s = src + kk * ks;
    int64_t r = 0;
    for (; r < rows; ++r) d[r] = s[r * rs];
    for (; r < R; ++r) d[r] = 0.0f;
  }
}

// ---------------------------------------------------------------- kernel

template <int ROWS, int NVEC, bool FULL>
MYELIN_T512 __attribute__((noinline)) void ukernel(int64_t k, const float* __restrict a,
                                                    const float* __restrict b, float* c, int64_t ldc,
                                                    int64_t n, float alpha, float beta) {
  __m512 acc[ROWS][NVEC];
#pragma GCC unroll 32
  for (int i = 0; i < ROWS; ++i)
#pragma GCC unroll 4
    for (int v = 0; v < NVEC; ++v) acc[i][v] = _mm512_setzero_ps();

#pragma GCC unroll 32
  for (int i = 0; i < ROWS; ++i) {
    _mm_prefetch((const char*)(c + i * ldc), _MM_HINT_T0);
    _mm_prefetch((const char*)(c + i * ldc + NVEC * 16 - 1), _MM_HINT_T0);
  }

#pragma GCC unroll 4
  for (int64_t p = 0; p < k; ++p) {
    __m512 bv[NVEC];
#pragma GCC unroll 4
    for (int v = 0; v < NVEC; ++v) bv[v] = _mm512_load_ps(b + 16 * v);
#pragma GCC unroll 32
    for (int i = 0; i < ROWS; ++i) {
      __m512 av = _mm512_set1_ps(a[i]);
#pragma GCC unroll 4
      for (int v = 0; v < NVEC; ++v) acc[i][v] = _mm512_fmadd_ps(av, bv[v], acc[i][v]);
    }
    a += MR;
    b += NR;
  }

  const __m512 va = _mm512_set1_ps(alpha);
  const __m512 vb = _mm512_set1_ps(beta);
  const int64_t nl = n - 16 * (NVEC - 1);  // columns in the last vector (1..16)
  const __mmask16 ml = FULL ? (__mmask16)0xFFFF : (__mmask16)(nl >= 16 ? 0xFFFF : (1u << nl) - 1u);
  if (beta == 0.0f) {
#pragma GCC unroll 32
    for (int i = 0; i < ROWS; ++i)
#pragma GCC unroll 4
      for (int v = 0; v < NVEC; ++v) {
        float* p = c + i * ldc + 16 * v;
        __m512 r = _mm512_mul_ps(acc[i][v], va);
        if (FULL || v + 1 < NVEC)
          _mm512_storeu_ps(p, r);
        else
          _mm512_mask_storeu_ps(p, ml, r);
      }
  } else {
#pragma GCC unroll 32
    for (int i = 0; i < ROWS; ++i)
#pragma GCC unroll 4
      for (int v = 0; v < NVEC; ++v) {
        float* p = c + i * ldc + 16 * v;
        if (FULL || v + 1 < NVEC) {
          __m512 r = _mm512_fmadd_ps(vb, _mm512_loadu_ps(p), _mm512_mul_ps(acc[i][v], va));
          _mm512_storeu_ps(p, r);
        } else {
          __m512 r = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(ml, p), _mm512_mul_ps(acc[i][v], va));
          _mm512_mask_storeu_ps(p, ml, r);
        }
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
  edge_table().t[m - 1][(n + 15) / 16 - 1](k, a, b, c, ldc, n, alpha, beta);
}

void pack_a(int64_t rows, int64_t k, const float* src, int64_t rs, int64_t ks, float* dst) {
  pack_panel<MR>(rows, k, src, rs, ks, dst);
}
void pack_b(int64_t rows, int64_t k, const float* src, int64_t rs, int64_t ks, float* dst) {
  pack_panel<NR>(rows, k, src, rs, ks, dst);
}

#ifndef MYELIN_AVX512_MC
#define MYELIN_AVX512_MC (MR * 16)
#endif
#ifndef MYELIN_AVX512_KC
#define MYELIN_AVX512_KC 256
#endif
#ifndef MYELIN_AVX512_NC
#define MYELIN_AVX512_NC (NR * 64)
#endif

const KernelSet kSet = {"avx512", MR, NR, MYELIN_AVX512_MC, MYELIN_AVX512_KC, MYELIN_AVX512_NC,
                        pack_a, pack_b, kernel};

}  // namespace

const KernelSet* kernels_avx512() { return &kSet; }

}  // namespace gemm_detail
}  // namespace myelin

#else  // not x86-64 GCC/Clang

namespace myelin {
namespace gemm_detail {
const KernelSet* kernels_avx512() { return nullptr; }
}  // namespace gemm_detail
}  // namespace myelin

#endif
