// Attention softmax (attention.h): one vectorised pass per row of the score matrix for the
// scale, the causal mask and the softmax, forward and backward. Under the causal mask a row only
// touches its first i + 1 keys, half the work of masking a full row with -inf. Row maxima and
// sums are kept in 16 independent lanes so that the loops vectorise without reassociation flags.

#include "attention.h"

#include <algorithm>
#include <limits>

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

constexpr int kLanes = 16;

/** Rows [r0, r1) of the forward pass. */
MYELIN_INLINE void softmax_rows(const float* scores, int64_t L, int64_t S, float scale, bool causal, float* out,
                                int64_t r0, int64_t r1) {
  const float ninf = -std::numeric_limits<float>::infinity();
  for (int64_t r = r0; r < r1; r++) {
    const int64_t i = r % L;
    const int64_t n = causal ? std::min(i + 1, S) : S;
    const float* x = scores + r * S;
    float* o = out + r * S;
    float lanes[kLanes];
    for (int l = 0; l < kLanes; l++) lanes[l] = ninf;
    int64_t j = 0;
    for (; j + kLanes <= n; j += kLanes)
      for (int l = 0; l < kLanes; l++) lanes[l] = x[j + l] * scale > lanes[l] ? x[j + l] * scale : lanes[l];
    float max = ninf;
    for (; j < n; j++) max = x[j] * scale > max ? x[j] * scale : max;
    for (int l = 0; l < kLanes; l++) max = lanes[l] > max ? lanes[l] : max;
    if (max == ninf) max = 0.0f;  // an all -inf row still ends NaN, as softmax
    for (int64_t t = 0; t < n; t++) o[t] = vec::exp_approx(x[t] * scale - max);
    for (int l = 0; l < kLanes; l++) lanes[l] = 0.0f;
    for (j = 0; j + kLanes <= n; j += kLanes)
      for (int l = 0; l < kLanes; l++) lanes[l] += o[j + l];
    float sum = 0.0f;
    for (; j < n; j++) sum += o[j];
    for (int l = 0; l < kLanes; l++) sum += lanes[l];
    const float inv = 1.0f / sum;
    for (int64_t t = 0; t < n; t++) o[t] *= inv;
    for (int64_t t = n; t < S; t++) o[t] = 0.0f;
  }
}

/** Rows [r0, r1) of the backward pass (masked weights are 0, so only the first n columns count). */
MYELIN_INLINE void softmax_backward_rows(const float* p, const float* dp, int64_t L, int64_t S, float scale,
                                         bool causal, float* ds, int64_t r0, int64_t r1) {
  for (int64_t r = r0; r < r1; r++) {
    const int64_t i = r % L;
    const int64_t n = causal ? std::min(i + 1, S) : S;
    const float* pr = p + r * S;
    const float* dr = dp + r * S;
    float* o = ds + r * S;
    float lanes[kLanes] = {0};
    int64_t j = 0;
    for (; j + kLanes <= n; j += kLanes)
      for (int l = 0; l < kLanes; l++) lanes[l] += pr[j + l] * dr[j + l];
    float dot = 0.0f;
    for (; j < n; j++) dot += pr[j] * dr[j];
    for (int l = 0; l < kLanes; l++) dot += lanes[l];
    for (int64_t t = 0; t < n; t++) o[t] = scale * pr[t] * (dr[t] - dot);
    for (int64_t t = n; t < S; t++) o[t] = 0.0f;
  }
}

using ForwardFn = void (*)(const float*, int64_t, int64_t, float, bool, float*, int64_t, int64_t);
using BackwardFn = void (*)(const float*, const float*, int64_t, int64_t, float, bool, float*, int64_t, int64_t);

struct AttentionSet {
  ForwardFn forward;
  BackwardFn backward;
};

#define MYELIN_ATTENTION_SET(suffix, ATTR)                                                                          \
  ATTR void forward_##suffix(const float* s, int64_t L, int64_t S, float scale, bool causal, float* o, int64_t r0,  \
                             int64_t r1) {                                                                          \
    softmax_rows(s, L, S, scale, causal, o, r0, r1);                                                                \
  }                                                                                                                 \
  ATTR void backward_##suffix(const float* p, const float* dp, int64_t L, int64_t S, float scale, bool causal,       \
                              float* ds, int64_t r0, int64_t r1) {                                                  \
    softmax_backward_rows(p, dp, L, S, scale, causal, ds, r0, r1);                                                  \
  }                                                                                                                 \
  const AttentionSet kAttention_##suffix = {forward_##suffix, backward_##suffix};

MYELIN_FOR_EACH_ISA(MYELIN_ATTENTION_SET)

MYELIN_ISA_CHOICE(AttentionSet, chosen, kAttention)

int64_t row_grain(int64_t S) { return std::max<int64_t>(1, kGrain / std::max<int64_t>(1, 2 * S)); }

}  // namespace

void attention_softmax_f32(const float* scores, int64_t batch, int64_t L, int64_t S, float scale, bool causal,
                           float* out) {
  const ForwardFn f = chosen().forward;
  parallel_range(batch * L, row_grain(S), [&](int64_t lo, int64_t hi) { f(scores, L, S, scale, causal, out, lo, hi); });
}

void attention_softmax_backward_f32(const float* p, const float* dp, int64_t batch, int64_t L, int64_t S, float scale,
                                    bool causal, float* dScores) {
  const BackwardFn f = chosen().backward;
  parallel_range(batch * L, row_grain(S), [&](int64_t lo, int64_t hi) {
    f(p, dp, L, S, scale, causal, dScores, lo, hi);
  });
}

}  // namespace kernels
}  // namespace myelin
