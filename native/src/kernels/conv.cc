// 2-D convolution as GEMM over im2col columns (first version; see conv.h).
//
// The columns of the whole batch form one index space j in [0, n * hw): column j is output
// position q = j % hw of image b = j / hw. Work is cut into blocks of columns, each either a
// run of whole images (small images: several images per GEMM, so that the GEMMs are well
// shaped: the seed CNN's third convolution has hw = 9) or a piece of one image (large images:
// bounds the column buffer). For each block and group:
//   forward:         Y [coutG x cols] = W[g] [coutG x K] * col [K x cols]         (+ bias)
//   backward data:   col = W[g]^T * dY [coutG x cols], then col2im adds it into dx
//   backward weight: dW[g] += dY [coutG x cols] * col^T
// with K = cinG * kh * kw rows of col, one per kernel tap. im2col copies whole output rows:
// from the input itself for stride-1 unpadded convolutions, else from a zero-padded copy of
// the image split by stride phase (see Phases), so every run is contiguous. A block inside
// one image (a piece of whole output rows) reads and writes the NCHW tensors in place (leading
// dimension hw); a multi-image block goes through a [coutG x cols] scratch matrix. 1x1 /
// stride 1 / unpadded convolutions use the input itself as col when the block lies in one
// image.
//
// Blocks run in parallel (one single-threaded GEMM each; every task has its own scratch) when
// there are at least as many as threads, handed out dynamically; otherwise they run one after
// the other and each GEMM uses the pool itself. The weight gradient sums per-task partial
// results in a fixed order, so results do not depend on timing.

#include "conv.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <vector>

