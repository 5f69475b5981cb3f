// The native data-movement kernels behind their declarations (src/backend/kernels.ts), and the
// shape checks the broadcasting and strided kernels share. Pure moves take any dtype (the
// element size comes with the tensor); the accumulating ones are float32 (declared so).

#include "run.h"

namespace myelin {
namespace binding {

k::Shapes broadcast(const Shape& out, std::initializer_list<const Shape*> operands) {
  k::Shapes s;
  s.rank = out.rank;
  for (int d = 0; d < out.rank; d++) s.out[d] = out.d[d];
  int i = 0;
  for (const Shape* in : operands) {
    if (in->rank > out.rank) throw range_error("operand " + std::to_string(i) + " has a higher rank than the output");
    const int lead = out.rank - in->rank;
    for (int d = 0; d < out.rank; d++) {
      s.in[i][d] = d < lead ? 1 : in->d[d - lead];
      if (s.in[i][d] != 1 && s.in[i][d] != s.out[d])
        throw range_error("operand " + std::to_string(i) + " does not broadcast to the output shape (axis " + std::to_string(d) + ")");
    }
    i++;
  }
  return s;
}

namespace {

/** The same rank on every shape of a strided kernel. */
void same_rank(std::initializer_list<const Shape*> shapes) {
  for (const Shape* s : shapes)
    if (s->rank != shapes.begin()[0]->rank) throw range_error("its shapes have different ranks");
}

/** begin + box <= full on every axis. */
void check_box(const Shape& full, const Shape& begin, const Shape& box) {
  same_rank({&full, &begin, &box});
  for (int d = 0; d < full.rank; d++)
    if (begin.d[d] + box.d[d] > full.d[d])
      throw range_error("the box [" + std::to_string(begin.d[d]) + ", " + std::to_string(begin.d[d] + box.d[d]) + ") of axis " +
                        std::to_string(d) + " exceeds its size " + std::to_string(full.d[d]));
}

}  // namespace

void run(const ExpandArgs& a) {
  const k::Shapes s = broadcast(a.outShape, {&a.shape});
  if (numel(a.outShape) > 0) k::expand(a.x.elem_size, a.x.data, a.out.data, s);
}

void run(const PermuteArgs& a) {
  same_rank({&a.shape, &a.perm});
  bool seen[k::kMaxRank] = {false};
  for (int d = 0; d < a.perm.rank; d++) {
    const int64_t p = a.perm.d[d];
    if (p >= a.perm.rank || seen[p]) throw range_error("perm is not a permutation of the axes");
    seen[p] = true;
  }
  if (numel(a.shape) > 0) k::permute(a.x.elem_size, a.x.data, a.shape.d, a.perm.d, a.shape.rank, a.out.data);
}

void run(const SliceArgs& a) {
  check_box(a.shape, a.begin, a.outShape);
  if (numel(a.outShape) > 0) k::slice(a.x.elem_size, a.x.data, a.shape.d, a.begin.d, a.outShape.d, a.shape.rank, a.out.data);
}

void run(const SliceAssignArgs& a) {
  check_box(a.dstShape, a.begin, a.srcShape);
  if (numel(a.srcShape) == 0) return;
  if (a.accumulate) k::slice_add_f32(a.src.f32(), a.srcShape.d, a.dst.f32(), a.dstShape.d, a.begin.d, a.srcShape.rank);
  else k::slice_assign(a.src.elem_size, a.src.data, a.srcShape.d, a.dst.data, a.dstShape.d, a.begin.d, a.srcShape.rank);
}

void run(const GatherRowsArgs& a) {
  k::gather_rows(a.table.elem_size, a.table.data, a.rows, a.dim, a.idx.i32(), a.idx.length, a.out.data);
}

void run(const ScatterAddRowsArgs& a) {
  k::scatter_add_rows_f32(a.src.f32(), a.idx.i32(), a.idx.length, a.dim, a.table.f32(), a.table.length / (a.dim > 0 ? a.dim : 1));
}

/** k of [outer, k, inner] index data. */
static int64_t index_rows(const Tensor& idx, int64_t outer, int64_t inner) {
  const int64_t oi = outer * inner;
  if (oi > 0 && idx.length % oi != 0) throw range_error("idx's length is not a multiple of outer * inner");
  return oi > 0 ? idx.length / oi : 0;
}

void run(const TakeAlongAxisArgs& a) {
  k::take_along_axis(a.x.elem_size, a.x.data, a.outer, a.n, a.inner, a.idx.i32(), index_rows(a.idx, a.outer, a.inner), a.out.data);
}

void run(const ScatterAddAlongAxisArgs& a) {
  k::scatter_add_along_axis_f32(a.src.f32(), a.outer, a.n, a.inner, a.idx.i32(), index_rows(a.idx, a.outer, a.inner), a.dx.f32());
}

}  // namespace binding
}  // namespace myelin
