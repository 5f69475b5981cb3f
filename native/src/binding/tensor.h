// The arguments a kernel's `run` receives (kernel_spec.gen.h): a tensor is a typed array's
// memory with its length and dtype, already checked against the kernel's declaration; a shape
// is a rank and its sizes. Plain C++, no Node-API, so the kernels can take these as they are.
#pragma once

#include <cstdint>

namespace myelin {
namespace binding {

/** The largest rank a shape argument may have (the kernels' kMaxRank). */
constexpr int kMaxShapeRank = 32;

struct Tensor {
  void* data = nullptr;
  int64_t length = 0;
  /** 0 when absent (null), else 1 + the dtype's index in MYELIN_DTYPES. */
  int dtype = 0;
  int elem_size = 0;

  bool present() const { return dtype != 0; }
  float* f32() const { return static_cast<float*>(data); }
  double* f64() const { return static_cast<double*>(data); }
  int32_t* i32() const { return static_cast<int32_t*>(data); }
  /** The float data, or nullptr for an absent optional tensor. */
  float* f32_or_null() const { return present() ? f32() : nullptr; }
};

struct Shape {
  int rank = 0;
  int64_t d[kMaxShapeRank];
};

}  // namespace binding
}  // namespace myelin
