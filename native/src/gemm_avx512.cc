// AVX-512 (F/VL/DQ/BW + FMA) packing routines and micro-kernel.
//
// Every function that uses AVX-512 carries a target attribute, so this file is
// compiled WITHOUT -mavx512f; it is only called after cpu_features() reported
// avx512f+vl+dq+bw+fma (see gemm.cc dispatch).
#include "gemm_kernels.h"

#if MYELIN_X86_KERNELS

#include <immintrin.h>

#include <cstring>
#include <utility>

#if defined(__GNUC__) && !defined(__clang__)
// GCC 12 warns about the _mm512_undefined_ps() inside its own intrinsics.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

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

// Transposes 8 source rows x 16 k (one zmm per row, k contiguous) into 16
// packed k-rows of 8 floats: lower 256 bits of out[j] = k-row j, upper 256
// bits = k-row j + 8. Rows i >= valid are treated as zero.
MYELIN_T512 inline void transpose8x16(__m512* r) {
  __m512 t0 = _mm512_unpacklo_ps(r[0], r[1]), t1 = _mm512_unpackhi_ps(r[0], r[1]);
  __m512 t2 = _mm512_unpacklo_ps(r[2], r[3]), t3 = _mm512_unpackhi_ps(r[2], r[3]);
  __m512 t4 = _mm512_unpacklo_ps(r[4], r[5]), t5 = _mm512_unpackhi_ps(r[4], r[5]);
  __m512 t6 = _mm512_unpacklo_ps(r[6], r[7]), t7 = _mm512_unpackhi_ps(r[6], r[7]);
  __m512 s0 = _mm512_shuffle_ps(t0, t2, 0x44), s1 = _mm512_shuffle_ps(t0, t2, 0xEE);
  __m512 s2 = _mm512_shuffle_ps(t1, t3, 0x44), s3 = _mm512_shuffle_ps(t1, t3, 0xEE);
  __m512 s4 = _mm512_shuffle_ps(t4, t6, 0x44), s5 = _mm512_shuffle_ps(t4, t6, 0xEE);
  __m512 s6 = _mm512_shuffle_ps(t5, t7, 0x44), s7 = _mm512_shuffle_ps(t5, t7, 0xEE);
  // 128-bit lanes: x = [x0 x1 x2 x3] (x0,x1: k 0..7, x2,x3: k 8..15).
  // lo-pick: [a0 b0 a2 b2], hi-pick: [a1 b1 a3 b3].
  const __m512i lo = _mm512_set_epi32(27, 26, 25, 24, 11, 10, 9, 8, 19, 18, 17, 16, 3, 2, 1, 0);
  const __m512i hi = _mm512_set_epi32(31, 30, 29, 28, 15, 14, 13, 12, 23, 22, 21, 20, 7, 6, 5, 4);
  r[0] = _mm512_permutex2var_ps(s0, lo, s4);
  r[1] = _mm512_permutex2var_ps(s1, lo, s5);
  r[2] = _mm512_permutex2var_ps(s2, lo, s6);
  r[3] = _mm512_permutex2var_ps(s3, lo, s7);
  r[4] = _mm512_permutex2var_ps(s0, hi, s4);
  r[5] = _mm512_permutex2var_ps(s1, hi, s5);
  r[6] = _mm512_permutex2var_ps(s2, hi, s6);
  r[7] = _mm512_permutex2var_ps(s3, hi, s7);
}

// One group of G (1..8, compile time) rows of a panel, of which `valid`
// (0..G, run time) exist in the source; writes columns [0, G) of every packed
// k-row (stride R) for k in [0, k16) (multiple of 16).
template <int R, int G>
MYELIN_T512 inline void transpose_group(int64_t k16, const float* src, int64_t rs, int valid, float* dst) {
  const __mmask8 sm = (__mmask8)((1u << G) - 1u);
  for (int64_t kk = 0; kk < k16; kk += 16) {
    __m512 r[8];
#pragma GCC unroll 8
    for (int i = 0; i < 8; ++i)
      r[i] = (i < G && i < valid) ? _mm512_loadu_ps(src + i * rs + kk) : _mm512_setzero_ps();
    transpose8x16(r);
#pragma GCC unroll 8
    for (int j = 0; j < 8; ++j) {
      float* d0 = dst + (kk + j) * R;
      float* d1 = dst + (kk + j + 8) * R;
      const __m256 lo = _mm512_castps512_ps256(r[j]);
      const __m256 hi = _mm512_extractf32x8_ps(r[j], 1);
      if (G == 8) {
        _mm256_storeu_ps(d0, lo);
        _mm256_storeu_ps(d1, hi);
      } else {
        _mm256_mask_storeu_ps(d0, sm, lo);
        _mm256_mask_storeu_ps(d1, sm, hi);
      }
    }
  }
}

