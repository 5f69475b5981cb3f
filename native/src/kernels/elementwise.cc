// Elementwise kernels: unary functions, broadcasting binary functions, where, fill, copy, cast.
//
// Every op is a small functor instantiated into its own loop, so the compiler inlines the
// arithmetic and vectorises the contiguous cases (same shape, a row against a broadcast
// scalar) at the baseline ISA. Transcendental functions call the C library's float versions
// (glibc's are within an ulp); parameters that JavaScript passes as doubles (slopes, affine
// scale and shift, exponents, clamp bounds) are applied in double, as the js kernels do, so
// those ops give bit-identical results.
//
// The hot activations are the exception (VecSet): GELU (erf form), its derivative and erf use a
// branch-free polynomial erf (about 1e-7 absolute error in float; the js kernels' Abramowitz &
// Stegun 7.1.26 is within 1.5e-7 of it); exp, log, sigmoid, tanh and softplus use vec_math.h's
// exp and log (a few float ulp); LeakyReLU, clamp, sign, floor, ceil, round and rsqrt stay
// bit-identical. These loops are compiled for AVX-512, AVX2+FMA and the baseline ISA and
// chosen at run time, as rnn.cc does.

#include <cmath>
#include <cstring>
#include <limits>

#include "kernels.h"
#include "strided.h"

// --- vectorised activations (VecSet) ----------------------------------------------------------
// see vec_math.h: without no-trapping-math GCC vectorises none of the selects; push/pop keeps
// the option to this section
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC push_options
#pragma GCC optimize("no-trapping-math")
#endif
#include "vec_math.h"

