// simd::avx512::Simd<float, 16>: one zmm register (AVX-512 F/VL/DQ/BW + FMA), with masked
// partial loads and stores. Every function carries the target attribute MYELIN_TARGET_AVX512,
// so the including file is compiled WITHOUT -mavx512f and runs this code only after
// cpu_features() reported avx512f+vl+dq+bw+fma.
#pragma once

#include "simd.h"

#if MYELIN_SIMD_X86

#include <immintrin.h>

#if defined(__GNUC__) && !defined(__clang__)
// GCC 12 warns about the _mm512_undefined_ps() inside its own intrinsics.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#define MYELIN_TARGET_AVX512 __attribute__((target("avx512f,avx512vl,avx512dq,avx512bw,avx2,fma")))

namespace myelin {
namespace simd {
namespace avx512 {

#define MYELIN_F MYELIN_SIMD_INLINE MYELIN_TARGET_AVX512

// Transposes 8 source rows x 16 k (one zmm per row, k contiguous) into 16 packed k-rows of 8
// floats: lower 256 bits of r[j] = k-row j, upper 256 bits = k-row j + 8.
MYELIN_F void transpose8x16(__m512* r) {
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

template <class T, int N>
struct Simd;

template <>
struct Simd<float, 16> {
  static constexpr int size = 16;
  static constexpr bool masked = true;
  __m512 v;

  // The first n lanes (none for n <= 0, all for n >= 16).
  MYELIN_F static __mmask16 mask(int64_t n) {
    return n >= 16 ? (__mmask16)0xFFFF : n > 0 ? (__mmask16)((1u << n) - 1u) : (__mmask16)0;
  }

  MYELIN_F static Simd zero() { return {_mm512_setzero_ps()}; }
  MYELIN_F static Simd broadcast(float x) { return {_mm512_set1_ps(x)}; }
  MYELIN_F static Simd load(const float* p) { return {_mm512_loadu_ps(p)}; }
  MYELIN_F static Simd load_aligned(const float* p) { return {_mm512_load_ps(p)}; }
  MYELIN_F static Simd load(const float* p, int64_t n) { return {_mm512_maskz_loadu_ps(mask(n), p)}; }
  MYELIN_F void store(float* p) const { _mm512_storeu_ps(p, v); }
  MYELIN_F void store(float* p, int64_t n) const { _mm512_mask_storeu_ps(p, mask(n), v); }
  MYELIN_F static void prefetch(const void* p) { _mm_prefetch((const char*)p, _MM_HINT_T0); }

  MYELIN_F friend Simd fma(Simd a, Simd b, Simd c) { return {_mm512_fmadd_ps(a.v, b.v, c.v)}; }
  MYELIN_F friend Simd operator*(Simd a, Simd b) { return {_mm512_mul_ps(a.v, b.v)}; }
  MYELIN_F friend float sum(Simd a) { return _mm512_reduce_add_ps(a.v); }

  template <int G>
  MYELIN_F static void transpose_rows(const float* src, int64_t rs, int valid, float* dst, int64_t ds) {
    __m512 r[8];
#pragma GCC unroll 8
    for (int i = 0; i < 8; ++i)
      r[i] = (i < G && i < valid) ? _mm512_loadu_ps(src + i * rs) : _mm512_setzero_ps();
    transpose8x16(r);
    const __mmask8 sm = (__mmask8)((1u << G) - 1u);
#pragma GCC unroll 8
    for (int j = 0; j < 8; ++j) {
      float* d0 = dst + j * ds;
      float* d1 = dst + (j + 8) * ds;
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
};

#undef MYELIN_F

}  // namespace avx512
}  // namespace simd
}  // namespace myelin

#endif  // MYELIN_SIMD_X86
