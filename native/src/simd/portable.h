// simd::portable::Simd<float, N> (N a multiple of 4) for any architecture. No intrinsics, no
// target attributes: GCC/Clang vector types that the compiler maps onto the baseline ISA (SSE2
// on x86-64, NEON on arm64), plain arrays elsewhere. fma is written a * b + c, so the compiler
// fuses it where the ISA has FMA and -ffp-contract allows (arm64), and never on baseline x86-64.
#pragma once

#include <cstring>

#include "simd.h"

namespace myelin {
namespace simd {
namespace portable {

// Four lanes: a GCC/Clang vector (one SSE / NEON register), else a plain array with the same
// operators. A Simd of 8 lanes is two of them: 32-byte GCC vectors without AVX would live in
// memory, not in registers.
#if defined(__GNUC__) || defined(__clang__)
typedef float f32x4 __attribute__((vector_size(16)));
#else
struct f32x4 {
  float x[4];
  float& operator[](int i) { return x[i]; }
  float operator[](int i) const { return x[i]; }
  friend f32x4 operator*(const f32x4& a, const f32x4& b) {
    return {{a.x[0] * b.x[0], a.x[1] * b.x[1], a.x[2] * b.x[2], a.x[3] * b.x[3]}};
  }
  friend f32x4 operator+(const f32x4& a, const f32x4& b) {
    return {{a.x[0] + b.x[0], a.x[1] + b.x[1], a.x[2] + b.x[2], a.x[3] + b.x[3]}};
  }
};
#endif

template <class T, int N>
struct Simd;

template <int N>
struct Simd<float, N> {
  static_assert(N % 4 == 0, "whole 4-lane parts");
  static constexpr int size = N;
  static constexpr bool masked = false;
  static constexpr int P = N / 4;
  f32x4 q[P];

  MYELIN_SIMD_INLINE float lane(int i) const { return q[i / 4][i % 4]; }

  MYELIN_SIMD_INLINE static Simd broadcast(float x) {
    Simd r;
    for (int j = 0; j < P; ++j) r.q[j] = f32x4{x, x, x, x};
    return r;
  }
  MYELIN_SIMD_INLINE static Simd zero() { return broadcast(0.0f); }
  MYELIN_SIMD_INLINE static Simd load(const float* p) {
    Simd r;
    for (int j = 0; j < P; ++j) std::memcpy(&r.q[j], p + 4 * j, sizeof(f32x4));
    return r;
  }
  MYELIN_SIMD_INLINE static Simd load_aligned(const float* p) { return load(p); }
  MYELIN_SIMD_INLINE static Simd load(const float* p, int64_t n) {
    float t[N] = {};
    for (int64_t i = 0; i < n && i < N; ++i) t[i] = p[i];
    return load(t);
  }
  MYELIN_SIMD_INLINE void store(float* p) const {
    for (int j = 0; j < P; ++j) std::memcpy(p + 4 * j, &q[j], sizeof(f32x4));
  }
  MYELIN_SIMD_INLINE void store(float* p, int64_t n) const {
    for (int64_t i = 0; i < n && i < N; ++i) p[i] = lane((int)i);
  }
  MYELIN_SIMD_INLINE static void prefetch(const void*) {}

  MYELIN_SIMD_INLINE friend Simd fma(Simd a, Simd b, Simd c) {
    Simd r;
    for (int j = 0; j < P; ++j) r.q[j] = a.q[j] * b.q[j] + c.q[j];
    return r;
  }
  MYELIN_SIMD_INLINE friend Simd operator*(Simd a, Simd b) {
    Simd r;
    for (int j = 0; j < P; ++j) r.q[j] = a.q[j] * b.q[j];
    return r;
  }
  // Halves folded onto each other down to 4 lanes, then (x0 + x1) + (x2 + x3): for N = 8,
  // ((v0 + v4) + (v1 + v5)) + ((v2 + v6) + (v3 + v7)), the order this path has always used.
  MYELIN_SIMD_INLINE friend float sum(Simd a) {
    static_assert((N & (N - 1)) == 0, "sum needs a power-of-two width");
    for (int w = P / 2; w >= 1; w /= 2)
      for (int j = 0; j < w; ++j) a.q[j] = a.q[j] + a.q[j + w];
    return (a.q[0][0] + a.q[0][1]) + (a.q[0][2] + a.q[0][3]);
  }

  template <int G>
  MYELIN_SIMD_INLINE static void transpose_rows(const float* src, int64_t rs, int valid, float* dst,
                                                int64_t ds) {
    for (int i = 0; i < G; ++i)
      if (i < valid)
        for (int j = 0; j < N; ++j) dst[j * ds + i] = src[i * rs + j];
      else
        for (int j = 0; j < N; ++j) dst[j * ds + i] = 0.0f;
  }
};

}  // namespace portable
}  // namespace simd
}  // namespace myelin
