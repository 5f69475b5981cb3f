// Max and average pooling over NCHW planes, as src/backend/js/pool.ts, split over the pool
// by planes.
//
// Max pooling picks the first maximum of each window (row-major), except that NaN wins over
// numbers; argmax records the flat h*w index of the pick (-1 for a window with no input tap).
// Average pooling sums in double and divides by the window size PyTorch uses (clipped to the
// padded input with countIncludePad, else to the input).

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "kernels.h"
#include "strided.h"
#include "vec_math.h"
#if MYELIN_VEC_X86
#include <immintrin.h>
#endif

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace myelin {
namespace kernels {

namespace {

inline bool better(float v, float best) { return v > best || (v != v && best == best); }

/** v where c holds, else +0, without a branch (the data decide c at random). */
inline float keep_if(bool c, float v) {
  uint32_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  bits &= 0u - static_cast<uint32_t>(c);
  std::memcpy(&v, &bits, sizeof bits);
  return v;
}

/** Picks of one 2x2 window: the first maximum in row-major order (NaN wins), its flat index. */
inline void pick_2x2(float v0, float v1, float v2, float v3, int32_t i0, int32_t w, float* out, int32_t* idx) {
  // tournament keeping the earlier tap on ties; written as selects so that random data costs
  // no branch mispredictions
  const bool t1 = better(v1, v0), b1 = better(v3, v2);
  const float top = t1 ? v1 : v0, bot = b1 ? v3 : v2;
  const int32_t ti = i0 + (t1 ? 1 : 0), bi = i0 + w + (b1 ? 1 : 0);
  const bool takeBot = better(bot, top);
  *out = takeBot ? bot : top;
  *idx = takeBot ? bi : ti;
}

#if defined(__SSE2__)
/** better() on four lanes: v > best, or v is NaN while best is not. */
inline __m128 better4(__m128 v, __m128 best) {
  return _mm_or_ps(_mm_cmpgt_ps(v, best), _mm_andnot_ps(_mm_cmpunord_ps(best, best), _mm_cmpunord_ps(v, v)));
}
inline __m128 select4(__m128 m, __m128 a, __m128 b) { return _mm_or_ps(_mm_and_ps(m, a), _mm_andnot_ps(m, b)); }
inline __m128i select4i(__m128 m, __m128i a, __m128i b) {
  const __m128i mi = _mm_castps_si128(m);
  return _mm_or_si128(_mm_and_si128(mi, a), _mm_andnot_si128(mi, b));
}
#endif

/** ReLU on one pooled output: a maximum that is not > 0 becomes 0 and passes no gradient. */
inline void relu_pick(float* out, int32_t* idx) {
  if (!(*out > 0.0f)) {
    *out = 0.0f;
    *idx = -1;
  }
}

/**
 * One output row of a 2x2 / stride 2 pool: input rows r0 and r1 = r0 + w, r0 starting at flat
 * index `base` of its plane; `readable` floats of the input lie at and after r1.
 */
struct PoolRow {
  const float* r0;
  const float* r1;
  int32_t base;
  int64_t w, outW, readable;
  bool relu;
  float* out;
  int32_t* argmax;
};

#if MYELIN_VEC_X86
// The 2x2 / stride 2 pool with AVX-512: sixteen windows at a time, with the same tournament
// (NaN wins, the earlier tap on ties) and results to the bit; three times the SSE loop's speed
// on the seed CNN's first pooling. Rows of windows are short in small CNNs (13 and 5 in the seed
// CNN), so a row's ragged end is masked on the (small, cached) outputs. Loads are whole vectors
// wherever that stays inside the input: masked loads from memory not in cache ran at a fifth
// of the speed on this machine (AMD Zen), slower than the SSE loop.

/** Lanes 0..n-1 of a 16-lane mask (none for n <= 0). */
MYELIN_VEC_T512 inline __mmask16 first_lanes(int64_t n) {
  return n >= 16 ? static_cast<__mmask16>(0xFFFF) : n <= 0 ? static_cast<__mmask16>(0) : static_cast<__mmask16>((1u << n) - 1u);
}

/** better() on sixteen lanes: v > best, or v is NaN while best is not. */
MYELIN_VEC_T512 inline __mmask16 better16(__m512 v, __m512 best) {
  return _mm512_cmp_ps_mask(v, best, _CMP_GT_OQ) |
         (_mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q) & ~_mm512_cmp_ps_mask(best, best, _CMP_UNORD_Q));
}

MYELIN_VEC_T512 void pool_row_avx512(const PoolRow& r) {
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i odd = _mm512_add_epi32(even, _mm512_set1_epi32(1));
  const __m512i one = _mm512_set1_epi32(1), wv = _mm512_set1_epi32(static_cast<int32_t>(r.w));
  for (int64_t o = 0; o < r.outW; o += 16) {
    const int64_t n = std::min<int64_t>(16, r.outW - o);
    const __mmask16 m = first_lanes(n), lo16 = first_lanes(2 * n), hi16 = first_lanes(2 * n - 16);
    const float *r0 = r.r0 + 2 * o, *r1 = r.r1 + 2 * o;
    __m512 a0, a1, b0, b1;
    if (2 * o + 32 <= r.readable) {  // whole vectors (lanes past the row are not used)
      a0 = _mm512_loadu_ps(r0), a1 = _mm512_loadu_ps(r0 + 16);
      b0 = _mm512_loadu_ps(r1), b1 = _mm512_loadu_ps(r1 + 16);
    } else {  // the end of the input: no reads past it
      a0 = _mm512_maskz_loadu_ps(lo16, r0), a1 = _mm512_maskz_loadu_ps(hi16, r0 + 16);
      b0 = _mm512_maskz_loadu_ps(lo16, r1), b1 = _mm512_maskz_loadu_ps(hi16, r1 + 16);
    }
    const __m512 v0 = _mm512_permutex2var_ps(a0, even, a1), v1 = _mm512_permutex2var_ps(a0, odd, a1);
    const __m512 v2 = _mm512_permutex2var_ps(b0, even, b1), v3 = _mm512_permutex2var_ps(b0, odd, b1);
    // flat index of each window's top-left tap
    const __m512i i0 = _mm512_add_epi32(_mm512_set1_epi32(static_cast<int32_t>(r.base + 2 * o)), even);
    const __m512i i2 = _mm512_add_epi32(i0, wv);
    const __mmask16 t1 = better16(v1, v0), bt1 = better16(v3, v2);
    const __m512 top = _mm512_mask_blend_ps(t1, v0, v1), bot = _mm512_mask_blend_ps(bt1, v2, v3);
    const __m512i ti = _mm512_mask_add_epi32(i0, t1, i0, one), bi = _mm512_mask_add_epi32(i2, bt1, i2, one);
    const __mmask16 takeBot = better16(bot, top);
    __m512 best = _mm512_mask_blend_ps(takeBot, top, bot);
    __m512i at = _mm512_mask_blend_epi32(takeBot, ti, bi);
    if (r.relu) {
      const __mmask16 pos = _mm512_cmp_ps_mask(best, _mm512_setzero_ps(), _CMP_GT_OQ);
      best = _mm512_maskz_mov_ps(pos, best);
      at = _mm512_mask_blend_epi32(pos, _mm512_set1_epi32(-1), at);
    }
    _mm512_mask_storeu_ps(r.out + o, m, best);
    _mm512_mask_storeu_epi32(r.argmax + o, m, at);
  }
}

/**
 * As max_pool_2x2_backward_plane, eight windows (sixteen floats of each input row) at a time,
 * for rows of at least eight windows. The stores are whole vectors (masked stores to memory
 * not in cache are slow, as masked loads are), and a ragged end redoes the row's last eight
 * windows, which writes the same values again.
 */
MYELIN_VEC_T512 bool max_pool_2x2_backward_plane_avx512(const float* g, const int32_t* a, float* dx, const PoolShape& p) {
  const int64_t w = p.w, outH = p.outH, outW = p.outW;
  const __m256i even = _mm256_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14);
  const __m256i one = _mm256_set1_epi32(1), wv = _mm256_set1_epi32(static_cast<int32_t>(w)), none = _mm256_set1_epi32(-1);
  // x0 y0 x1 y1 ... x7 y7 from the eight lanes of x and of y
  const __m512i interleave = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  __mmask8 missed = 0;
  for (int64_t oh = 0; oh < outH; oh++) {
    float* d0 = dx + 2 * oh * w;
    float* d1 = d0 + w;
    // chunks of eight windows; a ragged end redoes the last eight
    for (int64_t o = 0, last = outW - 8; o < outW; o = o == last ? outW : std::min(o + 8, last)) {
      const __m256i idx = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + oh * outW + o));
      const __m256 gv = _mm256_loadu_ps(g + oh * outW + o);
      const __m256i i0 = _mm256_add_epi32(_mm256_set1_epi32(static_cast<int32_t>(2 * oh * w + 2 * o)), even);
      const __m256i i2 = _mm256_add_epi32(i0, wv);
      const __mmask8 m0 = _mm256_cmpeq_epi32_mask(idx, i0), m1 = _mm256_cmpeq_epi32_mask(idx, _mm256_add_epi32(i0, one));
      const __mmask8 m2 = _mm256_cmpeq_epi32_mask(idx, i2), m3 = _mm256_cmpeq_epi32_mask(idx, _mm256_add_epi32(i2, one));
      missed |= static_cast<__mmask8>(~(m0 | m1 | m2 | m3 | _mm256_cmpeq_epi32_mask(idx, none)));
      const __m512 v0 = _mm512_castps256_ps512(_mm256_maskz_mov_ps(m0, gv)), v1 = _mm512_castps256_ps512(_mm256_maskz_mov_ps(m1, gv));
      const __m512 v2 = _mm512_castps256_ps512(_mm256_maskz_mov_ps(m2, gv)), v3 = _mm512_castps256_ps512(_mm256_maskz_mov_ps(m3, gv));
      _mm512_storeu_ps(d0 + 2 * o, _mm512_permutex2var_ps(v0, interleave, v1));
      _mm512_storeu_ps(d1 + 2 * o, _mm512_permutex2var_ps(v2, interleave, v3));
    }
    // an odd last column belongs to no window
    for (int64_t iw = 2 * outW; iw < w; iw++) d0[iw] = d1[iw] = 0.0f;
  }
  for (int64_t ih = 2 * outH; ih < p.h; ih++) std::memset(dx + ih * w, 0, static_cast<size_t>(w) * sizeof(float));
  return missed == 0;
}

