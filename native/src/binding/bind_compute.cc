// N-API glue: matmul, convolution, pooling, softmax, normalisation and optimizer updates.
// Parameter records (MatmulParams, Conv2dParams, ...) arrive as positional numbers and
// booleans, never as objects, to keep the per-call cost low.

#include "../kernels/conv.h"
#include "args.h"

namespace k = myelin::kernels;
using myelin::binding::Args;
using myelin::binding::Array;
using myelin::binding::JsError;

// matmul(a, b, out, batch, m, n, k, transA, transB, strideA, strideB, accumulate)
MYELIN_FN(matmul) {
  const Array a = args.f32(0, "a"), b = args.f32(1, "b"), out = args.f32(2, "out");
  const int64_t batch = args.size(3, "batch"), m = args.size(4, "m"), n = args.size(5, "n"), kk = args.size(6, "k");
  const bool transA = args.boolean(7, "transA"), transB = args.boolean(8, "transB");
  const int64_t strideA = args.size(9, "strideA"), strideB = args.size(10, "strideB");
  const bool accumulate = args.boolean(11, "accumulate");
  if (batch == 0 || m == 0 || n == 0) return nullptr;
  args.need(out, "out", args.mul(batch, args.mul(m, n, "m * n"), "batch * m * n"));
  if (kk > 0) {
    args.need(a, "a", args.mul(batch - 1, strideA, "batch * strideA") + args.mul(m, kk, "m * k"));
    args.need(b, "b", args.mul(batch - 1, strideB, "batch * strideB") + args.mul(kk, n, "k * n"));
    // sgemm needs C apart from A and B
    const char* o0 = reinterpret_cast<const char*>(out.data);
    const char* o1 = o0 + out.length * 4;
    auto overlaps = [&](const Array& x) {
      const char* x0 = reinterpret_cast<const char*>(x.data);
      return x0 < o1 && o0 < x0 + x.length * 4;
    };
    if (overlaps(a) || overlaps(b)) args.fail(JsError::Range, "'out' must not share memory with 'a' or 'b'");
  }
  k::matmul_f32(a.f32(), b.f32(), out.f32(), batch, m, n, kk, transA, transB, strideA, strideB, accumulate);
  return nullptr;
}

namespace {

/** Conv2dParams from 16 positional numbers starting at argument `i`, validated. */
k::ConvShape conv_shape(const Args& args, size_t i) {
  k::ConvShape s;
  s.n = args.size(i, "n");
  s.cIn = args.size(i + 1, "cIn");
  s.h = args.size(i + 2, "h");
  s.w = args.size(i + 3, "w");
  s.cOut = args.size(i + 4, "cOut");
  s.kh = args.positive(i + 5, "kh");
  s.kw = args.positive(i + 6, "kw");
  s.strideH = args.positive(i + 7, "strideH");
  s.strideW = args.positive(i + 8, "strideW");
  s.padH = args.size(i + 9, "padH");
  s.padW = args.size(i + 10, "padW");
  s.dilationH = args.positive(i + 11, "dilationH");
  s.dilationW = args.positive(i + 12, "dilationW");
  s.groups = args.positive(i + 13, "groups");
  s.outH = args.size(i + 14, "outH");
  s.outW = args.size(i + 15, "outW");
  if (s.cIn % s.groups != 0 || s.cOut % s.groups != 0)
    args.fail(JsError::Range, "groups must divide cIn and cOut");
  return s;
}

int64_t conv_x_size(const Args& args, const k::ConvShape& s) {
  return args.mul(args.mul(s.n, s.cIn, "n * cIn"), args.mul(s.h, s.w, "h * w"), "the input size");
}
int64_t conv_w_size(const Args& args, const k::ConvShape& s) {
  return args.mul(args.mul(s.cOut, s.cIn / s.groups, "cOut * cIn"), args.mul(s.kh, s.kw, "kh * kw"), "the weight size");
}
int64_t conv_y_size(const Args& args, const k::ConvShape& s) {
  return args.mul(args.mul(s.n, s.cOut, "n * cOut"), args.mul(s.outH, s.outW, "outH * outW"), "the output size");
}

}  // namespace

