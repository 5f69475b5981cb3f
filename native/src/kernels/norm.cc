// Batch norm and layer norm, forward and backward, as src/backend/js/normalize.ts. The
// arithmetic is done in double in the same order as the js kernels (whose numbers are
// doubles), so results agree with them to the last bit or nearly so.

#include <algorithm>
#include <cmath>

#include "kernels.h"
#include "strided.h"

namespace myelin {
namespace kernels {

void channel_moments_f32(const float* x, int64_t n, int64_t c, int64_t spatial, float* mean, float* variance) {
  const int64_t count = n * spatial;
  parallel_range(c, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, 2 * count)), [&](int64_t lo, int64_t hi) {
    for (int64_t ch = lo; ch < hi; ch++) {
      // two passes (mean, then squared deviations) avoid the cancellation of E[x^2] - E[x]^2
      double s = 0;
      for (int64_t b = 0; b < n; b++) {
        const float* p = x + (b * c + ch) * spatial;
        for (int64_t i = 0; i < spatial; i++) s += static_cast<double>(p[i]);
      }
      const double m = s / static_cast<double>(count);
      double v = 0;
      for (int64_t b = 0; b < n; b++) {
        const float* p = x + (b * c + ch) * spatial;
        for (int64_t i = 0; i < spatial; i++) {
          const double d = static_cast<double>(p[i]) - m;
          v += d * d;
        }
      }
      mean[ch] = static_cast<float>(m);
      variance[ch] = static_cast<float>(v / static_cast<double>(count));
    }
  });
}

void batch_norm_apply_f32(const float* x, int64_t n, int64_t c, int64_t spatial, const float* mean, const float* invStd,
                          const float* gamma, const float* beta, float* out) {
  // planes (b, ch) in parallel
  parallel_range(n * c, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, spatial)), [&](int64_t lo, int64_t hi) {
    for (int64_t pl = lo; pl < hi; pl++) {
      const int64_t ch = pl % c;
      const double scale = static_cast<double>(invStd[ch]) * (gamma ? static_cast<double>(gamma[ch]) : 1.0);
      const double shift = (beta ? static_cast<double>(beta[ch]) : 0.0) - static_cast<double>(mean[ch]) * scale;
      const float* p = x + pl * spatial;
      float* o = out + pl * spatial;
      for (int64_t i = 0; i < spatial; i++) o[i] = static_cast<float>(static_cast<double>(p[i]) * scale + shift);
    }
  });
}

void batch_norm_backward_f32(const float* x, const float* dy, int64_t n, int64_t c, int64_t spatial, const float* mean,
                             const float* invStd, const float* gamma, bool batchStats, float* dx, float* dgamma,
                             float* dbeta) {
  const double count = static_cast<double>(n * spatial);
  parallel_range(c, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, 3 * n * spatial)), [&](int64_t lo, int64_t hi) {
    for (int64_t ch = lo; ch < hi; ch++) {
      const double m = mean[ch], is = invStd[ch];
      double sdy = 0, sdyx = 0;
      for (int64_t b = 0; b < n; b++) {
        const int64_t base = (b * c + ch) * spatial;
        for (int64_t i = 0; i < spatial; i++) {
          const double g = dy[base + i];
          sdy += g;
          sdyx += g * (static_cast<double>(x[base + i]) - m) * is;
        }
      }
      if (dgamma) dgamma[ch] = static_cast<float>(sdyx);
      if (dbeta) dbeta[ch] = static_cast<float>(sdy);
      if (!dx) continue;
      const double k = (gamma ? static_cast<double>(gamma[ch]) : 1.0) * is;
      const double a = sdy / count, bb = sdyx / count;
      for (int64_t b = 0; b < n; b++) {
        const int64_t base = (b * c + ch) * spatial;
        if (batchStats) {
          for (int64_t i = 0; i < spatial; i++)
            dx[base + i] = static_cast<float>(
                k * (static_cast<double>(dy[base + i]) - a - (static_cast<double>(x[base + i]) - m) * is * bb));
        } else {
          for (int64_t i = 0; i < spatial; i++) dx[base + i] = static_cast<float>(k * static_cast<double>(dy[base + i]));
        }
      }
    }
  });
}