namespace myelin {
namespace kernels {
namespace {

// c > 0 ? a : b with both values already computed, so the compiler emits a select (a blend
// in vector loops) rather than a branch.
template <class T>
inline T select_positive(T c, T a, T b) {
  const bool pos = c > T(0);
  return pos ? a : b;
}


constexpr float kInvSqrt2 = 0.70710678118654752f;
constexpr float kInvSqrt2Pi = 0.39894228040143268f;

// std::fabs is defined before the optimize pragma, and GCC does not inline across differing
// optimize options (a call per element would stop the vectoriser): builtins instead
#if defined(__GNUC__) || defined(__clang__)
MYELIN_INLINE float abs_v(float x) { return __builtin_fabsf(x); }
MYELIN_INLINE float copysign_v(float m, float s) { return __builtin_copysignf(m, s); }
#else
MYELIN_INLINE float abs_v(float x) { return std::fabs(x); }
MYELIN_INLINE float copysign_v(float m, float s) { return std::copysign(m, s); }
#endif

// erf in two pieces, both computed and one selected (no branch, so the loops vectorise). Both
// polynomials are least-squares fits on Chebyshev-spaced points (absolute error below 2e-8,
// relative error of erfc below 1e-7, in exact arithmetic); in float erf's error is about 1e-7
// absolute, set by the rounding of the operations and by the exp (2e-7 relative).

/** erf(z) = z P(z^2) for |z| < 1 (the series' region: no cancellation near 0). */
MYELIN_INLINE float erf_small(float z) {
  const float u = z * z;
  return z * (1.12837891568f + u * (-0.376119263450f + u * (0.112779930959f + u * (-0.0266621825192f +
         u * (0.00486907393117f + u * -0.000545699716635f)))));
}

/**
 * erfc(z) = t Q(t) e for z >= 1, t = 1 / (1 + z / 2), given e = exp(-z^2); Q is fitted for
 * relative error (1e-7) so that the far left tail of GELU keeps its digits.
 */
MYELIN_INLINE float erfc_tail(float z, float e) {
  const float t = 1.0f / (1.0f + 0.5f * z);
  return t * (0.282094763092f + t * (0.282101261536f + t * (0.246595453798f + t * (0.179616686730f +
         t * (0.0611944751159f + t * (0.0784303042568f + t * (-0.219920290912f + t * 0.0903230871125f))))))) * e;
}

MYELIN_INLINE float erf_v(float x) {
  const float z = abs_v(x);
  const float small = erf_small(z), large = 1.0f - erfc_tail(z, vec::exp_approx(-z * z));
  return copysign_v(z < 1.0f ? small : large, x);  // NaN: z < 1 is false and the tail is NaN
}

/**
 * Phi(x) = (1 + erf(x / sqrt 2)) / 2 as q / 2 or 1 - q / 2 with q = erfc(|x| / sqrt 2), given
 * e = exp(-x^2 / 2): no cancellation in the left tail, where 1 + erf would lose every digit.
 */
MYELIN_INLINE float phi_cdf(float x, float e) {
  const float z = abs_v(x) * kInvSqrt2;
  const float q = z < 1.0f ? 1.0f - erf_small(z) : erfc_tail(z, e);
  const float h = 0.5f * q;
  return x < 0.0f ? h : 1.0f - h;
}

/**
 * exp(-x^2 / 2), 0 past x^2 / 2 = 87 (no denormals): so that x phi(x) is 0
 * for large |x| and NaN at infinity (as -inf * exp(-inf) in the js kernel), not -inf.
 */
MYELIN_INLINE float gauss(float x) {
  const float s = 0.5f * x * x;
  const float e = vec::exp_approx(-s);
  return s > 87.0f ? 0.0f : e;
}

MYELIN_INLINE float gelu_v(float x) { return x * phi_cdf(x, gauss(x)); }

/** d/dx x Phi(x) = Phi(x) + x phi(x): one exponential serves both terms. */
MYELIN_INLINE float gelu_derivative_v(float x) {
  const float e = gauss(x);
  return phi_cdf(x, e) + x * kInvSqrt2Pi * e;
}

/**
 * log(1 + u) for u in [0, 1] as 2 atanh(s), s = u / (2 + u) in [0, 1/3]: an odd series with no
 * cancellation for small u (log of a rounded 1 + u would lose every digit there). Truncation
 * error below 2e-8 relative.
 */
MYELIN_INLINE float log1p_unit(float u) {
  const float s = u / (2.0f + u), t = s * s;
  return 2.0f * s * (1.0f + t * (0.333333333f + t * (0.2f + t * (0.142857143f + t * (0.111111111f +
         t * (0.0909090909f + t * 0.0769230769f))))));
}

/**
 * softplus(v) = max(v, 0) + log1p(exp(-|v|)), as the js kernel (NaN stays NaN); the exp is
 * taken as 0 past |v| = 87 (under 2e-38: no denormal arithmetic).
 */
MYELIN_INLINE float softplus_v(float v) {
  const float pos = v > 0.0f ? v : 0.0f, a = abs_v(v);
  const float e = vec::exp_approx(-a);
  return pos + log1p_unit(a > 87.0f ? 0.0f : e);
}

// LeakyReLU and its gradient, as the js kernels compute them: the negative side's product in
// double, rounded once to float (so the results are bit-identical). In the generic unary and
// binary loops the float -> double -> float round trip stayed scalar (12x relu's time on the
// GAN's activations); here each ISA's copy converts a vector at a time.
MYELIN_INLINE float leaky_v(float v, double slope) {
  return select_positive(v, v, static_cast<float>(static_cast<double>(v) * slope));
}
MYELIN_INLINE float leaky_grad_v(float g, float x, double slope) {
  return select_positive(x, g, static_cast<float>(static_cast<double>(g) * slope));
}

/**
 * The unary ops with a vectorised loop of their own; p0 is leakyRelu's slope, [p0, p1] clamp's
 * bounds. The selects (clamp, sign) and roundings (floor, ceil, round: one instruction from
 * AVX2's SSE4.1 on) stayed scalar in the generic loops.
 */
enum class VecUnary { exp, log, gelu, erf, sigmoid, softplus, tanh, leakyRelu, clamp, sign, floor, ceil, round, rsqrt };
/** The gradient ops likewise: out = a * gelu'(b), or LeakyReLU's gradient a at input b. */
enum class VecGrad { gelu, leakyRelu };

#define R __restrict
// o[i] = expr of v = x[i], one loop per op (the switch stays outside the loops); in place when
// x == o (the single-pointer loop needs no aliasing check to vectorise)
#define MYELIN_MAP(expr)                                                           \
  if (x == o) {                                                                    \
    for (int64_t i = 0; i < n; i++) { const float v = o[i]; o[i] = (expr); }        \
  } else {                                                                         \
    map_rows(x, o, n, [=](float v) MYELIN_LAMBDA_INLINE { return (expr); }); \
  }                                                                                \
  return

template <class F>
MYELIN_INLINE void map_rows(const float* R x, float* R o, int64_t n, F f) {
  for (int64_t i = 0; i < n; i++) o[i] = f(x[i]);
}

MYELIN_INLINE void vec_unary_rows(VecUnary op, const float* x, float* o, int64_t n, double p0, double p1) {
  const float lo = static_cast<float>(p0), hi = static_cast<float>(p1);
  switch (op) {
    case VecUnary::exp: MYELIN_MAP(vec::exp_approx(v));
    case VecUnary::log: MYELIN_MAP(vec::log_approx(v));
    case VecUnary::gelu: MYELIN_MAP(gelu_v(v));
    case VecUnary::erf: MYELIN_MAP(erf_v(v));
    case VecUnary::sigmoid: MYELIN_MAP(vec::sigmoid(v));
    case VecUnary::softplus: MYELIN_MAP(softplus_v(v));
    case VecUnary::tanh: MYELIN_MAP(vec::tanh_approx(v));
    case VecUnary::leakyRelu: MYELIN_MAP(leaky_v(v, p0));
    // compared in double, as JavaScript does, then the (rounded) bound stored
    case VecUnary::clamp: MYELIN_MAP(static_cast<double>(v) < p0 ? lo : static_cast<double>(v) > p1 ? hi : v);
    case VecUnary::sign: MYELIN_MAP(v > 0.0f ? 1.0f : v < 0.0f ? -1.0f : v);  // keeps -0 and NaN, as Math.sign
    case VecUnary::floor: MYELIN_MAP(__builtin_floorf(v));
    case VecUnary::ceil: MYELIN_MAP(__builtin_ceilf(v));
    case VecUnary::round: MYELIN_MAP(__builtin_nearbyintf(v));  // half to even in the default rounding mode
    case VecUnary::rsqrt: MYELIN_MAP(static_cast<float>(1.0 / __builtin_sqrt(static_cast<double>(v))));
  }
}
#undef MYELIN_MAP

template <class F>
MYELIN_INLINE void map2_rows(const float* R a, const float* R b, float* R o, int64_t n, F f) {
  for (int64_t i = 0; i < n; i++) o[i] = f(a[i], b[i]);
}
// out aliasing a or b (in-place updates): each element is read before it is written
template <class F>
MYELIN_INLINE void map2_rows_alias(const float* a, const float* b, float* o, int64_t n, F f) {
  for (int64_t i = 0; i < n; i++) o[i] = f(a[i], b[i]);
}
#define MYELIN_MAP2(expr)                                                                              \
  if (alias) map2_rows_alias(a, b, o, n, [=](float u, float v) MYELIN_LAMBDA_INLINE { return (expr); }); \
  else map2_rows(a, b, o, n, [=](float u, float v) MYELIN_LAMBDA_INLINE { return (expr); });            \
  return

MYELIN_INLINE void vec_grad_rows(VecGrad op, const float* a, const float* b, float* o, int64_t n, double p, bool alias) {
  switch (op) {
    case VecGrad::gelu: MYELIN_MAP2(u * gelu_derivative_v(v));
    case VecGrad::leakyRelu: MYELIN_MAP2(leaky_grad_v(u, v, p));
  }
}
#undef MYELIN_MAP2
#undef R

struct VecSet {
  void (*unary)(VecUnary, const float*, float*, int64_t, double, double);
  void (*grad)(VecGrad, const float*, const float*, float*, int64_t, double, bool);
};

#define MYELIN_VEC_SET(suffix, ATTR)                                                                        \
  ATTR void vec_unary_##suffix(VecUnary op, const float* x, float* o, int64_t n, double p0, double p1) {    \
    vec_unary_rows(op, x, o, n, p0, p1);                                                                     \
  }                                                                                                         \
  ATTR void vec_grad_##suffix(VecGrad op, const float* a, const float* b, float* o, int64_t n, double p,    \
                              bool alias) {                                                                 \
    vec_grad_rows(op, a, b, o, n, p, alias);                                                                 \
  }                                                                                                         \
  const VecSet kVec_##suffix = {vec_unary_##suffix, vec_grad_##suffix};

MYELIN_FOR_EACH_ISA(MYELIN_VEC_SET)
#undef MYELIN_VEC_SET

MYELIN_ISA_CHOICE(VecSet, vec_set, kVec)

/** The scalar forms (broadcasting geluGrad), out of line: the same numbers as the loops. */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((noinline))
#endif
float gelu_derivative_scalar(float x) { return gelu_derivative_v(x); }

}  // namespace
}  // namespace kernels
}  // namespace myelin

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC pop_options
#endif

