// Reductions over the middle axis of [outer, n, inner], as src/backend/js/reduce.ts.
//
// Sums and products accumulate in double (like the js kernels, whose numbers are doubles).
// max/min keep the first of equal values and let NaN win; argmax/argmin return the first
// index of the extreme value, NaN counting as the extreme.
//
// Parallel split: over output rows when there are several, and for one long row (a full
// reduction) over pieces of the row whose partial results are combined in order.

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "kernels.h"
#include "strided.h"

namespace myelin {
namespace kernels {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

inline double identity(ReduceOp op) {
  switch (op) {
    case ReduceOp::sum: return 0.0;
    case ReduceOp::prod: return 1.0;
    case ReduceOp::max: return -kInf;
    case ReduceOp::min: return kInf;
    default: return 0.0;
  }
}

inline double sum_contig(const float* x, int64_t n) {
  // eight independent accumulators: shorter dependency chains, and the compiler vectorises them
  double s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t j = 0;
  for (; j + 8 <= n; j += 8)
    for (int q = 0; q < 8; q++) s[q] += static_cast<double>(x[j + q]);
  for (; j < n; j++) s[0] += static_cast<double>(x[j]);
  return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

/** acc combined with x[0..n) in order; float results are exact (max/min pick an element). */
inline double reduce_contig(ReduceOp op, const float* x, int64_t n, double acc) {
  switch (op) {
    case ReduceOp::sum: return acc + sum_contig(x, n);
    case ReduceOp::prod:
      for (int64_t j = 0; j < n; j++) acc *= static_cast<double>(x[j]);
      return acc;
    case ReduceOp::max:
      for (int64_t j = 0; j < n; j++) {
        const double v = x[j];
        if (v > acc || v != v) acc = v;
      }
      return acc;
    case ReduceOp::min:
      for (int64_t j = 0; j < n; j++) {
        const double v = x[j];
        if (v < acc || v != v) acc = v;
      }
      return acc;
    default: return acc;
  }
}

/** Combines a later partial result into an earlier one. */
inline double combine(ReduceOp op, double acc, double v) {
  switch (op) {
    case ReduceOp::sum: return acc + v;
    case ReduceOp::prod: return acc * v;
    case ReduceOp::max: return (v > acc || (v != v && acc == acc)) ? v : acc;
    case ReduceOp::min: return (v < acc || (v != v && acc == acc)) ? v : acc;
    default: return acc;
  }
}

/** One long row split over the pool; partial results combined in order. */
double reduce_long_row(ReduceOp op, const float* x, int64_t n) {
  const int chunks = static_cast<int>(std::min<int64_t>(get_num_threads(), (n + kGrain - 1) / kGrain));
  std::vector<double> part(static_cast<size_t>(chunks), identity(op));
  const int64_t per = (n + chunks - 1) / chunks;
  parallel_for(0, chunks, 1, [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; c++) {
      const int64_t lo = c * per, hi = std::min(n, lo + per);
      if (lo < hi) part[c] = reduce_contig(op, x + lo, hi - lo, identity(op));
    }
  });
  double acc = part[0];
  for (int c = 1; c < chunks; c++) acc = combine(op, acc, part[c]);
  return acc;
}

/** Columns [i0, i1) of outer slice o, inner > 1: accumulate rows into a double buffer. */
void reduce_columns(ReduceOp op, const float* x, int64_t n, int64_t inner, int64_t i0, int64_t i1, float* out) {
  constexpr int64_t B = 256;
  double acc[B];
  for (int64_t b0 = i0; b0 < i1; b0 += B) {
    const int64_t w = std::min(B, i1 - b0);
    if (n == 0) {
      for (int64_t i = 0; i < w; i++) out[b0 + i] = static_cast<float>(identity(op));
      continue;
    }
    for (int64_t i = 0; i < w; i++) acc[i] = x[b0 + i];
    for (int64_t j = 1; j < n; j++) {
      const float* row = x + j * inner + b0;
      switch (op) {
        case ReduceOp::sum: for (int64_t i = 0; i < w; i++) acc[i] += static_cast<double>(row[i]); break;
        case ReduceOp::prod: for (int64_t i = 0; i < w; i++) acc[i] *= static_cast<double>(row[i]); break;
        case ReduceOp::max:
          for (int64_t i = 0; i < w; i++) {
            const double v = row[i];
            acc[i] = (v > acc[i] || v != v) ? v : acc[i];
          }
          break;
        case ReduceOp::min:
          for (int64_t i = 0; i < w; i++) {
            const double v = row[i];
            acc[i] = (v < acc[i] || v != v) ? v : acc[i];
          }
          break;
        default: break;
      }
    }
    for (int64_t i = 0; i < w; i++) out[b0 + i] = static_cast<float>(acc[i]);
  }
}

}  // namespace

void reduce_f32(ReduceOp op, const float* x, int64_t outer, int64_t n, int64_t inner, float* out) {
  if (outer == 0 || inner == 0) return;
  if (inner == 1) {
    if (outer == 1) {
      out[0] = static_cast<float>(n > kGrain * 2 ? reduce_long_row(op, x, n) : reduce_contig(op, x, n, identity(op)));
      return;
    }
    const int64_t grain = std::max<int64_t>(1, kGrain / std::max<int64_t>(n, 1));
    parallel_range(outer, grain, [&](int64_t lo, int64_t hi) {
      for (int64_t o = lo; o < hi; o++) out[o] = static_cast<float>(reduce_contig(op, x + o * n, n, identity(op)));
    });
    return;
  }
  // work items: (o, block of 256 columns); split over the pool by total elements read
  const int64_t blocks = (inner + 255) / 256, items = outer * blocks;
  const int64_t perItem = std::max<int64_t>(1, n * std::min<int64_t>(inner, 256));
  parallel_range(items, std::max<int64_t>(1, kGrain / perItem), [&](int64_t lo, int64_t hi) {
    for (int64_t t = lo; t < hi; t++) {
      const int64_t o = t / blocks, b = t % blocks;
      const int64_t i0 = b * 256, i1 = std::min(inner, i0 + 256);
      reduce_columns(op, x + o * n * inner, n, inner, i0, i1, out + o * inner);
    }
  });
}

// --- argmax / argmin ---------------------------------------------------------------------

namespace {

template <bool MAX>
inline bool better(float v, float best) {
  return (MAX ? v > best : v < best) || (v != v && best == best);
}

/** Index (relative to lo) and value of the first extreme of x[lo..hi) with stride s. */
template <bool MAX>
inline int64_t arg_scan(const float* x, int64_t lo, int64_t hi, int64_t s, float* bestOut) {
  float best = x[lo * s];
  int64_t at = lo;
  for (int64_t j = lo + 1; j < hi; j++) {
    const float v = x[j * s];
    if (better<MAX>(v, best)) { best = v; at = j; }
  }
  *bestOut = best;
  return at;
}

template <bool MAX>
void arg_reduce(const float* x, int64_t outer, int64_t n, int64_t inner, int32_t* out) {
  if (n == 0) {  // js: index 0 of an empty axis
    for (int64_t i = 0; i < outer * inner; i++) out[i] = 0;
    return;
  }
  if (outer * inner == 1 && n > kGrain * 2) {
    const int chunks = static_cast<int>(std::min<int64_t>(get_num_threads(), (n + kGrain - 1) / kGrain));
    std::vector<float> bv(static_cast<size_t>(chunks));
    std::vector<int64_t> bi(static_cast<size_t>(chunks), -1);
    const int64_t per = (n + chunks - 1) / chunks;
    parallel_for(0, chunks, 1, [&](int64_t c0, int64_t c1) {
      for (int64_t c = c0; c < c1; c++) {
        const int64_t lo = c * per, hi = std::min(n, lo + per);
        if (lo < hi) bi[c] = arg_scan<MAX>(x, lo, hi, 1, &bv[c]);
      }
    });
    float best = bv[0];
    int64_t at = bi[0];
    for (int c = 1; c < chunks; c++)
      if (bi[c] >= 0 && better<MAX>(bv[c], best)) { best = bv[c]; at = bi[c]; }
    out[0] = static_cast<int32_t>(at);
    return;
  }
  if (inner == 1) {
    const int64_t grain = std::max<int64_t>(1, kGrain / n);
    parallel_range(outer, grain, [&](int64_t lo, int64_t hi) {
      float b;
      for (int64_t o = lo; o < hi; o++) out[o] = static_cast<int32_t>(arg_scan<MAX>(x + o * n, 0, n, 1, &b));
    });
    return;
  }
  // inner > 1: scan rows of inner values, keeping a best value and index per column
  const int64_t items = outer;
  parallel_range(items, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, n * inner)), [&](int64_t lo, int64_t hi) {
    constexpr int64_t B = 256;
    float best[B];
    int32_t at[B];
    for (int64_t o = lo; o < hi; o++) {
      const float* xo = x + o * n * inner;
      for (int64_t b0 = 0; b0 < inner; b0 += B) {
        const int64_t w = std::min(B, inner - b0);
        for (int64_t i = 0; i < w; i++) { best[i] = xo[b0 + i]; at[i] = 0; }
        for (int64_t j = 1; j < n; j++) {
          const float* row = xo + j * inner + b0;
          for (int64_t i = 0; i < w; i++) {
            const float v = row[i];
            const bool take = better<MAX>(v, best[i]);
            best[i] = take ? v : best[i];
            at[i] = take ? static_cast<int32_t>(j) : at[i];
          }
        }
        for (int64_t i = 0; i < w; i++) out[o * inner + b0 + i] = at[i];
      }
    }
  });
}

}  // namespace

void arg_reduce_f32(ArgReduceOp op, const float* x, int64_t outer, int64_t n, int64_t inner, int32_t* out) {
  if (op == ArgReduceOp::argmax) arg_reduce<true>(x, outer, n, inner, out);
  else arg_reduce<false>(x, outer, n, inner, out);
}

}  // namespace kernels
}  // namespace myelin
