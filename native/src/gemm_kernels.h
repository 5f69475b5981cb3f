// Internal interface between the GEMM driver (gemm.cc) and the ISA-specific
// packing routines / micro-kernels (gemm_avx512.cc, gemm_avx2.cc,
// gemm_generic.cc). Not part of the public API.
#pragma once

#include <cstdint>

namespace myelin {
namespace gemm_detail {

// Packs one panel of `rows` (<= R, zero padded up to R) by `k` elements:
//   dst[kk * R + r] = src[r * row_stride + kk * k_stride]
// R is the kernel's MR (for op(A)) or NR (for op(B)).
using PackFn = void (*)(int64_t rows, int64_t k, const float* src, int64_t row_stride,
                        int64_t k_stride, float* dst);

// Micro-kernel: for the m x n (m <= MR, n <= NR) top-left part of the tile
//   C[i*ldc + j] = alpha * sum_kk a[kk*MR + i] * b[kk*NR + j] + beta * C[i*ldc + j]
// beta == 0: C is not read (may hold NaN/Inf garbage).
// a and b are packed panels (64-byte aligned), k >= 1.
using KernelFn = void (*)(int64_t k, const float* a, const float* b, float* c, int64_t ldc,
                          int64_t m, int64_t n, float alpha, float beta);

struct KernelSet {
  const char* name;
  int mr, nr;      // register tile (rows of C, columns of C)
  int mc, kc, nc;  // default cache blocking (multiples of mr / nr)
  PackFn pack_a;   // R = mr
  PackFn pack_b;   // R = nr
  KernelFn kernel;
};

// Each returns nullptr when the path is not compiled for this architecture.
const KernelSet* kernels_avx512();
const KernelSet* kernels_avx2();
const KernelSet* kernels_generic();  // always available

}  // namespace gemm_detail
}  // namespace myelin
