// Softmax and log-softmax over the middle axis of [outer, n, inner], forward and backward, as
// src/backend/js/normalize.ts. Max-subtracted; exponentials in float, sums in double; the
// log-softmax output x - logsumexp is formed in double.

#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels.h"
#include "strided.h"

namespace myelin {
namespace kernels {

namespace {

constexpr int64_t kCols = 64;  // columns per block when inner > 1

/** One row (inner == 1) of n contiguous values. */
inline void softmax_row(const float* x, int64_t n, float* out, bool log) {
  float max = -std::numeric_limits<float>::infinity();
  for (int64_t j = 0; j < n; j++) max = x[j] > max ? x[j] : max;
  if (max == -std::numeric_limits<float>::infinity()) max = 0.0f;  // an all -inf row still ends NaN, as PyTorch
  double sum = 0;
  if (log) {
    for (int64_t j = 0; j < n; j++) sum += static_cast<double>(std::exp(x[j] - max));
    const double lse = static_cast<double>(max) + std::log(sum);
    for (int64_t j = 0; j < n; j++) out[j] = static_cast<float>(static_cast<double>(x[j]) - lse);
  } else {
    for (int64_t j = 0; j < n; j++) {
      const float e = std::exp(x[j] - max);
      out[j] = e;
      sum += static_cast<double>(e);
    }
    const float inv = static_cast<float>(1.0 / sum);
    for (int64_t j = 0; j < n; j++) out[j] *= inv;
  }
}

/** Columns [i0, i0 + w) of one outer slice (inner > 1), strided by inner. */
inline void softmax_cols(const float* x, int64_t n, int64_t inner, int64_t i0, int64_t w, float* out, bool log) {
  float max[kCols];
  double sum[kCols];
  for (int64_t i = 0; i < w; i++) { max[i] = -std::numeric_limits<float>::infinity(); sum[i] = 0; }
  for (int64_t j = 0; j < n; j++) {
    const float* r = x + j * inner + i0;
    for (int64_t i = 0; i < w; i++) max[i] = r[i] > max[i] ? r[i] : max[i];
  }
  for (int64_t i = 0; i < w; i++) if (max[i] == -std::numeric_limits<float>::infinity()) max[i] = 0.0f;
  for (int64_t j = 0; j < n; j++) {
    const float* r = x + j * inner + i0;
    for (int64_t i = 0; i < w; i++) sum[i] += static_cast<double>(std::exp(r[i] - max[i]));
  }
  if (log) {
    double lse[kCols];
    for (int64_t i = 0; i < w; i++) lse[i] = static_cast<double>(max[i]) + std::log(sum[i]);
    for (int64_t j = 0; j < n; j++) {
      const float* r = x + j * inner + i0;
      float* o = out + j * inner + i0;
      for (int64_t i = 0; i < w; i++) o[i] = static_cast<float>(static_cast<double>(r[i]) - lse[i]);
    }
  } else {
    float inv[kCols];
    for (int64_t i = 0; i < w; i++) inv[i] = static_cast<float>(1.0 / sum[i]);
    for (int64_t j = 0; j < n; j++) {
      const float* r = x + j * inner + i0;
      float* o = out + j * inner + i0;
      for (int64_t i = 0; i < w; i++) o[i] = std::exp(r[i] - max[i]) * inv[i];
    }
  }
}

/** Calls fn(o, i0, w) for every (outer slice, column block), split over the pool. */
template <class F>
void for_blocks(int64_t outer, int64_t n, int64_t inner, F&& fn) {
  const int64_t blocks = (inner + kCols - 1) / kCols;
  const int64_t per = std::max<int64_t>(1, n * std::min(inner, kCols) * 4);  // ~4 passes
  parallel_range(outer * blocks, std::max<int64_t>(1, kGrain / per), [&](int64_t lo, int64_t hi) {
    for (int64_t t = lo; t < hi; t++) {
      const int64_t o = t / blocks, i0 = (t % blocks) * kCols;
      fn(o, i0, std::min(kCols, inner - i0));
    }
  });
}

}  // namespace

void softmax_f32(const float* x, int64_t outer, int64_t n, int64_t inner, float* out, bool log) {
  if (outer == 0 || n == 0 || inner == 0) return;
  if (inner == 1) {
    parallel_range(outer, std::max<int64_t>(1, kGrain / (4 * n)), [&](int64_t lo, int64_t hi) {
      for (int64_t o = lo; o < hi; o++) softmax_row(x + o * n, n, out + o * n, log);
    });
    return;
  }
  for_blocks(outer, n, inner, [&](int64_t o, int64_t i0, int64_t w) {
    softmax_cols(x + o * n * inner, n, inner, i0, w, out + o * n * inner, log);
  });
}

void softmax_backward_f32(const float* y, const float* dy, int64_t outer, int64_t n, int64_t inner, float* dx, bool log) {
  if (outer == 0 || n == 0 || inner == 0) return;
  // softmax: dx = y * (dy - sum(dy * y)); log-softmax: dx = dy - exp(y) * sum(dy)
  for_blocks(outer, n, inner, [&](int64_t o, int64_t i0, int64_t w) {
    const int64_t base = o * n * inner + i0;
    double s[kCols];
    for (int64_t i = 0; i < w; i++) s[i] = 0;
    for (int64_t j = 0; j < n; j++) {
      const float* g = dy + base + j * inner;
      const float* yy = y + base + j * inner;
      if (log) for (int64_t i = 0; i < w; i++) s[i] += static_cast<double>(g[i]);
      else for (int64_t i = 0; i < w; i++) s[i] += static_cast<double>(g[i]) * static_cast<double>(yy[i]);
    }
    for (int64_t j = 0; j < n; j++) {
      const int64_t r = base + j * inner;
      if (log) {
        for (int64_t i = 0; i < w; i++)
          dx[r + i] = static_cast<float>(static_cast<double>(dy[r + i]) - static_cast<double>(std::exp(y[r + i])) * s[i]);
      } else {
        for (int64_t i = 0; i < w; i++)
          dx[r + i] = static_cast<float>(static_cast<double>(y[r + i]) * (static_cast<double>(dy[r + i]) - s[i]));
      }
    }
  });
}

}  // namespace kernels
}  // namespace myelin
