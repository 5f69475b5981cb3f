// Data movement: expand, permute, slice, sliceAssign, row gathers and scatters, as
// src/backend/js/movement.ts. Pure moves are written once per element size (4 or 8 bytes) and
// so serve every dtype; the scatter-adds and the accumulating sliceAssign are float32.

#include <algorithm>
#include <cstring>
#include <string>

#include "kernels.h"
#include "strided.h"

namespace myelin {
namespace kernels {

namespace {

template <class E>
inline void copy_row(E* __restrict out, const E* __restrict x, int64_t xs, int64_t n) {
  if (xs == 1) {
    std::memcpy(out, x, static_cast<size_t>(n) * sizeof(E));
  } else if (xs == 0) {
    const E v = x[0];
    for (int64_t i = 0; i < n; i++) out[i] = v;
  } else {
    for (int64_t i = 0; i < n; i++) out[i] = x[i * xs];
  }
}

/** out (plan operand 0) = x (operand 1, at offset xOff), any strides. */
template <class E>
void gather_plan(const Plan<2>& plan, const E* x, int64_t xOff, E* out) {
  const int64_t xs = plan.strides[1][plan.rank - 1];
  for_all(plan, kGrain, [&](const int64_t* off, int64_t n) { copy_row(out + off[0], x + xOff + off[1], xs, n); });
}

template <class E>
void expand_t(const E* x, E* out, const Shapes& s) {
  Plan<2> plan;
  plan_broadcast(plan, s);
  gather_plan(plan, x, 0, out);
}

/**
 * Batched transposes in 32 x 32 tiles: out [outer, R, C] where the plan's axis r-2 is x's
 * contiguous axis (x stride 1) and the last axis has x stride xs; `outerPlan` walks the
 * remaining axes.
 */
template <class E>
void permute_tiled(const Plan<2>& plan, const E* x, E* out) {
  constexpr int64_t T = 32;
  const int r = plan.rank;
  const int64_t R = plan.dims[r - 2], C = plan.dims[r - 1];
  const int64_t xsC = plan.strides[1][r - 1];  // x stride along the output's last axis
  const int64_t outerCount = plan.total / std::max<int64_t>(1, R * C);
  // the outer axes as a plan of their own (rank r - 2, or one axis of size 1)
  Plan<2> outer;
  outer.rank = r > 2 ? r - 2 : 1;
  outer.total = outerCount;
  if (r > 2) {
    for (int d = 0; d < r - 2; d++) {
      outer.dims[d] = plan.dims[d];
      outer.strides[0][d] = plan.strides[0][d];
      outer.strides[1][d] = plan.strides[1][d];
    }
  } else {
    outer.dims[0] = 1;
    outer.strides[0][0] = outer.strides[1][0] = 0;
  }
  const int64_t rowTiles = (R + T - 1) / T;
  const int64_t items = outerCount * rowTiles;
  parallel_range(items, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, T * C)), [&](int64_t lo, int64_t hi) {
    for (int64_t t = lo; t < hi; t++) {
      const int64_t ob = t / rowTiles, r0 = (t % rowTiles) * T, r1 = std::min(R, r0 + T);
      int64_t oOff = 0, xOff = 0;
      // offsets of outer index ob
      {
        int64_t rem = ob;
        for (int d = outer.rank - 1; d >= 0; d--) {
          const int64_t i = rem % outer.dims[d];
          rem /= outer.dims[d];
          oOff += i * outer.strides[0][d];
          xOff += i * outer.strides[1][d];
        }
      }
      for (int64_t c0 = 0; c0 < C; c0 += T) {
        const int64_t c1 = std::min(C, c0 + T);
        for (int64_t rr = r0; rr < r1; rr++) {
          E* o = out + oOff + rr * C;
          const E* xi = x + xOff + rr;  // x stride along R is 1
          for (int64_t c = c0; c < c1; c++) o[c] = xi[c * xsC];
        }
      }
    }
  });
}

template <class E>
void permute_t(const E* x, const int64_t* shape, const int64_t* perm, int rank, E* out) {
  int64_t inStrides[kMaxRank], outShape[kMaxRank], st[2][kMaxRank];
  contiguous_strides(rank, shape, inStrides);
  for (int d = 0; d < rank; d++) outShape[d] = shape[perm[d]];
  contiguous_strides(rank, outShape, st[0]);
  for (int d = 0; d < rank; d++) st[1][d] = inStrides[perm[d]];
  Plan<2> plan;
  make_plan<2>(plan, rank, outShape, st);
  if (plan.total == 0) return;
  const int r = plan.rank;
  if (r >= 2 && plan.strides[1][r - 1] != 1 && plan.strides[1][r - 2] == 1 && plan.strides[0][r - 2] == plan.dims[r - 1]) {
    permute_tiled(plan, x, out);
    return;
  }
  gather_plan(plan, x, 0, out);
}

/** Plan walking a box of boxShape inside fullShape: operand 0 the box (contiguous), 1 the full array. */
void box_plan(Plan<2>& plan, const int64_t* fullShape, const int64_t* begin, const int64_t* boxShape, int rank,
              int64_t* fullOffset) {
  int64_t st[2][kMaxRank];
  contiguous_strides(rank, boxShape, st[0]);
  contiguous_strides(rank, fullShape, st[1]);
  int64_t off = 0;
  for (int d = 0; d < rank; d++) off += begin[d] * st[1][d];
  *fullOffset = off;
  if (rank == 0) {
    plan.rank = 1;
    plan.total = 1;
    plan.dims[0] = 1;
    plan.strides[0][0] = plan.strides[1][0] = 0;
    return;
  }
  make_plan<2>(plan, rank, boxShape, st);
}

template <class E>
void slice_t(const E* x, const int64_t* shape, const int64_t* begin, const int64_t* outShape, int rank, E* out) {
  Plan<2> plan;
  int64_t xOff;
  box_plan(plan, shape, begin, outShape, rank, &xOff);
  if (plan.total == 0) return;
  gather_plan(plan, x, xOff, out);
}

template <class E>
void slice_assign_t(const E* src, const int64_t* srcShape, E* dst, const int64_t* dstShape, const int64_t* begin, int rank) {
  Plan<2> plan;
  int64_t dOff;
  box_plan(plan, dstShape, begin, srcShape, rank, &dOff);
  if (plan.total == 0) return;
  const int64_t ds = plan.strides[1][plan.rank - 1];
  for_all(plan, kGrain, [&](const int64_t* off, int64_t n) {
    const E* s = src + off[0];
    E* d = dst + dOff + off[1];
    if (ds == 1) std::memmove(d, s, static_cast<size_t>(n) * sizeof(E));
    else for (int64_t i = 0; i < n; i++) d[i * ds] = s[i];
  });
}

[[noreturn]] void bad_index(const char* kernel, int64_t i, int64_t rows) {
  throw IndexError(std::string(kernel) + ": index " + std::to_string(i) + " is out of range for " +
                   std::to_string(rows) + " rows");
}

inline void check_indices(const char* kernel, const int32_t* idx, int64_t count, int64_t rows) {
  for (int64_t r = 0; r < count; r++) {
    const int32_t i = idx[r];
    if (i < 0 || i >= rows) bad_index(kernel, i, rows);
  }
}

template <class E>
void gather_rows_t(const E* table, int64_t rows, int64_t dim, const int32_t* idx, int64_t count, E* out) {
  check_indices("gatherRows", idx, count, rows);
  parallel_range(count, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, dim)), [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; r++)
      std::memcpy(out + r * dim, table + static_cast<int64_t>(idx[r]) * dim, static_cast<size_t>(dim) * sizeof(E));
  });
}