// conv2d(x, w, bias|null, out, ...ConvShape)
MYELIN_FN(conv2d) {
  const Array x = args.f32(0, "x"), w = args.f32(1, "w"), bias = args.f32(2, "bias", true), out = args.f32(3, "out");
  const k::ConvShape s = conv_shape(args, 4);
  args.need(x, "x", conv_x_size(args, s));
  args.need(w, "w", conv_w_size(args, s));
  args.need(out, "out", conv_y_size(args, s));
  if (bias.present) args.need(bias, "bias", s.cOut);
  k::conv2d_f32(x.f32(), w.f32(), bias.present ? bias.f32() : nullptr, out.f32(), s);
  return nullptr;
}

// conv2dBackwardData(dy, w, dx, ...ConvShape)
MYELIN_FN(conv2dBackwardData) {
  const Array dy = args.f32(0, "dy"), w = args.f32(1, "w"), dx = args.f32(2, "dx");
  const k::ConvShape s = conv_shape(args, 3);
  args.need(dy, "dy", conv_y_size(args, s));
  args.need(w, "w", conv_w_size(args, s));
  args.need(dx, "dx", conv_x_size(args, s));
  k::conv2d_backward_data_f32(dy.f32(), w.f32(), dx.f32(), s);
  return nullptr;
}

// conv2dBackwardWeight(x, dy, dw, ...ConvShape, db:optional)
MYELIN_FN(conv2dBackwardWeight) {
  const Array x = args.f32(0, "x"), dy = args.f32(1, "dy"), dw = args.f32(2, "dw");
  const k::ConvShape s = conv_shape(args, 3);
  const Array db = args.f32(19, "db", true);
  args.need(x, "x", conv_x_size(args, s));
  args.need(dy, "dy", conv_y_size(args, s));
  args.need(dw, "dw", conv_w_size(args, s));
  if (db.present) args.need(db, "db", s.cOut);
  k::conv2d_backward_weight_f32(x.f32(), dy.f32(), dw.f32(), db.present ? db.f32() : nullptr, s);
  return nullptr;
}

namespace {

/** Pool2dParams from 14 positional numbers starting at argument `i` (+ countIncludePad when `avg`). */
k::PoolShape pool_shape(const Args& args, size_t i, bool avg) {
  k::PoolShape p;
  p.n = args.size(i, "n");
  p.c = args.size(i + 1, "c");
  p.h = args.size(i + 2, "h");
  p.w = args.size(i + 3, "w");
  p.kh = args.positive(i + 4, "kh");
  p.kw = args.positive(i + 5, "kw");
  p.strideH = args.positive(i + 6, "strideH");
  p.strideW = args.positive(i + 7, "strideW");
  p.padH = args.size(i + 8, "padH");
  p.padW = args.size(i + 9, "padW");
  p.dilationH = args.positive(i + 10, "dilationH");
  p.dilationW = args.positive(i + 11, "dilationW");
  p.outH = args.size(i + 12, "outH");
  p.outW = args.size(i + 13, "outW");
  p.countIncludePad = avg ? args.boolean(i + 14, "countIncludePad") : true;
  if (p.h * p.w > 2147483647) args.fail(JsError::Range, "planes this large do not fit int32 argmax indices");
  return p;
}

int64_t pool_x_size(const Args& args, const k::PoolShape& p) {
  return args.mul(args.mul(p.n, p.c, "n * c"), args.mul(p.h, p.w, "h * w"), "the input size");
}
int64_t pool_y_size(const Args& args, const k::PoolShape& p) {
  return args.mul(args.mul(p.n, p.c, "n * c"), args.mul(p.outH, p.outW, "outH * outW"), "the output size");
}

}  // namespace

// maxPool2d(x, out, argmax:int32, ...PoolShape, relu)
MYELIN_FN(maxPool2d) {
  const Array x = args.f32(0, "x"), out = args.f32(1, "out"), argmax = args.i32(2, "argmax");
  k::PoolShape p = pool_shape(args, 3, false);
  p.relu = args.boolean(17, "relu");
  args.need(x, "x", pool_x_size(args, p));
  args.need(out, "out", pool_y_size(args, p));
  args.need(argmax, "argmax", pool_y_size(args, p));
  k::max_pool2d_f32(x.f32(), out.f32(), argmax.i32(), p);
  return nullptr;
}

