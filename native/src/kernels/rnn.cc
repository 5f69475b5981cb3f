// Fused LSTM / GRU cell kernels (rnn.h), float32.
//
// TensorFlow.js runs every gate of a cell as its own op (a dozen passes over memory per step);
// here a step is one pass. The cost is the exponentials (5 per LSTM unit), so sigmoid and tanh
// use a branch-free exp (2^k from the exponent bits times a degree-6 polynomial of the fraction,
// relative error about 2e-7) written as plain loops the compiler vectorises. The same loops are
// compiled three times, for AVX-512, AVX2+FMA (function target attributes, chosen at run time by
// cpu_features) and the baseline ISA, so the shipped build needs no -march flag.

#include "rnn.h"

#include <algorithm>

#include "kernels.h"
#include "strided.h"

// see vec_math.h: without this GCC vectorises none of the exponentials
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-trapping-math")
#endif
#include "vec_math.h"

namespace myelin {
namespace kernels {

namespace {

using vec::sigmoid;
using vec::tanh_approx;

// The row loops, [r0, r1) of the batch. Each row's gate blocks are passed to an inner loop as
// separate restrict pointers: contiguous in j and provably disjoint, so the loop vectorises
// without run-time overlap checks.

#define R __restrict

MYELIN_INLINE void lstm_units(int64_t H, const float* R xi, const float* R xf, const float* R xg, const float* R xo,
                              const float* R hi, const float* R hf, const float* R hg, const float* R ho,
                              const float* R cp, float* R gi, float* R gf, float* R gg, float* R go, float* R cb,
                              float* R hb) {
  for (int64_t j = 0; j < H; j++) {
    const float i = sigmoid(xi[j] + hi[j]), f = sigmoid(xf[j] + hf[j]);
    const float g = tanh_approx(xg[j] + hg[j]), o = sigmoid(xo[j] + ho[j]);
    gi[j] = i; gf[j] = f; gg[j] = g; go[j] = o;
    const float cv = f * cp[j] + i * g;
    cb[j] = cv;
    hb[j] = o * tanh_approx(cv);
  }
}

MYELIN_INLINE void lstm_rows(const float* xw, const float* hw, const float* cPrev, int64_t H, float* gates, float* c,
                             float* h, int64_t r0, int64_t r1) {
  for (int64_t b = r0; b < r1; b++) {
    const float *x = xw + b * 4 * H, *hh = hw + b * 4 * H;
    float* g = gates + b * 4 * H;
    lstm_units(H, x, x + H, x + 2 * H, x + 3 * H, hh, hh + H, hh + 2 * H, hh + 3 * H, cPrev + b * H, g, g + H, g + 2 * H,
               g + 3 * H, c + b * H, h + b * H);
  }
}

MYELIN_INLINE void lstm_backward_units(int64_t H, const float* R gi, const float* R gf, const float* R gg,
                                       const float* R go, const float* R cp, const float* R cb, const float* R dhb,
                                       const float* R dcb, float* R di, float* R df, float* R dg, float* R dout,
                                       float* R dcp) {
  for (int64_t j = 0; j < H; j++) {
    const float i = gi[j], f = gf[j], g = gg[j], o = go[j];
    const float tc = tanh_approx(cb[j]);
    const float dhv = dhb[j];
    const float dcv = dcb[j] + dhv * o * (1.0f - tc * tc);
    di[j] = dcv * g * i * (1.0f - i);
    df[j] = dcv * cp[j] * f * (1.0f - f);
    dg[j] = dcv * i * (1.0f - g * g);
    dout[j] = dhv * tc * o * (1.0f - o);
    dcp[j] = dcv * f;
  }
}

MYELIN_INLINE void lstm_backward_rows(const float* gates, const float* cPrev, const float* c, const float* dh,
                                      const float* dc, int64_t H, float* dGates, float* dcPrev, int64_t r0, int64_t r1) {
  for (int64_t b = r0; b < r1; b++) {
    const float* g = gates + b * 4 * H;
    float* d = dGates + b * 4 * H;
    const int64_t s = b * H;
    lstm_backward_units(H, g, g + H, g + 2 * H, g + 3 * H, cPrev + s, c + s, dh + s, dc + s, d, d + H, d + 2 * H,
                        d + 3 * H, dcPrev + s);
  }
}

MYELIN_INLINE void gru_units(int64_t H, const float* R xr, const float* R xz, const float* R xn, const float* R hr,
                             const float* R hz, const float* R hn, const float* R hp, float* R gr, float* R gz,
                             float* R gn, float* R ghn, float* R hb) {
  for (int64_t j = 0; j < H; j++) {
    const float r = sigmoid(xr[j] + hr[j]), z = sigmoid(xz[j] + hz[j]);
    const float hnv = hn[j];
    const float n = tanh_approx(xn[j] + r * hnv);
    gr[j] = r; gz[j] = z; gn[j] = n; ghn[j] = hnv;
    hb[j] = (1.0f - z) * n + z * hp[j];
  }
}

MYELIN_INLINE void gru_rows(const float* xw, const float* hw, const float* hPrev, int64_t H, float* gates, float* h,
                            int64_t r0, int64_t r1) {
  for (int64_t b = r0; b < r1; b++) {
    const float *x = xw + b * 3 * H, *hh = hw + b * 3 * H;
    float* g = gates + b * 4 * H;
    gru_units(H, x, x + H, x + 2 * H, hh, hh + H, hh + 2 * H, hPrev + b * H, g, g + H, g + 2 * H, g + 3 * H, h + b * H);
  }
}

MYELIN_INLINE void gru_backward_units(int64_t H, const float* R gr, const float* R gz, const float* R gn,
                                      const float* R ghn, const float* R hp, const float* R dhb, float* R dxr,
                                      float* R dxz, float* R dxn, float* R dhr, float* R dhz, float* R dhn,
                                      float* R dhp) {
  for (int64_t j = 0; j < H; j++) {
    const float r = gr[j], z = gz[j], n = gn[j], hnv = ghn[j], dhv = dhb[j];
    const float dnPre = dhv * (1.0f - z) * (1.0f - n * n);
    const float dzPre = dhv * (hp[j] - n) * z * (1.0f - z);
    const float drPre = dnPre * hnv * r * (1.0f - r);
    dxr[j] = drPre; dxz[j] = dzPre; dxn[j] = dnPre;
    dhr[j] = drPre; dhz[j] = dzPre; dhn[j] = dnPre * r;
    dhp[j] = dhv * z;
  }
}

MYELIN_INLINE void gru_backward_rows(const float* gates, const float* hPrev, const float* dh, int64_t H, float* dXw,
                                     float* dHw, float* dhPrev, int64_t r0, int64_t r1) {
  for (int64_t b = r0; b < r1; b++) {
    const float* g = gates + b * 4 * H;
    float *dx = dXw + b * 3 * H, *dhw = dHw + b * 3 * H;
    const int64_t s = b * H;
    gru_backward_units(H, g, g + H, g + 2 * H, g + 3 * H, hPrev + s, dh + s, dx, dx + H, dx + 2 * H, dhw, dhw + H,
                       dhw + 2 * H, dhPrev + s);
  }
}

#undef R

// One instantiation of the four row kernels per instruction set.
struct CellSet {
  const char* name;
  void (*lstm)(const float*, const float*, const float*, int64_t, float*, float*, float*, int64_t, int64_t);
  void (*lstm_backward)(const float*, const float*, const float*, const float*, const float*, int64_t, float*, float*,
                        int64_t, int64_t);
  void (*gru)(const float*, const float*, const float*, int64_t, float*, float*, int64_t, int64_t);
  void (*gru_backward)(const float*, const float*, const float*, int64_t, float*, float*, float*, int64_t, int64_t);
};

#define MYELIN_CELL_SET(suffix, ATTR)                                                                                \
  ATTR void lstm_##suffix(const float* xw, const float* hw, const float* cp, int64_t H, float* g, float* c, float* h, \
                          int64_t r0, int64_t r1) {                                                                  \
    lstm_rows(xw, hw, cp, H, g, c, h, r0, r1);                                                                       \
  }                                                                                                                  \
  ATTR void lstm_backward_##suffix(const float* g, const float* cp, const float* c, const float* dh, const float* dc, \
                                   int64_t H, float* dg, float* dcp, int64_t r0, int64_t r1) {                       \
    lstm_backward_rows(g, cp, c, dh, dc, H, dg, dcp, r0, r1);                                                        \
  }                                                                                                                  \
  ATTR void gru_##suffix(const float* xw, const float* hw, const float* hp, int64_t H, float* g, float* h, int64_t r0, \
                         int64_t r1) {                                                                               \
    gru_rows(xw, hw, hp, H, g, h, r0, r1);                                                                           \
  }                                                                                                                  \
  ATTR void gru_backward_##suffix(const float* g, const float* hp, const float* dh, int64_t H, float* dx, float* dhw, \
                                  float* dhp, int64_t r0, int64_t r1) {                                              \
    gru_backward_rows(g, hp, dh, H, dx, dhw, dhp, r0, r1);                                                           \
  }                                                                                                                  \
  const CellSet kCells_##suffix = {#suffix, lstm_##suffix, lstm_backward_##suffix, gru_##suffix, gru_backward_##suffix};