template <class E>
void take_along_axis_t(const E* x, int64_t outer, int64_t n, int64_t inner, const int32_t* idx, int64_t k, E* out) {
  check_indices("takeAlongAxis", idx, outer * k * inner, n);
  parallel_range(outer, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, k * inner)), [&](int64_t lo, int64_t hi) {
    for (int64_t o = lo; o < hi; o++) {
      for (int64_t j = 0; j < k; j++) {
        const int64_t row = (o * k + j) * inner;
        for (int64_t i = 0; i < inner; i++) out[row + i] = x[(o * n + idx[row + i]) * inner + i];
      }
    }
  });
}

}  // namespace

#define MYELIN_BY_SIZE(elemSize, call4, call8) \
  do {                                         \
    if ((elemSize) == 8) { call8; }            \
    else { call4; }                            \
  } while (0)

void expand(int elemSize, const void* x, void* out, const Shapes& s) {
  MYELIN_BY_SIZE(elemSize,
                 expand_t(static_cast<const uint32_t*>(x), static_cast<uint32_t*>(out), s),
                 expand_t(static_cast<const uint64_t*>(x), static_cast<uint64_t*>(out), s));
}

void permute(int elemSize, const void* x, const int64_t* shape, const int64_t* perm, int rank, void* out) {
  MYELIN_BY_SIZE(elemSize,
                 permute_t(static_cast<const uint32_t*>(x), shape, perm, rank, static_cast<uint32_t*>(out)),
                 permute_t(static_cast<const uint64_t*>(x), shape, perm, rank, static_cast<uint64_t*>(out)));
}