#endif

/** Whether this CPU runs the AVX-512 pooling loops. */
inline bool pool_avx512() {
#if MYELIN_VEC_X86
  static const bool on = vec::best_isa() == vec::Isa::avx512;
  return on;
#else
  return false;
#endif
}

/** One row with SSE (four windows at a time) and scalar code. */
void pool_row_sse(const PoolRow& r) {
  const int64_t outW = r.outW;
  const int32_t w32 = static_cast<int32_t>(r.w), base = r.base;
  const float *r0 = r.r0, *r1 = r.r1;
  float* orow = r.out;
  int32_t* arow = r.argmax;
  int64_t ow = 0;
#if defined(__SSE2__)
  // four windows at a time: even / odd columns of two rows, deinterleaved by shuffles; a
  // ragged end redoes the last four windows (same values) rather than going scalar
  const __m128i one = _mm_set1_epi32(1), wv = _mm_set1_epi32(w32);
  const __m128i lanes = _mm_add_epi32(_mm_set1_epi32(base), _mm_setr_epi32(0, 2, 4, 6));
  auto four = [&](int64_t o) {
    const __m128i i0 = _mm_add_epi32(lanes, _mm_set1_epi32(static_cast<int32_t>(2 * o)));
    const __m128 a0 = _mm_loadu_ps(r0 + 2 * o), a1 = _mm_loadu_ps(r0 + 2 * o + 4);
    const __m128 b0 = _mm_loadu_ps(r1 + 2 * o), b1 = _mm_loadu_ps(r1 + 2 * o + 4);
    const __m128 v0 = _mm_shuffle_ps(a0, a1, _MM_SHUFFLE(2, 0, 2, 0)), v1 = _mm_shuffle_ps(a0, a1, _MM_SHUFFLE(3, 1, 3, 1));
    const __m128 v2 = _mm_shuffle_ps(b0, b1, _MM_SHUFFLE(2, 0, 2, 0)), v3 = _mm_shuffle_ps(b0, b1, _MM_SHUFFLE(3, 1, 3, 1));
    const __m128 t1 = better4(v1, v0), bt1 = better4(v3, v2);
    const __m128 top = select4(t1, v1, v0), bot = select4(bt1, v3, v2);
    const __m128i ti = select4i(t1, _mm_add_epi32(i0, one), i0);
    const __m128i i2 = _mm_add_epi32(i0, wv);
    const __m128i bi = select4i(bt1, _mm_add_epi32(i2, one), i2);
    const __m128 takeBot = better4(bot, top);
    __m128 best = select4(takeBot, bot, top);
    __m128i at = select4i(takeBot, bi, ti);
    if (r.relu) {
      const __m128 pos = _mm_cmpgt_ps(best, _mm_setzero_ps());
      best = _mm_and_ps(pos, best);
      at = select4i(pos, at, _mm_set1_epi32(-1));
    }
    _mm_storeu_ps(orow + o, best);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(arow + o), at);
  };
  for (; ow + 4 <= outW; ow += 4) four(ow);
  if (ow < outW && outW >= 4) {
    four(outW - 4);
    ow = outW;
  }