// maxPool2dBackward(dy, argmax:int32, dx, ...PoolShape)
MYELIN_FN(maxPool2dBackward) {
  const Array dy = args.f32(0, "dy"), argmax = args.i32(1, "argmax"), dx = args.f32(2, "dx");
  const k::PoolShape p = pool_shape(args, 3, false);
  args.need(dy, "dy", pool_y_size(args, p));
  args.need(argmax, "argmax", pool_y_size(args, p));
  args.need(dx, "dx", pool_x_size(args, p));
  k::max_pool2d_backward_f32(dy.f32(), argmax.i32(), dx.f32(), p);
  return nullptr;
}

// avgPool2d(x, out, ...PoolShape, countIncludePad)
MYELIN_FN(avgPool2d) {
  const Array x = args.f32(0, "x"), out = args.f32(1, "out");
  const k::PoolShape p = pool_shape(args, 2, true);
  args.need(x, "x", pool_x_size(args, p));
  args.need(out, "out", pool_y_size(args, p));
  k::avg_pool2d_f32(x.f32(), out.f32(), p);
  return nullptr;
}

// avgPool2dBackward(dy, dx, ...PoolShape, countIncludePad)
MYELIN_FN(avgPool2dBackward) {
  const Array dy = args.f32(0, "dy"), dx = args.f32(1, "dx");
  const k::PoolShape p = pool_shape(args, 2, true);
  args.need(dy, "dy", pool_y_size(args, p));
  args.need(dx, "dx", pool_x_size(args, p));
  k::avg_pool2d_backward_f32(dy.f32(), dx.f32(), p);
  return nullptr;
}

// softmax(x, outer, n, inner, out, log)
MYELIN_FN(softmax) {
  const Array x = args.f32(0, "x"), out = args.f32(4, "out");
  const int64_t outer = args.size(1, "outer"), n = args.size(2, "n"), inner = args.size(3, "inner");
  const int64_t total = args.mul(args.mul(outer, n, "outer * n"), inner, "outer * n * inner");
  args.need(x, "x", total);
  args.need(out, "out", total);
  k::softmax_f32(x.f32(), outer, n, inner, out.f32(), args.boolean(5, "log"));
  return nullptr;
}

// softmaxBackward(y, dy, outer, n, inner, dx, log)
MYELIN_FN(softmaxBackward) {
  const Array y = args.f32(0, "y"), dy = args.f32(1, "dy"), dx = args.f32(5, "dx");
  const int64_t outer = args.size(2, "outer"), n = args.size(3, "n"), inner = args.size(4, "inner");
  const int64_t total = args.mul(args.mul(outer, n, "outer * n"), inner, "outer * n * inner");
  args.need(y, "y", total);
  args.need(dy, "dy", total);
  args.need(dx, "dx", total);
  k::softmax_backward_f32(y.f32(), dy.f32(), outer, n, inner, dx.f32(), args.boolean(6, "log"));
  return nullptr;
}

// channelMoments(x, n, c, spatial, mean, variance)
MYELIN_FN(channelMoments) {
  const Array x = args.f32(0, "x"), mean = args.f32(4, "mean"), variance = args.f32(5, "variance");
  const int64_t n = args.size(1, "n"), c = args.size(2, "c"), spatial = args.size(3, "spatial");
  args.need(x, "x", args.mul(args.mul(n, c, "n * c"), spatial, "n * c * spatial"));
  args.need(mean, "mean", c);
  args.need(variance, "variance", c);
  k::channel_moments_f32(x.f32(), n, c, spatial, mean.f32(), variance.f32());
  return nullptr;
}

// batchNormApply(x, n, c, spatial, mean, invStd, gamma|null, beta|null, out)
MYELIN_FN(batchNormApply) {
  const Array x = args.f32(0, "x"), mean = args.f32(4, "mean"), invStd = args.f32(5, "invStd");
  const Array gamma = args.f32(6, "gamma", true), beta = args.f32(7, "beta", true), out = args.f32(8, "out");
  const int64_t n = args.size(1, "n"), c = args.size(2, "c"), spatial = args.size(3, "spatial");
  const int64_t total = args.mul(args.mul(n, c, "n * c"), spatial, "n * c * spatial");
  args.need(x, "x", total);
  args.need(out, "out", total);
  args.need(mean, "mean", c);
  args.need(invStd, "invStd", c);
  if (gamma.present) args.need(gamma, "gamma", c);
  if (beta.present) args.need(beta, "beta", c);
  k::batch_norm_apply_f32(x.f32(), n, c, spatial, mean.f32(), invStd.f32(), gamma.present ? gamma.f32() : nullptr,
                          beta.present ? beta.f32() : nullptr, out.f32());
  return nullptr;
}

