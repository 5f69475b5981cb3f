// AVX2 + FMA copy of the GEMM kernels (gemm_kernel.h on simd/avx2.h): 6x16 micro-kernel.
//
// Every function that uses AVX2/FMA carries a target attribute, so this file
// is compiled WITHOUT -mavx2; it is only called after cpu_features() reported
// avx2+fma (see gemm.cc dispatch).
#include "gemm_kernels.h"

#if MYELIN_SIMD_X86

#include "simd/avx2.h"
#define MYELIN_GEMM_TARGET MYELIN_TARGET_AVX2
#include "gemm_kernel.h"

namespace myelin {
namespace gemm_detail {
namespace {

constexpr int MR = 6;  // 16 ymm registers: 6x2 accumulators, 2 for B, 1 for A
constexpr int NV = 2;
constexpr int NR = 8 * NV;

constexpr KernelSet kSet = kernel_set<simd::avx2::Simd<float, 8>, MR, NV>(
    "avx2", {/*mc=*/MR * 512, /*kc=*/256, /*nc=*/NR * 192, /*mc_item=*/MR * 24, /*nc_item=*/NR * 16});

}  // namespace

const KernelSet* kernels_avx2() { return &kSet; }

}  // namespace gemm_detail
}  // namespace myelin

#endif  // MYELIN_SIMD_X86