#include "gemm.h"
#include "strided.h"
#include "thread_pool.h"
#include "vec_math.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace myelin {
namespace kernels {

namespace {

/** Aim for at least this many GEMM columns per block... */
constexpr int64_t kTargetCols = 384;
/** ...but keep a block's column buffer (K x cols floats) under this size. */
constexpr int64_t kColLimit = int64_t(1) << 20;
/** Weight-gradient tasks (each with its own partial sum) per thread, for load balance. */
constexpr int64_t kTasksPerThread = 4;
/** ...while their partial sums stay under this many floats. */
constexpr int64_t kPartialLimit = int64_t(1) << 22;

struct Geo {
  int64_t cinG, coutG, K, hw, planeIn, imageIn, imageOut;
  bool pointwise;
  bool unitUnpadded;  // stride 1, no padding: every window lies inside the image
};

Geo geometry(const ConvShape& s) {
  Geo g;
  g.cinG = s.cIn / s.groups;
  g.coutG = s.cOut / s.groups;
  g.K = g.cinG * s.kh * s.kw;
  g.hw = s.outH * s.outW;
  g.planeIn = s.h * s.w;
  g.imageIn = s.cIn * g.planeIn;
  g.imageOut = s.cOut * g.hw;
  g.pointwise = s.kh == 1 && s.kw == 1 && s.strideH == 1 && s.strideW == 1 && s.padH == 0 && s.padW == 0 &&
                s.outH == s.h && s.outW == s.w;
  g.unitUnpadded = s.strideH == 1 && s.strideW == 1 && s.padH == 0 && s.padW == 0;
  return g;
}

struct Block {
  int64_t j0, j1;  // global columns
};

/** A group of blocks that touches its own images only (the unit of parallel backward-data work). */
struct Unit {
  int64_t firstBlock, endBlock, b0, b1;  // blocks [first, end), images [b0, b1)
};

struct Schedule {
  std::vector<Block> blocks;
  std::vector<Unit> units;
};

Schedule schedule(const ConvShape& s, const Geo& g) {
  Schedule sc;
  const int64_t threads = get_num_threads();
  const int64_t maxCols = std::max<int64_t>(1, kColLimit / std::max<int64_t>(1, g.K));
  if (g.hw >= kTargetCols || g.hw * 2 > maxCols) {
    // blocks inside images: each image in pieces of whole output rows, at most maxCols columns
    // (or one row, if a row alone is longer)
    const int64_t rowsPer = std::max<int64_t>(1, maxCols / s.outW);
    const int64_t pieces = (s.outH + rowsPer - 1) / rowsPer;
    const int64_t per = ((s.outH + pieces - 1) / pieces) * s.outW;
    for (int64_t b = 0; b < s.n; b++) {
      Unit u{static_cast<int64_t>(sc.blocks.size()), 0, b, b + 1};
      for (int64_t q = 0; q < g.hw; q += per) sc.blocks.push_back({b * g.hw + q, b * g.hw + std::min(g.hw, q + per)});
      u.endBlock = static_cast<int64_t>(sc.blocks.size());
      sc.units.push_back(u);
    }
    return sc;
  }
  // blocks of whole images
  int64_t nb = std::min<int64_t>(s.n, std::max<int64_t>(1, (kTargetCols + g.hw - 1) / g.hw));
  nb = std::min<int64_t>(nb, std::max<int64_t>(1, maxCols / g.hw));
  int64_t count = (s.n + nb - 1) / nb;
  if (threads > 1 && s.n >= threads) {
    // a multiple of the thread count, so that the blocks split evenly
    count = ((count + threads - 1) / threads) * threads;
    count = std::min(count, s.n);
  }
  nb = (s.n + count - 1) / count;
  for (int64_t b = 0; b < s.n; b += nb) {
    const int64_t e = std::min(s.n, b + nb);
    sc.units.push_back({static_cast<int64_t>(sc.blocks.size()), static_cast<int64_t>(sc.blocks.size()) + 1, b, e});
    sc.blocks.push_back({b * g.hw, e * g.hw});
  }
  return sc;
}

/** Per-thread scratch, reused across calls. */
float* scratch(std::vector<float>& v, int64_t size) {
  if (static_cast<int64_t>(v.size()) < size) v.resize(static_cast<size_t>(size));
  return v.data();
}
thread_local std::vector<float> tlsCol, tlsTmp, tlsPhase;

/**
 * d[0, n) = s[0, n) for the short runs of small images (3 to 26 values in the seed CNN).
 * Written so that the compiler cannot turn it into a memcpy call per run, which took longer
 * than the copying; a ragged end is one overlapping vector.
 */
inline void copy_run(float* __restrict d, const float* __restrict s, int64_t n) {
#if defined(__SSE2__)
  if (n >= 4) {
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
      __m128 v = _mm_loadu_ps(s + i);
      asm("" : "+x"(v));  // an opaque register: the loop is no longer a recognisable memcpy
      _mm_storeu_ps(d + i, v);
    }
    if (i < n) _mm_storeu_ps(d + n - 4, _mm_loadu_ps(s + n - 4));
    return;
  }
#endif
  switch (n) {  // no loop for the compiler to turn into memcpy
    default:
      for (int64_t i = 3; i < n; i++) d[i] = s[i];
      [[fallthrough]];
    case 3: d[2] = s[2]; [[fallthrough]];
    case 2: d[1] = s[1]; [[fallthrough]];
    case 1: d[0] = s[0]; [[fallthrough]];
    case 0: break;
  }
}

/** d[0, n) = src[0, n), or src += d for COL2IM. */
template <bool COL2IM>
inline void run_copy(float* __restrict d, float* __restrict src, int64_t n) {
  if (COL2IM) {
    for (int64_t i = 0; i < n; i++) src[i] += d[i];
  } else {
    copy_run(d, src, n);
  }
}

/**
 * im2col (COL2IM: col2im) of whole output rows [oh0, oh1) from a source in which every tap's
 * values for one output row are one contiguous run of outW floats: tap (c, ki, kj) of output
 * row oh starts at tap(c, ki, kj) + oh * rowStep. No bounds to work out per run: most of the
 * small convolutions' time outside GEMM was per-run bookkeeping around runs of 3 to 26 values.
 */
template <bool COL2IM, class Tap>
void im2col_rows(const ConvShape& s, const Geo& g, Tap tap, int64_t rowStep, int64_t oh0, int64_t oh1, float* col,
                 int64_t ldc) {
  const int64_t outW = s.outW;
  for (int64_t c = 0; c < g.cinG; c++) {
    for (int64_t ki = 0; ki < s.kh; ki++) {
      for (int64_t kj = 0; kj < s.kw; kj++) {
        const int64_t r = (c * s.kh + ki) * s.kw + kj;
        float* d = col + r * ldc;
        float* src = tap(c, ki, kj) + oh0 * rowStep;
        for (int64_t oh = oh0; oh < oh1; oh++, d += outW, src += rowStep) run_copy<COL2IM>(d, src, outW);
      }
    }
  }
}

/**
 * Padded or strided convolutions read their input through a "phase" copy: the zero-padded
 * input of one image's group split by stride phase (row ihp % strideH, column iwp % strideW
 * of the padded input go to phase plane (ihp % sH, iwp % sW), position (ihp / sH, iwp / sW)).
 * Tap (ki, kj) of output (oh, ow) reads padded input (oh * sH + a, ow * sW + b), with
 * a = ki * dilationH, b = kj * dilationW: phase (a % sH, b % sW), position
 * (oh + a / sH, ow + b / sW). So each tap's values for an output row are contiguous, and the
 * padding is real zeros: im2col is whole-row copies (7-value runs of a stride-2 convolution
 * on 14x14 had cost a third of the convolution as strided per-run gathers).
 */
struct Phases {
  int64_t sH, sW, rows, cols;  // phase plane rows x cols
  int64_t plane() const { return rows * cols; }
  int64_t size(int64_t channels) const { return channels * sH * sW * plane(); }
};

Phases phases(const ConvShape& s) {
  Phases ph;
  ph.sH = s.strideH;
  ph.sW = s.strideW;
  ph.rows = s.outH + ((s.kh - 1) * s.dilationH) / s.strideH;
  ph.cols = s.outW + ((s.kw - 1) * s.dilationW) / s.strideW;
  return ph;
}

/** Input columns iw = q * sW + off - padW in [0, w): q in [lo, hi), for a phase row of `cols`. */
inline void phase_range(int64_t w, int64_t sW, int64_t padW, int64_t off, int64_t cols, int64_t* lo, int64_t* hi) {
  const int64_t base = off - padW;  // iw = q * sW + base
  int64_t l = base >= 0 ? 0 : (-base + sW - 1) / sW;
  int64_t h = w - 1 - base < 0 ? 0 : (w - 1 - base) / sW + 1;
  l = std::min(l, cols);
  *lo = l;
  *hi = std::max(l, std::min(h, cols));
}

/**
 * COL2IM false: phase copy `ph` of the group's input planes xg (zeros where padded).
 * COL2IM true: the reverse, xg += the phase copy's values that lie inside the input.
 */
template <bool COL2IM>
void phase_copy(const ConvShape& s, const Geo& g, const Phases& P, float* xg, float* ph) {
  for (int64_t c = 0; c < g.cinG; c++) {
    float* plane = xg + c * g.planeIn;
    for (int64_t pH = 0; pH < P.sH; pH++) {
      for (int64_t pW = 0; pW < P.sW; pW++) {
        float* dst = ph + ((c * P.sH + pH) * P.sW + pW) * P.plane();
        int64_t qLo, qHi;
        phase_range(s.w, P.sW, s.padW, pW, P.cols, &qLo, &qHi);
        for (int64_t r = 0; r < P.rows; r++) {
          float* __restrict d = dst + r * P.cols;
          const int64_t ih = r * P.sH + pH - s.padH;
          if (ih < 0 || ih >= s.h || qLo == qHi) {  // a row of padding only
            if (!COL2IM) std::fill(d, d + P.cols, 0.0f);
            continue;
          }
          // src[i * sW] is the input of phase column qLo + i
          float* __restrict src = plane + ih * s.w + qLo * P.sW + pW - s.padW;
          float* __restrict dq = d + qLo;
          const int64_t n = qHi - qLo;
          if (!COL2IM) {
            std::fill(d, dq, 0.0f);
            if (P.sW == 1) {
              copy_run(dq, src, n);
            } else {
              for (int64_t i = 0; i < n; i++) dq[i] = src[i * P.sW];
            }
            std::fill(d + qHi, d + P.cols, 0.0f);
          } else if (P.sW == 1) {
            for (int64_t i = 0; i < n; i++) src[i] += dq[i];
          } else {
            for (int64_t i = 0; i < n; i++) src[i * P.sW] += dq[i];
          }
        }
      }
    }
  }
}

/**
 * The im2col rows of one group of one image for the whole output rows [oh0, oh1), written
 * to col (row stride ldc). COL2IM: the reverse, xg += col.
 */
template <bool COL2IM>
void im2col_image(const ConvShape& s, const Geo& g, float* xg, int64_t oh0, int64_t oh1, float* col, int64_t ldc) {
  if (g.unitUnpadded) {  // every tap's row is a run of the input itself
    const auto tap = [&](int64_t c, int64_t ki, int64_t kj) {
      return xg + c * g.planeIn + ki * s.dilationH * s.w + kj * s.dilationW;
    };
    im2col_rows<COL2IM>(s, g, tap, s.w, oh0, oh1, col, ldc);
    return;
  }
  const Phases P = phases(s);
  float* ph = scratch(tlsPhase, P.size(g.cinG));
  if (COL2IM) std::fill(ph, ph + P.size(g.cinG), 0.0f);
  else phase_copy<false>(s, g, P, xg, ph);
  const auto tap = [&](int64_t c, int64_t ki, int64_t kj) {
    const int64_t a = ki * s.dilationH, b = kj * s.dilationW;
    return ph + ((c * P.sH + a % P.sH) * P.sW + b % P.sW) * P.plane() + (a / P.sH) * P.cols + b / P.sW;
  };
  im2col_rows<COL2IM>(s, g, tap, P.cols, oh0, oh1, col, ldc);
  if (COL2IM) phase_copy<true>(s, g, P, xg, ph);
}

/**
 * im2col (or col2im) of the columns [j0, j1) of group gi into col [K x (j1 - j0)]. Blocks
 * cover whole output rows (see schedule).
 */
template <bool COL2IM>
void im2col_block(const ConvShape& s, const Geo& g, const float* x, int64_t gi, int64_t j0, int64_t j1, float* col) {
  const int64_t cols = j1 - j0;
  for (int64_t j = j0; j < j1;) {
    const int64_t b = j / g.hw, q0 = j % g.hw, q1 = std::min(g.hw, q0 + (j1 - j));
    float* xg = const_cast<float*>(x) + b * g.imageIn + gi * g.cinG * g.planeIn;
    im2col_image<COL2IM>(s, g, xg, q0 / s.outW, q1 / s.outW, col + (j - j0), cols);
    j += q1 - q0;
  }
}

/** NCHW rows of group gi for columns [j0, j1) <-> a [coutG x cols] matrix. */
void gather_rows_to_matrix(const Geo& g, const float* y, int64_t gi, int64_t j0, int64_t j1, float* m) {
  const int64_t cols = j1 - j0;
  for (int64_t j = j0; j < j1;) {
    const int64_t b = j / g.hw, q0 = j % g.hw, q1 = std::min(g.hw, q0 + (j1 - j));
    const float* src = y + b * g.imageOut + gi * g.coutG * g.hw;
    for (int64_t c = 0; c < g.coutG; c++) copy_run(m + c * cols + (j - j0), src + c * g.hw + q0, q1 - q0);
    j += q1 - q0;
  }
}

void scatter_matrix_to_rows(const Geo& g, const float* m, const float* bias, int64_t gi, int64_t j0, int64_t j1, float* y) {
  const int64_t cols = j1 - j0;
  for (int64_t j = j0; j < j1;) {
    const int64_t b = j / g.hw, q0 = j % g.hw, q1 = std::min(g.hw, q0 + (j1 - j));
    float* dst = y + b * g.imageOut + gi * g.coutG * g.hw;
    for (int64_t c = 0; c < g.coutG; c++) {
      const float bv = bias ? bias[gi * g.coutG + c] : 0.0f;
      const float* src = m + c * cols + (j - j0);
      float* d = dst + c * g.hw + q0;
      for (int64_t i = 0; i < q1 - q0; i++) d[i] = src[i] + bv;
    }
    j += q1 - q0;
  }
}

using RowSum = double (*)(const float*, int64_t);
#define MYELIN_ROW_SUM(suffix, ATTR)                                                                  \
  ATTR double row_sum_##suffix(const float* a, int64_t n) {                                 \
    return vec::lane_sum(n, [=](int64_t j) MYELIN_LAMBDA_INLINE { return static_cast<double>(a[j]); }); \
  }                                                                                         \
  const RowSum kRowSum_##suffix = row_sum_##suffix;
