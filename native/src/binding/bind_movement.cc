// N-API glue: data movement (expand, permute, slice, sliceAssign, gathers and scatters).
// Pure moves accept any dtype (4- or 8-byte elements, both arrays of the same type); the
// accumulating kernels are float32.

#include "args.h"

namespace k = myelin::kernels;
using myelin::binding::Args;
using myelin::binding::Array;
using myelin::binding::JsError;
using myelin::binding::numel;
using myelin::binding::read_dims;

namespace {

void same_type(const Args& args, const Array& a, const char* an, const Array& b, const char* bn) {
  if (a.type != b.type)
    args.fail(JsError::Type, std::string("arguments '") + an + "' and '" + bn + "' must have the same type");
}

/** `count` shapes of `rank` axes from the dims Int32Array at argument dimsArg. */
int read_shapes(const Args& args, size_t rankArg, size_t dimsArg, int count, int64_t (*shapes)[k::kMaxRank]) {
  const int64_t rank = args.size(rankArg, "rank");
  if (rank > k::kMaxRank) args.fail(JsError::Range, "rank " + std::to_string(rank) + " exceeds " + std::to_string(k::kMaxRank));
  const Array dims = args.i32(dimsArg, "dims");
  args.need(dims, "dims", rank * count);
  for (int i = 0; i < count; i++) read_dims(args, dims, rank * i, static_cast<int>(rank), shapes[i], "a shape");
  return static_cast<int>(rank);
}

/** begin + box <= full on every axis. */
void check_box(const Args& args, const int64_t* full, const int64_t* begin, const int64_t* box, int rank) {
  for (int d = 0; d < rank; d++)
    if (begin[d] + box[d] > full[d])
      args.fail(JsError::Range, "the box [" + std::to_string(begin[d]) + ", " + std::to_string(begin[d] + box[d]) +
                                    ") of axis " + std::to_string(d) + " exceeds its size " + std::to_string(full[d]));
}

}  // namespace

// expand(x, out, rank, dims[out, x])
MYELIN_FN(expand) {
  const Array x = args.array(0, "x"), out = args.array(1, "out");
  same_type(args, x, "x", out, "out");
  int64_t sh[2][k::kMaxRank];
  const int rank = read_shapes(args, 2, 3, 2, sh);
  k::Shapes s;
  s.rank = rank;
  for (int d = 0; d < rank; d++) {
    s.out[d] = sh[0][d];
    s.in[0][d] = sh[1][d];
    if (sh[1][d] != 1 && sh[1][d] != sh[0][d]) args.fail(JsError::Range, "x does not broadcast to the output shape");
  }
  const int64_t total = numel(args, s.out, rank, "the output shape");
  args.exact(out, "out", total);
  args.need(x, "x", numel(args, s.in[0], rank, "x's shape"));
  if (total > 0) k::expand(x.elem_size(), x.data, out.data, s);
  return nullptr;
}

// permute(x, out, rank, dims[shape, perm])
MYELIN_FN(permute) {
  const Array x = args.array(0, "x"), out = args.array(1, "out");
  same_type(args, x, "x", out, "out");
  int64_t sh[2][k::kMaxRank];
  const int rank = read_shapes(args, 2, 3, 2, sh);
  bool seen[k::kMaxRank] = {false};
  for (int d = 0; d < rank; d++) {
    const int64_t p = sh[1][d];
    if (p >= rank || seen[p]) args.fail(JsError::Range, "perm is not a permutation of the axes");
    seen[p] = true;
  }
  const int64_t total = numel(args, sh[0], rank, "the shape");
  args.need(x, "x", total);
  args.need(out, "out", total);
  if (total > 0) k::permute(x.elem_size(), x.data, sh[0], sh[1], rank, out.data);
  return nullptr;
}

// slice(x, out, rank, dims[shape, begin, outShape])
MYELIN_FN(slice) {
  const Array x = args.array(0, "x"), out = args.array(1, "out");
  same_type(args, x, "x", out, "out");
  int64_t sh[3][k::kMaxRank];
  const int rank = read_shapes(args, 2, 3, 3, sh);
  check_box(args, sh[0], sh[1], sh[2], rank);
  args.need(x, "x", numel(args, sh[0], rank, "x's shape"));
  const int64_t total = numel(args, sh[2], rank, "the output shape");
  args.need(out, "out", total);
  if (total > 0) k::slice(x.elem_size(), x.data, sh[0], sh[1], sh[2], rank, out.data);
  return nullptr;
}

