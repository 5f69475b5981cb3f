// The AVX512_BF16 micro-kernel of the bf16 GEMM (gemm_bf16_kernels.h): a 12 x 32 tile of C in
// 24 zmm accumulators; per pair of k, two vectors of B pairs and, per row, one broadcast pair of
// A go through vdpbf16ps (each product of two bfloat16 is exact in float32).
//
// Compiled without -mavx512*: the function carries the target attribute and is only called
// after cpu_features() reported avx512_bf16 (gemm_bf16.cc).
#include "gemm_bf16_kernels.h"

#if MYELIN_SIMD_X86

#include <immintrin.h>

#define MYELIN_TARGET_AVX512BF16 \
  __attribute__((target("avx512f,avx512vl,avx512dq,avx512bw,avx512bf16,avx2,fma")))

namespace myelin {
namespace bf16_detail {

MYELIN_TARGET_AVX512BF16
void kernel_avx512bf16(int64_t kp, const uint32_t* a, const uint32_t* b, float* c, int64_t ldc, int64_t m,
                       int64_t n, bool accumulate) {
  __m512 acc[MR][2];
#pragma GCC unroll 12
  for (int i = 0; i < MR; ++i) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
  for (int64_t p = 0; p < kp; ++p) {
    const __m512bh b0 = (__m512bh)_mm512_loadu_si512(b);
    const __m512bh b1 = (__m512bh)_mm512_loadu_si512(b + 16);
#pragma GCC unroll 12
    for (int i = 0; i < MR; ++i) {
      const __m512bh ai = (__m512bh)_mm512_set1_epi32((int)a[i]);
      acc[i][0] = _mm512_dpbf16_ps(acc[i][0], ai, b0);
      acc[i][1] = _mm512_dpbf16_ps(acc[i][1], ai, b1);
    }
    a += MR;
    b += NR;
  }
  const __mmask16 k0 = n >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << n) - 1);
  const __mmask16 k1 = n >= 32 ? (__mmask16)0xffff : n <= 16 ? (__mmask16)0 : (__mmask16)((1u << (n - 16)) - 1);
#pragma GCC unroll 12
  for (int i = 0; i < MR; ++i) {
    if (i >= m) break;
    float* ci = c + i * ldc;
    __m512 v0 = acc[i][0], v1 = acc[i][1];
    if (accumulate) {
      v0 = _mm512_add_ps(v0, _mm512_maskz_loadu_ps(k0, ci));
      v1 = _mm512_add_ps(v1, _mm512_maskz_loadu_ps(k1, ci + 16));
    }
    _mm512_mask_storeu_ps(ci, k0, v0);
    _mm512_mask_storeu_ps(ci + 16, k1, v1);
  }
}

}  // namespace bf16_detail
}  // namespace myelin

#endif  // MYELIN_SIMD_X86
