// Generated from src/backend/kernels.ts by `node scripts/gen-kernels.js`: do not edit by hand.
// Per kernel: its arguments as a struct, read and checked by the binding's Reader
// (binding/reader.h), and the `run` that the binding/run_*.cc files define.
#pragma once

#include <cstdint>

#include "binding/tensor.h"

#define MYELIN_SPEC_FINGERPRINT "4fbaf57d"

// dtype codes: 0 for an absent (null) tensor, then the dtypes in this order: (name, the
// Node-API typed array type that stores it, its element size)
#define MYELIN_DTYPES(X) X(float32, napi_float32_array, 4) X(float64, napi_float64_array, 8) X(int32, napi_int32_array, 4) X(bfloat16, napi_uint16_array, 2)
#define MYELIN_DTYPE_CODES 5
#define MYELIN_VARIANT_CODES 64

// op lists: an op's code is its position
#define MYELIN_UNARY_OPS(X) X(neg) X(abs) X(sign) X(exp) X(log) X(sqrt) X(rsqrt) X(square) X(reciprocal) X(sin) X(cos) X(tanh) X(sigmoid) X(relu) X(gelu) X(erf) X(floor) X(ceil) X(round) X(leakyRelu) X(powScalar) X(clamp) X(affine) X(log1p) X(softplus)
#define MYELIN_BINARY_OPS(X) X(add) X(sub) X(mul) X(div) X(pow) X(maximum) X(minimum) X(eq) X(ne) X(lt) X(le) X(gt) X(ge) X(reluGrad) X(leakyReluGrad) X(sigmoidGrad) X(tanhGrad) X(geluGrad)
#define MYELIN_REDUCE_OPS(X) X(sum) X(max) X(min) X(prod)
#define MYELIN_ARG_REDUCE_OPS(X) X(argmax) X(argmin)