// batchNormBackward(x, dy, n, c, spatial, mean, invStd, gamma|null, batchStats, dx|null, dgamma|null, dbeta|null)
MYELIN_FN(batchNormBackward) {
  const Array x = args.f32(0, "x"), dy = args.f32(1, "dy"), mean = args.f32(5, "mean"), invStd = args.f32(6, "invStd");
  const Array gamma = args.f32(7, "gamma", true);
  const bool batchStats = args.boolean(8, "batchStats");
  const Array dx = args.f32(9, "dx", true), dgamma = args.f32(10, "dgamma", true), dbeta = args.f32(11, "dbeta", true);
  const int64_t n = args.size(2, "n"), c = args.size(3, "c"), spatial = args.size(4, "spatial");
  const int64_t total = args.mul(args.mul(n, c, "n * c"), spatial, "n * c * spatial");
  args.need(x, "x", total);
  args.need(dy, "dy", total);
  args.need(mean, "mean", c);
  args.need(invStd, "invStd", c);
  if (gamma.present) args.need(gamma, "gamma", c);
  if (dx.present) args.need(dx, "dx", total);
  if (dgamma.present) args.need(dgamma, "dgamma", c);
  if (dbeta.present) args.need(dbeta, "dbeta", c);
  k::batch_norm_backward_f32(x.f32(), dy.f32(), n, c, spatial, mean.f32(), invStd.f32(),
                             gamma.present ? gamma.f32() : nullptr, batchStats, dx.present ? dx.f32() : nullptr,
                             dgamma.present ? dgamma.f32() : nullptr, dbeta.present ? dbeta.f32() : nullptr);
  return nullptr;
}

// layerNorm(x, rows, n, gamma|null, beta|null, eps, out, mean, invStd)
MYELIN_FN(layerNorm) {
  const Array x = args.f32(0, "x"), gamma = args.f32(3, "gamma", true), beta = args.f32(4, "beta", true);
  const Array out = args.f32(6, "out"), mean = args.f32(7, "mean"), invStd = args.f32(8, "invStd");
  const int64_t rows = args.size(1, "rows"), n = args.size(2, "n");
  const double eps = args.number(5, "eps");
  const int64_t total = args.mul(rows, n, "rows * n");
  args.need(x, "x", total);
  args.need(out, "out", total);
  args.need(mean, "mean", rows);
  args.need(invStd, "invStd", rows);
  if (gamma.present) args.need(gamma, "gamma", n);
  if (beta.present) args.need(beta, "beta", n);
  k::layer_norm_f32(x.f32(), rows, n, gamma.present ? gamma.f32() : nullptr, beta.present ? beta.f32() : nullptr, eps,
                    out.f32(), mean.f32(), invStd.f32());
  return nullptr;
}

// layerNormBackward(x, dy, rows, n, mean, invStd, gamma|null, dx|null, dgamma|null, dbeta|null)
MYELIN_FN(layerNormBackward) {
  const Array x = args.f32(0, "x"), dy = args.f32(1, "dy"), mean = args.f32(4, "mean"), invStd = args.f32(5, "invStd");
  const Array gamma = args.f32(6, "gamma", true), dx = args.f32(7, "dx", true);
  const Array dgamma = args.f32(8, "dgamma", true), dbeta = args.f32(9, "dbeta", true);
  const int64_t rows = args.size(2, "rows"), n = args.size(3, "n");
  const int64_t total = args.mul(rows, n, "rows * n");
  args.need(x, "x", total);
  args.need(dy, "dy", total);
  args.need(mean, "mean", rows);
  args.need(invStd, "invStd", rows);
  if (gamma.present) args.need(gamma, "gamma", n);
  if (dx.present) args.need(dx, "dx", total);
  if (dgamma.present) args.need(dgamma, "dgamma", n);
  if (dbeta.present) args.need(dbeta, "dbeta", n);
  k::layer_norm_backward_f32(x.f32(), dy.f32(), rows, n, mean.f32(), invStd.f32(), gamma.present ? gamma.f32() : nullptr,
                             dx.present ? dx.f32() : nullptr, dgamma.present ? dgamma.f32() : nullptr,
                             dbeta.present ? dbeta.f32() : nullptr);
  return nullptr;
}