void slice(int elemSize, const void* x, const int64_t* shape, const int64_t* begin, const int64_t* outShape, int rank,
           void* out) {
  MYELIN_BY_SIZE(elemSize,
                 slice_t(static_cast<const uint32_t*>(x), shape, begin, outShape, rank, static_cast<uint32_t*>(out)),
                 slice_t(static_cast<const uint64_t*>(x), shape, begin, outShape, rank, static_cast<uint64_t*>(out)));
}

void slice_assign(int elemSize, const void* src, const int64_t* srcShape, void* dst, const int64_t* dstShape,
                  const int64_t* begin, int rank) {
  MYELIN_BY_SIZE(elemSize,
                 slice_assign_t(static_cast<const uint32_t*>(src), srcShape, static_cast<uint32_t*>(dst), dstShape, begin, rank),
                 slice_assign_t(static_cast<const uint64_t*>(src), srcShape, static_cast<uint64_t*>(dst), dstShape, begin, rank));
}

void slice_add_f32(const float* src, const int64_t* srcShape, float* dst, const int64_t* dstShape, const int64_t* begin,
                   int rank) {
  Plan<2> plan;
  int64_t dOff;
  box_plan(plan, dstShape, begin, srcShape, rank, &dOff);
  if (plan.total == 0) return;
  const int64_t ds = plan.strides[1][plan.rank - 1];
  for_all(plan, kGrain, [&](const int64_t* off, int64_t n) {
    const float* s = src + off[0];
    float* d = dst + dOff + off[1];
    if (ds == 1) for (int64_t i = 0; i < n; i++) d[i] += s[i];
    else for (int64_t i = 0; i < n; i++) d[i * ds] += s[i];
  });
}

void gather_rows(int elemSize, const void* table, int64_t rows, int64_t dim, const int32_t* idx, int64_t count, void* out) {
  MYELIN_BY_SIZE(elemSize,
                 gather_rows_t(static_cast<const uint32_t*>(table), rows, dim, idx, count, static_cast<uint32_t*>(out)),
                 gather_rows_t(static_cast<const uint64_t*>(table), rows, dim, idx, count, static_cast<uint64_t*>(out)));
}

void take_along_axis(int elemSize, const void* x, int64_t outer, int64_t n, int64_t inner, const int32_t* idx, int64_t k,
                     void* out) {
  MYELIN_BY_SIZE(elemSize,
                 take_along_axis_t(static_cast<const uint32_t*>(x), outer, n, inner, idx, k, static_cast<uint32_t*>(out)),
                 take_along_axis_t(static_cast<const uint64_t*>(x), outer, n, inner, idx, k, static_cast<uint64_t*>(out)));
}

#undef MYELIN_BY_SIZE

void scatter_add_rows_f32(const float* src, const int32_t* idx, int64_t count, int64_t dim, float* table, int64_t rows) {
  check_indices("scatterAddRows", idx, count, rows);
  // split over columns: every thread adds all rows, in order, into its own columns, so repeated
  // indices add in the same order as the js kernel
  const int64_t work = count * dim;
  if (work <= kGrain * 2 || dim < 64) {
    for (int64_t r = 0; r < count; r++) {
      float* t = table + static_cast<int64_t>(idx[r]) * dim;
      const float* s = src + r * dim;
      for (int64_t j = 0; j < dim; j++) t[j] += s[j];
    }
    return;
  }
  const int64_t colGrain = std::max<int64_t>(16, kGrain / std::max<int64_t>(1, count));
  parallel_for(0, dim, colGrain, [&](int64_t j0, int64_t j1) {
    for (int64_t r = 0; r < count; r++) {
      float* t = table + static_cast<int64_t>(idx[r]) * dim;
      const float* s = src + r * dim;
      for (int64_t j = j0; j < j1; j++) t[j] += s[j];
    }
  });
}

void scatter_add_along_axis_f32(const float* src, int64_t outer, int64_t n, int64_t inner, const int32_t* idx, int64_t k,
                                float* dx) {
  check_indices("scatterAddAlongAxis", idx, outer * k * inner, n);
  // outer slices touch disjoint parts of dx
  parallel_range(outer, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, k * inner)), [&](int64_t lo, int64_t hi) {
    for (int64_t o = lo; o < hi; o++) {
      for (int64_t j = 0; j < k; j++) {
        const int64_t row = (o * k + j) * inner;
        for (int64_t i = 0; i < inner; i++) dx[(o * n + idx[row + i]) * inner + i] += src[row + i];
      }
    }
  });
}

}  // namespace kernels
}  // namespace myelin