#endif
  for (; ow < outW; ow++) {
    pick_2x2(r0[2 * ow], r0[2 * ow + 1], r1[2 * ow], r1[2 * ow + 1], base + static_cast<int32_t>(2 * ow), w32,
             orow + ow, arow + ow);
    if (r.relu) relu_pick(orow + ow, arow + ow);
  }
}

/** Planes [lo, hi) of a 2x2 / stride 2 / unpadded pool whose windows all lie inside the input. */
void max_pool_2x2(const float* x, float* out, int32_t* argmax, const PoolShape& p, int64_t lo, int64_t hi) {
#if MYELIN_VEC_X86
  static void (*const row)(const PoolRow&) = pool_avx512() ? pool_row_avx512 : pool_row_sse;
#else
  void (*const row)(const PoolRow&) = pool_row_sse;
#endif
  const int64_t h = p.h, w = p.w, outH = p.outH, outW = p.outW, xSize = p.n * p.c * h * w;
  for (int64_t pl = lo; pl < hi; pl++) {
    const float* xp = x + pl * h * w;
    for (int64_t oh = 0; oh < outH; oh++) {
      const float* r0 = xp + 2 * oh * w;
      row(PoolRow{r0, r0 + w, static_cast<int32_t>(2 * oh * w), w, outW, xSize - (r0 + w - x), p.relu,
                  out + (pl * outH + oh) * outW, argmax + (pl * outH + oh) * outW});
    }
  }
}

