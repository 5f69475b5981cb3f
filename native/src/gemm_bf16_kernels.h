// Internal interface between the bf16 GEMM driver (gemm_bf16.cc) and its AVX512_BF16 packing and
// micro-kernel (gemm_bf16_avx512.cc). Not part of the public API.
//
// Packed layout: k is taken in pairs (k0, k0+1), the order vdpbf16ps multiplies and adds them.
// A panel of R rows (R = MR for op(A), NR for op(B)) over kp pairs is kp groups of R 32-bit
// words; word r of group p holds (low half) element (r, 2p) and (high half) element (r, 2p+1).
// Rows past the block and the k past K (odd K) are zero.
#pragma once

#include <cstdint>

#include "simd/simd.h"

namespace myelin {
namespace bf16_detail {

constexpr int MR = 12;  // rows of C per micro-tile
constexpr int NR = 32;  // columns of C per micro-tile (two zmm)

// Packs rows [0, rows) x k [0, k) of the strided operand X(r, kk) = src[r*rs + kk*ks] into
// ceil(rows / R) panels of R rows (layout above), each of ceil(k / 2) * R words.
void pack(int R, int64_t rows, int64_t k, const uint16_t* src, int64_t rs, int64_t ks, uint32_t* dst);

#if MYELIN_SIMD_X86
// C[i*ldc + j] (i < m <= MR, j < n <= NR) = sum over kp pairs of a-panel x b-panel
// (+ C where accumulate).
void kernel_avx512bf16(int64_t kp, const uint32_t* a, const uint32_t* b, float* c, int64_t ldc, int64_t m,
                       int64_t n, bool accumulate);
#endif

}  // namespace bf16_detail
}  // namespace myelin