MYELIN_FOR_EACH_ISA(MYELIN_ROW_SUM)
#undef MYELIN_ROW_SUM

/** Sum of n floats, in double, with this CPU's widest vectors. */
inline double row_sum(const float* a, int64_t n) {
  static const RowSum best = MYELIN_BEST_ISA(kRowSum);
  return best(a, n);
}

/** db[c] = dy summed over images and output positions (for shapes with no GEMM to share). */
void bias_gradient(const float* dy, float* db, const ConvShape& s, const Geo& g) {
  for (int64_t c = 0; c < s.cOut; c++) {
    double v = 0.0;
    for (int64_t b = 0; b < s.n; b++) v += row_sum(dy + b * g.imageOut + c * g.hw, g.hw);
    db[c] = static_cast<float>(v);
  }
}

inline bool in_one_image(const Geo& g, const Block& bl) { return bl.j0 / g.hw == (bl.j1 - 1) / g.hw; }

// The [coutG x cols] block of dY for group gi over the block's columns: read in place when the
// block lies in one image (rows hw apart), else gathered into this thread's scratch matrix.
const float* dy_block(const Geo& g, const float* dy, int64_t gi, const Block& bl, bool single, int64_t& lda) {
  if (single) {
    lda = g.hw;
    return dy + (bl.j0 / g.hw) * g.imageOut + gi * g.coutG * g.hw + bl.j0 % g.hw;
  }
  float* tmp = scratch(tlsTmp, g.coutG * (bl.j1 - bl.j0));
  gather_rows_to_matrix(g, dy, gi, bl.j0, bl.j1, tmp);
  lda = bl.j1 - bl.j0;
  return tmp;
}