// sliceAssign(src, dst, accumulate, rank, dims[srcShape, dstShape, begin])
MYELIN_FN(sliceAssign) {
  const Array src = args.array(0, "src"), dst = args.array(1, "dst");
  same_type(args, src, "src", dst, "dst");
  const bool accumulate = args.boolean(2, "accumulate");
  if (accumulate && src.type != napi_float32_array) args.fail(JsError::Type, "accumulate needs Float32Arrays");
  int64_t sh[3][k::kMaxRank];
  const int rank = read_shapes(args, 3, 4, 3, sh);
  check_box(args, sh[1], sh[2], sh[0], rank);
  const int64_t total = numel(args, sh[0], rank, "src's shape");
  args.need(src, "src", total);
  args.need(dst, "dst", numel(args, sh[1], rank, "dst's shape"));
  if (total == 0) return nullptr;
  if (accumulate) k::slice_add_f32(src.f32(), sh[0], dst.f32(), sh[1], sh[2], rank);
  else k::slice_assign(src.elem_size(), src.data, sh[0], dst.data, sh[1], sh[2], rank);
  return nullptr;
}

// gatherRows(table, rows, dim, idx:int32, out)
MYELIN_FN(gatherRows) {
  const Array table = args.array(0, "table"), idx = args.i32(3, "idx"), out = args.array(4, "out");
  same_type(args, table, "table", out, "out");
  const int64_t rows = args.size(1, "rows"), dim = args.size(2, "dim");
  args.need(table, "table", args.mul(rows, dim, "rows * dim"));
  args.need(out, "out", args.mul(idx.length, dim, "idx.length * dim"));
  k::gather_rows(table.elem_size(), table.data, rows, dim, idx.i32(), idx.length, out.data);
  return nullptr;
}

// scatterAddRows(src, idx:int32, dim, table): rows = table.length / dim
MYELIN_FN(scatterAddRows) {
  const Array src = args.f32(0, "src"), idx = args.i32(1, "idx"), table = args.f32(3, "table");
  const int64_t dim = args.size(2, "dim");
  const int64_t rows = table.length / (dim > 0 ? dim : 1);
  args.need(src, "src", args.mul(idx.length, dim, "idx.length * dim"));
  k::scatter_add_rows_f32(src.f32(), idx.i32(), idx.length, dim, table.f32(), rows);
  return nullptr;
}

// takeAlongAxis(x, outer, n, inner, idx:int32, out): k = idx.length / (outer * inner)
MYELIN_FN(takeAlongAxis) {
  const Array x = args.array(0, "x"), idx = args.i32(4, "idx"), out = args.array(5, "out");
  same_type(args, x, "x", out, "out");
  const int64_t outer = args.size(1, "outer"), n = args.size(2, "n"), inner = args.size(3, "inner");
  const int64_t oi = args.mul(outer, inner, "outer * inner");
  const int64_t kk = idx.length / (oi > 0 ? oi : 1);
  args.need(x, "x", args.mul(args.mul(outer, n, "outer * n"), inner, "outer * n * inner"));
  args.need(out, "out", kk * oi);
  k::take_along_axis(x.elem_size(), x.data, outer, n, inner, idx.i32(), kk, out.data);
  return nullptr;
}

// scatterAddAlongAxis(src, outer, n, inner, idx:int32, dx)
MYELIN_FN(scatterAddAlongAxis) {
  const Array src = args.f32(0, "src"), idx = args.i32(4, "idx"), dx = args.f32(5, "dx");
  const int64_t outer = args.size(1, "outer"), n = args.size(2, "n"), inner = args.size(3, "inner");
  const int64_t oi = args.mul(outer, inner, "outer * inner");
  const int64_t kk = idx.length / (oi > 0 ? oi : 1);
  args.need(dx, "dx", args.mul(args.mul(outer, n, "outer * n"), inner, "outer * n * inner"));
  args.need(src, "src", kk * oi);
  k::scatter_add_along_axis_f32(src.f32(), outer, n, inner, idx.i32(), kk, dx.f32());
  return nullptr;
}

namespace myelin {
namespace binding {
const Export kMovementExports[] = {
    {"expand", js_expand},
    {"permute", js_permute},
    {"slice", js_slice},
    {"sliceAssign", js_sliceAssign},
    {"gatherRows", js_gatherRows},
    {"scatterAddRows", js_scatterAddRows},
    {"takeAlongAxis", js_takeAlongAxis},
    {"scatterAddAlongAxis", js_scatterAddAlongAxis},
};
const size_t kMovementExportCount = sizeof(kMovementExports) / sizeof(kMovementExports[0]);
}  // namespace binding
}  // namespace myelin
