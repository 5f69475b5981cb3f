// Optimizer updates, one fused pass per parameter, as src/backend/js/optim.ts: the per-element
// arithmetic is done in double in the same order as there (JavaScript numbers are doubles), and
// the scalar factors (bias corrections, ...) are computed once in JavaScript and passed in, so
// the results are bit-identical to the js kernels.

#include <cmath>

#include "kernels.h"
#include "strided.h"

namespace myelin {
namespace kernels {

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
  const double sign = maximize ? -1.0 : 1.0;
  parallel_range(n, kGrain / 2, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; i++) {
      double w = param[i];
      double g = sign * static_cast<double>(grad[i]);
      if (l2 != 0.0) g += l2 * w;
      w *= decay;
      const double mi = beta1 * static_cast<double>(m[i]) + (1.0 - beta1) * g;
      const double vi = beta2 * static_cast<double>(v[i]) + (1.0 - beta2) * g * g;
      m[i] = static_cast<float>(mi);
      v[i] = static_cast<float>(vi);
      double denomV = vi;
      if (vMax) {
        if (vi > static_cast<double>(vMax[i])) vMax[i] = static_cast<float>(vi);
        denomV = vMax[i];
      }
      param[i] = static_cast<float>(w - stepSize * mi / (std::sqrt(denomV) / bc2Sqrt + eps));
    }
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
