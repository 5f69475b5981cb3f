// The ISA-specific half of the GEMM (the KernelSet of gemm_kernels.h), written once against a
// SIMD type V (simd/simd.h): packing routines, the MR x NR register-tile micro-kernel
// (NR = NV vectors of V) and the matrix-vector products.
//
// Each gemm_<isa>.cc defines MYELIN_GEMM_TARGET (its ISA's target attribute; empty for the
// portable copy), includes this file and builds its KernelSet with kernel_set<V, MR, NV>().
// Everything here has internal linkage, so each ISA gets its own compiled copy and the build
// needs no -m flags.
//
// Results are part of the contract: every copy computes each element of C in a fixed order
// (k ascending, one fma per k into one lane), and where ISAs differ in how they finish a tail,
// V::masked says which way (a masked vector op, or the scalar loop these paths always had).
#pragma once

#ifndef MYELIN_GEMM_TARGET
#error "define MYELIN_GEMM_TARGET (the ISA's target attribute, or nothing) before including gemm_kernel.h"
#endif

#include <cstdint>
#include <utility>

#include "gemm_kernels.h"
#include "simd/simd.h"

namespace myelin {
namespace gemm_detail {
namespace {

#define MYELIN_GEMM_INLINE MYELIN_SIMD_INLINE MYELIN_GEMM_TARGET

// ---------------------------------------------------------------- packing
//
// Layout (see PackFn): dst[(r / R) * R * k + kk * R + r % R] = src[r * rs + kk * ks], the last
// panel zero padded.

// Rows [G0, R) of one panel whose source rows are contiguous in k, in groups of up to 8 rows
// (V::transpose_rows), for kk in [0, kw) (a multiple of V::size); rows >= valid are zeros.
template <class V, int R, int G0 = 0>
MYELIN_GEMM_INLINE void transpose_panel(int64_t kw, const float* src, int64_t rs, int valid, float* dst) {
  if constexpr (G0 < R) {
    constexpr int G = (R - G0) >= 8 ? 8 : (R - G0);
    int v = valid - G0;
    v = v < 0 ? 0 : (v > G ? G : v);
    for (int64_t kk = 0; kk < kw; kk += V::size)
      V::template transpose_rows<G>(src + G0 * rs + kk, rs, v, dst + kk * R + G0, R);
    transpose_panel<V, R, G0 + G>(kw, src, rs, valid, dst);
  }
}

// One packed k-row of a panel from contiguous source floats: n (<= R) of them, zeros up to R.
template <class V, int R>
MYELIN_GEMM_INLINE void copy_row(const float* s, int64_t n, float* d) {
  constexpr int W = V::size;
#pragma GCC unroll 4
  for (int v = 0; v < (R + W - 1) / W; ++v) {
    const int m = R - W * v < W ? R - W * v : W;  // lanes of this vector in the panel
    int64_t c = n - W * v;                        // ... of which come from the source
    c = c < 0 ? 0 : (c > m ? m : c);
    if (c == W) {
      V::load(s + W * v).store(d + W * v);
    } else if constexpr (V::masked) {
      V::load(s + W * v, c).store(d + W * v, m);
    } else {  // a few plain copies beat a round trip through V's buffer
      int64_t r = 0;
      for (; r < c; ++r) d[W * v + r] = s[W * v + r];
      for (; r < m; ++r) d[W * v + r] = 0.0f;
    }
  }
}

template <class V, int R>
MYELIN_GEMM_TARGET void pack_block(int64_t rows, int64_t k, const float* src, int64_t rs, int64_t ks,
                                   float* dst) {
  const int64_t npanels = (rows + R - 1) / R;
  if (ks == 1) {
    // op(X)(r, kk) = src[r*rs + kk]: each source row is contiguous in k -> transpose.
    const int64_t kw = k - k % V::size;
    for (int64_t p = 0; p < npanels; ++p) {
      const float* s = src + p * R * rs;
      float* d = dst + p * R * k;
      const int valid = (int)(rows - p * R < R ? rows - p * R : R);
      if (kw) {
        if (valid == R)
          transpose_panel<V, R>(kw, s, rs, R, d);  // a copy without the row checks
        else
          transpose_panel<V, R>(kw, s, rs, valid, d);
      }
      for (int64_t kk = kw; kk < k; ++kk) {
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
          copy_row<V, R>(s, R, d);
          s += R;
          d += R * k;
        }
        if (has_last) copy_row<V, R>(s, last_rows, d);
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

// ---------------------------------------------------------------- micro-kernel

// C[i*ldc + j] = alpha * sum_p a[p*MR + i] * b[p*NR + j] + beta * C[i*ldc + j] for i < ROWS and
// the first n columns (FULL: n = NVEC * V::size).
template <class V, int MR, int NR, int ROWS, int NVEC, bool FULL>
MYELIN_GEMM_TARGET MYELIN_NOINLINE void ukernel(int64_t k, const float* __restrict a, const float* __restrict b,
                                                float* c, int64_t ldc, int64_t n, float alpha, float beta) {
  constexpr int W = V::size;
  V acc[ROWS][NVEC];
#pragma GCC unroll 32
  for (int i = 0; i < ROWS; ++i)
#pragma GCC unroll 4
    for (int v = 0; v < NVEC; ++v) acc[i][v] = V::zero();

#pragma GCC unroll 32
  for (int i = 0; i < ROWS; ++i) {
    V::prefetch(c + i * ldc);
    V::prefetch(c + i * ldc + NVEC * W - 1);
  }

#pragma GCC unroll 4
  for (int64_t p = 0; p < k; ++p) {
    V bv[NVEC];
#pragma GCC unroll 4
    for (int v = 0; v < NVEC; ++v) bv[v] = V::load_aligned(b + W * v);
#pragma GCC unroll 32
    for (int i = 0; i < ROWS; ++i) {
      const V av = V::broadcast(a[i]);
#pragma GCC unroll 4
      for (int v = 0; v < NVEC; ++v) acc[i][v] = fma(av, bv[v], acc[i][v]);
    }
    a += MR;
    b += NR;
  }

  const V va = V::broadcast(alpha);
  const V vb = V::broadcast(beta);
  const bool bz = beta == 0.0f;           // C is not read
  const int64_t nl = n - W * (NVEC - 1);  // columns in the last vector (1..W)
#pragma GCC unroll 32
  for (int i = 0; i < ROWS; ++i)
#pragma GCC unroll 4
    for (int v = 0; v < NVEC; ++v) {
      float* p = c + i * ldc + W * v;
      V r = acc[i][v] * va;
      if (FULL || v + 1 < NVEC) {
        if (!bz) r = fma(vb, V::load(p), r);
        r.store(p);
      } else {
        // The same explicit fma on the first nl lanes: a scalar tmp[j] + beta * C[j] would leave
        // it to the compiler which product to fuse, and so the last bit of the result.
        if (!bz) r = fma(vb, V::load(p, nl), r);
        r.store(p, nl);
      }
    }
}

// Tiles of the full MR x NR shape run ukernel<..., MR, NV, true>; an edge tile (m < MR or
// n < NR) runs the instantiation for its rows and vectors, looked up in a table.
template <class V, int MR, int NV>
struct MicroKernel {
  static constexpr int W = V::size, NR = W * NV;
  using UK = void (*)(int64_t, const float*, const float*, float*, int64_t, int64_t, float, float);

  template <int ROWS, int... Vs>
  static constexpr void fill_row(UK* t, std::integer_sequence<int, Vs...>) {
    ((t[Vs] = &ukernel<V, MR, NR, ROWS, Vs + 1, false>), ...);
  }
  template <int... Rw>
  static constexpr void fill_all(UK (*t)[NV], std::integer_sequence<int, Rw...>) {
    (fill_row<Rw + 1>(t[Rw], std::make_integer_sequence<int, NV>{}), ...);
  }
  struct EdgeTable {
    UK t[MR][NV];
    EdgeTable() { fill_all(t, std::make_integer_sequence<int, MR>{}); }
  };
  static const EdgeTable& edge_table() {
    static const EdgeTable e;
    return e;
  }

  static void run(int64_t k, const float* a, const float* b, float* c, int64_t ldc, int64_t m, int64_t n,
                  float alpha, float beta) {
    if (m == MR && n == NR) {
      ukernel<V, MR, NR, MR, NV, true>(k, a, b, c, ldc, n, alpha, beta);
      return;
    }
    edge_table().t[m - 1][(n + W - 1) / W - 1](k, a, b, c, ldc, n, alpha, beta);
  }
};

// ---------------------------------------------------------------- gemv

// The matrix-vector products come in two loop orders, with the same sums (only speed differs):
//   Gemv::registers  gemv_axpy keeps blocks of 8 vectors of columns in registers while k runs,
//                    gemv_dot computes 4 dot products per pass over x (the x86 copies);
//   Gemv::streaming  gemv_axpy updates y row by row of B, gemv_dot computes one dot product at a
//                    time: B is read in its storage order, one stream at a time (the portable
//                    copy, whose narrow vectors gain little from registers and much from the
//                    prefetchers, e.g. on a power-of-two ldb).
enum class Gemv { registers, streaming };

// y[j] = sum_k x[k] * B[k*ldb + j], j < n (Gemv::registers).
template <class V>
MYELIN_GEMM_TARGET void gemv_axpy(int64_t K, int64_t n, const float* x, const float* B, int64_t ldb, float* y) {
  constexpr int W = V::size, U = 8;
  int64_t j = 0;
  for (; j + W * U <= n; j += W * U) {
    V acc[U];
#pragma GCC unroll 8
    for (int v = 0; v < U; ++v) acc[v] = V::zero();
    const float* b = B + j;
    for (int64_t k = 0; k < K; ++k, b += ldb) {
      const V xv = V::broadcast(x[k]);
#pragma GCC unroll 8
      for (int v = 0; v < U; ++v) acc[v] = fma(xv, V::load(b + W * v), acc[v]);
    }
#pragma GCC unroll 8
    for (int v = 0; v < U; ++v) acc[v].store(y + j + W * v);
  }
  for (; j + W <= n; j += W) {
    V acc = V::zero();
    const float* b = B + j;
    for (int64_t k = 0; k < K; ++k, b += ldb) acc = fma(V::broadcast(x[k]), V::load(b), acc);
    acc.store(y + j);
  }
  if (j == n) return;
  if constexpr (V::masked) {
    const int64_t w = n - j;
    V acc = V::zero();
    const float* b = B + j;
    for (int64_t k = 0; k < K; ++k, b += ldb) acc = fma(V::broadcast(x[k]), V::load(b, w), acc);
    acc.store(y + j, w);
  } else {
    for (; j < n; ++j) {
      float acc = 0.0f;
      const float* b = B + j;
      for (int64_t k = 0; k < K; ++k, b += ldb) acc += x[k] * b[0];
      y[j] = acc;
    }
  }
}

// The same (Gemv::streaming).
template <class V>
MYELIN_GEMM_TARGET void gemv_axpy_streaming(int64_t K, int64_t n, const float* x, const float* B, int64_t ldb,
                                       float* y) {
  constexpr int W = V::size;
  const int64_t nw = n - n % W;
  for (int64_t j = 0; j < n; ++j) y[j] = 0.0f;
  for (int64_t k = 0; k < K; ++k) {
    const V xv = V::broadcast(x[k]);
    const float* b = B + k * ldb;
    int64_t j = 0;
    for (; j < nw; j += W) fma(xv, V::load(b + j), V::load(y + j)).store(y + j);
    for (; j < n; ++j) y[j] += x[k] * b[j];
  }
}

// y[j] = sum_k x[k] * B[j*ldb + k] for j < C: V::size lanes per dot product; the k tail goes
// into the lanes (masked) or, after sum(), scalar.
template <class V, int C>
MYELIN_GEMM_INLINE void dots(int64_t K, const float* x, const float* B, int64_t ldb, float* y) {
  constexpr int W = V::size;
  const int64_t kw = K - K % W;
  V acc[C];
#pragma GCC unroll 4
  for (int c = 0; c < C; ++c) acc[c] = V::zero();
  int64_t k = 0;
  for (; k < kw; k += W) {
    const V xv = V::load(x + k);
#pragma GCC unroll 4
    for (int c = 0; c < C; ++c) acc[c] = fma(xv, V::load(B + c * ldb + k), acc[c]);
  }
  if constexpr (V::masked) {
    if (k < K) {
      const V xv = V::load(x + k, K - k);
#pragma GCC unroll 4
      for (int c = 0; c < C; ++c) acc[c] = fma(xv, V::load(B + c * ldb + k, K - k), acc[c]);
    }
#pragma GCC unroll 4
    for (int c = 0; c < C; ++c) y[c] = sum(acc[c]);
  } else {
    float s[C];
#pragma GCC unroll 4
    for (int c = 0; c < C; ++c) s[c] = sum(acc[c]);
    for (; k < K; ++k)
#pragma GCC unroll 4
      for (int c = 0; c < C; ++c) s[c] += x[k] * B[c * ldb + k];
#pragma GCC unroll 4
    for (int c = 0; c < C; ++c) y[c] = s[c];
  }
}

// y[j] = sum_k x[k] * B[j*ldb + k], j < n, COLS dot products per pass over x.
template <class V, int COLS>
MYELIN_GEMM_TARGET void gemv_dot(int64_t K, int64_t n, const float* x, const float* B, int64_t ldb, float* y) {
  int64_t j = 0;
  if constexpr (COLS > 1)
    for (; j + COLS <= n; j += COLS) dots<V, COLS>(K, x, B + j * ldb, ldb, y + j);
  for (; j < n; ++j) dots<V, 1>(K, x, B + j * ldb, ldb, y + j);
}

// ---------------------------------------------------------------- the set

// Cache blocking (see KernelSet): mc, kc, nc, mc_item, nc_item.
struct Blocking {
  int mc, kc, nc, mc_item, nc_item;
};

// The kernels of one ISA: V for the GEMM (a tile of MR rows x NV vectors) and gemv_axpy, VG for
// gemv_dot (by default V; its width fixes the order in which a dot product is summed).
template <class V, int MR, int NV, class VG = V, Gemv G = Gemv::registers>
constexpr KernelSet kernel_set(const char* name, Blocking bl) {
  constexpr int NR = V::size * NV;
  return {name,       MR,         NR,
          bl.mc,      bl.kc,      bl.nc,
          bl.mc_item, bl.nc_item, &pack_block<V, MR>,
          &pack_block<V, NR>,     &MicroKernel<V, MR, NV>::run,
          G == Gemv::registers ? &gemv_axpy<V> : &gemv_axpy_streaming<V>,
          &gemv_dot<VG, G == Gemv::registers ? 4 : 1>};
}

#undef MYELIN_GEMM_INLINE

}  // namespace
}  // namespace gemm_detail
}  // namespace myelin
