// N-API glue: the attention softmax kernels (kernels/attention.h).

#include "../kernels/attention.h"
#include "args.h"

namespace k = myelin::kernels;
using myelin::binding::Array;

// attentionSoftmax(scores, batch, L, S, scale, causal, out)
MYELIN_FN(attentionSoftmax) {
  const Array scores = args.f32(0, "scores"), out = args.f32(6, "out");
  const int64_t batch = args.size(1, "batch"), L = args.size(2, "L"), S = args.size(3, "S");
  const double scale = args.number(4, "scale");
  const bool causal = args.boolean(5, "causal");
  const int64_t n = args.mul(args.mul(batch, L, "batch * L"), S, "batch * L * S");
  args.need(scores, "scores", n);
  args.need(out, "out", n);
  k::attention_softmax_f32(scores.f32(), batch, L, S, static_cast<float>(scale), causal, out.f32());
  return nullptr;
}

// attentionSoftmaxBackward(p, dp, batch, L, S, scale, causal, dScores)
MYELIN_FN(attentionSoftmaxBackward) {
  const Array p = args.f32(0, "p"), dp = args.f32(1, "dp"), ds = args.f32(7, "dScores");
  const int64_t batch = args.size(2, "batch"), L = args.size(3, "L"), S = args.size(4, "S");
  const double scale = args.number(5, "scale");
  const bool causal = args.boolean(6, "causal");
  const int64_t n = args.mul(args.mul(batch, L, "batch * L"), S, "batch * L * S");
  args.need(p, "p", n);
  args.need(dp, "dp", n);
  args.need(ds, "dScores", n);
  k::attention_softmax_backward_f32(p.f32(), dp.f32(), batch, L, S, static_cast<float>(scale), causal, ds.f32());
  return nullptr;
}

namespace myelin {
namespace binding {
const Export kAttentionExports[] = {
    {"attentionSoftmax", js_attentionSoftmax},
    {"attentionSoftmaxBackward", js_attentionSoftmaxBackward},
};
const size_t kAttentionExportCount = sizeof(kAttentionExports) / sizeof(kAttentionExports[0]);
}  // namespace binding
}  // namespace myelin
