// N-API glue: elementwise kernels, fill / copy / cast and reductions.
//
// Broadcasting kernels take their shapes from an Int32Array the JS side reuses between calls:
// `rank` axes per shape, back to back, operand shapes padded with leading 1s to `rank`.

#include "args.h"

namespace k = myelin::kernels;
using myelin::binding::Args;
using myelin::binding::Array;
using myelin::binding::JsError;

namespace {

/** Reads and validates the shapes of a broadcast: output then `inputs` operands. */
void read_broadcast(const Args& args, size_t rankArg, size_t dimsArg, int inputs, k::Shapes* s, int64_t* outNumel) {
  const int64_t rank = args.size(rankArg, "rank");
  if (rank > k::kMaxRank) args.fail(JsError::Range, "rank " + std::to_string(rank) + " exceeds " + std::to_string(k::kMaxRank));
  const Array dims = args.i32(dimsArg, "dims");
  args.need(dims, "dims", rank * (inputs + 1));
  s->rank = static_cast<int>(rank);
  myelin::binding::read_dims(args, dims, 0, s->rank, s->out, "the output shape");
  for (int k = 0; k < inputs; k++) {
    myelin::binding::read_dims(args, dims, rank * (k + 1), s->rank, s->in[k], "an operand shape");
    for (int d = 0; d < s->rank; d++)
      if (s->in[k][d] != 1 && s->in[k][d] != s->out[d])
        args.fail(JsError::Range, "operand " + std::to_string(k) + " does not broadcast to the output shape (axis " +
                                      std::to_string(d) + ")");
  }
  *outNumel = myelin::binding::numel(args, s->out, s->rank, "the output shape");
}

int64_t operand_numel(const Args& args, const k::Shapes& s, int k) {
  return myelin::binding::numel(args, s.in[k], s.rank, "an operand shape");
}

}  // namespace

// unary(code, x, out, p0, p1)
MYELIN_FN(unary) {
  const int op = args.code(0, "op", static_cast<int>(k::UnaryOp::kCount));
  const Array x = args.f32(1, "x"), out = args.f32(2, "out");
  args.need(x, "x", out.length);
  k::unary_f32(static_cast<k::UnaryOp>(op), x.f32(), out.f32(), out.length, args.number(3, "p0"), args.number(4, "p1"));
  return nullptr;
}

namespace {
/** Checks the dtype combination of a binary call; returns true for int32 operands. */
bool binary_types(const Args& args, k::BinaryOp op, const Array& a, const Array& b, const Array& out) {
  if (a.type != b.type) args.fail(JsError::Type, "operands 'a' and 'b' must have the same type");
  const bool cmp = k::binary_is_comparison(op);
  if (a.type == napi_float32_array) {
    if (out.type != (cmp ? napi_int32_array : napi_float32_array))
      args.fail(JsError::Type, std::string("argument 'out' must be a ") + (cmp ? "Int32Array" : "Float32Array"));
    return false;
  }
  if (a.type == napi_int32_array && k::binary_supports_int32(op)) {
    if (out.type != napi_int32_array) args.fail(JsError::Type, "argument 'out' must be an Int32Array");
    return true;
  }
  args.fail(JsError::Type, "this op does not run natively on these operand types");
}
}  // namespace

// binarySame(code, a, b, out, p0): all three of out.length elements
MYELIN_FN(binarySame) {
  const int op = args.code(0, "op", static_cast<int>(k::BinaryOp::kCount));
  const Array a = args.array(1, "a"), b = args.array(2, "b"), out = args.array(3, "out");
  const bool i32 = binary_types(args, static_cast<k::BinaryOp>(op), a, b, out);
  args.need(a, "a", out.length);
  args.need(b, "b", out.length);
  if (i32) k::binary_same_i32(static_cast<k::BinaryOp>(op), a.i32(), b.i32(), out.i32(), out.length);
  else k::binary_same_f32(static_cast<k::BinaryOp>(op), a.f32(), b.f32(), out.data, out.length, args.number(4, "p0"));
  return nullptr;
}

// binary(code, a, b, out, p0, rank, dims[out, a, b])
MYELIN_FN(binary) {
  const int op = args.code(0, "op", static_cast<int>(k::BinaryOp::kCount));
  const Array a = args.array(1, "a"), b = args.array(2, "b"), out = args.array(3, "out");
  const bool i32 = binary_types(args, static_cast<k::BinaryOp>(op), a, b, out);
  k::Shapes s;
  int64_t total;
  read_broadcast(args, 5, 6, 2, &s, &total);
  args.exact(out, "out", total);
  args.need(a, "a", operand_numel(args, s, 0));
  args.need(b, "b", operand_numel(args, s, 1));
  if (total == 0) return nullptr;
  if (i32) k::binary_bcast_i32(static_cast<k::BinaryOp>(op), a.i32(), b.i32(), out.i32(), s);
  else k::binary_bcast_f32(static_cast<k::BinaryOp>(op), a.f32(), b.f32(), out.data, s, args.number(4, "p0"));
  return nullptr;
}