/**
 * Runs task(i) for i in [0, count): in parallel when count >= threads, else in order. In
 * parallel the tasks are handed out one at a time rather than in a fixed share per thread,
 * so that a thread the OS preempts (on a 2-core machine: for V8's concurrent marking, or
 * another process) does not leave the others waiting for its share at the end.
 */
template <class F>
bool run_tasks(int64_t count, F&& task) {
  const int64_t threads = get_num_threads();
  if (count >= threads && threads > 1 && !in_parallel_region()) {
    std::atomic<int64_t> next{0};
    parallel_for(0, threads, 1, [&](int64_t, int64_t) {
      for (int64_t i = next.fetch_add(1, std::memory_order_relaxed); i < count;
           i = next.fetch_add(1, std::memory_order_relaxed))
        task(i);
    });
    return true;
  }
  for (int64_t i = 0; i < count; i++) task(i);
  return false;
}

}  // namespace

void conv2d_f32(const float* x, const float* w, const float* bias, float* y, const ConvShape& s) {
  const Geo g = geometry(s);
  if (s.n == 0 || g.hw == 0 || s.cOut == 0) return;
  const Schedule sc = schedule(s, g);
  run_tasks(static_cast<int64_t>(sc.blocks.size()), [&](int64_t bi) {
    const Block bl = sc.blocks[bi];
    const int64_t cols = bl.j1 - bl.j0;
    const bool single = in_one_image(g, bl);
    const int64_t b = bl.j0 / g.hw, q0 = bl.j0 % g.hw;
    for (int64_t gi = 0; gi < s.groups; gi++) {
      const float* wg = w + gi * g.coutG * g.K;
      const float* B;
      int64_t ldb;
      if (single && g.pointwise) {
        B = x + b * g.imageIn + gi * g.cinG * g.planeIn + q0;
        ldb = g.hw;
      } else if (g.K == 0) {
        B = nullptr;
        ldb = cols;
      } else {
        float* col = scratch(tlsCol, g.K * cols);
        im2col_block<false>(s, g, x, gi, bl.j0, bl.j1, col);
        B = col;
        ldb = cols;
      }
      if (single) {
        float* C = y + b * g.imageOut + gi * g.coutG * g.hw + q0;
        sgemm(false, false, g.coutG, cols, g.K, 1.0f, wg, g.K, B, ldb, 0.0f, C, g.hw);
        if (bias) {
          for (int64_t c = 0; c < g.coutG; c++) {
            const float bv = bias[gi * g.coutG + c];
            float* row = C + c * g.hw;
            for (int64_t i = 0; i < cols; i++) row[i] += bv;
          }
        }
      } else {
        float* tmp = scratch(tlsTmp, g.coutG * cols);
        sgemm(false, false, g.coutG, cols, g.K, 1.0f, wg, g.K, B, ldb, 0.0f, tmp, cols);
        scatter_matrix_to_rows(g, tmp, bias, gi, bl.j0, bl.j1, y);
      }
    }
  });
}