MYELIN_FOR_EACH_ISA(MYELIN_CELL_SET)

MYELIN_ISA_CHOICE(CellSet, cells, kCells)

/** Rows per pool chunk: a cell row costs about `width` elements of exp-heavy work. */
int64_t row_grain(int64_t width) { return std::max<int64_t>(1, kGrain / std::max<int64_t>(1, width)); }

}  // namespace

const char* rnn_cell_path() { return cells().name; }

void lstm_cell_f32(const float* xw, const float* hw, const float* cPrev, int64_t batch, int64_t hidden, float* gates,
                   float* c, float* h) {
  const CellSet& k = cells();
  parallel_range(batch, row_grain(4 * hidden), [&](int64_t lo, int64_t hi) {
    k.lstm(xw, hw, cPrev, hidden, gates, c, h, lo, hi);
  });
}

void lstm_cell_backward_f32(const float* gates, const float* cPrev, const float* c, const float* dh, const float* dc,
                            int64_t batch, int64_t hidden, float* dGates, float* dcPrev) {
  const CellSet& k = cells();
  parallel_range(batch, row_grain(4 * hidden), [&](int64_t lo, int64_t hi) {
    k.lstm_backward(gates, cPrev, c, dh, dc, hidden, dGates, dcPrev, lo, hi);
  });
}

void gru_cell_f32(const float* xw, const float* hw, const float* hPrev, int64_t batch, int64_t hidden, float* gates,
                  float* h) {
  const CellSet& k = cells();
  parallel_range(batch, row_grain(3 * hidden), [&](int64_t lo, int64_t hi) {
    k.gru(xw, hw, hPrev, hidden, gates, h, lo, hi);
  });
}

void gru_cell_backward_f32(const float* gates, const float* hPrev, const float* dh, int64_t batch, int64_t hidden,
                           float* dXw, float* dHw, float* dhPrev) {
  const CellSet& k = cells();
  parallel_range(batch, row_grain(3 * hidden), [&](int64_t lo, int64_t hi) {
    k.gru_backward(gates, hPrev, dh, hidden, dXw, dHw, dhPrev, lo, hi);
  });
}

}  // namespace kernels
}  // namespace myelin