namespace myelin {
namespace kernels {

namespace {

/** Grain for transcendental functions: about 8x dearer per element than a multiply-add. */
constexpr int64_t kHeavyGrain = kGrain / 8;
/** Grain for the vectorised loops (VecSet): a few ns per 16 elements. */
constexpr int64_t kVecGrain = kGrain / 2;

inline float gelu_derivative(float x) { return gelu_derivative_scalar(x); }

/** A VecSet unary op over [0, n) on the pool, in place when x == out. */
void vec_unary(VecUnary op, const float* x, float* out, int64_t n, double p0 = 0.0, double p1 = 0.0) {
  const VecSet& k = vec_set();
  parallel_range(n, kVecGrain, [&](int64_t lo, int64_t hi) {
    k.unary(op, x == out ? out + lo : x + lo, out + lo, hi - lo, p0, p1);
  });
}

// --- unary -------------------------------------------------------------------------------

template <class F>
void unary_loop(const float* __restrict x, float* __restrict out, int64_t n, int64_t grain, F f) {
  parallel_range(n, grain, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; i++) out[i] = f(x[i]);
  });
}

// In-place calls (x == out) are allowed: the __restrict loops read each element before
// writing it and never read it again, which is safe for one pointer aliasing the other.
template <class F>
void unary_loop_alias(const float* x, float* out, int64_t n, int64_t grain, F f) {
  if (x == out) {
    parallel_range(n, grain, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; i++) out[i] = f(out[i]);
    });
  } else {
    unary_loop(x, out, n, grain, f);
  }
}

}  // namespace