void conv2d_backward_data_f32(const float* dy, const float* w, float* dx, const ConvShape& s) {
  const Geo g = geometry(s);
  if (s.n == 0) return;
  if (g.hw == 0 || g.K == 0 || g.coutG == 0) {
    std::memset(dx, 0, static_cast<size_t>(s.n * g.imageIn) * sizeof(float));
    return;
  }
  const Schedule sc = schedule(s, g);
  run_tasks(static_cast<int64_t>(sc.units.size()), [&](int64_t ui) {
    const Unit u = sc.units[ui];
    const bool direct = g.pointwise && u.endBlock - u.firstBlock >= 1 && in_one_image(g, sc.blocks[u.firstBlock]);
    if (!direct) std::memset(dx + u.b0 * g.imageIn, 0, static_cast<size_t>((u.b1 - u.b0) * g.imageIn) * sizeof(float));
    for (int64_t bi = u.firstBlock; bi < u.endBlock; bi++) {
      const Block bl = sc.blocks[bi];
      const int64_t cols = bl.j1 - bl.j0;
      const bool single = in_one_image(g, bl);
      const int64_t b = bl.j0 / g.hw, q0 = bl.j0 % g.hw;
      for (int64_t gi = 0; gi < s.groups; gi++) {
        const float* wg = w + gi * g.coutG * g.K;
        int64_t lda;
        const float* A = dy_block(g, dy, gi, bl, single, lda);
        if (single && g.pointwise) {
          // dx columns = W[g]^T * dY directly: 1x1 windows never overlap
          float* C = dx + b * g.imageIn + gi * g.cinG * g.planeIn + q0;
          sgemm(true, false, g.K, cols, g.coutG, 1.0f, wg, g.K, A, lda, 0.0f, C, g.hw);
        } else {
          float* col = scratch(tlsCol, g.K * cols);
          sgemm(true, false, g.K, cols, g.coutG, 1.0f, wg, g.K, A, lda, 0.0f, col, cols);
          im2col_block<true>(s, g, dx, gi, bl.j0, bl.j1, col);
        }
      }
    }
  });
}

