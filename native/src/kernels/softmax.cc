// Softmax and log-softmax over the middle axis of [outer, n, inner], forward and backward, as
// src/backend/js/normalize.ts. Max-subtracted; exponentials in float (vec_math.h's, a few ulp),
// sums in double; the log-softmax output x - logsumexp and both backward formulas are formed in
// double.
//
// Rows (inner == 1, a softmax over the last axis) keep 16 independent lanes for the max and
// the sums, so that the loops vectorise; columns (inner > 1) are handled in blocks of up to 64
// adjacent columns, each with its own max and sum. Compiled for AVX-512, AVX2+FMA and the
// baseline ISA and chosen at run time (as rnn.cc); rows or column blocks are split over the
// pool. (With glibc's scalar exp and one running sum, a 1024 x 784 softmax took 39x a relu of
// the same size.)

#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels.h"
#include "strided.h"

// see vec_math.h: without no-trapping-math GCC vectorises none of the selects
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC push_options
#pragma GCC optimize("no-trapping-math")
#endif
#include "vec_math.h"

namespace myelin {
namespace kernels {

namespace {

#define R __restrict
constexpr int64_t kCols = 64;  // columns per block when inner > 1
constexpr int kLanes = 16;     // independent accumulators for a row
constexpr float kNegInf = -std::numeric_limits<float>::infinity();

/** max_j x[j], NaN ignored (as the js kernel's x > max ? x : max); an all -inf row gives 0. */
MYELIN_INLINE float row_max(const float* R x, int64_t n) {
  float m[kLanes];
  for (int k = 0; k < kLanes; k++) m[k] = kNegInf;
  int64_t j = 0;
  for (; j + kLanes <= n; j += kLanes)
    for (int k = 0; k < kLanes; k++) m[k] = x[j + k] > m[k] ? x[j + k] : m[k];
  for (; j < n; j++) m[0] = x[j] > m[0] ? x[j] : m[0];
  float max = kNegInf;
  for (int k = 0; k < kLanes; k++) max = m[k] > max ? m[k] : max;
  return max == kNegInf ? 0.0f : max;  // an all -inf row still ends NaN, as PyTorch
}

/** sum_j e^(x[j] - max) in double; with out, also out[j] = e^(x[j] - max). */
template <bool kStore>
MYELIN_INLINE double row_exp_sum(const float* x, int64_t n, float max, float* out) {
  return vec::lane_sum(n, [=](int64_t j) MYELIN_LAMBDA_INLINE {
    const float e = vec::exp_approx(x[j] - max);
    if (kStore) out[j] = e;
    return static_cast<double>(e);
  });
}

/** Rows [r0, r1) of n contiguous values. */
MYELIN_INLINE void softmax_rows(const float* x, int64_t n, float* out, bool log, int64_t r0, int64_t r1) {
  for (int64_t r = r0; r < r1; r++) {
    const float* R xr = x + r * n;
    float* R o = out + r * n;
    const float max = row_max(xr, n);
    if (log) {
      const double lse = static_cast<double>(max) + std::log(row_exp_sum<false>(xr, n, max, o));
      for (int64_t j = 0; j < n; j++) o[j] = static_cast<float>(static_cast<double>(xr[j]) - lse);
    } else {
      const float inv = static_cast<float>(1.0 / row_exp_sum<true>(xr, n, max, o));
      for (int64_t j = 0; j < n; j++) o[j] *= inv;
    }
  }
}

/** Columns [i0, i0 + w) of one outer slice (inner > 1), strided by inner. */
MYELIN_INLINE void softmax_cols(const float* x, int64_t n, int64_t inner, int64_t i0, int64_t w, float* out, bool log) {
  float max[kCols];
  double sum[kCols];
  for (int64_t i = 0; i < w; i++) { max[i] = kNegInf; sum[i] = 0; }
  for (int64_t j = 0; j < n; j++) {
    const float* R r = x + j * inner + i0;
    for (int64_t i = 0; i < w; i++) max[i] = r[i] > max[i] ? r[i] : max[i];
  }
  for (int64_t i = 0; i < w; i++) max[i] = max[i] == kNegInf ? 0.0f : max[i];
  for (int64_t j = 0; j < n; j++) {
    const float* R r = x + j * inner + i0;
    for (int64_t i = 0; i < w; i++) sum[i] += static_cast<double>(vec::exp_approx(r[i] - max[i]));
  }
  if (log) {
    double lse[kCols];
    for (int64_t i = 0; i < w; i++) lse[i] = static_cast<double>(max[i]) + std::log(sum[i]);
    for (int64_t j = 0; j < n; j++) {
      const float* R r = x + j * inner + i0;
      float* R o = out + j * inner + i0;
      for (int64_t i = 0; i < w; i++) o[i] = static_cast<float>(static_cast<double>(r[i]) - lse[i]);
    }
  } else {
    float inv[kCols];
    for (int64_t i = 0; i < w; i++) inv[i] = static_cast<float>(1.0 / sum[i]);
    for (int64_t j = 0; j < n; j++) {
      const float* R r = x + j * inner + i0;
      float* R o = out + j * inner + i0;
      for (int64_t i = 0; i < w; i++) o[i] = vec::exp_approx(r[i] - max[i]) * inv[i];
    }
  }
}

// Backward: softmax dx = y * (dy - sum(dy * y)); log-softmax dx = dy - exp(y) * sum(dy).

/** Rows [r0, r1) (inner == 1). */
MYELIN_INLINE void softmax_backward_rows(const float* y, const float* dy, int64_t n, float* dx, bool log, int64_t r0,
                                         int64_t r1) {
  for (int64_t r = r0; r < r1; r++) {
    const float* R yr = y + r * n;
    const float* R g = dy + r * n;
    float* R o = dx + r * n;
    const double sum = log ? vec::lane_sum(n, [=](int64_t j) MYELIN_LAMBDA_INLINE { return static_cast<double>(g[j]); })
                           : vec::lane_sum(n, [=](int64_t j) MYELIN_LAMBDA_INLINE {
                               return static_cast<double>(g[j]) * static_cast<double>(yr[j]);
                             });
    if (log) {
      for (int64_t i = 0; i < n; i++)
        o[i] = static_cast<float>(static_cast<double>(g[i]) - static_cast<double>(vec::exp_approx(yr[i])) * sum);
    } else {
      for (int64_t i = 0; i < n; i++) o[i] = static_cast<float>(static_cast<double>(yr[i]) * (static_cast<double>(g[i]) - sum));
    }
  }
}

/** Columns [i0, i0 + w) of one outer slice (inner > 1); base is the slice's offset plus i0. */
MYELIN_INLINE void softmax_backward_cols(const float* y, const float* dy, int64_t n, int64_t inner, int64_t base,
                                         int64_t w, float* dx, bool log) {
  double s[kCols];
  for (int64_t i = 0; i < w; i++) s[i] = 0;
  for (int64_t j = 0; j < n; j++) {
    const float* R g = dy + base + j * inner;
    const float* R yy = y + base + j * inner;
    if (log) for (int64_t i = 0; i < w; i++) s[i] += static_cast<double>(g[i]);
    else for (int64_t i = 0; i < w; i++) s[i] += static_cast<double>(g[i]) * static_cast<double>(yy[i]);
  }
  for (int64_t j = 0; j < n; j++) {
    const float* R g = dy + base + j * inner;
    const float* R yy = y + base + j * inner;
    float* R o = dx + base + j * inner;
    if (log) {
      for (int64_t i = 0; i < w; i++)
        o[i] = static_cast<float>(static_cast<double>(g[i]) - static_cast<double>(vec::exp_approx(yy[i])) * s[i]);
    } else {
      for (int64_t i = 0; i < w; i++) o[i] = static_cast<float>(static_cast<double>(yy[i]) * (static_cast<double>(g[i]) - s[i]));
    }
  }
}
#undef R

struct SoftmaxSet {
  void (*rows)(const float*, int64_t, float*, bool, int64_t, int64_t);
  void (*cols)(const float*, int64_t, int64_t, int64_t, int64_t, float*, bool);
  void (*back_rows)(const float*, const float*, int64_t, float*, bool, int64_t, int64_t);
  void (*back_cols)(const float*, const float*, int64_t, int64_t, int64_t, int64_t, float*, bool);
};

#define MYELIN_SOFTMAX_SET(suffix, ATTR)                                                                            \
  ATTR void rows_##suffix(const float* x, int64_t n, float* o, bool log, int64_t r0, int64_t r1) {                  \
    softmax_rows(x, n, o, log, r0, r1);                                                                             \
  }                                                                                                                 \
  ATTR void cols_##suffix(const float* x, int64_t n, int64_t inner, int64_t i0, int64_t w, float* o, bool log) {     \
    softmax_cols(x, n, inner, i0, w, o, log);                                                                       \
  }                                                                                                                 \
  ATTR void back_rows_##suffix(const float* y, const float* dy, int64_t n, float* dx, bool log, int64_t r0,         \
                               int64_t r1) {                                                                        \
    softmax_backward_rows(y, dy, n, dx, log, r0, r1);                                                               \
  }                                                                                                                 \
  ATTR void back_cols_##suffix(const float* y, const float* dy, int64_t n, int64_t inner, int64_t base, int64_t w,  \
                               float* dx, bool log) {                                                               \
    softmax_backward_cols(y, dy, n, inner, base, w, dx, log);                                                       \
  }                                                                                                                 \
  const SoftmaxSet kSoftmax_##suffix = {rows_##suffix, cols_##suffix, back_rows_##suffix, back_cols_##suffix};

