// Batch norm and layer norm, forward and backward, as src/backend/js/normalize.ts, compiled for
// AVX-512, AVX2+FMA and the baseline ISA and chosen at run time (as rnn.cc). Sums run in double
// over 16 independent lanes (a single running sum was bound by the latency of its adds: batch
// norm's moments took 10x a relu of the same size).
//
// Batch norm keeps all its arithmetic in double, as the js kernels (whose numbers are doubles),
// so results agree with them to a few double roundings; channels (or planes) are split over
// the pool. Layer norm (every transformer block runs two) does its elementwise passes in float:
// results agree with the js kernel within float rounding (a few ulp), not bit for bit; rows
// are split over the pool.

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels.h"
#include "strided.h"

// --- layer norm ------------------------------------------------------------------------------

// see vec_math.h: GCC keeps selects as branches (and vectorises nothing) while FP may trap.
// No contraction into FMA here: dx = invStd * (g - mean(g) - ...) must round g = dy * gamma as
// the sum did, or a constant row (invStd ~ 1 / sqrt(eps)) gets its rounding error magnified.
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

#define R __restrict
constexpr int kLanes = 16;  // independent accumulators (see vec::lane_sum)

/** sum_j p[j] in double. */
MYELIN_INLINE double row_sum(const float* p, int64_t n) {
  return vec::lane_sum(n, [=](int64_t j) MYELIN_LAMBDA_INLINE { return static_cast<double>(p[j]); });
}

/** sum_j (p[j] - m)^2 in double. */
MYELIN_INLINE double row_sq_dev(const float* p, int64_t n, double m) {
  return vec::lane_sum(n, [=](int64_t j) MYELIN_LAMBDA_INLINE {
    const double d = static_cast<double>(p[j]) - m;
    return d * d;
  });
}

MYELIN_INLINE void ln_forward_rows(const float* x, int64_t n, const float* R gamma, const float* R beta, double eps,
                                   float* out, float* R mean, float* R invStd, int64_t r0, int64_t r1) {
  for (int64_t r = r0; r < r1; r++) {
    const float* R p = x + r * n;
    float* R o = out + r * n;
    const double m = row_sum(p, n) / static_cast<double>(n);
    const double is = 1.0 / std::sqrt(row_sq_dev(p, n, m) / static_cast<double>(n) + eps);
    mean[r] = static_cast<float>(m);
    invStd[r] = static_cast<float>(is);
    // x - m as (x - mf) - mc, mf + mc = m to 2^-48: when the mean is large against the spread
    // (x ~ 1000 + noise) x - mf is exact and the rounding of m alone would shift every xhat
    const float mf = static_cast<float>(m), mc = static_cast<float>(m - static_cast<double>(mf));
    const float sf = static_cast<float>(is);
    if (gamma && beta) {
      for (int64_t j = 0; j < n; j++) o[j] = ((p[j] - mf) - mc) * sf * gamma[j] + beta[j];
    } else if (gamma) {
      for (int64_t j = 0; j < n; j++) o[j] = ((p[j] - mf) - mc) * sf * gamma[j];
    } else if (beta) {
      for (int64_t j = 0; j < n; j++) o[j] = ((p[j] - mf) - mc) * sf + beta[j];
    } else {
      for (int64_t j = 0; j < n; j++) o[j] = ((p[j] - mf) - mc) * sf;
    }
  }
}

/**
 * sum_j g_j and sum_j g_j xhat_j (g = dy * gamma) in double, for one row; with kParams also
 * dg[j] += dy_j xhat_j and db[j] += dy_j (a block's partial dgamma / dbeta).
 */
template <bool kGamma, bool kParams>
MYELIN_INLINE void row_grad_sums(const float* R p, const float* R d, const float* R gamma, int64_t n, float mf,
                                 float sf, double& sg, double& sgx, float* R dg, float* R db) {
  double a[kLanes] = {}, b[kLanes] = {};
  int64_t j = 0;
  for (; j + kLanes <= n; j += kLanes)
    for (int k = 0; k < kLanes; k++) {
      const float xhat = (p[j + k] - mf) * sf, dv = d[j + k];
      const float g = kGamma ? dv * gamma[j + k] : dv;
      a[k] += static_cast<double>(g);
      b[k] += static_cast<double>(g * xhat);
      if (kParams) {
        dg[j + k] += dv * xhat;
        db[j + k] += dv;
      }
    }
  double s = 0, t = 0;
  for (; j < n; j++) {
    const float xhat = (p[j] - mf) * sf, dv = d[j];
    const float g = kGamma ? dv * gamma[j] : dv;
    s += static_cast<double>(g);
    t += static_cast<double>(g * xhat);
    if (kParams) {
      dg[j] += dv * xhat;
      db[j] += dv;
    }
  }
  for (int k = 0; k < kLanes; k++) { s += a[k]; t += b[k]; }
  sg = s;
  sgx = t;
}

