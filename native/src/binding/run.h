// What the binding/run_*.cc files share: the kernels, the argument structs, and the conversions
// from checked arguments to the kernels' own shape records.
#pragma once

#include <initializer_list>
#include <string>

#include "../kernel_spec.gen.h"
#include "../kernels/kernels.h"
#include "args.h"

namespace myelin {
namespace binding {

namespace k = myelin::kernels;

static_assert(kMaxShapeRank == k::kMaxRank, "shape arguments and kernels agree on the largest rank");

/** An argument error found past the generic checks (a RangeError naming the kernel). */
inline JsError range_error(const std::string& what) { return JsError{JsError::Range, what}; }

inline k::DType dtype_of(const Tensor& t) { return static_cast<k::DType>(t.dtype - 1); }
inline int dtype_code(k::DType d) { return static_cast<int>(d) + 1; }

inline int64_t numel(const Shape& s) {
  int64_t n = 1;
  for (int d = 0; d < s.rank; d++) n *= s.d[d];  // the Reader checked every shape's size
  return n;
}

/**
 * The broadcasting kernels' Shapes: the output's shape and the operands' right-aligned to its
 * rank with leading 1s; every operand axis must be 1 or the output's.
 */
k::Shapes broadcast(const Shape& out, std::initializer_list<const Shape*> operands);

/** Throws unless every output is disjoint from every input and from the other outputs. */
void check_disjoint(std::initializer_list<std::pair<const Tensor*, const char*>> outputs,
                    std::initializer_list<const Tensor*> inputs);

}  // namespace binding
}  // namespace myelin