void unary_f32(UnaryOp op, const float* x, float* out, int64_t n, double p0, double p1) {
  const int64_t G = kGrain, H = kHeavyGrain;
#define U(grain, expr) unary_loop_alias(x, out, n, grain, [=](float v) -> float { return expr; }); return
  switch (op) {
    case UnaryOp::neg: U(G, -v);
    case UnaryOp::abs: U(G, std::fabs(v));
    case UnaryOp::sign: vec_unary(VecUnary::sign, x, out, n); return;
    case UnaryOp::exp: vec_unary(VecUnary::exp, x, out, n); return;
    case UnaryOp::log: vec_unary(VecUnary::log, x, out, n); return;
    case UnaryOp::log1p: U(H, std::log1p(v));
    case UnaryOp::sqrt: U(G, std::sqrt(v));
    case UnaryOp::rsqrt: vec_unary(VecUnary::rsqrt, x, out, n); return;
    case UnaryOp::square: U(G, v * v);
    case UnaryOp::reciprocal: U(G, 1.0f / v);
    case UnaryOp::sin: U(H, std::sin(v));
    case UnaryOp::cos: U(H, std::cos(v));
    case UnaryOp::tanh: vec_unary(VecUnary::tanh, x, out, n); return;
    case UnaryOp::sigmoid: vec_unary(VecUnary::sigmoid, x, out, n); return;
    case UnaryOp::softplus: vec_unary(VecUnary::softplus, x, out, n); return;
    case UnaryOp::relu: U(G, v > 0.0f ? v : 0.0f);
    case UnaryOp::gelu: vec_unary(VecUnary::gelu, x, out, n); return;
    case UnaryOp::erf: vec_unary(VecUnary::erf, x, out, n); return;
    case UnaryOp::floor: vec_unary(VecUnary::floor, x, out, n); return;
    case UnaryOp::ceil: vec_unary(VecUnary::ceil, x, out, n); return;
    case UnaryOp::round: vec_unary(VecUnary::round, x, out, n); return;
    // Both sides computed, then selected: written as a branch, GCC kept it one, and on
    // activations (half negative, at random) the mispredictions made it 9x slower than relu.
    // LeakyReLU: both sides computed, then selected (as a branch, on activations that are
    // half negative at random, mispredictions made it 9x slower than relu)
    case UnaryOp::leakyRelu: vec_unary(VecUnary::leakyRelu, x, out, n, p0); return;
    case UnaryOp::powScalar:
      if (p0 == 2.0) { U(G, v * v); }
      U(H, static_cast<float>(std::pow(static_cast<double>(v), p0)));
    case UnaryOp::clamp: vec_unary(VecUnary::clamp, x, out, n, p0, p1); return;
    case UnaryOp::affine: U(G, static_cast<float>(static_cast<double>(v) * p0 + p1));
    case UnaryOp::kCount: break;
  }
#undef U
}

