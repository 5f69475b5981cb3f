// The native elementwise, storage and reduction kernels behind their declarations
// (src/backend/kernels.ts): each `run` receives arguments already checked for type, dtype and
// size (kernel_spec.gen.h, reader.h) and calls the kernel.

#include "run.h"

namespace myelin {
namespace binding {

void run(const FillArgs& a) { k::fill(dtype_of(a.out), a.out.data, a.out.length, a.value); }

void run(const CopyArgs& a) { k::copy_bytes(a.src.data, a.dst.data, a.src.length * a.src.elem_size); }

void run(const CastArgs& a) { k::cast(dtype_of(a.src), a.src.data, dtype_of(a.dst), a.dst.data, a.src.length); }

void run(const UnaryArgs& a) {
  k::unary_f32(static_cast<k::UnaryOp>(a.op), a.x.f32(), a.out.f32(), a.out.length, a.p0, a.p1);
}

void run(const BinaryArgs& a) {
  const auto op = static_cast<k::BinaryOp>(a.op);
  const bool i32 = a.a.dtype == dtype_code(k::DType::int32);
  const int64_t total = numel(a.outShape);
  if (total == 0) return;
  if (numel(a.aShape) == total && numel(a.bShape) == total) {  // same shape: the contiguous loops
    if (i32) k::binary_same_i32(op, a.a.i32(), a.b.i32(), a.out.i32(), total);
    else k::binary_same_f32(op, a.a.f32(), a.b.f32(), a.out.data, total, a.p0);
    return;
  }
  const k::Shapes s = broadcast(a.outShape, {&a.aShape, &a.bShape});
  if (i32) k::binary_bcast_i32(op, a.a.i32(), a.b.i32(), a.out.i32(), s);
  else k::binary_bcast_f32(op, a.a.f32(), a.b.f32(), a.out.data, s, a.p0);
}

void run(const WhereArgs& a) {
  if (numel(a.outShape) == 0) return;
  const k::Shapes s = broadcast(a.outShape, {&a.condShape, &a.aShape, &a.bShape});
  k::where_4(a.cond.dtype == dtype_code(k::DType::float32), a.cond.data, static_cast<const uint32_t*>(a.a.data),
             static_cast<const uint32_t*>(a.b.data), static_cast<uint32_t*>(a.out.data), s);
}

void run(const ReduceArgs& a) {
  k::reduce_f32(static_cast<k::ReduceOp>(a.op), a.x.f32(), a.outer, a.n, a.inner, a.out.f32());
}

void run(const ArgReduceArgs& a) {
  if (a.n > 2147483647) throw range_error("the reduced axis is too long for int32 indices");
  k::arg_reduce_f32(static_cast<k::ArgReduceOp>(a.op), a.x.f32(), a.outer, a.n, a.inner, a.out.i32());
}

}  // namespace binding
}  // namespace myelin