MYELIN_FOR_EACH_ISA(MYELIN_SOFTMAX_SET)
#undef MYELIN_SOFTMAX_SET

MYELIN_ISA_CHOICE(SoftmaxSet, softmax_set, kSoftmax)



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

/** Rows split over the pool (inner == 1). */
template <class F>
void for_rows(int64_t outer, int64_t n, F&& fn) {
  parallel_range(outer, std::max<int64_t>(1, kGrain / (4 * n)), [&](int64_t lo, int64_t hi) { fn(lo, hi); });
}

}  // namespace

void softmax_f32(const float* x, int64_t outer, int64_t n, int64_t inner, float* out, bool log) {
  if (outer == 0 || n == 0 || inner == 0) return;
  const SoftmaxSet& k = softmax_set();
  if (inner == 1) {
    for_rows(outer, n, [&](int64_t lo, int64_t hi) { k.rows(x, n, out, log, lo, hi); });
    return;
  }
  for_blocks(outer, n, inner, [&](int64_t o, int64_t i0, int64_t w) {
    k.cols(x + o * n * inner, n, inner, i0, w, out + o * n * inner, log);
  });
}

void softmax_backward_f32(const float* y, const float* dy, int64_t outer, int64_t n, int64_t inner, float* dx, bool log) {
  if (outer == 0 || n == 0 || inner == 0) return;
  const SoftmaxSet& k = softmax_set();
  if (inner == 1) {
    for_rows(outer, n, [&](int64_t lo, int64_t hi) { k.back_rows(y, dy, n, dx, log, lo, hi); });
    return;
  }
  for_blocks(outer, n, inner, [&](int64_t o, int64_t i0, int64_t w) {
    k.back_cols(y, dy, n, inner, o * n * inner + i0, w, dx, log);
  });
}

}  // namespace kernels
}  // namespace myelin

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC pop_options
#endif
