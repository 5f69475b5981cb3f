// Portable copy of the GEMM kernels (gemm_kernel.h on simd/portable.h), any architecture:
// vectors the compiler maps onto the baseline ISA (SSE2 on x86-64, NEON on arm64). No
// intrinsics, no target attributes.
#include "gemm_kernels.h"
#include "simd/portable.h"

#define MYELIN_GEMM_TARGET
#include "gemm_kernel.h"

namespace myelin {
namespace gemm_detail {
namespace {

#if defined(__aarch64__) || defined(_M_ARM64)
constexpr int MR = 8;   // 32 NEON registers: 8x12 -> 24 accumulators
constexpr int NR = 12;
#else
constexpr int MR = 4;   // 16 SSE registers: 4x8 -> 8 accumulators
constexpr int NR = 8;
#endif

// 4-float vectors (one SSE / NEON register); dot products sum 8 lanes, in the order of
// simd::portable's sum(), as this path always has.
using V = simd::portable::Simd<float, 4>;
using VG = simd::portable::Simd<float, 8>;

constexpr KernelSet kSet = kernel_set<V, MR, NR / 4, VG, Gemv::streaming>(
    "generic", {/*mc=*/MR * 512, /*kc=*/256, /*nc=*/NR * 256, /*mc_item=*/MR * 32, /*nc_item=*/NR * 32});

}  // namespace

const KernelSet* kernels_generic() { return &kSet; }

}  // namespace gemm_detail
}  // namespace myelin