template <int R, int G0>
MYELIN_T512 inline void transpose_panel(int64_t k16, const float* src, int64_t rs, int valid, float* dst) {
  if constexpr (G0 < R) {
    constexpr int G = (R - G0) >= 8 ? 8 : (R - G0);
    int v = valid - G0;
    v = v < 0 ? 0 : (v > G ? G : v);
    transpose_group<R, G>(k16, src + G0 * rs, rs, v, dst + G0);
    transpose_panel<R, G0 + G>(k16, src, rs, valid, dst);
  }
}

template <int R>
MYELIN_T512 void pack_block(int64_t rows, int64_t k, const float* src, int64_t rs, int64_t ks, float* dst) {
  const int64_t npanels = (rows + R - 1) / R;
  if (ks == 1) {
    // op(X)(r, kk) = src[r*rs + kk]: each source row is contiguous in k -> transpose.
    const int64_t k16 = k & ~(int64_t)15;
    for (int64_t p = 0; p < npanels; ++p) {
      const float* s = src + p * R * rs;
      float* d = dst + p * R * k;
      const int valid = (int)(rows - p * R < R ? rows - p * R : R);
      if (k16) transpose_panel<R, 0>(k16, s, rs, valid, d);
      for (int64_t kk = k16; kk < k; ++kk) {
        int r = 0;
        for (; r < valid; ++r) d[kk * R + r] = s[r * rs + kk];
        for (; r < R; ++r) d[kk * R + r] = 0.0f;
      }
    }
    return;
  }
  if (rs == 1) {
    // Each packed k-row of a panel is a contiguous run of source floats.
    // Panels are processed in groups covering >= 256 contiguous source bytes
    // per k (whole cache lines), k by k: sequential reads, G write streams.
    constexpr int V = (R + 15) / 16;
    constexpr int G = R >= 64 ? 1 : (64 + R - 1) / R;
    const int64_t last_rows = rows - (npanels - 1) * R;
    __mmask16 lm[V], sm[V];
    for (int v = 0; v < V; ++v) {
      const int64_t nv = last_rows - 16 * v;
      lm[v] = nv >= 16 ? (__mmask16)0xFFFF : nv > 0 ? (__mmask16)((1u << nv) - 1u) : (__mmask16)0;
      const int sv = R - 16 * v;
      sm[v] = sv >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << sv) - 1u);
    }
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
#pragma GCC unroll 4
          for (int v = 0; v < V; ++v) {
            if ((R % 16) == 0 || v + 1 < V)
              _mm512_storeu_ps(d + 16 * v, _mm512_loadu_ps(s + 16 * v));
            else
              _mm512_mask_storeu_ps(d + 16 * v, sm[v], _mm512_maskz_loadu_ps(sm[v], s + 16 * v));
          }
          s += R;
          d += R * k;
        }
        if (has_last) {
#pragma GCC unroll 4
          for (int v = 0; v < V; ++v) {
            const __m512 x = _mm512_maskz_loadu_ps(lm[v], s + 16 * v);
            if ((R % 16) == 0 || v + 1 < V)
              _mm512_storeu_ps(d + 16 * v, x);
            else
              _mm512_mask_storeu_ps(d + 16 * v, sm[v], x);
          }
        }
      }
    }
    return;
  }
  // General strides.
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
  pack_block<MR>(rows, k, src, rs, ks, dst);
}
void pack_b(int64_t rows, int64_t k, const float* src, int64_t rs, int64_t ks, float* dst) {
  pack_block<NR>(rows, k, src, rs, ks, dst);
}

// ---------------------------------------------------------------- gemv

