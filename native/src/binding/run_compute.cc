// The native matmul, convolution, pooling, softmax, normalisation and optimizer kernels behind
// their declarations (src/backend/kernels.ts). Sizes and dtypes are checked by the generated
// readers; what remains here is the checks a size expression cannot say and the kernel calls.

#include <cmath>

#include "../gemm_bf16.h"
#include "../kernels/conv.h"
#include "run.h"

namespace myelin {
namespace binding {

namespace {

bool overlaps(const Tensor& a, const Tensor& b) {
  const char *a0 = static_cast<const char*>(a.data), *b0 = static_cast<const char*>(b.data);
  return a.present() && b.present() && a0 < b0 + b.length * b.elem_size && b0 < a0 + a.length * a.elem_size;
}

k::ConvShape conv_shape(const Conv2dParams& p) {
  if (p.cIn % p.groups != 0 || p.cOut % p.groups != 0) throw range_error("groups must divide cIn and cOut");
  return k::ConvShape{p.n, p.cIn, p.h, p.w, p.cOut, p.kh, p.kw, p.strideH, p.strideW, p.padH, p.padW,
                      p.dilationH, p.dilationW, p.groups, p.outH, p.outW};
}

k::PoolShape pool_shape(const Pool2dParams& p) {
  if (p.h * p.w > 2147483647) throw range_error("planes this large do not fit int32 argmax indices");
  return k::PoolShape{p.n, p.c, p.h, p.w, p.kh, p.kw, p.strideH, p.strideW, p.padH, p.padW,
                      p.dilationH, p.dilationW, p.outH, p.outW, p.countIncludePad, p.relu};
}

}  // namespace

void check_disjoint(std::initializer_list<std::pair<const Tensor*, const char*>> outputs,
                    std::initializer_list<const Tensor*> inputs) {
  for (auto o = outputs.begin(); o != outputs.end(); ++o) {
    for (const Tensor* in : inputs)
      if (overlaps(*o->first, *in)) throw range_error(std::string("'") + o->second + "' must not share memory with an input");
    for (auto q = outputs.begin(); q != o; ++q)
      if (overlaps(*o->first, *q->first)) throw range_error(std::string("'") + o->second + "' and '" + q->second + "' share memory");
  }
}

void run(const MatmulArgs& a) {
  const MatmulParams& p = a.p;
  if (p.batch == 0 || p.m == 0 || p.n == 0) return;
  // sgemm needs C apart from A and B
  if (p.k > 0) check_disjoint({{&a.out, "out"}}, {&a.a, &a.b});
  k::matmul_f32(a.a.f32(), a.b.f32(), a.out.f32(), p.batch, p.m, p.n, p.k, p.transA, p.transB, p.strideA, p.strideB, p.accumulate);
}

void run(const MatmulBf16Args& a) {
  const MatmulParams& p = a.p;
  if (p.batch == 0 || p.m == 0 || p.n == 0) return;
  if (p.k > 0) check_disjoint({{&a.out, "out"}}, {&a.a, &a.b});
  bf16gemm_batched(p.transA, p.transB, p.m, p.n, p.k, static_cast<const uint16_t*>(a.a.data),
                   static_cast<const uint16_t*>(a.b.data), a.out.f32(), p.accumulate, p.batch, p.strideA, p.strideB);
}

void run(const Conv2dArgs& a) { k::conv2d_f32(a.x.f32(), a.w.f32(), a.bias.f32_or_null(), a.out.f32(), conv_shape(a.p)); }

void run(const Conv2dBackwardDataArgs& a) { k::conv2d_backward_data_f32(a.dy.f32(), a.w.f32(), a.dx.f32(), conv_shape(a.p)); }

void run(const Conv2dBackwardWeightArgs& a) {
  k::conv2d_backward_weight_f32(a.x.f32(), a.dy.f32(), a.dw.f32(), a.db.f32_or_null(), conv_shape(a.p));
}

void run(const MaxPool2dArgs& a) { k::max_pool2d_f32(a.x.f32(), a.out.f32(), a.argmax.i32(), pool_shape(a.p)); }

void run(const MaxPool2dBackwardArgs& a) {
  k::max_pool2d_backward_f32(a.dy.f32(), a.argmax.i32(), a.dx.f32(), pool_shape(a.p));
}

void run(const AvgPool2dArgs& a) { k::avg_pool2d_f32(a.x.f32(), a.out.f32(), pool_shape(a.p)); }

void run(const AvgPool2dBackwardArgs& a) { k::avg_pool2d_backward_f32(a.dy.f32(), a.dx.f32(), pool_shape(a.p)); }

void run(const SoftmaxArgs& a) { k::softmax_f32(a.x.f32(), a.outer, a.n, a.inner, a.out.f32(), a.log); }

void run(const SoftmaxBackwardArgs& a) {
  k::softmax_backward_f32(a.y.f32(), a.dy.f32(), a.outer, a.n, a.inner, a.dx.f32(), a.log);
}

void run(const ChannelMomentsArgs& a) {
  k::channel_moments_f32(a.x.f32(), a.n, a.c, a.spatial, a.mean.f32(), a.variance.f32());
}

void run(const BatchNormApplyArgs& a) {
  k::batch_norm_apply_f32(a.x.f32(), a.n, a.c, a.spatial, a.mean.f32(), a.invStd.f32(), a.gamma.f32_or_null(),
                          a.beta.f32_or_null(), a.out.f32());
}

void run(const BatchNormBackwardArgs& a) {
  k::batch_norm_backward_f32(a.x.f32(), a.dy.f32(), a.n, a.c, a.spatial, a.mean.f32(), a.invStd.f32(), a.gamma.f32_or_null(),
                             a.batchStats, a.dx.f32_or_null(), a.dgamma.f32_or_null(), a.dbeta.f32_or_null());
}

void run(const LayerNormArgs& a) {
  k::layer_norm_f32(a.x.f32(), a.rows, a.n, a.gamma.f32_or_null(), a.beta.f32_or_null(), a.eps, a.out.f32(), a.mean.f32(),
                    a.invStd.f32());
}

void run(const LayerNormBackwardArgs& a) {
  k::layer_norm_backward_f32(a.x.f32(), a.dy.f32(), a.rows, a.n, a.mean.f32(), a.invStd.f32(), a.gamma.f32_or_null(),
                             a.dx.f32_or_null(), a.dgamma.f32_or_null(), a.dbeta.f32_or_null());
}

void run(const SgdUpdateArgs& a) {
  const SgdParams& p = a.p;
  k::sgd_update_f32(a.param.f32(), a.grad.f32(), a.momentumBuf.f32_or_null(), a.param.length, p.lr, p.momentum, p.dampening,
                    p.weightDecay, p.nesterov, p.firstStep, p.maximize);
}

void run(const AdamUpdateArgs& a) {
  const AdamParams& p = a.p;
  // the scalar factors as the js kernel (src/backend/js/optim.ts) computes them
  const double bc1 = 1 - std::pow(p.beta1, static_cast<double>(p.step));
  const double bc2Sqrt = std::sqrt(1 - std::pow(p.beta2, static_cast<double>(p.step)));
  const double decay = p.decoupledWeightDecay ? 1 - p.lr * p.weightDecay : 1;
  const double l2 = p.decoupledWeightDecay ? 0 : p.weightDecay;
  k::adam_update_f32(a.param.f32(), a.grad.f32(), a.m.f32(), a.v.f32(), a.vMax.f32_or_null(), a.param.length, p.beta1, p.beta2,
                     p.eps, l2, decay, p.lr / bc1, bc2Sqrt, p.maximize);
}

void run(const RmspropUpdateArgs& a) {
  const RmspropParams& p = a.p;
  k::rmsprop_update_f32(a.param.f32(), a.grad.f32(), a.squareAvg.f32(), a.gradAvg.f32_or_null(), a.momentumBuf.f32_or_null(),
                        a.param.length, p.lr, p.alpha, p.eps, p.weightDecay, p.momentum, p.maximize);
}

}  // namespace binding
}  // namespace myelin