// sgdUpdate(param, grad, buf|null, lr, momentum, dampening, weightDecay, nesterov, firstStep, maximize)
MYELIN_FN(sgdUpdate) {
  const Array param = args.f32(0, "param"), grad = args.f32(1, "grad"), buf = args.f32(2, "momentumBuf", true);
  const int64_t n = param.length;
  args.need(grad, "grad", n);
  if (buf.present) args.need(buf, "momentumBuf", n);
  k::sgd_update_f32(param.f32(), grad.f32(), buf.present ? buf.f32() : nullptr, n, args.number(3, "lr"),
                    args.number(4, "momentum"), args.number(5, "dampening"), args.number(6, "weightDecay"),
                    args.boolean(7, "nesterov"), args.boolean(8, "firstStep"), args.boolean(9, "maximize"));
  return nullptr;
}

// adamUpdate(param, grad, m, v, vMax|null, beta1, beta2, eps, l2, decay, stepSize, bc2Sqrt, maximize)
MYELIN_FN(adamUpdate) {
  const Array param = args.f32(0, "param"), grad = args.f32(1, "grad"), m = args.f32(2, "m"), v = args.f32(3, "v");
  const Array vMax = args.f32(4, "vMax", true);
  const int64_t n = param.length;
  args.need(grad, "grad", n);
  args.need(m, "m", n);
  args.need(v, "v", n);
  if (vMax.present) args.need(vMax, "vMax", n);
  k::adam_update_f32(param.f32(), grad.f32(), m.f32(), v.f32(), vMax.present ? vMax.f32() : nullptr, n,
                     args.number(5, "beta1"), args.number(6, "beta2"), args.number(7, "eps"), args.number(8, "l2"),
                     args.number(9, "decay"), args.number(10, "stepSize"), args.number(11, "bc2Sqrt"),
                     args.boolean(12, "maximize"));
  return nullptr;
}

// rmspropUpdate(param, grad, squareAvg, gradAvg|null, momentumBuf|null, lr, alpha, eps, weightDecay, momentum, maximize)
MYELIN_FN(rmspropUpdate) {
  const Array param = args.f32(0, "param"), grad = args.f32(1, "grad"), sq = args.f32(2, "squareAvg");
  const Array gAvg = args.f32(3, "gradAvg", true), buf = args.f32(4, "momentumBuf", true);
  const int64_t n = param.length;
  args.need(grad, "grad", n);
  args.need(sq, "squareAvg", n);
  if (gAvg.present) args.need(gAvg, "gradAvg", n);
  if (buf.present) args.need(buf, "momentumBuf", n);
  k::rmsprop_update_f32(param.f32(), grad.f32(), sq.f32(), gAvg.present ? gAvg.f32() : nullptr,
                        buf.present ? buf.f32() : nullptr, n, args.number(5, "lr"), args.number(6, "alpha"),
                        args.number(7, "eps"), args.number(8, "weightDecay"), args.number(9, "momentum"),
                        args.boolean(10, "maximize"));
  return nullptr;
}

namespace myelin {
namespace binding {
const Export kComputeExports[] = {
    {"matmul", js_matmul},
    {"conv2d", js_conv2d},
    {"conv2dBackwardData", js_conv2dBackwardData},
    {"conv2dBackwardWeight", js_conv2dBackwardWeight},
    {"maxPool2d", js_maxPool2d},
    {"maxPool2dBackward", js_maxPool2dBackward},
    {"avgPool2d", js_avgPool2d},
    {"avgPool2dBackward", js_avgPool2dBackward},
    {"softmax", js_softmax},
    {"softmaxBackward", js_softmaxBackward},
    {"channelMoments", js_channelMoments},
    {"batchNormApply", js_batchNormApply},
    {"batchNormBackward", js_batchNormBackward},
    {"layerNorm", js_layerNorm},
    {"layerNormBackward", js_layerNormBackward},
    {"sgdUpdate", js_sgdUpdate},
    {"adamUpdate", js_adamUpdate},
    {"rmspropUpdate", js_rmspropUpdate},
};
const size_t kComputeExportCount = sizeof(kComputeExports) / sizeof(kComputeExports[0]);
}  // namespace binding
}  // namespace myelin
