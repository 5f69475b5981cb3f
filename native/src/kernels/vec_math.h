// Vectorisable float32 exp, log, sigmoid and tanh for the fused and elementwise kernels.
//
// Branch-free (special values by selects, 2^k from the exponent bits), so that plain loops over
// them vectorise; a few ulp of error. Include this AFTER
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
#define MYELIN_LAMBDA_INLINE __attribute__((always_inline))  // after a lambda's parameter list
#else
#define MYELIN_INLINE inline
#define MYELIN_LAMBDA_INLINE
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

using ::myelin::Isa;

/**
 * The widest copy this CPU runs, or a narrower one named by MYELIN_GEMM_PATH (generic, avx2), the
 * GEMM's switch, so that tests and benchmarks can run every copy on one machine (one parser of it
 * for both: preferred_isa in cpu_features.h).
 */
inline Isa best_isa() {
#if MYELIN_VEC_X86
  return preferred_isa();
#else
  return Isa::portable;  // the only copy compiled
#endif
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
// Defines `const Type& fn()`, the copy of kernel set k for this CPU (chosen on the first call).
#define MYELIN_ISA_CHOICE(Type, fn, k)                   \
  const Type& fn() {                                     \
    static const Type& chosen = MYELIN_BEST_ISA(k);      \
    return chosen;                                       \
  }
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

/**
 * sum_j f(j) over j in [0, n), in double over 16 independent lanes (two AVX-512 double
 * vectors, four AVX2 ones): the loop vectorises without reassociation, and several chains of
 * adds are in flight (one running sum is bound by the latency of its adds). f returns double.
 */
template <class F>
MYELIN_INLINE double lane_sum(int64_t n, F f) {
  constexpr int kLanes = 16;
  double acc[kLanes] = {};
  int64_t j = 0;
  for (; j + kLanes <= n; j += kLanes)
    for (int k = 0; k < kLanes; k++) acc[k] += f(j + k);
  double s = 0;
  for (; j < n; j++) s += f(j);
  for (int k = 0; k < kLanes; k++) s += acc[k];
  return s;
}

/** 2^k for an integer-valued float k in [-126, 127], from the exponent bits. */
MYELIN_INLINE float pow2i(float k) {
  const int32_t bits = (static_cast<int32_t>(k) + 127) * (1 << 23);
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return scale;
}

/**
 * e^x for float32 without branches (vectorisable), over the whole float range: +inf past
 * ~88.72, denormals below ~-87.34, 0 past ~-103.97, NaN stays NaN. x = k ln2 + r with
 * k = round(x / ln2) and r reduced in two steps (Cody and Waite: ln2 split so that k times its
 * high part is exact), |r| <= ln2 / 2; e^r by its Taylor series to degree 7 (truncation below
 * 6e-9): a few ulp. 2^k is applied as two factors so that neither leaves the normal range and
 * the last product rounds once to inf or a denormal.
 */
MYELIN_INLINE float exp_approx(float x) {
  x = x < -104.0f ? -104.0f : x;  // e^-104 is below half the smallest denormal
  x = x > 89.0f ? 89.0f : x;      // e^89 overflows
  // round to nearest by the 1.5 * 2^23 trick (exact for |t| < 2^22; no -ffast-math here)
  const float k = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  const float r = (x - k * 0.693359375f) - k * -2.12194440e-4f;  // ln 2 = 0.693359375 - 2.12194440e-4
  const float p = 1.0f + r * (1.0f + r * (0.5f + r * (0.166666667f + r * (0.0416666667f + r * (0.00833333333f +
                  r * (0.00138888889f + r * 0.000198412698f))))));
  const float k1 = (k * 0.5f + 12582912.0f) - 12582912.0f;  // k = k1 + (k - k1), both in [-75, 64]
  return p * pow2i(k1) * pow2i(k - k1);
}

/**
 * log(x) for float32 without branches (vectorisable): x = 2^e m with m in [sqrt(1/2), sqrt(2)),
 * log m = 2 atanh(s), s = (m - 1) / (m + 1) in [-0.172, 0.172], by its odd series to s^11
 * (truncation below 1e-10): a few ulp. Denormals are scaled up first; log(0) = -inf,
 * log(x < 0) = NaN, log(inf) = inf, NaN stays NaN.
 */
MYELIN_INLINE float log_approx(float x) {
  const bool tiny = x < 1.17549435e-38f;       // a denormal (or 0, or negative)
  const float xs = tiny ? x * 8388608.0f : x;  // * 2^23
  int32_t bits;
  std::memcpy(&bits, &xs, sizeof bits);
  // the exponent e with m = xs / 2^e in [sqrt(1/2), sqrt(2)): split the bits at sqrt(1/2)'s
  const int32_t e = (bits - 0x3f3504f3) >> 23;
  const int32_t mbits = bits - e * (1 << 23);
  float m;
  std::memcpy(&m, &mbits, sizeof m);
  const float s = (m - 1.0f) / (m + 1.0f), t = s * s;
  const float logm = 2.0f * s * (1.0f + t * (0.333333333f + t * (0.2f + t * (0.142857143f + t * (0.111111111f +
                     t * 0.0909090909f)))));
  const float ef = static_cast<float>(e) - (tiny ? 23.0f : 0.0f);
  const float v = ef * 0.693359375f + (ef * -2.12194440e-4f + logm);
  const float inf = __builtin_huge_valf();
  float out = x == inf ? inf : v;
  out = x == 0.0f ? -inf : out;
  return x >= 0.0f ? out : __builtin_nanf("");  // x < 0 or NaN
}

// One exp each and no branch on the sign: e^-v overflowing to inf gives sigmoid 0 and tanh -1,
// underflowing to 0 gives 1.
MYELIN_INLINE float sigmoid(float v) { return 1.0f / (1.0f + exp_approx(-v)); }

/**
 * tanh: 2 / (1 + e^-2v) - 1, except for |v| < 1/8, where that subtraction cancels (an absolute
 * error of 1e-7, so no relative precision near 0) and the odd Taylor series to v^9 is exact to
 * float precision. Both are computed and one selected (no branch: the loops vectorise).
 */
MYELIN_INLINE float tanh_approx(float v) {
  const float e = 2.0f / (1.0f + exp_approx(-2.0f * v)) - 1.0f;
  const float t = v * v;
  const float series = v * (1.0f + t * (-0.333333333f + t * (0.133333333f + t * (-0.0539682540f + t * 0.0218694885f))));
  return t < 0.015625f ? series : e;
}

}  // namespace vec
}  // namespace kernels
}  // namespace myelin