// --- binary ------------------------------------------------------------------------------

namespace {

// Each op: T f(T a, T b, double p). Comparisons return int32_t.
#define BOP(Name, T_RET, expr)                                             \
  struct Name {                                                           \
    template <class T>                                                    \
    static inline T_RET f(T a, T b, double p) { (void)p; return expr; }   \
  };
BOP(Add, T, a + b)
BOP(Sub, T, a - b)
BOP(Mul, T, a * b)
BOP(Div, T, a / b)
// in double, as JavaScript's Math.pow: powf would differ in the last bit now and then
BOP(Pow, T, static_cast<T>(std::pow(static_cast<double>(a), static_cast<double>(b))))
// NaN propagates, as in PyTorch's maximum/minimum
BOP(Maximum, T, (a != a || a > b) ? a : b)
BOP(Minimum, T, (a != a || a < b) ? a : b)
BOP(Eq, int32_t, a == b ? 1 : 0)
BOP(Ne, int32_t, a != b ? 1 : 0)
BOP(Lt, int32_t, a < b ? 1 : 0)
BOP(Le, int32_t, a <= b ? 1 : 0)
BOP(Gt, int32_t, a > b ? 1 : 0)
BOP(Ge, int32_t, a >= b ? 1 : 0)
BOP(ReluGrad, T, b > 0 ? a : T(0))
BOP(LeakyReluGrad, T, select_positive(b, a, static_cast<T>(a * p)))  // branch-free, as leakyRelu
// in double, as the js kernels compute them (the results are then bit-identical)
BOP(SigmoidGrad, T, static_cast<T>(static_cast<double>(a) * b * (1.0 - b)))
BOP(TanhGrad, T, static_cast<T>(static_cast<double>(a) * (1.0 - static_cast<double>(b) * b)))
BOP(GeluGrad, T, a * gelu_derivative(b))
#undef BOP

// Wrapping integer add/sub (JavaScript computes exactly and ToInt32 wraps modulo 2^32).
struct AddI {
  static inline int32_t f(int32_t a, int32_t b, double) {
    return static_cast<int32_t>(static_cast<uint32_t>(a) + static_cast<uint32_t>(b));
  }
};
struct SubI {
  static inline int32_t f(int32_t a, int32_t b, double) {
    return static_cast<int32_t>(static_cast<uint32_t>(a) - static_cast<uint32_t>(b));
  }
};
struct MulI {  // wraps modulo 2^32, as the js kernel's ToInt32 of the product does below 2^53
  static inline int32_t f(int32_t a, int32_t b, double) {
    return static_cast<int32_t>(static_cast<uint32_t>(a) * static_cast<uint32_t>(b));
  }
};

/** out[o + i] = Op(a[ai + i*as], b[bi + i*bs]) with the common stride patterns specialised. */
template <class Op, class T, class O>
inline void binary_row(O* __restrict out, const T* __restrict a, int64_t as, const T* __restrict b, int64_t bs,
                       int64_t n, double p) {
  if (as == 1 && bs == 1) {
    for (int64_t i = 0; i < n; i++) out[i] = Op::f(a[i], b[i], p);
  } else if (as == 1 && bs == 0) {
    const T bv = b[0];
    for (int64_t i = 0; i < n; i++) out[i] = Op::f(a[i], bv, p);
  } else if (as == 0 && bs == 1) {
    const T av = a[0];
    for (int64_t i = 0; i < n; i++) out[i] = Op::f(av, b[i], p);
  } else {
    for (int64_t i = 0; i < n; i++) out[i] = Op::f(a[i * as], b[i * bs], p);
  }
}

/** The same loop when out may alias a or b (in-place updates): no __restrict. */
template <class Op, class T, class O>
inline void binary_row_alias(O* out, const T* a, int64_t as, const T* b, int64_t bs, int64_t n, double p) {
  for (int64_t i = 0; i < n; i++) out[i] = Op::f(a[i * as], b[i * bs], p);
}

inline bool overlaps(const void* x, int64_t xBytes, const void* y, int64_t yBytes) {
  const char* a = static_cast<const char*>(x);
  const char* b = static_cast<const char*>(y);
  return a < b + yBytes && b < a + xBytes;
}

template <class Op, class T, class O>
void binary_same(const T* a, const T* b, O* out, int64_t n, double p, int64_t grain) {
  const bool alias = overlaps(out, n * sizeof(O), a, n * sizeof(T)) || overlaps(out, n * sizeof(O), b, n * sizeof(T));
  parallel_range(n, grain, [&](int64_t lo, int64_t hi) {
    if (alias) binary_row_alias<Op>(out + lo, a + lo, 1, b + lo, 1, hi - lo, p);
    else binary_row<Op>(out + lo, a + lo, 1, b + lo, 1, hi - lo, p);
  });
}

template <class Op, class T, class O>
void binary_bcast(const T* a, const T* b, O* out, const Shapes& s, double p, int64_t grain) {
  Plan<3> plan;
  plan_broadcast(plan, s);
  const int last = plan.rank - 1;
  const int64_t as = plan.strides[1][last], bs = plan.strides[2][last];
  // in-place with broadcasting (out aliasing a broadcast operand) would read values already
  // overwritten; the aliasing loop at least keeps the contiguous same-operand case right
  const int64_t total = plan.total;
  const bool alias = overlaps(out, total * sizeof(O), a, 1) || overlaps(out, total * sizeof(O), b, 1);
  for_all(plan, grain, [&](const int64_t* off, int64_t n) {
    if (alias) binary_row_alias<Op>(out + off[0], a + off[1], as, b + off[2], bs, n, p);
    else binary_row<Op>(out + off[0], a + off[1], as, b + off[2], bs, n, p);
  });
}

template <class T, class F>
void dispatch_binary(BinaryOp op, F&& call) {
  switch (op) {
    case BinaryOp::add: call(Add{}, false); return;
    case BinaryOp::sub: call(Sub{}, false); return;
    case BinaryOp::mul: call(Mul{}, false); return;
    case BinaryOp::div: call(Div{}, false); return;
    case BinaryOp::pow: call(Pow{}, true); return;
    case BinaryOp::maximum: call(Maximum{}, false); return;
    case BinaryOp::minimum: call(Minimum{}, false); return;
    case BinaryOp::eq: call(Eq{}, false); return;
    case BinaryOp::ne: call(Ne{}, false); return;
    case BinaryOp::lt: call(Lt{}, false); return;
    case BinaryOp::le: call(Le{}, false); return;
    case BinaryOp::gt: call(Gt{}, false); return;
    case BinaryOp::ge: call(Ge{}, false); return;
    case BinaryOp::reluGrad: call(ReluGrad{}, false); return;
    case BinaryOp::leakyReluGrad: call(LeakyReluGrad{}, false); return;
    case BinaryOp::sigmoidGrad: call(SigmoidGrad{}, false); return;
    case BinaryOp::tanhGrad: call(TanhGrad{}, false); return;
    case BinaryOp::geluGrad: call(GeluGrad{}, true); return;
    case BinaryOp::kCount: return;
  }
}

}  // namespace

