// Max and average pooling over NCHW planes, as src/backend/js/pool.ts, split over the pool
// by planes.
//
// Max pooling picks the first maximum of each window (row-major), except that NaN wins over
// numbers; argmax records the flat h*w index of the pick (-1 for a window with no input tap).
// Average pooling sums in double and divides by the window size PyTorch uses (clipped to the
// padded input with countIncludePad, else to the input).

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "kernels.h"
#include "strided.h"

namespace myelin {
namespace kernels {

namespace {

inline bool better(float v, float best) { return v > best || (v != v && best == best); }

/** Planes [lo, hi) of a 2x2 / stride 2 / unpadded pool whose windows all lie inside the input. */
void max_pool_2x2(const float* x, float* out, int32_t* argmax, const PoolShape& p, int64_t lo, int64_t hi) {
  const int64_t h = p.h, w = p.w, outH = p.outH, outW = p.outW;
  for (int64_t pl = lo; pl < hi; pl++) {
    const float* xp = x + pl * h * w;
    float* op = out + pl * outH * outW;
    int32_t* ap = argmax + pl * outH * outW;
    for (int64_t oh = 0; oh < outH; oh++) {
      const float* r0 = xp + 2 * oh * w;
      const float* r1 = r0 + w;
      const int32_t base = static_cast<int32_t>(2 * oh * w);
      for (int64_t ow = 0; ow < outW; ow++) {
        const float v0 = r0[2 * ow], v1 = r0[2 * ow + 1], v2 = r1[2 * ow], v3 = r1[2 * ow + 1];
        const int32_t i0 = base + static_cast<int32_t>(2 * ow), i2 = i0 + static_cast<int32_t>(w);
        // tournament keeping the earlier tap on ties (= first maximum in row-major order);
        // NaN handled by the same rule as the general loop
        float top = v0, bot = v2;
        int32_t ti = i0, bi = i2;
        if (better(v1, top)) { top = v1; ti = i0 + 1; }
        if (better(v3, bot)) { bot = v3; bi = i2 + 1; }
        const bool takeBot = better(bot, top);
        op[oh * outW + ow] = takeBot ? bot : top;
        ap[oh * outW + ow] = takeBot ? bi : ti;
      }
    }
  }
}

inline int64_t ceil_div(int64_t a, int64_t d) { return a >= 0 ? (a + d - 1) / d : -((-a) / d); }

struct AxisWindows {
  std::vector<int64_t> start, end;
  std::vector<double> span;
};

AxisWindows axis_windows(int64_t size, int64_t outSize, int64_t k, int64_t stride, int64_t pad, int64_t dilation,
                         bool countIncludePad) {
  AxisWindows a;
  a.start.resize(static_cast<size_t>(outSize));
  a.end.resize(static_cast<size_t>(outSize));
  a.span.resize(static_cast<size_t>(outSize));
  for (int64_t o = 0; o < outSize; o++) {
    const int64_t s = o * stride - pad;
    int64_t lo = s, hi = s + (k - 1) * dilation + 1;
    const int64_t paddedSpan = ceil_div(std::min(hi, size + pad) - s, dilation);
    while (lo < 0) lo += dilation;
    if (hi > size) hi = size;
    a.start[o] = lo;
    a.end[o] = std::max(lo, hi);
    a.span[o] = static_cast<double>(countIncludePad ? paddedSpan : std::max<int64_t>(0, ceil_div(hi - lo, dilation)));
  }
  return a;
}

inline int64_t plane_grain(const PoolShape& p) {
  return std::max<int64_t>(1, kGrain / std::max<int64_t>(1, p.outH * p.outW * p.kh * p.kw + p.h * p.w));
}

}  // namespace

void max_pool2d_f32(const float* x, float* out, int32_t* argmax, const PoolShape& p) {
  const int64_t planes = p.n * p.c;
  if (p.kh == 2 && p.kw == 2 && p.strideH == 2 && p.strideW == 2 && p.padH == 0 && p.padW == 0 &&
      p.dilationH == 1 && p.dilationW == 1 && p.outH * 2 <= p.h && p.outW * 2 <= p.w) {
    parallel_range(planes, plane_grain(p), [&](int64_t lo, int64_t hi) { max_pool_2x2(x, out, argmax, p, lo, hi); });
    return;
  }
  parallel_range(planes, plane_grain(p), [&](int64_t lo, int64_t hi) {
    for (int64_t pl = lo; pl < hi; pl++) {
      const float* xp = x + pl * p.h * p.w;
      float* op = out + pl * p.outH * p.outW;
      int32_t* ap = argmax + pl * p.outH * p.outW;
      for (int64_t oh = 0; oh < p.outH; oh++) {
        for (int64_t ow = 0; ow < p.outW; ow++) {
          float best = -std::numeric_limits<float>::infinity();
          int64_t bestIdx = -1;
          for (int64_t ki = 0; ki < p.kh; ki++) {
            const int64_t ih = oh * p.strideH - p.padH + ki * p.dilationH;
            if (ih < 0 || ih >= p.h) continue;
            for (int64_t kj = 0; kj < p.kw; kj++) {
              const int64_t iw = ow * p.strideW - p.padW + kj * p.dilationW;
              if (iw < 0 || iw >= p.w) continue;
              const int64_t idx = ih * p.w + iw;
              const float v = xp[idx];
              if (bestIdx < 0 || better(v, best)) { best = v; bestIdx = idx; }
            }
          }
          op[oh * p.outW + ow] = best;
          ap[oh * p.outW + ow] = static_cast<int32_t>(bestIdx);
        }
      }
    }
  });
}

void max_pool2d_backward_f32(const float* dy, const int32_t* argmax, float* dx, const PoolShape& p) {
  const int64_t planes = p.n * p.c, hw = p.h * p.w, ohw = p.outH * p.outW;
  // check the indices first: nothing is written when one is bad
  for (int64_t i = 0; i < planes * ohw; i++) {
    if (argmax[i] >= hw) {
      throw IndexError("maxPool2dBackward: argmax index " + std::to_string(argmax[i]) + " is out of range for " +
                       std::to_string(hw) + " input positions");
    }
  }
  parallel_range(planes, plane_grain(p), [&](int64_t lo, int64_t hi) {
    std::memset(dx + lo * hw, 0, static_cast<size_t>((hi - lo) * hw) * sizeof(float));
    for (int64_t pl = lo; pl < hi; pl++) {
      float* xp = dx + pl * hw;
      const float* g = dy + pl * ohw;
      const int32_t* a = argmax + pl * ohw;
      for (int64_t i = 0; i < ohw; i++) {
        const int32_t idx = a[i];
        if (idx >= 0) xp[idx] += g[i];
      }
    }
  });
}

void avg_pool2d_f32(const float* x, float* out, const PoolShape& p) {
  const AxisWindows rows = axis_windows(p.h, p.outH, p.kh, p.strideH, p.padH, p.dilationH, p.countIncludePad);
  const AxisWindows cols = axis_windows(p.w, p.outW, p.kw, p.strideW, p.padW, p.dilationW, p.countIncludePad);
  parallel_range(p.n * p.c, plane_grain(p), [&](int64_t lo, int64_t hi) {
    for (int64_t pl = lo; pl < hi; pl++) {
      const float* xp = x + pl * p.h * p.w;
      float* op = out + pl * p.outH * p.outW;
      for (int64_t oh = 0; oh < p.outH; oh++) {
        const int64_t h0 = rows.start[oh], h1 = rows.end[oh];
        for (int64_t ow = 0; ow < p.outW; ow++) {
          const int64_t w0 = cols.start[ow], w1 = cols.end[ow];
          double s = 0;
          for (int64_t ih = h0; ih < h1; ih += p.dilationH)
            for (int64_t iw = w0; iw < w1; iw += p.dilationW) s += static_cast<double>(xp[ih * p.w + iw]);
          const double div = rows.span[oh] * cols.span[ow];
          op[oh * p.outW + ow] = static_cast<float>(div > 0 ? s / div : 0.0);
        }
      }
    }
  });
}

void avg_pool2d_backward_f32(const float* dy, float* dx, const PoolShape& p) {
  const AxisWindows rows = axis_windows(p.h, p.outH, p.kh, p.strideH, p.padH, p.dilationH, p.countIncludePad);
  const AxisWindows cols = axis_windows(p.w, p.outW, p.kw, p.strideW, p.padW, p.dilationW, p.countIncludePad);
  const int64_t hw = p.h * p.w;
  parallel_range(p.n * p.c, plane_grain(p), [&](int64_t lo, int64_t hi) {
    std::memset(dx + lo * hw, 0, static_cast<size_t>((hi - lo) * hw) * sizeof(float));
    for (int64_t pl = lo; pl < hi; pl++) {
      float* xp = dx + pl * hw;
      const float* gp = dy + pl * p.outH * p.outW;
      for (int64_t oh = 0; oh < p.outH; oh++) {
        const int64_t h0 = rows.start[oh], h1 = rows.end[oh];
        for (int64_t ow = 0; ow < p.outW; ow++) {
          const int64_t w0 = cols.start[ow], w1 = cols.end[ow];
          const double div = rows.span[oh] * cols.span[ow];
          const double g = div > 0 ? static_cast<double>(gp[oh * p.outW + ow]) / div : 0.0;
          for (int64_t ih = h0; ih < h1; ih += p.dilationH)
            for (int64_t iw = w0; iw < w1; iw += p.dilationW) {
              float& d = xp[ih * p.w + iw];
              d = static_cast<float>(static_cast<double>(d) + g);
            }
        }
      }
    }
  });
}

}  // namespace kernels
}  // namespace myelin
