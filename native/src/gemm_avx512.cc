// AVX-512 (F/VL/DQ/BW + FMA) copy of the GEMM kernels (gemm_kernel.h on simd/avx512.h).
//
// Every function that uses AVX-512 carries a target attribute, so this file is
// compiled WITHOUT -mavx512f; it is only called after cpu_features() reported
// avx512f+vl+dq+bw+fma (see gemm.cc dispatch).
#include "gemm_kernels.h"

#if MYELIN_SIMD_X86

#include "simd/avx512.h"
#define MYELIN_GEMM_TARGET MYELIN_TARGET_AVX512
#include "gemm_kernel.h"

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

// Blocking for Zen 4/5-class cores (48 KB L1d, 1 MB L2 per core).
constexpr KernelSet kSet = kernel_set<simd::avx512::Simd<float, 16>, MR, NV>(
    "avx512", {/*mc=*/MR * 256, /*kc=*/384, /*nc=*/NR * 96, /*mc_item=*/MR * 16, /*nc_item=*/NR * 6});

}  // namespace

const KernelSet* kernels_avx512() { return &kSet; }

}  // namespace gemm_detail
}  // namespace myelin

#endif  // MYELIN_SIMD_X86