bool binary_is_comparison(BinaryOp op) {
  return op == BinaryOp::eq || op == BinaryOp::ne || op == BinaryOp::lt || op == BinaryOp::le ||
         op == BinaryOp::gt || op == BinaryOp::ge;
}

bool binary_supports_int32(BinaryOp op) {
  return binary_is_comparison(op) || op == BinaryOp::add || op == BinaryOp::sub || op == BinaryOp::mul || op == BinaryOp::maximum ||
         op == BinaryOp::minimum;
}

void binary_same_f32(BinaryOp op, const float* a, const float* b, void* out, int64_t n, double p0) {
  if (op == BinaryOp::geluGrad || op == BinaryOp::leakyReluGrad) {  // the vectorised loops (VecSet)
    float* o = static_cast<float*>(out);
    const bool alias = overlaps(o, n * 4, a, n * 4) || overlaps(o, n * 4, b, n * 4);
    const VecGrad g = op == BinaryOp::geluGrad ? VecGrad::gelu : VecGrad::leakyRelu;
    const VecSet& k = vec_set();
    parallel_range(n, kVecGrain, [&](int64_t lo, int64_t hi) { k.grad(g, a + lo, b + lo, o + lo, hi - lo, p0, alias); });
    return;
  }
  dispatch_binary<float>(op, [&](auto opTag, bool heavy) {
    using Op = decltype(opTag);
    using R = decltype(Op::template f<float>(0.0f, 0.0f, 0.0));
    binary_same<Op, float, R>(a, b, static_cast<R*>(out), n, p0, heavy ? kHeavyGrain : kGrain);
  });
}