void layer_norm_f32(const float* x, int64_t rows, int64_t n, const float* gamma, const float* beta, double eps,
                    float* out, float* mean, float* invStd) {
  parallel_range(rows, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, 3 * n)), [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; r++) {
      const float* p = x + r * n;
      float* o = out + r * n;
      double s = 0;
      for (int64_t j = 0; j < n; j++) s += static_cast<double>(p[j]);
      const double m = s / static_cast<double>(n);
      double v = 0;
      for (int64_t j = 0; j < n; j++) {
        const double d = static_cast<double>(p[j]) - m;
        v += d * d;
      }
      const double is = 1.0 / std::sqrt(v / static_cast<double>(n) + eps);
      mean[r] = static_cast<float>(m);
      invStd[r] = static_cast<float>(is);
      for (int64_t j = 0; j < n; j++) {
        double y = (static_cast<double>(p[j]) - m) * is;
        if (gamma) y *= static_cast<double>(gamma[j]);
        if (beta) y += static_cast<double>(beta[j]);
        o[j] = static_cast<float>(y);
      }
    }
  });
}

void layer_norm_backward_f32(const float* x, const float* dy, int64_t rows, int64_t n, const float* mean,
                             const float* invStd, const float* gamma, float* dx, float* dgamma, float* dbeta) {
  // dgamma / dbeta: columns split over the pool, rows added in order into float accumulators
  // (as the js kernel accumulates into the float32 output)
  if (dgamma || dbeta) {
    parallel_range(n, std::max<int64_t>(16, kGrain / std::max<int64_t>(1, rows)), [&](int64_t j0, int64_t j1) {
      if (dgamma) std::fill(dgamma + j0, dgamma + j1, 0.0f);
      if (dbeta) std::fill(dbeta + j0, dbeta + j1, 0.0f);
      for (int64_t r = 0; r < rows; r++) {
        const double m = mean[r], is = invStd[r];
        const float* p = x + r * n;
        const float* d = dy + r * n;
        for (int64_t j = j0; j < j1; j++) {
          const double xhat = (static_cast<double>(p[j]) - m) * is, g = d[j];
          if (dgamma) dgamma[j] = static_cast<float>(static_cast<double>(dgamma[j]) + g * xhat);
          if (dbeta) dbeta[j] = static_cast<float>(static_cast<double>(dbeta[j]) + g);
        }
      }
    });
  }
  if (!dx) return;
  // with g = dy * gamma: dx = invStd * (g - mean(g) - xhat * mean(g * xhat))
  parallel_range(rows, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, 3 * n)), [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; r++) {
      const double m = mean[r], is = invStd[r];
      const float* p = x + r * n;
      const float* d = dy + r * n;
      double sg = 0, sgx = 0;
      for (int64_t j = 0; j < n; j++) {
        const double xhat = (static_cast<double>(p[j]) - m) * is;
        const double g = gamma ? static_cast<double>(d[j]) * static_cast<double>(gamma[j]) : static_cast<double>(d[j]);
        sg += g;
        sgx += g * xhat;
      }
      const double a = sg / static_cast<double>(n), b = sgx / static_cast<double>(n);
      float* o = dx + r * n;
      for (int64_t j = 0; j < n; j++) {
        const double xhat = (static_cast<double>(p[j]) - m) * is;
        const double g = gamma ? static_cast<double>(d[j]) * static_cast<double>(gamma[j]) : static_cast<double>(d[j]);
        o[j] = static_cast<float>(is * (g - a - xhat * b));
      }
    }
  });
}

}  // namespace kernels
}  // namespace myelin
