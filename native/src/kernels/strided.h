// Iteration over strided / broadcast index spaces, shared by the elementwise and data-movement
// kernels (the C++ twin of src/backend/js/broadcast.ts).
//
// Each operand is described by its element strides in the output's index space (0 along
// broadcast axes). Adjacent axes are merged whenever every operand is contiguous across them,
// so the common cases collapse to very few axes: same shape -> one row; bias [N, C] + [C] ->
// N rows of C; channel bias [N, C, H, W] + [C, 1, 1] -> N*C rows of H*W with a stride-0
// operand. Work is split by flat output index, so any range [lo, hi) of the output can be
// processed on its own (that is how the thread pool splits it); a range is visited as pieces
// of innermost rows.
#pragma once

#include <cstdint>

#include "kernels.h"
#include "thread_pool.h"

namespace myelin {
namespace kernels {

template <int NOPS>
struct Plan {
  int rank = 1;            // merged axes, >= 1
  int64_t total = 0;       // output elements
  int64_t dims[kMaxRank];  // merged sizes, outermost first
  int64_t strides[NOPS][kMaxRank];
};

/**
 * Builds a plan from per-operand strides over `rank` axes of `dims` (operand 0 is usually
 * the contiguous output). Size-1 axes are dropped and mergeable neighbours merged.
 */
template <int NOPS>
inline void make_plan(Plan<NOPS>& p, int rank, const int64_t* dims, const int64_t (*strides)[kMaxRank]) {
  p.rank = 0;
  p.total = 1;
  for (int d = 0; d < rank; d++) p.total *= dims[d];
  for (int d = 0; d < rank; d++) {
    const int64_t size = dims[d];
    if (size == 1) continue;
    const int last = p.rank - 1;
    bool merge = last >= 0;
    for (int k = 0; merge && k < NOPS; k++) merge = p.strides[k][last] == strides[k][d] * size;
    if (merge) {
      p.dims[last] *= size;
      for (int k = 0; k < NOPS; k++) p.strides[k][last] = strides[k][d];
    } else {
      p.dims[p.rank] = size;
      for (int k = 0; k < NOPS; k++) p.strides[k][p.rank] = strides[k][d];
      p.rank++;
    }
  }
  if (p.rank == 0) {
    p.rank = 1;
    p.dims[0] = 1;
    for (int k = 0; k < NOPS; k++) p.strides[k][0] = 0;
  }
}

/** Row-major contiguous strides of `shape`. */
inline void contiguous_strides(int rank, const int64_t* shape, int64_t* strides) {
  int64_t s = 1;
  for (int d = rank - 1; d >= 0; d--) { strides[d] = s; s *= shape[d]; }
}

/** Strides of an operand of `shape` (padded to rank) seen from `outShape`: 0 where broadcast. */
inline void broadcast_strides(int rank, const int64_t* shape, const int64_t* outShape, int64_t* strides) {
  int64_t s = 1;
  for (int d = rank - 1; d >= 0; d--) {
    strides[d] = shape[d] == 1 && outShape[d] != 1 ? 0 : s;
    s *= shape[d];
  }
}

/** Plan for broadcasting NOPS-1 inputs (s.in[0..]) to s.out, operand 0 = the output. */
template <int NOPS>
inline void plan_broadcast(Plan<NOPS>& p, const Shapes& s) {
  int64_t st[NOPS][kMaxRank];
  contiguous_strides(s.rank, s.out, st[0]);
  for (int k = 1; k < NOPS; k++) broadcast_strides(s.rank, s.in[k - 1], s.out, st[k]);
  make_plan<NOPS>(p, s.rank, s.out, st);
}

/**
 * Calls row(off, n) for the output elements [lo, hi) of the plan, where off[k] is operand k's
 * element offset at the start of the piece and n the piece's length (pieces never cross an
 * innermost row). Inner strides are p.strides[k][p.rank - 1].
 */
template <int NOPS, class Row>
inline void for_range(const Plan<NOPS>& p, int64_t lo, int64_t hi, Row&& row) {
  if (lo >= hi) return;
  const int r = p.rank, last = r - 1;
  int64_t idx[kMaxRank];
  int64_t off[NOPS];
  for (int k = 0; k < NOPS; k++) off[k] = 0;
  int64_t rem = lo;
  for (int d = last; d >= 0; d--) {
    idx[d] = rem % p.dims[d];
    rem /= p.dims[d];
    for (int k = 0; k < NOPS; k++) off[k] += idx[d] * p.strides[k][d];
  }
  int64_t pos = lo;
  const int64_t rowLen = p.dims[last];
  while (pos < hi) {
    int64_t n = rowLen - idx[last];
    if (n > hi - pos) n = hi - pos;
    row(static_cast<const int64_t*>(off), n);
    pos += n;
    if (pos >= hi) break;
    // the piece ended at the end of its row: back to the row's start, then carry outwards
    for (int k = 0; k < NOPS; k++) off[k] -= idx[last] * p.strides[k][last];
    idx[last] = 0;
    for (int d = last - 1; d >= 0; d--) {
      idx[d]++;
      for (int k = 0; k < NOPS; k++) off[k] += p.strides[k][d];
      if (idx[d] < p.dims[d]) break;
      for (int k = 0; k < NOPS; k++) off[k] -= p.strides[k][d] * p.dims[d];
      idx[d] = 0;
    }
  }
}

/** for_range over the whole plan, split over the thread pool in chunks of >= grain elements. */
template <int NOPS, class Row>
inline void for_all(const Plan<NOPS>& p, int64_t grain, Row&& row) {
  if (p.total <= grain) {
    for_range(p, 0, p.total, row);
    return;
  }
  parallel_for(0, p.total, grain, [&](int64_t lo, int64_t hi) { for_range(p, lo, hi, row); });
}

/** Runs fn(lo, hi) over [0, n), on the pool when n > grain. */
template <class Fn>
inline void parallel_range(int64_t n, int64_t grain, Fn&& fn) {
  if (n <= 0) return;
  if (n <= grain) {
    fn(int64_t(0), n);
    return;
  }
  parallel_for(0, n, grain, fn);
}

}  // namespace kernels
}  // namespace myelin
