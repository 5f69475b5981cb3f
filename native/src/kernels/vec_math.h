// Vectorisable float32 exp, sigmoid and tanh for the fused kernels (rnn.cc, attention.cc).
//
// Branch-free: 2^k from the exponent bits times a degree-6 polynomial of the fraction (relative
// error about 2e-7), so that plain loops over them vectorise. Include this AFTER
// `#pragma GCC optimize("no-trapping-math")`: while floating-point exceptions are assumed to trap,
// GCC keeps the clamps below as branches and vectorises nothing (nothing in myelin reads the FP
// exception flags). Functions of the including file are compiled once per instruction set with
// target attributes; these inline into each.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "../cpu_features.h"

#if defined(__GNUC__) || defined(__clang__)
#define MYELIN_INLINE __attribute__((always_inline)) inline
#else
#define MYELIN_INLINE inline
#endif

// Target attributes for the per-ISA copies of a kernel (no -march flag needed at build time).
#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__))
#define MYELIN_VEC_X86 1
#if defined(__clang__)
#define MYELIN_VEC_T512 __attribute__((target("avx512f,avx512dq,avx512vl,avx512bw,avx2,fma")))
#else
// GCC's generic tuning would otherwise vectorise these loops with 256-bit registers only
#define MYELIN_VEC_T512 __attribute__((target("avx512f,avx512dq,avx512vl,avx512bw,avx2,fma,prefer-vector-width=512")))
#endif
#define MYELIN_VEC_T256 __attribute__((target("avx2,fma")))
#else
#define MYELIN_VEC_X86 0
#endif

namespace myelin {
namespace kernels {
namespace vec {

enum class Isa { portable, avx2, avx512 };

/**
 * The widest copy this CPU runs (the AVX-512 one needs what the AVX-512 GEMM needs), or a
 * narrower one named by MYELIN_GEMM_PATH (generic, avx2), the GEMM's switch, so that tests and
 * benchmarks can run every copy on one machine.
 */
inline Isa best_isa() {
  const char* want = std::getenv("MYELIN_GEMM_PATH");
  if (want && !std::strcmp(want, "generic")) return Isa::portable;
#if MYELIN_VEC_X86
  const CpuFeatures& f = cpu_features();
  const bool avx2Only = want && !std::strcmp(want, "avx2");
  if (f.avx512_gemm() && !avx2Only) return Isa::avx512;
  if (f.avx2_gemm()) return Isa::avx2;
#endif
  return Isa::portable;
}

/** The copy of a kernel set for `isa` among its compiled copies. */
template <class Set>
const Set& pick(Isa isa, const Set& portable, const Set& avx2, const Set& avx512) {
  return isa == Isa::avx512 ? avx512 : isa == Isa::avx2 ? avx2 : portable;
}

}  // namespace vec
}  // namespace kernels
}  // namespace myelin

// A kernel file defines MAKE(suffix, attributes), which compiles its loops with the given
// target attributes and defines `k<Name>_<suffix>`; MYELIN_FOR_EACH_ISA(MAKE) instantiates it for
// every copy this build has, and MYELIN_BEST_ISA(kName) is the copy for this CPU (chosen on the
// first call, then cached by the caller's static).
#define MYELIN_NO_ATTR
#if MYELIN_VEC_X86
#define MYELIN_FOR_EACH_ISA(MAKE) MAKE(portable, MYELIN_NO_ATTR) MAKE(avx2, MYELIN_VEC_T256) MAKE(avx512, MYELIN_VEC_T512)
#define MYELIN_BEST_ISA(k) ::myelin::kernels::vec::pick(::myelin::kernels::vec::best_isa(), k##_portable, k##_avx2, k##_avx512)
#else
#define MYELIN_FOR_EACH_ISA(MAKE) MAKE(portable, MYELIN_NO_ATTR)
#define MYELIN_BEST_ISA(k) (k##_portable)
#endif

namespace myelin {
namespace kernels {
namespace vec {

/** e^x for float32 without branches (vectorisable); NaN stays NaN, saturates past |x| ~ 87. */
MYELIN_INLINE float exp_approx(float x) {
  float t = x * 1.4426950408889634f;  // log2(e)
  t = t < -126.0f ? -126.0f : t;
  t = t > 126.0f ? 126.0f : t;
  // round to nearest by the 1.5 * 2^23 trick (exact for |t| < 2^22; no -ffast-math here)
  const float k = (t + 12582912.0f) - 12582912.0f;
  const float f = t - k;  // in [-0.5, 0.5]
  // 2^f: Taylor series of e^(f ln 2) to degree 6 (truncation error < 1.3e-7 on this range)
  const float p = 1.0f + f * (0.6931471805599453f + f * (0.2402265069591007f + f * (0.05550410866482158f +
                  f * (0.009618129107628477f + f * (0.0013333558146428443f + f * 0.00015403530393381606f)))));
  const int32_t bits = (static_cast<int32_t>(k) + 127) * (1 << 23);
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

// One exp each and no branch on the sign: an exp overflowing to its clamp still gives the
// limits (sigmoid 0 or 1, tanh -1 or 1 to float precision).
MYELIN_INLINE float sigmoid(float v) { return 1.0f / (1.0f + exp_approx(-v)); }
MYELIN_INLINE float tanh_approx(float v) { return 2.0f / (1.0f + exp_approx(-2.0f * v)) - 1.0f; }

}  // namespace vec
}  // namespace kernels
}  // namespace myelin
