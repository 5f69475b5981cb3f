// Optimizer updates, one fused pass per parameter, as src/backend/js/optim.ts: the per-element
// arithmetic is done in double in the same order as there (JavaScript numbers are doubles), and
// the scalar factors (bias corrections, ...) are computed once in JavaScript and passed in, so
// the results are bit-identical to the js kernels.

#include <cmath>

#include "kernels.h"
#include "strided.h"

// Adam's per-element work (a division and a square root in double) is the most of any update:
// it is compiled once per ISA (vec_math.h) so that those vectorise. No contraction into FMA:
// the results stay bit-identical to the js kernel's double arithmetic.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC push_options
#pragma GCC optimize("no-trapping-math", "fp-contract=off")
#elif defined(__clang__)
#pragma clang fp contract(off)
#endif
#include "vec_math.h"

namespace myelin {
namespace kernels {
namespace {

struct AdamArgs {
  double beta1, beta2, eps, l2, decay, stepSize, bc2Sqrt, sign;
};

#define R __restrict
/** Adam on elements [lo, hi); AMSGRAD keeps the running maximum of v in vMax. */
template <bool AMSGRAD>
MYELIN_INLINE void adam_rows(float* R param, const float* R grad, float* R m, float* R v, float* R vMax, int64_t lo,
                             int64_t hi, const AdamArgs& a) {
  for (int64_t i = lo; i < hi; i++) {
    double w = param[i];
    double g = a.sign * static_cast<double>(grad[i]);
    if (a.l2 != 0.0) g += a.l2 * w;
    w *= a.decay;
    const double mi = a.beta1 * static_cast<double>(m[i]) + (1.0 - a.beta1) * g;
    const double vi = a.beta2 * static_cast<double>(v[i]) + (1.0 - a.beta2) * g * g;
    m[i] = static_cast<float>(mi);
    v[i] = static_cast<float>(vi);
    double denomV = vi;
    if (AMSGRAD) {
      const float top = vi > static_cast<double>(vMax[i]) ? static_cast<float>(vi) : vMax[i];
      vMax[i] = top;
      denomV = top;
    }
    param[i] = static_cast<float>(w - a.stepSize * mi / (std::sqrt(denomV) / a.bc2Sqrt + a.eps));
  }
}
#undef R

struct AdamSet {
  void (*plain)(float*, const float*, float*, float*, int64_t, int64_t, const AdamArgs&);
  void (*amsgrad)(float*, const float*, float*, float*, float*, int64_t, int64_t, const AdamArgs&);
};

#define MYELIN_ADAM_SET(suffix, ATTR)                                                                           \
  ATTR void adam_##suffix(float* p, const float* g, float* m, float* v, int64_t lo, int64_t hi,                \
                          const AdamArgs& a) {                                                                  \
    adam_rows<false>(p, g, m, v, nullptr, lo, hi, a);                                                           \
  }                                                                                                             \
  ATTR void amsgrad_##suffix(float* p, const float* g, float* m, float* v, float* vMax, int64_t lo, int64_t hi, \
                             const AdamArgs& a) {                                                               \
    adam_rows<true>(p, g, m, v, vMax, lo, hi, a);                                                               \
  }                                                                                                             \
  const AdamSet kAdam_##suffix = {adam_##suffix, amsgrad_##suffix};

MYELIN_FOR_EACH_ISA(MYELIN_ADAM_SET)
#undef MYELIN_ADAM_SET

MYELIN_ISA_CHOICE(AdamSet, adam_set, kAdam)

}  // namespace

void sgd_update_f32(float* param, const float* grad, float* buf, int64_t n, double lr, double momentum, double dampening,
                    double weightDecay, bool nesterov, bool firstStep, bool maximize) {
  const double sign = maximize ? -1.0 : 1.0;
  const bool useBuf = buf != nullptr && momentum != 0.0;
  parallel_range(n, kGrain, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; i++) {
      double g = sign * static_cast<double>(grad[i]);
      if (weightDecay != 0.0) g += weightDecay * static_cast<double>(param[i]);
      if (useBuf) {
        const double b = firstStep ? g : momentum * static_cast<double>(buf[i]) + (1.0 - dampening) * g;
        buf[i] = static_cast<float>(b);
        g = nesterov ? g + momentum * b : b;
      }
      param[i] = static_cast<float>(static_cast<double>(param[i]) - lr * g);
    }
  });
}

void adam_update_f32(float* param, const float* grad, float* m, float* v, float* vMax, int64_t n, double beta1,
                     double beta2, double eps, double l2, double decay, double stepSize, double bc2Sqrt, bool maximize) {
  const AdamSet& k = adam_set();
  const AdamArgs a{beta1, beta2, eps, l2, decay, stepSize, bc2Sqrt, maximize ? -1.0 : 1.0};
  parallel_range(n, kGrain / 2, [&](int64_t lo, int64_t hi) {
    if (vMax)
      k.amsgrad(param, grad, m, v, vMax, lo, hi, a);
    else
      k.plain(param, grad, m, v, lo, hi, a);
  });
}

void rmsprop_update_f32(float* param, const float* grad, float* squareAvg, float* gradAvg, float* buf, int64_t n,
                        double lr, double alpha, double eps, double weightDecay, double momentum, bool maximize) {
  const double sign = maximize ? -1.0 : 1.0;
  const bool useBuf = buf != nullptr && momentum > 0.0;
  parallel_range(n, kGrain / 2, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; i++) {
      double g = sign * static_cast<double>(grad[i]);
      if (weightDecay != 0.0) g += weightDecay * static_cast<double>(param[i]);
      const double s = alpha * static_cast<double>(squareAvg[i]) + (1.0 - alpha) * g * g;
      squareAvg[i] = static_cast<float>(s);
      double avg = s;
      if (gradAvg) {
        const double ga = alpha * static_cast<double>(gradAvg[i]) + (1.0 - alpha) * g;
        gradAvg[i] = static_cast<float>(ga);
        avg = s - ga * ga;
      }
      const double denom = std::sqrt(avg) + eps;
      if (useBuf) {
        const double b = momentum * static_cast<double>(buf[i]) + g / denom;
        buf[i] = static_cast<float>(b);
        param[i] = static_cast<float>(static_cast<double>(param[i]) - lr * b);
      } else {
        param[i] = static_cast<float>(static_cast<double>(param[i]) - lr * g / denom);
      }
    }
  });
}

}  // namespace kernels
}  // namespace myelin

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC pop_options
#endif