MYELIN_T512 void gemv_axpy(int64_t K, int64_t n, const float* x, const float* B, int64_t ldb, float* y) {
  constexpr int V = 8;  // 128 columns per block in registers
  int64_t j = 0;
  for (; j + 16 * V <= n; j += 16 * V) {
    __m512 acc[V];
#pragma GCC unroll 8
    for (int v = 0; v < V; ++v) acc[v] = _mm512_setzero_ps();
    const float* b = B + j;
    for (int64_t k = 0; k < K; ++k, b += ldb) {
      const __m512 xv = _mm512_set1_ps(x[k]);
#pragma GCC unroll 8
      for (int v = 0; v < V; ++v) acc[v] = _mm512_fmadd_ps(xv, _mm512_loadu_ps(b + 16 * v), acc[v]);
    }
#pragma GCC unroll 8
    for (int v = 0; v < V; ++v) _mm512_storeu_ps(y + j + 16 * v, acc[v]);
  }
  for (; j < n; j += 16) {
    const int64_t w = n - j < 16 ? n - j : 16;
    const __mmask16 m = (__mmask16)(w >= 16 ? 0xFFFF : (1u << w) - 1u);
    __m512 acc = _mm512_setzero_ps();
    const float* b = B + j;
    for (int64_t k = 0; k < K; ++k, b += ldb)
      acc = _mm512_fmadd_ps(_mm512_set1_ps(x[k]), _mm512_maskz_loadu_ps(m, b), acc);
    _mm512_mask_storeu_ps(y + j, m, acc);
  }
}

MYELIN_T512 void gemv_dot(int64_t K, int64_t n, const float* x, const float* B, int64_t ldb, float* y) {
  const int64_t k16 = K & ~(int64_t)15;
  const __mmask16 mt = (__mmask16)((1u << (K - k16)) - 1u);
  int64_t j = 0;
  for (; j + 4 <= n; j += 4) {
    const float* b0 = B + j * ldb;
    const float* b1 = b0 + ldb;
    const float* b2 = b1 + ldb;
    const float* b3 = b2 + ldb;
    __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps(), a2 = _mm512_setzero_ps(),
           a3 = _mm512_setzero_ps();
    int64_t k = 0;
    for (; k < k16; k += 16) {
      const __m512 xv = _mm512_loadu_ps(x + k);
      a0 = _mm512_fmadd_ps(xv, _mm512_loadu_ps(b0 + k), a0);
      a1 = _mm512_fmadd_ps(xv, _mm512_loadu_ps(b1 + k), a1);
      a2 = _mm512_fmadd_ps(xv, _mm512_loadu_ps(b2 + k), a2);
      a3 = _mm512_fmadd_ps(xv, _mm512_loadu_ps(b3 + k), a3);
    }
    if (mt) {
      const __m512 xv = _mm512_maskz_loadu_ps(mt, x + k);
      a0 = _mm512_fmadd_ps(xv, _mm512_maskz_loadu_ps(mt, b0 + k), a0);
      a1 = _mm512_fmadd_ps(xv, _mm512_maskz_loadu_ps(mt, b1 + k), a1);
      a2 = _mm512_fmadd_ps(xv, _mm512_maskz_loadu_ps(mt, b2 + k), a2);
      a3 = _mm512_fmadd_ps(xv, _mm512_maskz_loadu_ps(mt, b3 + k), a3);
    }
    y[j + 0] = _mm512_reduce_add_ps(a0);
    y[j + 1] = _mm512_reduce_add_ps(a1);
    y[j + 2] = _mm512_reduce_add_ps(a2);
    y[j + 3] = _mm512_reduce_add_ps(a3);
  }
  for (; j < n; ++j) {
    const float* b0 = B + j * ldb;
    __m512 a0 = _mm512_setzero_ps();
    int64_t k = 0;
    for (; k < k16; k += 16) a0 = _mm512_fmadd_ps(_mm512_loadu_ps(x + k), _mm512_loadu_ps(b0 + k), a0);
    if (mt) a0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mt, x + k), _mm512_maskz_loadu_ps(mt, b0 + k), a0);
    y[j] = _mm512_reduce_add_ps(a0);
  }
}

// Blocking for Zen 4/5-class cores (48 KB L1d, 1 MB L2 per core).
const KernelSet kSet = {"avx512", MR, NR,
                        /*mc=*/MR * 256, /*kc=*/384, /*nc=*/NR * 96,
                        /*mc_item=*/MR * 16, /*nc_item=*/NR * 6,
                        pack_a, pack_b, kernel, gemv_axpy, gemv_dot};

}  // namespace

const KernelSet* kernels_avx512() { return &kSet; }

}  // namespace gemm_detail
}  // namespace myelin

#else  // !MYELIN_X86_KERNELS

namespace myelin {
namespace gemm_detail {
const KernelSet* kernels_avx512() { return nullptr; }
}  // namespace gemm_detail
}  // namespace myelin

#endif