/**
 * Rows [r0, r1): dx (when dx is not null) and, when dg is not null, the rows' dgamma / dbeta
 * partial sums added into dg / db (n floats each).
 */
MYELIN_INLINE void ln_backward_rows(const float* x, const float* dy, int64_t n, const float* R mean,
                                    const float* R invStd, const float* R gamma, float* dx, float* R dg, float* R db,
                                    int64_t r0, int64_t r1) {
  for (int64_t r = r0; r < r1; r++) {
    const float* R p = x + r * n;
    const float* R d = dy + r * n;
    const float mf = mean[r], sf = invStd[r];
    double sg, sgx;
    if (gamma) {
      if (dg) row_grad_sums<true, true>(p, d, gamma, n, mf, sf, sg, sgx, dg, db);
      else row_grad_sums<true, false>(p, d, gamma, n, mf, sf, sg, sgx, dg, db);
    } else {
      if (dg) row_grad_sums<false, true>(p, d, gamma, n, mf, sf, sg, sgx, dg, db);
      else row_grad_sums<false, false>(p, d, gamma, n, mf, sf, sg, sgx, dg, db);
    }
    if (!dx) continue;
    float* R o = dx + r * n;
    // with g = dy * gamma: dx = invStd * (g - mean(g) - xhat * mean(g * xhat))
    const float a = static_cast<float>(sg / static_cast<double>(n)), b = static_cast<float>(sgx / static_cast<double>(n));
    if (gamma) {
      for (int64_t j = 0; j < n; j++) o[j] = sf * (d[j] * gamma[j] - a - (p[j] - mf) * sf * b);
    } else {
      for (int64_t j = 0; j < n; j++) o[j] = sf * (d[j] - a - (p[j] - mf) * sf * b);
    }
  }
}

// --- batch norm: one channel's n planes of `spatial` values, planes c * spatial apart ---

/** Channels [c0, c1): mean and biased variance, in double (two passes: no cancellation). */
MYELIN_INLINE void bn_moments_channels(const float* x, int64_t n, int64_t c, int64_t spatial, float* R mean,
                                       float* R variance, int64_t c0, int64_t c1) {
  const double count = static_cast<double>(n * spatial);
  for (int64_t ch = c0; ch < c1; ch++) {
    double s = 0;
    for (int64_t b = 0; b < n; b++) s += row_sum(x + (b * c + ch) * spatial, spatial);
    const double m = s / count;
    double v = 0;
    for (int64_t b = 0; b < n; b++) v += row_sq_dev(x + (b * c + ch) * spatial, spatial, m);
    mean[ch] = static_cast<float>(m);
    variance[ch] = static_cast<float>(v / count);
  }
}

/** Planes [p0, p1) of out = (x - mean) * invStd * gamma + beta, in double. */
MYELIN_INLINE void bn_apply_planes(const float* x, int64_t c, int64_t spatial, const float* R mean,
                                   const float* R invStd, const float* R gamma, const float* R beta, float* out,
                                   int64_t p0, int64_t p1) {
  for (int64_t pl = p0; pl < p1; pl++) {
    const int64_t ch = pl % c;
    const double scale = static_cast<double>(invStd[ch]) * (gamma ? static_cast<double>(gamma[ch]) : 1.0);
    const double shift = (beta ? static_cast<double>(beta[ch]) : 0.0) - static_cast<double>(mean[ch]) * scale;
    const float* R p = x + pl * spatial;
    float* R o = out + pl * spatial;
    for (int64_t i = 0; i < spatial; i++) o[i] = static_cast<float>(static_cast<double>(p[i]) * scale + shift);
  }
}

/** sum_j d[j] * (p[j] - m) in double. */
MYELIN_INLINE double row_dot_dev(const float* p, const float* d, int64_t n, double m) {
  return vec::lane_sum(n, [=](int64_t j) MYELIN_LAMBDA_INLINE {
    return static_cast<double>(d[j]) * (static_cast<double>(p[j]) - m);
  });
}

