// The softmax step of scaled dot-product attention (attention.cc), float32, with the score scale
// and the causal mask folded in; semantics of src/backend/js/attention.ts (the oracle).
#pragma once

#include <cstdint>

namespace myelin {
namespace kernels {

/** out = softmax(scores * scale) over the last axis of [batch, L, S]; causal: key j > query i gets 0. out may be scores. */
void attention_softmax_f32(const float* scores, int64_t batch, int64_t L, int64_t S, float scale, bool causal, float* out);
/** dScores = scale * p * (dp - sum_j dp * p) per row (0 at masked keys when causal); dScores may be dp. */
void attention_softmax_backward_f32(const float* p, const float* dp, int64_t batch, int64_t L, int64_t S, float scale,
                                    bool causal, float* dScores);

}  // namespace kernels
}  // namespace myelin
