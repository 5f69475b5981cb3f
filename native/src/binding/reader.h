// Reads a kernel call's JavaScript arguments into the kernel's argument struct
// (kernel_spec.gen.h): the tensors are the call's arguments (typed arrays or null), everything
// else comes from the scalar buffer, a Float64Array registered once with setScalars and written
// before each call in declaration order (src/backend/native/marshal.ts). Registering it once
// spares every call a Node-API typed-array lookup. Every read validates (type, integer-ness, range) and every tensor is checked against
// the kernel's declared dtypes and sizes, throwing a JsError that names the kernel and the
// argument; after `read` the kernel may index its arrays freely.
#pragma once

#include <cmath>
#include <initializer_list>
#include <string>

#include "../kernel_spec.gen.h"
#include "args.h"


namespace myelin {
namespace binding {

/** The registered scalar buffer of this Node environment (main thread or worker): instance data. */
struct ScalarBuffer {
  napi_ref ref = nullptr;  // keeps the Float64Array alive while it is registered
  const double* data = nullptr;
  int64_t length = 0;
};

inline ScalarBuffer* scalar_buffer(napi_env env) {
  void* p = nullptr;
  return napi_get_instance_data(env, &p) == napi_ok ? static_cast<ScalarBuffer*>(p) : nullptr;
}

class Reader {
 public:
  Reader(const Args& args, int tensors) : args_(args), tensors_(tensors) {
    const ScalarBuffer* b = scalar_buffer(args.env());
    if (b == nullptr || b->data == nullptr) args.fail(JsError::Plain, "no scalar buffer: call setScalars(Float64Array) first");
    scalars_ = b->data;
    count_ = b->length;
  }

  [[noreturn]] void fail(JsError::Kind kind, const std::string& what) const { args_.fail(kind, what); }

  void tensor(Tensor& t, const char* name, bool optional) {
    napi_value v = args_.value(next_tensor_);
    if (next_tensor_++ >= tensors_) fail(JsError::Plain, "reads more tensors than it declares");
    napi_typedarray_type type;
    size_t length = 0;
    void* data = nullptr;
    if (v == nullptr || napi_get_typedarray_info(args_.env(), v, &type, &length, &data, nullptr, nullptr) != napi_ok) {
      napi_valuetype vt;
      if (optional && v != nullptr && napi_typeof(args_.env(), v, &vt) == napi_ok && (vt == napi_null || vt == napi_undefined)) {
        t = Tensor();
        return;
      }
      fail(JsError::Type, std::string("argument '") + name + "' must be a typed array" + (optional ? " or null" : ""));
    }
    int code = 0, size = 0, i = 0;
#define MYELIN_DTYPE_CASE(dtype, napi_type, bytes) \
    i++;                                         \
    if (type == napi_type) code = i, size = bytes;
    MYELIN_DTYPES(MYELIN_DTYPE_CASE)
#undef MYELIN_DTYPE_CASE
    if (code == 0) fail(JsError::Type, std::string("argument '") + name + "' is a typed array of no myelin dtype");
    t.data = data;
    t.length = static_cast<int64_t>(length);
    t.dtype = code;
    t.elem_size = size;
  }

  double number(const char* name) {
    if (next_scalar_ >= count_) fail(JsError::Type, std::string("argument '") + name + "' is missing");
    return scalars_[next_scalar_++];
  }

  /** A non-negative integer (a size or count), below 2^53. */
  int64_t size(const char* name) {
    const double d = number(name);
    if (!(d >= 0 && d <= 9007199254740992.0) || std::floor(d) != d)
      fail(JsError::Range, std::string("argument '") + name + "' must be a non-negative integer, got " + fmt(d));
    return static_cast<int64_t>(d);
  }

  /** A positive integer (strides, dilations, groups). */
  int64_t positive(const char* name) {
    const int64_t v = size(name);
    if (v < 1) fail(JsError::Range, std::string("argument '") + name + "' must be at least 1");
    return v;
  }

  bool boolean(const char* name) { return number(name) != 0; }

  /** An op code below `count`. */
  int code(const char* name, int count) {
    const double d = number(name);
    if (!(d >= 0 && d < count) || std::floor(d) != d)
      fail(JsError::Range, std::string("argument '") + name + "' is not a valid op code: " + fmt(d));
    return static_cast<int>(d);
  }

  void shape(Shape& s, const char* name) {
    const int64_t rank = size(name);
    if (rank > kMaxShapeRank)
      fail(JsError::Range, std::string(name) + " has rank " + std::to_string(rank) + ", above " + std::to_string(kMaxShapeRank));
    s.rank = static_cast<int>(rank);
    for (int d = 0; d < s.rank; d++) s.d[d] = size(name);
  }

  /** Throws unless the tensors' dtypes (and the variant) form one of the declared combinations. */
  void dtypes(const uint64_t* keys, size_t n, std::initializer_list<const Tensor*> tensors, int variant) const {
    uint64_t key = 0;
    for (const Tensor* t : tensors) key = key * MYELIN_DTYPE_CODES + static_cast<uint64_t>(t->dtype);
    key = key * MYELIN_VARIANT_CODES + static_cast<uint64_t>(variant);
    for (size_t i = 0; i < n; i++)
      if (keys[i] == key) return;
    std::string got;
    for (const Tensor* t : tensors) got += (got.empty() ? "" : ", ") + dtype_name(t->dtype);
    fail(JsError::Type, "no native kernel for these dtypes (" + got + ")");
  }

  /** Throws unless a present tensor holds at least `need` elements. */
  void need(const Tensor& t, const char* name, int64_t need) const {
    if (t.present() && t.length < need)
      fail(JsError::Range, std::string("argument '") + name + "' has " + std::to_string(t.length) +
                               " elements, needs at least " + std::to_string(need));
  }

  /** a * b, throwing on overflow past 2^53 (sizes come from JavaScript numbers). */
  int64_t mul(int64_t a, int64_t b) const {
    int64_t r;
    if (__builtin_mul_overflow(a, b, &r) || r > (int64_t(1) << 53)) fail(JsError::Range, "a size is too large");
    return r;
  }
  int64_t add(int64_t a, int64_t b) const {
    int64_t r;
    if (__builtin_add_overflow(a, b, &r) || r > (int64_t(1) << 53)) fail(JsError::Range, "a size is too large");
    return r;
  }
  /** a / b, 0 when b is 0 (an empty operand). */
  int64_t div(int64_t a, int64_t b) const { return b == 0 ? 0 : a / b; }
  int64_t numel(const Shape& s) const {
    int64_t n = 1;
    for (int d = 0; d < s.rank; d++) n = mul(n, s.d[d]);
    return n;
  }

 private:
  static std::string dtype_name(int code) {
    if (code == 0) return "null";
    const char* names[] = {
#define MYELIN_DTYPE_NAME(dtype, napi_type, bytes) #dtype,
        MYELIN_DTYPES(MYELIN_DTYPE_NAME)
#undef MYELIN_DTYPE_NAME
    };
    return names[code - 1];
  }
  static std::string fmt(double d) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", d);
    return buf;
  }

  const Args& args_;
  int tensors_;
  int next_tensor_ = 0;
  const double* scalars_ = nullptr;
  int64_t count_ = 0;
  int64_t next_scalar_ = 0;
};

}  // namespace binding
}  // namespace myelin