/** Channels [c0, c1) of batch norm's backward (see batch_norm_backward_f32), in double. */
MYELIN_INLINE void bn_backward_channels(const float* x, const float* dy, int64_t n, int64_t c, int64_t spatial,
                                        const float* R mean, const float* R invStd, const float* R gamma,
                                        bool batchStats, float* dx, float* R dgamma, float* R dbeta, int64_t c0,
                                        int64_t c1) {
  const double count = static_cast<double>(n * spatial);
  for (int64_t ch = c0; ch < c1; ch++) {
    const double m = mean[ch], is = invStd[ch];
    double sdy = 0, sdxm = 0;  // sum(dy), sum(dy * (x - mean))
    for (int64_t b = 0; b < n; b++) {
      const int64_t base = (b * c + ch) * spatial;
      // two passes over the plane (in cache): one loop with both sums vectorised poorly
      sdy += row_sum(dy + base, spatial);
      sdxm += row_dot_dev(x + base, dy + base, spatial, m);
    }
    const double sdyx = sdxm * is;  // sum(dy * xhat)
    if (dgamma) dgamma[ch] = static_cast<float>(sdyx);
    if (dbeta) dbeta[ch] = static_cast<float>(sdy);
    if (!dx) continue;
    const double k = (gamma ? static_cast<double>(gamma[ch]) : 1.0) * is;
    // dx = k * (dy - mean(dy) - xhat * mean(dy * xhat)) = k * dy - k * mean(dy) - (x - m) * k * is * mean(dy * xhat)
    const double a = sdy / count, bb = sdyx / count;
    for (int64_t b = 0; b < n; b++) {
      const int64_t base = (b * c + ch) * spatial;
      const float* R xp = x + base;
      const float* R d = dy + base;
      float* R o = dx + base;
      if (batchStats) {
        for (int64_t i = 0; i < spatial; i++)
          o[i] = static_cast<float>(k * (static_cast<double>(d[i]) - a - (static_cast<double>(xp[i]) - m) * is * bb));
      } else {
        for (int64_t i = 0; i < spatial; i++) o[i] = static_cast<float>(k * static_cast<double>(d[i]));
      }
    }
  }
}

/** acc[j] += part[j] for j < n. */
MYELIN_INLINE void add_into(float* R acc, const float* R part, int64_t n) {
  for (int64_t j = 0; j < n; j++) acc[j] += part[j];
}
#undef R

struct NormSet {
  const char* name;
  void (*forward)(const float*, int64_t, const float*, const float*, double, float*, float*, float*, int64_t, int64_t);
  void (*backward)(const float*, const float*, int64_t, const float*, const float*, const float*, float*, float*,
                   float*, int64_t, int64_t);
  void (*add)(float*, const float*, int64_t);
  void (*bn_moments)(const float*, int64_t, int64_t, int64_t, float*, float*, int64_t, int64_t);
  void (*bn_apply)(const float*, int64_t, int64_t, const float*, const float*, const float*, const float*, float*,
                   int64_t, int64_t);
  void (*bn_backward)(const float*, const float*, int64_t, int64_t, int64_t, const float*, const float*, const float*,
                      bool, float*, float*, float*, int64_t, int64_t);
};

#define MYELIN_NORM_SET(suffix, ATTR)                                                                                 \
  ATTR void ln_forward_##suffix(const float* x, int64_t n, const float* g, const float* b, double eps, float* o,      \
                                float* m, float* s, int64_t r0, int64_t r1) {                                        \
    ln_forward_rows(x, n, g, b, eps, o, m, s, r0, r1);                                                                \
  }                                                                                                                   \
  ATTR void ln_backward_##suffix(const float* x, const float* dy, int64_t n, const float* m, const float* s,         \
                                 const float* g, float* dx, float* dg, float* db, int64_t r0, int64_t r1) {          \
    ln_backward_rows(x, dy, n, m, s, g, dx, dg, db, r0, r1);                                                          \
  }                                                                                                                   \
  ATTR void add_into_##suffix(float* acc, const float* part, int64_t n) { add_into(acc, part, n); }                  \
  ATTR void bn_moments_##suffix(const float* x, int64_t n, int64_t c, int64_t sp, float* m, float* v, int64_t c0,     \
                                int64_t c1) {                                                                         \
    bn_moments_channels(x, n, c, sp, m, v, c0, c1);                                                                   \
  }                                                                                                                   \
  ATTR void bn_apply_##suffix(const float* x, int64_t c, int64_t sp, const float* m, const float* s, const float* g,  \
                              const float* b, float* o, int64_t p0, int64_t p1) {                                     \
    bn_apply_planes(x, c, sp, m, s, g, b, o, p0, p1);                                                                 \
  }                                                                                                                   \
  ATTR void bn_backward_##suffix(const float* x, const float* dy, int64_t n, int64_t c, int64_t sp, const float* m,   \
                                 const float* s, const float* g, bool st, float* dx, float* dg, float* db, int64_t c0, \
                                 int64_t c1) {                                                                        \
    bn_backward_channels(x, dy, n, c, sp, m, s, g, st, dx, dg, db, c0, c1);                                           \
  }                                                                                                                   \
  const NormSet kNorm_##suffix = {#suffix,           ln_forward_##suffix, ln_backward_##suffix, add_into_##suffix,     \
                                  bn_moments_##suffix, bn_apply_##suffix, bn_backward_##suffix};