/**
 * Backward of the 2x2 / stride 2 / unpadded pool for planes [lo, hi): each input position
 * lies in at most one window, so dx is written once (g where the window picked it, else 0)
 * instead of zeroed and then scattered into; argmax -1 (a window that passes no gradient, as
 * after a fused ReLU) leaves its window 0. Returns false, having written nothing dependable
 * for the plane, when some argmax lies outside its own window (the caller then uses the
 * general scatter).
 */
bool max_pool_2x2_backward_plane(const float* g, const int32_t* a, float* dx, const PoolShape& p) {
#if MYELIN_VEC_X86
  if (pool_avx512() && p.outW >= 8) return max_pool_2x2_backward_plane_avx512(g, a, dx, p);
#endif
  const int64_t w = p.w, outH = p.outH, outW = p.outW;
  const int32_t w32 = static_cast<int32_t>(w);
  bool ok = true;
  for (int64_t oh = 0; oh < outH; oh++) {
    float* d0 = dx + 2 * oh * w;
    float* d1 = d0 + w;
    const int32_t base = static_cast<int32_t>(2 * oh * w);
    const int32_t* arow = a + oh * outW;
    const float* grow = g + oh * outW;
    int64_t ow = 0;
#if defined(__SSE2__)
    const __m128i one = _mm_set1_epi32(1), wv = _mm_set1_epi32(w32);
    const __m128i lanes = _mm_add_epi32(_mm_set1_epi32(base), _mm_setr_epi32(0, 2, 4, 6));
    __m128i hit = _mm_set1_epi32(-1);
    // as in the forward pass, a ragged end redoes the last four windows
    auto four = [&](int64_t o) {
      const __m128i i0 = _mm_add_epi32(lanes, _mm_set1_epi32(static_cast<int32_t>(2 * o)));
      const __m128i idx = _mm_loadu_si128(reinterpret_cast<const __m128i*>(arow + o));
      const __m128 gv = _mm_loadu_ps(grow + o);
      const __m128i i2 = _mm_add_epi32(i0, wv);
      const __m128i m0 = _mm_cmpeq_epi32(idx, i0), m1 = _mm_cmpeq_epi32(idx, _mm_add_epi32(i0, one));
      const __m128i m2 = _mm_cmpeq_epi32(idx, i2), m3 = _mm_cmpeq_epi32(idx, _mm_add_epi32(i2, one));
      const __m128 v0 = _mm_and_ps(_mm_castsi128_ps(m0), gv), v1 = _mm_and_ps(_mm_castsi128_ps(m1), gv);
      const __m128 v2 = _mm_and_ps(_mm_castsi128_ps(m2), gv), v3 = _mm_and_ps(_mm_castsi128_ps(m3), gv);
      _mm_storeu_ps(d0 + 2 * o, _mm_unpacklo_ps(v0, v1));
      _mm_storeu_ps(d0 + 2 * o + 4, _mm_unpackhi_ps(v0, v1));
      _mm_storeu_ps(d1 + 2 * o, _mm_unpacklo_ps(v2, v3));
      _mm_storeu_ps(d1 + 2 * o + 4, _mm_unpackhi_ps(v2, v3));
      const __m128i none = _mm_cmpeq_epi32(idx, _mm_set1_epi32(-1));
      hit = _mm_and_si128(hit, _mm_or_si128(_mm_or_si128(_mm_or_si128(m0, m1), _mm_or_si128(m2, m3)), none));
    };
    for (; ow + 4 <= outW; ow += 4) four(ow);
    if (ow < outW && outW >= 4) {
      four(outW - 4);
      ow = outW;
    }
    ok &= _mm_movemask_epi8(hit) == 0xFFFF;
#endif
    for (; ow < outW; ow++) {
      const int32_t idx = arow[ow], i0 = base + static_cast<int32_t>(2 * ow);
      const float gv = grow[ow];
      d0[2 * ow] = keep_if(idx == i0, gv);
      d0[2 * ow + 1] = keep_if(idx == i0 + 1, gv);
      d1[2 * ow] = keep_if(idx == i0 + w32, gv);
      d1[2 * ow + 1] = keep_if(idx == i0 + w32 + 1, gv);
      ok &= (idx == i0) | (idx == i0 + 1) | (idx == i0 + w32) | (idx == i0 + w32 + 1) | (idx == -1);
    }
    // an odd last column belongs to no window
    for (int64_t iw = 2 * outW; iw < w; iw++) d0[iw] = d1[iw] = 0.0f;
  }
  for (int64_t ih = 2 * outH; ih < p.h; ih++) std::memset(dx + ih * w, 0, static_cast<size_t>(w) * sizeof(float));
  return ok;
}