void binary_bcast_f32(BinaryOp op, const float* a, const float* b, void* out, const Shapes& s, double p0) {
  dispatch_binary<float>(op, [&](auto opTag, bool heavy) {
    using Op = decltype(opTag);
    using R = decltype(Op::template f<float>(0.0f, 0.0f, 0.0));
    binary_bcast<Op, float, R>(a, b, static_cast<R*>(out), s, p0, heavy ? kHeavyGrain : kGrain);
  });
}

namespace {
template <class F>
void dispatch_binary_i32(BinaryOp op, F&& call) {
  switch (op) {
    case BinaryOp::add: call(AddI{}); return;
    case BinaryOp::sub: call(SubI{}); return;
    case BinaryOp::mul: call(MulI{}); return;
    case BinaryOp::maximum: call(Maximum{}); return;
    case BinaryOp::minimum: call(Minimum{}); return;
    case BinaryOp::eq: call(Eq{}); return;
    case BinaryOp::ne: call(Ne{}); return;
    case BinaryOp::lt: call(Lt{}); return;
    case BinaryOp::le: call(Le{}); return;
    case BinaryOp::gt: call(Gt{}); return;
    case BinaryOp::ge: call(Ge{}); return;
    default: return;  // the glue only passes binary_supports_int32 ops
  }
}
template <class Op>
struct AsI32 {  // adapts the templated functors to int32_t
  static inline int32_t f(int32_t a, int32_t b, double p) { return Op::template f<int32_t>(a, b, p); }
};
template <class Op>
struct I32Of { using type = AsI32<Op>; };
template <>
struct I32Of<AddI> { using type = AddI; };
template <>
struct I32Of<SubI> { using type = SubI; };
template <>
struct I32Of<MulI> { using type = MulI; };
}  // namespace

void binary_same_i32(BinaryOp op, const int32_t* a, const int32_t* b, int32_t* out, int64_t n) {
  dispatch_binary_i32(op, [&](auto opTag) {
    using Op = typename I32Of<decltype(opTag)>::type;
    binary_same<Op, int32_t, int32_t>(a, b, out, n, 0.0, kGrain);
  });
}

void binary_bcast_i32(BinaryOp op, const int32_t* a, const int32_t* b, int32_t* out, const Shapes& s) {
  dispatch_binary_i32(op, [&](auto opTag) {
    using Op = typename I32Of<decltype(opTag)>::type;
    binary_bcast<Op, int32_t, int32_t>(a, b, out, s, 0.0, kGrain);
  });
}

// --- where -------------------------------------------------------------------------------

namespace {
template <class C>
void where_impl(const C* cond, const uint32_t* a, const uint32_t* b, uint32_t* out, const Shapes& s) {
  Plan<4> plan;
  plan_broadcast(plan, s);
  const int last = plan.rank - 1;
  const int64_t cs = plan.strides[1][last], as = plan.strides[2][last], bs = plan.strides[3][last];
  for_all(plan, kGrain, [&](const int64_t* off, int64_t n) {
    uint32_t* o = out + off[0];
    const C* c = cond + off[1];
    const uint32_t* x = a + off[2];
    const uint32_t* y = b + off[3];
    if (cs == 1 && as == 1 && bs == 1) {
      for (int64_t i = 0; i < n; i++) o[i] = c[i] != 0 ? x[i] : y[i];
    } else {
      for (int64_t i = 0; i < n; i++) o[i] = c[i * cs] != 0 ? x[i * as] : y[i * bs];
    }
  });
}
}  // namespace

void where_4(bool condIsFloat, const void* cond, const uint32_t* a, const uint32_t* b, uint32_t* out, const Shapes& s) {
  if (condIsFloat) where_impl(static_cast<const float*>(cond), a, b, out, s);
  else where_impl(static_cast<const int32_t*>(cond), a, b, out, s);
}

// --- fill, copy, cast ----------------------------------------------------------------------

namespace {

/** JavaScript's ToInt32 of a number: NaN and infinities -> 0, else truncate and wrap mod 2^32. */
inline int32_t to_int32(double v) {
  if (v >= -2147483648.0 && v < 2147483648.0) return static_cast<int32_t>(v);  // truncates
  if (!std::isfinite(v)) return 0;
  double t = std::fmod(std::trunc(v), 4294967296.0);
  if (t < 0) t += 4294967296.0;
  return static_cast<int32_t>(static_cast<uint32_t>(t));
}

template <class S, class D>
void convert(const S* __restrict src, D* __restrict dst, int64_t n) {
  parallel_range(n, kGrain, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; i++) dst[i] = static_cast<D>(src[i]);
  });
}

