// simd::avx2::Simd<float, 8>: one ymm register (AVX2 + FMA). Every function carries the target
// attribute MYELIN_TARGET_AVX2, so the including file is compiled WITHOUT -mavx2 and runs this
// code only after cpu_features() reported avx2 + fma.
#pragma once

#include "simd.h"

#if MYELIN_SIMD_X86

#include <immintrin.h>

#define MYELIN_TARGET_AVX2 __attribute__((target("avx2,fma")))

namespace myelin {
namespace simd {
namespace avx2 {

#define MYELIN_F MYELIN_SIMD_INLINE MYELIN_TARGET_AVX2

MYELIN_F void transpose8x8(__m256* r) {
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
MYELIN_F void store_first(float* d, __m256 v) {
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

template <class T, int N>
struct Simd;

template <>
struct Simd<float, 8> {
  static constexpr int size = 8;
  // Masked stores (vmaskmovps) are slow on some cores: partial loads and stores go through a
  // buffer, and the GEMV's tails are scalar loops.
  static constexpr bool masked = false;
  __m256 v;

  MYELIN_F static Simd zero() { return {_mm256_setzero_ps()}; }
  MYELIN_F static Simd broadcast(float x) { return {_mm256_set1_ps(x)}; }
  MYELIN_F static Simd load(const float* p) { return {_mm256_loadu_ps(p)}; }
  MYELIN_F static Simd load_aligned(const float* p) { return {_mm256_load_ps(p)}; }
  MYELIN_F static Simd load(const float* p, int64_t n) {
    alignas(32) float t[8] = {};
    for (int64_t i = 0; i < n; ++i) t[i] = p[i];
    return load_aligned(t);
  }
  MYELIN_F void store(float* p) const { _mm256_storeu_ps(p, v); }
  MYELIN_F void store(float* p, int64_t n) const {
    alignas(32) float t[8];
    _mm256_store_ps(t, v);
    for (int64_t i = 0; i < n; ++i) p[i] = t[i];
  }
  MYELIN_F static void prefetch(const void* p) { _mm_prefetch((const char*)p, _MM_HINT_T0); }

  MYELIN_F friend Simd fma(Simd a, Simd b, Simd c) { return {_mm256_fmadd_ps(a.v, b.v, c.v)}; }
  MYELIN_F friend Simd operator*(Simd a, Simd b) { return {_mm256_mul_ps(a.v, b.v)}; }
  // (lo + hi) of the 128-bit halves, then (x0 + x2) + (x1 + x3).
  MYELIN_F friend float sum(Simd a) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(a.v), _mm256_extractf128_ps(a.v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
  }

  template <int G>
  MYELIN_F static void transpose_rows(const float* src, int64_t rs, int valid, float* dst, int64_t ds) {
    __m256 r[8];
#pragma GCC unroll 8
    for (int i = 0; i < 8; ++i)
      r[i] = (i < G && i < valid) ? _mm256_loadu_ps(src + i * rs) : _mm256_setzero_ps();
    transpose8x8(r);
#pragma GCC unroll 8
    for (int j = 0; j < 8; ++j) store_first<G>(dst + j * ds, r[j]);
  }
};

#undef MYELIN_F

}  // namespace avx2
}  // namespace simd
}  // namespace myelin

#endif  // MYELIN_SIMD_X86