void conv2d_backward_weight_f32(const float* x, const float* dy, float* dw, float* db, const ConvShape& s) {
  const Geo g = geometry(s);
  const int64_t wSize = s.cOut * g.K;
  if (s.n == 0 || g.hw == 0 || g.K == 0) {
    std::memset(dw, 0, static_cast<size_t>(wSize) * sizeof(float));
    if (db) bias_gradient(dy, db, s, g);
    return;
  }
  const Schedule sc = schedule(s, g);
  const int64_t nBlocks = static_cast<int64_t>(sc.blocks.size());
  const int64_t threads = get_num_threads();
  const bool parallel = nBlocks >= threads && threads > 1 && !in_parallel_region();
  // task t adds blocks [t * nBlocks / tasks, (t + 1) * nBlocks / tasks) into its own dW (and
  // its own bias sums, in double as the reduction kernels do); a few tasks per thread, handed
  // out as threads come free (run_tasks), keep the load balanced while the fixed task
  // boundaries and summing order keep the result independent of timing
  // (fewer for large weights: each extra task's partial dW is memory and a final sum)
  const int64_t perThread = std::clamp<int64_t>(kPartialLimit / (threads * wSize), 1, kTasksPerThread);
  const int64_t tasks = parallel ? std::min(nBlocks, perThread * threads) : 1;
  std::vector<float> partial(static_cast<size_t>(tasks > 1 ? (tasks - 1) * wSize : 0));
  std::vector<double> biasSums(static_cast<size_t>(db ? tasks * s.cOut : 0), 0.0);
  // With fewer taps than output channels (a first layer: 9 taps, 32 channels) the GEMM runs
  // transposed, dW^T [K x coutG] = col * dY^T, so that the taps, not the channels, fill the
  // micro-kernel's short side (the 12 x 32 AVX-512 tile: 9 of 12 rows used instead of 9 of
  // 16 columns); each task then transposes its sum into place.
  const bool transposed = g.K < g.coutG;
  auto task = [&](int64_t t) {
    float* acc = t == 0 ? dw : partial.data() + (t - 1) * wSize;
    thread_local std::vector<float> tlsAccT;
    float* accT = transposed ? scratch(tlsAccT, wSize) : nullptr;
    double* bacc = db ? biasSums.data() + t * s.cOut : nullptr;
    const int64_t first = t * nBlocks / tasks, end = (t + 1) * nBlocks / tasks;
    for (int64_t bi = first; bi < end; bi++) {
      const Block bl = sc.blocks[bi];
      const int64_t cols = bl.j1 - bl.j0;
      const bool single = in_one_image(g, bl);
      const int64_t b = bl.j0 / g.hw, q0 = bl.j0 % g.hw;
      const float beta = bi == first ? 0.0f : 1.0f;
      for (int64_t gi = 0; gi < s.groups; gi++) {
        int64_t lda;
        const float* A = dy_block(g, dy, gi, bl, single, lda);
        // the bias gradient reads the rows of dY while the GEMM below has them in cache
        if (bacc)
          for (int64_t c = 0; c < g.coutG; c++) bacc[gi * g.coutG + c] += row_sum(A + c * lda, cols);
        const float* B;
        int64_t ldb;
        if (single && g.pointwise) {
          B = x + b * g.imageIn + gi * g.cinG * g.planeIn + q0;
          ldb = g.hw;
        } else {
          float* col = scratch(tlsCol, g.K * cols);
          im2col_block<false>(s, g, x, gi, bl.j0, bl.j1, col);
          B = col;
          ldb = cols;
        }
        if (transposed)  // dW[g]^T (+)= col [K x cols] * dY^T [cols x coutG]
          sgemm(false, true, g.K, g.coutG, cols, 1.0f, B, ldb, A, lda, beta, accT + gi * g.coutG * g.K, g.coutG);
        else  // dW[g] (+)= dY [coutG x cols] * col^T [cols x K]
          sgemm(false, true, g.coutG, g.K, cols, 1.0f, A, lda, B, ldb, beta, acc + gi * g.coutG * g.K, g.K);
      }
    }
    if (transposed && end > first)
      for (int64_t gi = 0; gi < s.groups; gi++) {
        const float* src = accT + gi * g.coutG * g.K;
        float* dst = acc + gi * g.coutG * g.K;
        for (int64_t k = 0; k < g.K; k++)
          for (int64_t c = 0; c < g.coutG; c++) dst[c * g.K + k] = src[k * g.coutG + c];
      }
  };
  if (parallel) {
    run_tasks(tasks, task);
    for (int64_t t = 1; t < tasks; t++) {
      const float* p = partial.data() + (t - 1) * wSize;
      for (int64_t i = 0; i < wSize; i++) dw[i] += p[i];
    }
  } else {
    task(0);
  }
  if (db) {
    for (int64_t c = 0; c < s.cOut; c++) {
      double v = 0.0;
      for (int64_t t = 0; t < tasks; t++) v += biasSums[static_cast<size_t>(t * s.cOut + c)];
      db[c] = static_cast<float>(v);
    }
  }
}

}  // namespace kernels
}  // namespace myelin
