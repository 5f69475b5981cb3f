// Internal interface between the GEMM driver (gemm.cc) and the ISA-specific
// packing routines / micro-kernels (gemm_kernel.h, compiled per ISA by
// gemm_avx512.cc, gemm_avx2.cc, gemm_generic.cc). Not part of the public API.
#pragma once

#include <cstdint>

#include "simd/simd.h"

namespace myelin {
namespace gemm_detail {

// Packs a block of `rows` (>= 1) by `k` (>= 1) elements into ceil(rows / R)
// consecutive panels of R rows each (the last one zero padded):
//   dst[(r / R) * R * k + kk * R + r % R] = src[r * row_stride + kk * k_stride]
// R is the kernel's MR (for op(A)) or NR (for op(B)). dst is 64-byte aligned
// and has room for 64 extra floats at the end.
using PackFn = void (*)(int64_t rows, int64_t k, const float* src, int64_t row_stride,
                        int64_t k_stride, float* dst);

// Micro-kernel: for the m x n (m <= MR, n <= NR) top-left part of the tile
//   C[i*ldc + j] = alpha * sum_kk a[kk*MR + i] * b[kk*NR + j] + beta * C[i*ldc + j]
// beta == 0: C is not read (may hold NaN/Inf garbage).
// a and b are packed panels (64-byte aligned), k >= 1.
using KernelFn = void (*)(int64_t k, const float* a, const float* b, float* c, int64_t ldc,
                          int64_t m, int64_t n, float alpha, float beta);

// Matrix-vector products used when M == 1 or N == 1 (no packing):
//   gemv_axpy: y[j] = sum_k x[k] * B[k*ldb + j]   for j < n   (rows of B streamed)
//   gemv_dot:  y[j] = sum_k x[k] * B[j*ldb + k]   for j < n   (dot products)
// x and y are contiguous; y is overwritten.
using GemvFn = void (*)(int64_t k, int64_t n, const float* x, const float* B, int64_t ldb, float* y);

struct KernelSet {
  const char* name;
  int mr, nr;      // register tile (rows of C, columns of C)
  // Default cache blocking (see gemm.cc): mc = rows of a shared packed A
  // block, nc = columns of a shared packed B block (both L3), mc_item /
  // nc_item = rows / columns of a thread's private packed block (L2), kc = k
  // block.
  int mc, kc, nc, mc_item, nc_item;
  PackFn pack_a;   // R = mr
  PackFn pack_b;   // R = nr
  KernelFn kernel;
  GemvFn gemv_axpy;
  GemvFn gemv_dot;
};

// The x86 copies are nullptr where they are not compiled (another architecture or compiler,
// or MYELIN_PORTABLE_ONLY).
#if MYELIN_SIMD_X86
const KernelSet* kernels_avx512();
const KernelSet* kernels_avx2();
#else
inline const KernelSet* kernels_avx512() { return nullptr; }
inline const KernelSet* kernels_avx2() { return nullptr; }
#endif
const KernelSet* kernels_generic();  // always available

}  // namespace gemm_detail
}  // namespace myelin