inline bool is_plain_2x2(const PoolShape& p) {
  return p.kh == 2 && p.kw == 2 && p.strideH == 2 && p.strideW == 2 && p.padH == 0 && p.padW == 0 &&
         p.dilationH == 1 && p.dilationW == 1 && p.outH * 2 <= p.h && p.outW * 2 <= p.w;
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
  if (is_plain_2x2(p)) {
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
          if (p.relu) relu_pick(op + oh * p.outW + ow, ap + oh * p.outW + ow);
        }
      }
    }
  });
}

void max_pool2d_backward_f32(const float* dy, const int32_t* argmax, float* dx, const PoolShape& p) {
  const int64_t planes = p.n * p.c, hw = p.h * p.w, ohw = p.outH * p.outW;
  // check the indices first: nothing is written when one is bad (a branch-free maximum,
  // then a search only when it is out of range)
  std::atomic<int32_t> top{-1};
  parallel_range(planes * ohw, kGrain, [&](int64_t lo, int64_t hi) {
    int32_t m = -1;
    for (int64_t i = lo; i < hi; i++) m = std::max(m, argmax[i]);
    int32_t seen = top.load(std::memory_order_relaxed);
    while (m > seen && !top.compare_exchange_weak(seen, m, std::memory_order_relaxed)) {
    }
  });
  if (top.load() >= hw) {
    for (int64_t i = 0; i < planes * ohw; i++) {
      if (argmax[i] >= hw) {
        throw IndexError("maxPool2dBackward: argmax index " + std::to_string(argmax[i]) + " is out of range for " +
                         std::to_string(hw) + " input positions");
      }
    }
  }
  const bool plain = is_plain_2x2(p);
  parallel_range(planes, plane_grain(p), [&](int64_t lo, int64_t hi) {
    for (int64_t pl = lo; pl < hi; pl++) {
      float* xp = dx + pl * hw;
      const float* g = dy + pl * ohw;
      const int32_t* a = argmax + pl * ohw;
      if (plain && max_pool_2x2_backward_plane(g, a, xp, p)) continue;
      std::memset(xp, 0, static_cast<size_t>(hw) * sizeof(float));
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