template <class S>
void to_i32(const S* __restrict src, int32_t* __restrict dst, int64_t n) {
  parallel_range(n, kGrain, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; i++) dst[i] = to_int32(static_cast<double>(src[i]));
  });
}

template <class T>
void fill_typed(T* out, int64_t n, T value) {
  parallel_range(n, kGrain * 4, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; i++) out[i] = value;
  });
}

}  // namespace

void fill(DType t, void* out, int64_t n, double value) {
  switch (t) {
    case DType::float32: fill_typed(static_cast<float*>(out), n, static_cast<float>(value)); return;
    case DType::float64: fill_typed(static_cast<double*>(out), n, value); return;
    case DType::int32: fill_typed(static_cast<int32_t*>(out), n, to_int32(value)); return;
    default: return;  // fill declares the numeric dtypes only (src/backend/kernels.ts): the binding never passes others
  }
}

void copy_bytes(const void* src, void* dst, int64_t bytes) {
  if (src == dst || bytes <= 0) return;
  // memmove: a typed array may be copied onto an overlapping view of the same buffer
  if (overlaps(src, bytes, dst, bytes) || bytes <= kGrain * 16) {
    std::memmove(dst, src, static_cast<size_t>(bytes));
    return;
  }
  const char* s = static_cast<const char*>(src);
  char* d = static_cast<char*>(dst);
  parallel_for(0, bytes, kGrain * 16, [&](int64_t lo, int64_t hi) {
    std::memcpy(d + lo, s + lo, static_cast<size_t>(hi - lo));
  });
}

namespace {

// bfloat16 is the upper half of a float32.
inline uint16_t bf16_from_f32(float f) {  // nearest even; NaN -> the quiet NaN 0x7fc0, as PyTorch
  uint32_t u;
  std::memcpy(&u, &f, 4);
  if ((u & 0x7fffffffu) > 0x7f800000u) return 0x7fc0;
  return static_cast<uint16_t>((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}
inline float f32_from_bf16(uint16_t h) {
  const uint32_t u = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

/** A cast with a bfloat16 side: every value passes through float32 (PyTorch's semantics). */
void cast_bf16(DType from, const void* src, DType to, void* dst, int64_t n) {
  parallel_for(0, n, kGrain, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; i++) {
      float v;
      switch (from) {
        case DType::float32: v = static_cast<const float*>(src)[i]; break;
        case DType::float64: v = static_cast<float>(static_cast<const double*>(src)[i]); break;
        case DType::int32: v = static_cast<float>(static_cast<const int32_t*>(src)[i]); break;
        default: v = f32_from_bf16(static_cast<const uint16_t*>(src)[i]); break;
      }
      switch (to) {
        case DType::float32: static_cast<float*>(dst)[i] = v; break;
        case DType::float64: static_cast<double*>(dst)[i] = v; break;
        case DType::int32: static_cast<int32_t*>(dst)[i] = to_int32(v); break;
        default: static_cast<uint16_t*>(dst)[i] = bf16_from_f32(v); break;
      }
    }
  });
}

}  // namespace

void cast(DType from, const void* src, DType to, void* dst, int64_t n) {
  if (from == to) {
    copy_bytes(src, dst, n * (from == DType::float64 ? 8 : from == DType::bfloat16 ? 2 : 4));
    return;
  }
  if (from == DType::bfloat16 || to == DType::bfloat16) {
    cast_bf16(from, src, to, dst, n);
    return;
  }
  switch (from) {
    case DType::float32:
      if (to == DType::float64) convert(static_cast<const float*>(src), static_cast<double*>(dst), n);
      else to_i32(static_cast<const float*>(src), static_cast<int32_t*>(dst), n);
      return;
    case DType::float64:
      if (to == DType::float32) convert(static_cast<const double*>(src), static_cast<float*>(dst), n);
      else to_i32(static_cast<const double*>(src), static_cast<int32_t*>(dst), n);
      return;
    case DType::int32:
      if (to == DType::float32) convert(static_cast<const int32_t*>(src), static_cast<float*>(dst), n);
      else convert(static_cast<const int32_t*>(src), static_cast<double*>(dst), n);
      return;
    default:
      return;
  }
}

}  // namespace kernels
}  // namespace myelin