namespace myelin {
namespace binding {

struct MatmulParams {
  int64_t batch; int64_t m; int64_t n; int64_t k; bool transA; bool transB; int64_t strideA; int64_t strideB; bool accumulate;
  template <class R> void read(R& r) { batch = r.size("batch"); m = r.size("m"); n = r.size("n"); k = r.size("k"); transA = r.boolean("transA"); transB = r.boolean("transB"); strideA = r.size("strideA"); strideB = r.size("strideB"); accumulate = r.boolean("accumulate"); }
};
struct Conv2dParams {
  int64_t n; int64_t cIn; int64_t h; int64_t w; int64_t cOut; int64_t kh; int64_t kw; int64_t strideH; int64_t strideW; int64_t padH; int64_t padW; int64_t dilationH; int64_t dilationW; int64_t groups; int64_t outH; int64_t outW;
  template <class R> void read(R& r) { n = r.size("n"); cIn = r.size("cIn"); h = r.size("h"); w = r.size("w"); cOut = r.size("cOut"); kh = r.positive("kh"); kw = r.positive("kw"); strideH = r.positive("strideH"); strideW = r.positive("strideW"); padH = r.size("padH"); padW = r.size("padW"); dilationH = r.positive("dilationH"); dilationW = r.positive("dilationW"); groups = r.positive("groups"); outH = r.size("outH"); outW = r.size("outW"); }
};
struct Pool2dParams {
  int64_t n; int64_t c; int64_t h; int64_t w; int64_t kh; int64_t kw; int64_t strideH; int64_t strideW; int64_t padH; int64_t padW; int64_t dilationH; int64_t dilationW; int64_t outH; int64_t outW; bool countIncludePad; bool relu;
  template <class R> void read(R& r) { n = r.size("n"); c = r.size("c"); h = r.size("h"); w = r.size("w"); kh = r.positive("kh"); kw = r.positive("kw"); strideH = r.positive("strideH"); strideW = r.positive("strideW"); padH = r.size("padH"); padW = r.size("padW"); dilationH = r.positive("dilationH"); dilationW = r.positive("dilationW"); outH = r.size("outH"); outW = r.size("outW"); countIncludePad = r.boolean("countIncludePad"); relu = r.boolean("relu"); }
};
struct SgdParams {
  double lr; double momentum; double dampening; double weightDecay; bool nesterov; bool firstStep; bool maximize;
  template <class R> void read(R& r) { lr = r.number("lr"); momentum = r.number("momentum"); dampening = r.number("dampening"); weightDecay = r.number("weightDecay"); nesterov = r.boolean("nesterov"); firstStep = r.boolean("firstStep"); maximize = r.boolean("maximize"); }
};
struct AdamParams {
  double lr; double beta1; double beta2; double eps; double weightDecay; bool decoupledWeightDecay; int64_t step; bool amsgrad; bool maximize;
  template <class R> void read(R& r) { lr = r.number("lr"); beta1 = r.number("beta1"); beta2 = r.number("beta2"); eps = r.number("eps"); weightDecay = r.number("weightDecay"); decoupledWeightDecay = r.boolean("decoupledWeightDecay"); step = r.positive("step"); amsgrad = r.boolean("amsgrad"); maximize = r.boolean("maximize"); }
};
struct RmspropParams {
  double lr; double alpha; double eps; double weightDecay; double momentum; bool centered; bool maximize;
  template <class R> void read(R& r) { lr = r.number("lr"); alpha = r.number("alpha"); eps = r.number("eps"); weightDecay = r.number("weightDecay"); momentum = r.number("momentum"); centered = r.boolean("centered"); maximize = r.boolean("maximize"); }
};

// fill(out, value)
struct FillArgs {
  static constexpr const char* kName = "fill"; static constexpr int kTensors = 1;
  Tensor out; double value;
  template <class R> void read(R& r) {
    r.tensor(out, "out", false); value = r.number("value");
    static const uint64_t kDtypes[] = {64, 128, 192}; r.dtypes(kDtypes, 3, {&out}, 0);
  }
};
void run(const FillArgs& a);

// copy(src, dst)
struct CopyArgs {
  static constexpr const char* kName = "copy"; static constexpr int kTensors = 2;
  Tensor src; Tensor dst;
  template <class R> void read(R& r) {
    r.tensor(src, "src", false); r.tensor(dst, "dst", false);
    static const uint64_t kDtypes[] = {384, 768, 1152}; r.dtypes(kDtypes, 3, {&src, &dst}, 0);
    r.need(dst, "dst", src.length);
  }
};
void run(const CopyArgs& a);

// cast(src, dst)
struct CastArgs {
  static constexpr const char* kName = "cast"; static constexpr int kTensors = 2;
  Tensor src; Tensor dst;
  template <class R> void read(R& r) {
    r.tensor(src, "src", false); r.tensor(dst, "dst", false);
    static const uint64_t kDtypes[] = {384, 448, 512, 576, 704, 768, 832, 896, 1024, 1088, 1152, 1216, 1344, 1408, 1472, 1536}; r.dtypes(kDtypes, 16, {&src, &dst}, 0);
    r.need(dst, "dst", src.length);
  }
};
void run(const CastArgs& a);

// unary(op, x, out, p0, p1)
struct UnaryArgs {
  static constexpr const char* kName = "unary"; static constexpr int kTensors = 2;
  int op; Tensor x; Tensor out; double p0; double p1;
  template <class R> void read(R& r) {
    op = r.code("op", 25); r.tensor(x, "x", false); r.tensor(out, "out", false); p0 = r.number("p0"); p1 = r.number("p1");
    static const uint64_t kDtypes[] = {384, 385, 386, 387, 388, 389, 390, 391, 392, 393, 394, 395, 396, 397, 398, 399, 400, 401, 402, 403, 404, 405, 406, 407, 408}; r.dtypes(kDtypes, 25, {&x, &out}, op);
    r.need(x, "x", out.length);
  }
};
void run(const UnaryArgs& a);

// binary(op, a, aShape, b, bShape, out, outShape, p0)
struct BinaryArgs {
  static constexpr const char* kName = "binary"; static constexpr int kTensors = 3;
  int op; Tensor a; Shape aShape; Tensor b; Shape bShape; Tensor out; Shape outShape; double p0;
  template <class R> void read(R& r) {
    op = r.code("op", 18); r.tensor(a, "a", false); r.shape(aShape, "aShape"); r.tensor(b, "b", false); r.shape(bShape, "bShape"); r.tensor(out, "out", false); r.shape(outShape, "outShape"); p0 = r.number("p0");
    static const uint64_t kDtypes[] = {1984, 1985, 1986, 1987, 1988, 1989, 1990, 1997, 1998, 1999, 2000, 2001, 2119, 2120, 2121, 2122, 2123, 2124, 5952, 5953, 5954, 5957, 5958, 5959, 5960, 5961, 5962, 5963, 5964}; r.dtypes(kDtypes, 29, {&a, &b, &out}, op);
    r.need(a, "a", r.numel(aShape)); r.need(b, "b", r.numel(bShape)); r.need(out, "out", r.numel(outShape));
  }
};
void run(const BinaryArgs& a);

// where(cond, condShape, a, aShape, b, bShape, out, outShape)
struct WhereArgs {
  static constexpr const char* kName = "where"; static constexpr int kTensors = 4;
  Tensor cond; Shape condShape; Tensor a; Shape aShape; Tensor b; Shape bShape; Tensor out; Shape outShape;
  template <class R> void read(R& r) {
    r.tensor(cond, "cond", false); r.shape(condShape, "condShape"); r.tensor(a, "a", false); r.shape(aShape, "aShape"); r.tensor(b, "b", false); r.shape(bShape, "bShape"); r.tensor(out, "out", false); r.shape(outShape, "outShape");
    static const uint64_t kDtypes[] = {9984, 13952, 25984, 29952}; r.dtypes(kDtypes, 4, {&cond, &a, &b, &out}, 0);
    r.need(cond, "cond", r.numel(condShape)); r.need(a, "a", r.numel(aShape)); r.need(b, "b", r.numel(bShape)); r.need(out, "out", r.numel(outShape));
  }
};
void run(const WhereArgs& a);

// reduce(op, x, outer, n, inner, out)
struct ReduceArgs {
  static constexpr const char* kName = "reduce"; static constexpr int kTensors = 2;
  int op; Tensor x; int64_t outer; int64_t n; int64_t inner; Tensor out;
  template <class R> void read(R& r) {
    op = r.code("op", 4); r.tensor(x, "x", false); outer = r.size("outer"); n = r.size("n"); inner = r.size("inner"); r.tensor(out, "out", false);
    static const uint64_t kDtypes[] = {384, 385, 386, 387}; r.dtypes(kDtypes, 4, {&x, &out}, op);
    r.need(x, "x", r.mul(r.mul(outer, n), inner)); r.need(out, "out", r.mul(outer, inner));
  }
};
void run(const ReduceArgs& a);

// argReduce(op, x, outer, n, inner, out)
struct ArgReduceArgs {
  static constexpr const char* kName = "argReduce"; static constexpr int kTensors = 2;
  int op; Tensor x; int64_t outer; int64_t n; int64_t inner; Tensor out;
  template <class R> void read(R& r) {
    op = r.code("op", 2); r.tensor(x, "x", false); outer = r.size("outer"); n = r.size("n"); inner = r.size("inner"); r.tensor(out, "out", false);
    static const uint64_t kDtypes[] = {512, 513}; r.dtypes(kDtypes, 2, {&x, &out}, op);
    r.need(x, "x", r.mul(r.mul(outer, n), inner)); r.need(out, "out", r.mul(outer, inner));
  }
};
void run(const ArgReduceArgs& a);

// expand(x, shape, out, outShape)
struct ExpandArgs {
  static constexpr const char* kName = "expand"; static constexpr int kTensors = 2;
  Tensor x; Shape shape; Tensor out; Shape outShape;
  template <class R> void read(R& r) {
    r.tensor(x, "x", false); r.shape(shape, "shape"); r.tensor(out, "out", false); r.shape(outShape, "outShape");
    static const uint64_t kDtypes[] = {384, 768, 1152}; r.dtypes(kDtypes, 3, {&x, &out}, 0);
    r.need(x, "x", r.numel(shape)); r.need(out, "out", r.numel(outShape));
  }
};
void run(const ExpandArgs& a);

// permute(x, shape, perm, out)
struct PermuteArgs {
  static constexpr const char* kName = "permute"; static constexpr int kTensors = 2;
  Tensor x; Shape shape; Shape perm; Tensor out;
  template <class R> void read(R& r) {
    r.tensor(x, "x", false); r.shape(shape, "shape"); r.shape(perm, "perm"); r.tensor(out, "out", false);
    static const uint64_t kDtypes[] = {384, 768, 1152}; r.dtypes(kDtypes, 3, {&x, &out}, 0);
    r.need(x, "x", r.numel(shape)); r.need(out, "out", r.numel(shape));
  }
};
void run(const PermuteArgs& a);

// slice(x, shape, begin, out, outShape)
struct SliceArgs {
  static constexpr const char* kName = "slice"; static constexpr int kTensors = 2;
  Tensor x; Shape shape; Shape begin; Tensor out; Shape outShape;
  template <class R> void read(R& r) {
    r.tensor(x, "x", false); r.shape(shape, "shape"); r.shape(begin, "begin"); r.tensor(out, "out", false); r.shape(outShape, "outShape");
    static const uint64_t kDtypes[] = {384, 768, 1152}; r.dtypes(kDtypes, 3, {&x, &out}, 0);
    r.need(x, "x", r.numel(shape)); r.need(out, "out", r.numel(outShape));
  }
};
void run(const SliceArgs& a);

// sliceAssign(src, srcShape, dst, dstShape, begin, accumulate)
struct SliceAssignArgs {
  static constexpr const char* kName = "sliceAssign"; static constexpr int kTensors = 2;
  Tensor src; Shape srcShape; Tensor dst; Shape dstShape; Shape begin; bool accumulate;
  template <class R> void read(R& r) {
    r.tensor(src, "src", false); r.shape(srcShape, "srcShape"); r.tensor(dst, "dst", false); r.shape(dstShape, "dstShape"); r.shape(begin, "begin"); accumulate = r.boolean("accumulate");
    static const uint64_t kDtypes[] = {384, 385, 768, 1152}; r.dtypes(kDtypes, 4, {&src, &dst}, (accumulate ? 1 : 0));
    r.need(src, "src", r.numel(srcShape)); r.need(dst, "dst", r.numel(dstShape));
  }
};
void run(const SliceAssignArgs& a);

// gatherRows(table, rows, dim, idx, out)
struct GatherRowsArgs {
  static constexpr const char* kName = "gatherRows"; static constexpr int kTensors = 3;
  Tensor table; int64_t rows; int64_t dim; Tensor idx; Tensor out;
  template <class R> void read(R& r) {
    r.tensor(table, "table", false); rows = r.size("rows"); dim = r.size("dim"); r.tensor(idx, "idx", false); r.tensor(out, "out", false);
    static const uint64_t kDtypes[] = {2624, 4288, 5952}; r.dtypes(kDtypes, 3, {&table, &idx, &out}, 0);
    r.need(table, "table", r.mul(rows, dim)); r.need(out, "out", r.mul(idx.length, dim));
  }
};
void run(const GatherRowsArgs& a);

// scatterAddRows(src, idx, dim, table)
struct ScatterAddRowsArgs {
  static constexpr const char* kName = "scatterAddRows"; static constexpr int kTensors = 3;
  Tensor src; Tensor idx; int64_t dim; Tensor table;
  template <class R> void read(R& r) {
    r.tensor(src, "src", false); r.tensor(idx, "idx", false); dim = r.size("dim"); r.tensor(table, "table", false);
    static const uint64_t kDtypes[] = {2624}; r.dtypes(kDtypes, 1, {&src, &idx, &table}, 0);
    r.need(src, "src", r.mul(idx.length, dim));
  }
};
void run(const ScatterAddRowsArgs& a);

// takeAlongAxis(x, outer, n, inner, idx, out)
struct TakeAlongAxisArgs {
  static constexpr const char* kName = "takeAlongAxis"; static constexpr int kTensors = 3;
  Tensor x; int64_t outer; int64_t n; int64_t inner; Tensor idx; Tensor out;
  template <class R> void read(R& r) {
    r.tensor(x, "x", false); outer = r.size("outer"); n = r.size("n"); inner = r.size("inner"); r.tensor(idx, "idx", false); r.tensor(out, "out", false);
    static const uint64_t kDtypes[] = {2624, 4288, 5952}; r.dtypes(kDtypes, 3, {&x, &idx, &out}, 0);
    r.need(x, "x", r.mul(r.mul(outer, n), inner)); r.need(out, "out", idx.length);
  }
};
void run(const TakeAlongAxisArgs& a);

// scatterAddAlongAxis(src, outer, n, inner, idx, dx)
struct ScatterAddAlongAxisArgs {
  static constexpr const char* kName = "scatterAddAlongAxis"; static constexpr int kTensors = 3;
  Tensor src; int64_t outer; int64_t n; int64_t inner; Tensor idx; Tensor dx;
  template <class R> void read(R& r) {
    r.tensor(src, "src", false); outer = r.size("outer"); n = r.size("n"); inner = r.size("inner"); r.tensor(idx, "idx", false); r.tensor(dx, "dx", false);
    static const uint64_t kDtypes[] = {2624}; r.dtypes(kDtypes, 1, {&src, &idx, &dx}, 0);
    r.need(src, "src", idx.length); r.need(dx, "dx", r.mul(r.mul(outer, n), inner));
  }
};
void run(const ScatterAddAlongAxisArgs& a);

// matmul(a, b, out, p)
struct MatmulArgs {
  static constexpr const char* kName = "matmul"; static constexpr int kTensors = 3;
  Tensor a; Tensor b; Tensor out; MatmulParams p;
  template <class R> void read(R& r) {
    r.tensor(a, "a", false); r.tensor(b, "b", false); r.tensor(out, "out", false); p.read(r);
    static const uint64_t kDtypes[] = {1984}; r.dtypes(kDtypes, 1, {&a, &b, &out}, 0);
    r.need(a, "a", (r.mul(r.mul(r.mul(p.batch, p.m), p.n), p.k) == 0 ? 0 : r.add(r.mul((p.batch - 1), p.strideA), r.mul(p.m, p.k)))); r.need(b, "b", (r.mul(r.mul(r.mul(p.batch, p.m), p.n), p.k) == 0 ? 0 : r.add(r.mul((p.batch - 1), p.strideB), r.mul(p.k, p.n)))); r.need(out, "out", r.mul(r.mul(p.batch, p.m), p.n));
  }
};
void run(const MatmulArgs& a);

// matmulBf16(a, b, out, p)
struct MatmulBf16Args {
  static constexpr const char* kName = "matmulBf16"; static constexpr int kTensors = 3;
  Tensor a; Tensor b; Tensor out; MatmulParams p;
  template <class R> void read(R& r) {
    r.tensor(a, "a", false); r.tensor(b, "b", false); r.tensor(out, "out", false); p.read(r);
    static const uint64_t kDtypes[] = {7744}; r.dtypes(kDtypes, 1, {&a, &b, &out}, 0);
    r.need(a, "a", (r.mul(r.mul(r.mul(p.batch, p.m), p.n), p.k) == 0 ? 0 : r.add(r.mul((p.batch - 1), p.strideA), r.mul(p.m, p.k)))); r.need(b, "b", (r.mul(r.mul(r.mul(p.batch, p.m), p.n), p.k) == 0 ? 0 : r.add(r.mul((p.batch - 1), p.strideB), r.mul(p.k, p.n)))); r.need(out, "out", r.mul(r.mul(p.batch, p.m), p.n));
  }
};
void run(const MatmulBf16Args& a);

// conv2d(x, w, bias?, out, p)
struct Conv2dArgs {
  static constexpr const char* kName = "conv2d"; static constexpr int kTensors = 4;
  Tensor x; Tensor w; Tensor bias; Tensor out; Conv2dParams p;
  template <class R> void read(R& r) {
    r.tensor(x, "x", false); r.tensor(w, "w", false); r.tensor(bias, "bias", true); r.tensor(out, "out", false); p.read(r);
    static const uint64_t kDtypes[] = {9664, 9984}; r.dtypes(kDtypes, 2, {&x, &w, &bias, &out}, 0);
    r.need(x, "x", r.mul(r.mul(r.mul(p.n, p.cIn), p.h), p.w)); r.need(w, "w", r.mul(r.mul(r.mul(p.cOut, r.div(p.cIn, p.groups)), p.kh), p.kw)); r.need(bias, "bias", p.cOut); r.need(out, "out", r.mul(r.mul(r.mul(p.n, p.cOut), p.outH), p.outW));
  }
};
void run(const Conv2dArgs& a);

// conv2dBackwardData(dy, w, dx, p)
struct Conv2dBackwardDataArgs {
  static constexpr const char* kName = "conv2dBackwardData"; static constexpr int kTensors = 3;
  Tensor dy; Tensor w; Tensor dx; Conv2dParams p;
  template <class R> void read(R& r) {
    r.tensor(dy, "dy", false); r.tensor(w, "w", false); r.tensor(dx, "dx", false); p.read(r);
    static const uint64_t kDtypes[] = {1984}; r.dtypes(kDtypes, 1, {&dy, &w, &dx}, 0);
    r.need(dy, "dy", r.mul(r.mul(r.mul(p.n, p.cOut), p.outH), p.outW)); r.need(w, "w", r.mul(r.mul(r.mul(p.cOut, r.div(p.cIn, p.groups)), p.kh), p.kw)); r.need(dx, "dx", r.mul(r.mul(r.mul(p.n, p.cIn), p.h), p.w));
  }
};
void run(const Conv2dBackwardDataArgs& a);

// conv2dBackwardWeight(x, dy, dw, p, db?)
struct Conv2dBackwardWeightArgs {
  static constexpr const char* kName = "conv2dBackwardWeight"; static constexpr int kTensors = 4;
  Tensor x; Tensor dy; Tensor dw; Conv2dParams p; Tensor db;
  template <class R> void read(R& r) {
    r.tensor(x, "x", false); r.tensor(dy, "dy", false); r.tensor(dw, "dw", false); p.read(r); r.tensor(db, "db", true);
    static const uint64_t kDtypes[] = {9920, 9984}; r.dtypes(kDtypes, 2, {&x, &dy, &dw, &db}, 0);
    r.need(x, "x", r.mul(r.mul(r.mul(p.n, p.cIn), p.h), p.w)); r.need(dy, "dy", r.mul(r.mul(r.mul(p.n, p.cOut), p.outH), p.outW)); r.need(dw, "dw", r.mul(r.mul(r.mul(p.cOut, r.div(p.cIn, p.groups)), p.kh), p.kw)); r.need(db, "db", p.cOut);
  }
};
void run(const Conv2dBackwardWeightArgs& a);

// maxPool2d(x, out, argmax, p)
struct MaxPool2dArgs {
  static constexpr const char* kName = "maxPool2d"; static constexpr int kTensors = 3;
  Tensor x; Tensor out; Tensor argmax; Pool2dParams p;
  template <class R> void read(R& r) {
    r.tensor(x, "x", false); r.tensor(out, "out", false); r.tensor(argmax, "argmax", false); p.read(r);
    static const uint64_t kDtypes[] = {2112}; r.dtypes(kDtypes, 1, {&x, &out, &argmax}, 0);
    r.need(x, "x", r.mul(r.mul(r.mul(p.n, p.c), p.h), p.w)); r.need(out, "out", r.mul(r.mul(r.mul(p.n, p.c), p.outH), p.outW)); r.need(argmax, "argmax", r.mul(r.mul(r.mul(p.n, p.c), p.outH), p.outW));
  }
};
void run(const MaxPool2dArgs& a);

// maxPool2dBackward(dy, argmax, dx, p)
struct MaxPool2dBackwardArgs {
  static constexpr const char* kName = "maxPool2dBackward"; static constexpr int kTensors = 3;
  Tensor dy; Tensor argmax; Tensor dx; Pool2dParams p;
  template <class R> void read(R& r) {
    r.tensor(dy, "dy", false); r.tensor(argmax, "argmax", false); r.tensor(dx, "dx", false); p.read(r);
    static const uint64_t kDtypes[] = {2624}; r.dtypes(kDtypes, 1, {&dy, &argmax, &dx}, 0);
    r.need(dy, "dy", r.mul(r.mul(r.mul(p.n, p.c), p.outH), p.outW)); r.need(argmax, "argmax", r.mul(r.mul(r.mul(p.n, p.c), p.outH), p.outW)); r.need(dx, "dx", r.mul(r.mul(r.mul(p.n, p.c), p.h), p.w));
  }
};
void run(const MaxPool2dBackwardArgs& a);

// avgPool2d(x, out, p)
struct AvgPool2dArgs {
  static constexpr const char* kName = "avgPool2d"; static constexpr int kTensors = 2;
  Tensor x; Tensor out; Pool2dParams p;
  template <class R> void read(R& r) {
    r.tensor(x, "x", false); r.tensor(out, "out", false); p.read(r);
    static const uint64_t kDtypes[] = {384}; r.dtypes(kDtypes, 1, {&x, &out}, 0);
    r.need(x, "x", r.mul(r.mul(r.mul(p.n, p.c), p.h), p.w)); r.need(out, "out", r.mul(r.mul(r.mul(p.n, p.c), p.outH), p.outW));
  }
};
void run(const AvgPool2dArgs& a);

// avgPool2dBackward(dy, dx, p)
struct AvgPool2dBackwardArgs {
  static constexpr const char* kName = "avgPool2dBackward"; static constexpr int kTensors = 2;
  Tensor dy; Tensor dx; Pool2dParams p;
  template <class R> void read(R& r) {
    r.tensor(dy, "dy", false); r.tensor(dx, "dx", false); p.read(r);
    static const uint64_t kDtypes[] = {384}; r.dtypes(kDtypes, 1, {&dy, &dx}, 0);
    r.need(dy, "dy", r.mul(r.mul(r.mul(p.n, p.c), p.outH), p.outW)); r.need(dx, "dx", r.mul(r.mul(r.mul(p.n, p.c), p.h), p.w));
  }
};
void run(const AvgPool2dBackwardArgs& a);

// softmax(x, outer, n, inner, out, log)
struct SoftmaxArgs {
  static constexpr const char* kName = "softmax"; static constexpr int kTensors = 2;
  Tensor x; int64_t outer; int64_t n; int64_t inner; Tensor out; bool log;
  template <class R> void read(R& r) {
    r.tensor(x, "x", false); outer = r.size("outer"); n = r.size("n"); inner = r.size("inner"); r.tensor(out, "out", false); log = r.boolean("log");
    static const uint64_t kDtypes[] = {384}; r.dtypes(kDtypes, 1, {&x, &out}, 0);
    r.need(x, "x", r.mul(r.mul(outer, n), inner)); r.need(out, "out", r.mul(r.mul(outer, n), inner));
  }
};
void run(const SoftmaxArgs& a);

// softmaxBackward(y, dy, outer, n, inner, dx, log)
struct SoftmaxBackwardArgs {
  static constexpr const char* kName = "softmaxBackward"; static constexpr int kTensors = 3;
  Tensor y; Tensor dy; int64_t outer; int64_t n; int64_t inner; Tensor dx; bool log;
  template <class R> void read(R& r) {
    r.tensor(y, "y", false); r.tensor(dy, "dy", false); outer = r.size("outer"); n = r.size("n"); inner = r.size("inner"); r.tensor(dx, "dx", false); log = r.boolean("log");
    static const uint64_t kDtypes[] = {1984}; r.dtypes(kDtypes, 1, {&y, &dy, &dx}, 0);
    r.need(y, "y", r.mul(r.mul(outer, n), inner)); r.need(dy, "dy", r.mul(r.mul(outer, n), inner)); r.need(dx, "dx", r.mul(r.mul(outer, n), inner));
  }
};
void run(const SoftmaxBackwardArgs& a);

// channelMoments(x, n, c, spatial, mean, variance)
struct ChannelMomentsArgs {
  static constexpr const char* kName = "channelMoments"; static constexpr int kTensors = 3;
  Tensor x; int64_t n; int64_t c; int64_t spatial; Tensor mean; Tensor variance;
  template <class R> void read(R& r) {
    r.tensor(x, "x", false); n = r.size("n"); c = r.size("c"); spatial = r.size("spatial"); r.tensor(mean, "mean", false); r.tensor(variance, "variance", false);
    static const uint64_t kDtypes[] = {1984}; r.dtypes(kDtypes, 1, {&x, &mean, &variance}, 0);
    r.need(x, "x", r.mul(r.mul(n, c), spatial)); r.need(mean, "mean", c); r.need(variance, "variance", c);
  }
};
void run(const ChannelMomentsArgs& a);

// batchNormApply(x, n, c, spatial, mean, invStd, gamma?, beta?, out)
struct BatchNormApplyArgs {
  static constexpr const char* kName = "batchNormApply"; static constexpr int kTensors = 6;
  Tensor x; int64_t n; int64_t c; int64_t spatial; Tensor mean; Tensor invStd; Tensor gamma; Tensor beta; Tensor out;
  template <class R> void read(R& r) {
    r.tensor(x, "x", false); n = r.size("n"); c = r.size("c"); spatial = r.size("spatial"); r.tensor(mean, "mean", false); r.tensor(invStd, "invStd", false); r.tensor(gamma, "gamma", true); r.tensor(beta, "beta", true); r.tensor(out, "out", false);
    static const uint64_t kDtypes[] = {248064, 248384, 249664, 249984}; r.dtypes(kDtypes, 4, {&x, &mean, &invStd, &gamma, &beta, &out}, 0);
    r.need(x, "x", r.mul(r.mul(n, c), spatial)); r.need(mean, "mean", c); r.need(invStd, "invStd", c); r.need(gamma, "gamma", c); r.need(beta, "beta", c); r.need(out, "out", r.mul(r.mul(n, c), spatial));
  }
};
void run(const BatchNormApplyArgs& a);

// batchNormBackward(x, dy, n, c, spatial, mean, invStd, gamma?, batchStats, dx?, dgamma?, dbeta?)
struct BatchNormBackwardArgs {
  static constexpr const char* kName = "batchNormBackward"; static constexpr int kTensors = 8;
  Tensor x; Tensor dy; int64_t n; int64_t c; int64_t spatial; Tensor mean; Tensor invStd; Tensor gamma; bool batchStats; Tensor dx; Tensor dgamma; Tensor dbeta;
  template <class R> void read(R& r) {
    r.tensor(x, "x", false); r.tensor(dy, "dy", false); n = r.size("n"); c = r.size("c"); spatial = r.size("spatial"); r.tensor(mean, "mean", false); r.tensor(invStd, "invStd", false); r.tensor(gamma, "gamma", true); batchStats = r.boolean("batchStats"); r.tensor(dx, "dx", true); r.tensor(dgamma, "dgamma", true); r.tensor(dbeta, "dbeta", true);
    static const uint64_t kDtypes[] = {6240000, 6240064, 6240320, 6240384, 6241600, 6241664, 6241920, 6241984, 6248000, 6248064, 6248320, 6248384, 6249600, 6249664, 6249920, 6249984}; r.dtypes(kDtypes, 16, {&x, &dy, &mean, &invStd, &gamma, &dx, &dgamma, &dbeta}, 0);
    r.need(x, "x", r.mul(r.mul(n, c), spatial)); r.need(dy, "dy", r.mul(r.mul(n, c), spatial)); r.need(mean, "mean", c); r.need(invStd, "invStd", c); r.need(gamma, "gamma", c); r.need(dx, "dx", r.mul(r.mul(n, c), spatial)); r.need(dgamma, "dgamma", c); r.need(dbeta, "dbeta", c);
  }
};
void run(const BatchNormBackwardArgs& a);

// layerNorm(x, rows, n, gamma?, beta?, eps, out, mean, invStd)
struct LayerNormArgs {
  static constexpr const char* kName = "layerNorm"; static constexpr int kTensors = 6;
  Tensor x; int64_t rows; int64_t n; Tensor gamma; Tensor beta; double eps; Tensor out; Tensor mean; Tensor invStd;
  template <class R> void read(R& r) {
    r.tensor(x, "x", false); rows = r.size("rows"); n = r.size("n"); r.tensor(gamma, "gamma", true); r.tensor(beta, "beta", true); eps = r.number("eps"); r.tensor(out, "out", false); r.tensor(mean, "mean", false); r.tensor(invStd, "invStd", false);
    static const uint64_t kDtypes[] = {201984, 209984, 241984, 249984}; r.dtypes(kDtypes, 4, {&x, &gamma, &beta, &out, &mean, &invStd}, 0);
    r.need(x, "x", r.mul(rows, n)); r.need(gamma, "gamma", n); r.need(beta, "beta", n); r.need(out, "out", r.mul(rows, n)); r.need(mean, "mean", rows); r.need(invStd, "invStd", rows);
  }
};
void run(const LayerNormArgs& a);

// layerNormBackward(x, dy, rows, n, mean, invStd, gamma?, dx?, dgamma?, dbeta?)
struct LayerNormBackwardArgs {
  static constexpr const char* kName = "layerNormBackward"; static constexpr int kTensors = 8;
  Tensor x; Tensor dy; int64_t rows; int64_t n; Tensor mean; Tensor invStd; Tensor gamma; Tensor dx; Tensor dgamma; Tensor dbeta;
  template <class R> void read(R& r) {
    r.tensor(x, "x", false); r.tensor(dy, "dy", false); rows = r.size("rows"); n = r.size("n"); r.tensor(mean, "mean", false); r.tensor(invStd, "invStd", false); r.tensor(gamma, "gamma", true); r.tensor(dx, "dx", true); r.tensor(dgamma, "dgamma", true); r.tensor(dbeta, "dbeta", true);
    static const uint64_t kDtypes[] = {6240000, 6240064, 6240320, 6240384, 6241600, 6241664, 6241920, 6241984, 6248000, 6248064, 6248320, 6248384, 6249600, 6249664, 6249920, 6249984}; r.dtypes(kDtypes, 16, {&x, &dy, &mean, &invStd, &gamma, &dx, &dgamma, &dbeta}, 0);
    r.need(x, "x", r.mul(rows, n)); r.need(dy, "dy", r.mul(rows, n)); r.need(mean, "mean", rows); r.need(invStd, "invStd", rows); r.need(gamma, "gamma", n); r.need(dx, "dx", r.mul(rows, n)); r.need(dgamma, "dgamma", n); r.need(dbeta, "dbeta", n);
  }
};
void run(const LayerNormBackwardArgs& a);

// lstmCell(xw, hw, cPrev, batch, hidden, gates, c, h)
struct LstmCellArgs {
  static constexpr const char* kName = "lstmCell"; static constexpr int kTensors = 6;
  Tensor xw; Tensor hw; Tensor cPrev; int64_t batch; int64_t hidden; Tensor gates; Tensor c; Tensor h;
  template <class R> void read(R& r) {
    r.tensor(xw, "xw", false); r.tensor(hw, "hw", false); r.tensor(cPrev, "cPrev", false); batch = r.size("batch"); hidden = r.size("hidden"); r.tensor(gates, "gates", false); r.tensor(c, "c", false); r.tensor(h, "h", false);
    static const uint64_t kDtypes[] = {249984}; r.dtypes(kDtypes, 1, {&xw, &hw, &cPrev, &gates, &c, &h}, 0);
    r.need(xw, "xw", r.mul(r.mul(batch, 4), hidden)); r.need(hw, "hw", r.mul(r.mul(batch, 4), hidden)); r.need(cPrev, "cPrev", r.mul(batch, hidden)); r.need(gates, "gates", r.mul(r.mul(batch, 4), hidden)); r.need(c, "c", r.mul(batch, hidden)); r.need(h, "h", r.mul(batch, hidden));
  }
};
void run(const LstmCellArgs& a);

// lstmCellBackward(gates, cPrev, c, dh, dc, batch, hidden, dGates, dcPrev)
struct LstmCellBackwardArgs {
  static constexpr const char* kName = "lstmCellBackward"; static constexpr int kTensors = 7;
  Tensor gates; Tensor cPrev; Tensor c; Tensor dh; Tensor dc; int64_t batch; int64_t hidden; Tensor dGates; Tensor dcPrev;
  template <class R> void read(R& r) {
    r.tensor(gates, "gates", false); r.tensor(cPrev, "cPrev", false); r.tensor(c, "c", false); r.tensor(dh, "dh", false); r.tensor(dc, "dc", false); batch = r.size("batch"); hidden = r.size("hidden"); r.tensor(dGates, "dGates", false); r.tensor(dcPrev, "dcPrev", false);
    static const uint64_t kDtypes[] = {1249984}; r.dtypes(kDtypes, 1, {&gates, &cPrev, &c, &dh, &dc, &dGates, &dcPrev}, 0);
    r.need(gates, "gates", r.mul(r.mul(batch, 4), hidden)); r.need(cPrev, "cPrev", r.mul(batch, hidden)); r.need(c, "c", r.mul(batch, hidden)); r.need(dh, "dh", r.mul(batch, hidden)); r.need(dc, "dc", r.mul(batch, hidden)); r.need(dGates, "dGates", r.mul(r.mul(batch, 4), hidden)); r.need(dcPrev, "dcPrev", r.mul(batch, hidden));
  }
};
void run(const LstmCellBackwardArgs& a);

// gruCell(xw, hw, hPrev, batch, hidden, gates, h)
struct GruCellArgs {
  static constexpr const char* kName = "gruCell"; static constexpr int kTensors = 5;
  Tensor xw; Tensor hw; Tensor hPrev; int64_t batch; int64_t hidden; Tensor gates; Tensor h;
  template <class R> void read(R& r) {
    r.tensor(xw, "xw", false); r.tensor(hw, "hw", false); r.tensor(hPrev, "hPrev", false); batch = r.size("batch"); hidden = r.size("hidden"); r.tensor(gates, "gates", false); r.tensor(h, "h", false);
    static const uint64_t kDtypes[] = {49984}; r.dtypes(kDtypes, 1, {&xw, &hw, &hPrev, &gates, &h}, 0);
    r.need(xw, "xw", r.mul(r.mul(batch, 3), hidden)); r.need(hw, "hw", r.mul(r.mul(batch, 3), hidden)); r.need(hPrev, "hPrev", r.mul(batch, hidden)); r.need(gates, "gates", r.mul(r.mul(batch, 4), hidden)); r.need(h, "h", r.mul(batch, hidden));
  }
};
void run(const GruCellArgs& a);

// gruCellBackward(gates, hPrev, dh, batch, hidden, dXw, dHw, dhPrev)
struct GruCellBackwardArgs {
  static constexpr const char* kName = "gruCellBackward"; static constexpr int kTensors = 6;
  Tensor gates; Tensor hPrev; Tensor dh; int64_t batch; int64_t hidden; Tensor dXw; Tensor dHw; Tensor dhPrev;
  template <class R> void read(R& r) {
    r.tensor(gates, "gates", false); r.tensor(hPrev, "hPrev", false); r.tensor(dh, "dh", false); batch = r.size("batch"); hidden = r.size("hidden"); r.tensor(dXw, "dXw", false); r.tensor(dHw, "dHw", false); r.tensor(dhPrev, "dhPrev", false);
    static const uint64_t kDtypes[] = {249984}; r.dtypes(kDtypes, 1, {&gates, &hPrev, &dh, &dXw, &dHw, &dhPrev}, 0);
    r.need(gates, "gates", r.mul(r.mul(batch, 4), hidden)); r.need(hPrev, "hPrev", r.mul(batch, hidden)); r.need(dh, "dh", r.mul(batch, hidden)); r.need(dXw, "dXw", r.mul(r.mul(batch, 3), hidden)); r.need(dHw, "dHw", r.mul(r.mul(batch, 3), hidden)); r.need(dhPrev, "dhPrev", r.mul(batch, hidden));
  }
};
void run(const GruCellBackwardArgs& a);

// attentionSoftmax(scores, batch, L, S, scale, causal, out)
struct AttentionSoftmaxArgs {
  static constexpr const char* kName = "attentionSoftmax"; static constexpr int kTensors = 2;
  Tensor scores; int64_t batch; int64_t L; int64_t S; double scale; bool causal; Tensor out;
  template <class R> void read(R& r) {
    r.tensor(scores, "scores", false); batch = r.size("batch"); L = r.size("L"); S = r.size("S"); scale = r.number("scale"); causal = r.boolean("causal"); r.tensor(out, "out", false);
    static const uint64_t kDtypes[] = {384}; r.dtypes(kDtypes, 1, {&scores, &out}, 0);
    r.need(scores, "scores", r.mul(r.mul(batch, L), S)); r.need(out, "out", r.mul(r.mul(batch, L), S));
  }
};
void run(const AttentionSoftmaxArgs& a);

// attentionSoftmaxBackward(p, dp, batch, L, S, scale, causal, dScores)
struct AttentionSoftmaxBackwardArgs {
  static constexpr const char* kName = "attentionSoftmaxBackward"; static constexpr int kTensors = 3;
  Tensor p; Tensor dp; int64_t batch; int64_t L; int64_t S; double scale; bool causal; Tensor dScores;
  template <class R> void read(R& r) {
    r.tensor(p, "p", false); r.tensor(dp, "dp", false); batch = r.size("batch"); L = r.size("L"); S = r.size("S"); scale = r.number("scale"); causal = r.boolean("causal"); r.tensor(dScores, "dScores", false);
    static const uint64_t kDtypes[] = {1984}; r.dtypes(kDtypes, 1, {&p, &dp, &dScores}, 0);
    r.need(p, "p", r.mul(r.mul(batch, L), S)); r.need(dp, "dp", r.mul(r.mul(batch, L), S)); r.need(dScores, "dScores", r.mul(r.mul(batch, L), S));
  }
};
void run(const AttentionSoftmaxBackwardArgs& a);

// sgdUpdate(param, grad, momentumBuf?, p)
struct SgdUpdateArgs {
  static constexpr const char* kName = "sgdUpdate"; static constexpr int kTensors = 3;
  Tensor param; Tensor grad; Tensor momentumBuf; SgdParams p;
  template <class R> void read(R& r) {
    r.tensor(param, "param", false); r.tensor(grad, "grad", false); r.tensor(momentumBuf, "momentumBuf", true); p.read(r);
    static const uint64_t kDtypes[] = {1920, 1984}; r.dtypes(kDtypes, 2, {&param, &grad, &momentumBuf}, 0);
    r.need(grad, "grad", param.length); r.need(momentumBuf, "momentumBuf", param.length);
  }
};
void run(const SgdUpdateArgs& a);

// adamUpdate(param, grad, m, v, vMax?, p)
struct AdamUpdateArgs {
  static constexpr const char* kName = "adamUpdate"; static constexpr int kTensors = 5;
  Tensor param; Tensor grad; Tensor m; Tensor v; Tensor vMax; AdamParams p;
  template <class R> void read(R& r) {
    r.tensor(param, "param", false); r.tensor(grad, "grad", false); r.tensor(m, "m", false); r.tensor(v, "v", false); r.tensor(vMax, "vMax", true); p.read(r);
    static const uint64_t kDtypes[] = {49920, 49984}; r.dtypes(kDtypes, 2, {&param, &grad, &m, &v, &vMax}, 0);
    r.need(grad, "grad", param.length); r.need(m, "m", param.length); r.need(v, "v", param.length); r.need(vMax, "vMax", param.length);
  }
};
void run(const AdamUpdateArgs& a);

// rmspropUpdate(param, grad, squareAvg, gradAvg?, momentumBuf?, p)
struct RmspropUpdateArgs {
  static constexpr const char* kName = "rmspropUpdate"; static constexpr int kTensors = 5;
  Tensor param; Tensor grad; Tensor squareAvg; Tensor gradAvg; Tensor momentumBuf; RmspropParams p;
  template <class R> void read(R& r) {
    r.tensor(param, "param", false); r.tensor(grad, "grad", false); r.tensor(squareAvg, "squareAvg", false); r.tensor(gradAvg, "gradAvg", true); r.tensor(momentumBuf, "momentumBuf", true); p.read(r);
    static const uint64_t kDtypes[] = {49600, 49664, 49920, 49984}; r.dtypes(kDtypes, 4, {&param, &grad, &squareAvg, &gradAvg, &momentumBuf}, 0);
    r.need(grad, "grad", param.length); r.need(squareAvg, "squareAvg", param.length); r.need(gradAvg, "gradAvg", param.length); r.need(momentumBuf, "momentumBuf", param.length);
  }
};
void run(const RmspropUpdateArgs& a);

// every kernel, for the export table
#define MYELIN_KERNELS(X) X(FillArgs) X(CopyArgs) X(CastArgs) X(UnaryArgs) X(BinaryArgs) X(WhereArgs) X(ReduceArgs) X(ArgReduceArgs) X(ExpandArgs) X(PermuteArgs) X(SliceArgs) X(SliceAssignArgs) X(GatherRowsArgs) X(ScatterAddRowsArgs) X(TakeAlongAxisArgs) X(ScatterAddAlongAxisArgs) X(MatmulArgs) X(MatmulBf16Args) X(Conv2dArgs) X(Conv2dBackwardDataArgs) X(Conv2dBackwardWeightArgs) X(MaxPool2dArgs) X(MaxPool2dBackwardArgs) X(AvgPool2dArgs) X(AvgPool2dBackwardArgs) X(SoftmaxArgs) X(SoftmaxBackwardArgs) X(ChannelMomentsArgs) X(BatchNormApplyArgs) X(BatchNormBackwardArgs) X(LayerNormArgs) X(LayerNormBackwardArgs) X(LstmCellArgs) X(LstmCellBackwardArgs) X(GruCellArgs) X(GruCellBackwardArgs) X(AttentionSoftmaxArgs) X(AttentionSoftmaxBackwardArgs) X(SgdUpdateArgs) X(AdamUpdateArgs) X(RmspropUpdateArgs)

}  // namespace binding
}  // namespace myelin