MYELIN_FOR_EACH_ISA(MYELIN_NORM_SET)
#undef MYELIN_NORM_SET

MYELIN_ISA_CHOICE(NormSet, norm_set, kNorm)

}  // namespace

void layer_norm_f32(const float* x, int64_t rows, int64_t n, const float* gamma, const float* beta, double eps,
                    float* out, float* mean, float* invStd) {
  const NormSet& k = norm_set();
  // a row costs about 4n cheap operations (two reductions, one elementwise pass)
  parallel_range(rows, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, 4 * n)), [&](int64_t lo, int64_t hi) {
    k.forward(x, n, gamma, beta, eps, out, mean, invStd, lo, hi);
  });
}

void layer_norm_backward_f32(const float* x, const float* dy, int64_t rows, int64_t n, const float* mean,
                             const float* invStd, const float* gamma, float* dx, float* dgamma, float* dbeta) {
  const NormSet& k = norm_set();
  const int64_t rowGrain = std::max<int64_t>(1, kGrain / std::max<int64_t>(1, 6 * n));
  if (!dgamma && !dbeta) {
    if (!dx) return;
    parallel_range(rows, rowGrain, [&](int64_t lo, int64_t hi) {
      k.backward(x, dy, n, mean, invStd, gamma, dx, nullptr, nullptr, lo, hi);
    });
    return;
  }
  // dgamma / dbeta: partial sums over fixed blocks of rows (the same for any thread count, so
  // results do not depend on it), computed alongside dx, then added block by block in order
  constexpr int64_t kBlockRows = 32;
  const int64_t blocks = (rows + kBlockRows - 1) / kBlockRows;
  std::vector<float> part(static_cast<size_t>(blocks * 2 * n), 0.0f);
  parallel_range(blocks, std::max<int64_t>(1, rowGrain / kBlockRows), [&](int64_t lo, int64_t hi) {
    for (int64_t bk = lo; bk < hi; bk++) {
      float* pg = part.data() + bk * 2 * n;
      k.backward(x, dy, n, mean, invStd, gamma, dx, pg, pg + n, bk * kBlockRows, std::min(rows, (bk + 1) * kBlockRows));
    }
  });
  if (dgamma) std::fill(dgamma, dgamma + n, 0.0f);
  if (dbeta) std::fill(dbeta, dbeta + n, 0.0f);
  for (int64_t bk = 0; bk < blocks; bk++) {
    const float* pg = part.data() + bk * 2 * n;
    if (dgamma) k.add(dgamma, pg, n);
    if (dbeta) k.add(dbeta, pg + n, n);
  }
}

void channel_moments_f32(const float* x, int64_t n, int64_t c, int64_t spatial, float* mean, float* variance) {
  const NormSet& k = norm_set();
  parallel_range(c, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, 2 * n * spatial)), [&](int64_t lo, int64_t hi) {
    k.bn_moments(x, n, c, spatial, mean, variance, lo, hi);
  });
}

void batch_norm_apply_f32(const float* x, int64_t n, int64_t c, int64_t spatial, const float* mean, const float* invStd,
                          const float* gamma, const float* beta, float* out) {
  const NormSet& k = norm_set();
  // planes (b, ch) in parallel
  parallel_range(n * c, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, spatial)), [&](int64_t lo, int64_t hi) {
    k.bn_apply(x, c, spatial, mean, invStd, gamma, beta, out, lo, hi);
  });
}

void batch_norm_backward_f32(const float* x, const float* dy, int64_t n, int64_t c, int64_t spatial, const float* mean,
                             const float* invStd, const float* gamma, bool batchStats, float* dx, float* dgamma,
                             float* dbeta) {
  const NormSet& k = norm_set();
  parallel_range(c, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, 3 * n * spatial)), [&](int64_t lo, int64_t hi) {
    k.bn_backward(x, dy, n, c, spatial, mean, invStd, gamma, batchStats, dx, dgamma, dbeta, lo, hi);
  });
}

}  // namespace kernels
}  // namespace myelin

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC pop_options
#endif