// where(cond, a, b, out, rank, dims[out, cond, a, b]); a, b, out of one 4-byte type
MYELIN_FN(where) {
  const Array cond = args.array(0, "cond"), a = args.array(1, "a"), b = args.array(2, "b"), out = args.array(3, "out");
  if (cond.type == napi_float64_array) args.fail(JsError::Type, "argument 'cond' must be a Float32Array or Int32Array");
  if (a.type != out.type || b.type != out.type || out.type == napi_float64_array)
    args.fail(JsError::Type, "arguments 'a', 'b' and 'out' must all be Float32Arrays or all Int32Arrays");
  k::Shapes s;
  int64_t total;
  read_broadcast(args, 4, 5, 3, &s, &total);
  args.exact(out, "out", total);
  args.need(cond, "cond", operand_numel(args, s, 0));
  args.need(a, "a", operand_numel(args, s, 1));
  args.need(b, "b", operand_numel(args, s, 2));
  if (total == 0) return nullptr;
  k::where_4(cond.type == napi_float32_array, cond.data, static_cast<const uint32_t*>(a.data),
             static_cast<const uint32_t*>(b.data), static_cast<uint32_t*>(out.data), s);
  return nullptr;
}

namespace {
k::DType dtype_of(const Array& a) {
  return a.type == napi_float32_array ? k::DType::F32 : a.type == napi_float64_array ? k::DType::F64 : k::DType::I32;
}
}  // namespace

// fill(out, value)
MYELIN_FN(fill) {
  const Array out = args.array(0, "out");
  k::fill(dtype_of(out), out.data, out.length, args.number(1, "value"));
  return nullptr;
}

// copy(src, dst): dst[0, src.length) = src, same type
MYELIN_FN(copy) {
  const Array src = args.array(0, "src"), dst = args.array(1, "dst");
  if (src.type != dst.type) args.fail(JsError::Type, "arguments 'src' and 'dst' must have the same type");
  args.need(dst, "dst", src.length);
  k::copy_bytes(src.data, dst.data, src.length * src.elem_size());
  return nullptr;
}

// cast(src, dst): dst[0, src.length) = src converted
MYELIN_FN(cast) {
  const Array src = args.array(0, "src"), dst = args.array(1, "dst");
  args.need(dst, "dst", src.length);
  k::cast(dtype_of(src), src.data, dtype_of(dst), dst.data, src.length);
  return nullptr;
}

// reduce(code, x, outer, n, inner, out)
MYELIN_FN(reduce) {
  const int op = args.code(0, "op", static_cast<int>(k::ReduceOp::kCount));
  const Array x = args.f32(1, "x"), out = args.f32(5, "out");
  const int64_t outer = args.size(2, "outer"), n = args.size(3, "n"), inner = args.size(4, "inner");
  args.need(x, "x", args.mul(args.mul(outer, n, "outer * n"), inner, "outer * n * inner"));
  args.need(out, "out", args.mul(outer, inner, "outer * inner"));
  k::reduce_f32(static_cast<k::ReduceOp>(op), x.f32(), outer, n, inner, out.f32());
  return nullptr;
}

// argReduce(code, x, outer, n, inner, out:int32)
MYELIN_FN(argReduce) {
  const int op = args.code(0, "op", static_cast<int>(k::ArgReduceOp::kCount));
  const Array x = args.f32(1, "x"), out = args.i32(5, "out");
  const int64_t outer = args.size(2, "outer"), n = args.size(3, "n"), inner = args.size(4, "inner");
  args.need(x, "x", args.mul(args.mul(outer, n, "outer * n"), inner, "outer * n * inner"));
  args.need(out, "out", args.mul(outer, inner, "outer * inner"));
  if (n > 2147483647) args.fail(JsError::Range, "the reduced axis is too long for int32 indices");
  k::arg_reduce_f32(static_cast<k::ArgReduceOp>(op), x.f32(), outer, n, inner, out.i32());
  return nullptr;
}

namespace myelin {
namespace binding {
const Export kElementwiseExports[] = {
    {"unary", js_unary}, {"binarySame", js_binarySame}, {"binary", js_binary}, {"where", js_where},
    {"fill", js_fill},   {"copy", js_copy},             {"cast", js_cast},     {"reduce", js_reduce},
    {"argReduce", js_argReduce},
};
const size_t kElementwiseExportCount = sizeof(kElementwiseExports) / sizeof(kElementwiseExports[0]);
}  // namespace binding
}  // namespace myelin
