// Argument handling for the N-API glue: every exported function reads its JavaScript
// arguments through an Args, which validates types and sizes cheaply and throws a JsError
// (TypeError / RangeError naming the kernel and the argument) that `guard` turns into a
// JavaScript exception. Nothing here keeps JavaScript state between calls, so the module is
// safe to load in several contexts (worker threads).
#pragma once

#ifndef NAPI_VERSION
#define NAPI_VERSION 8
#endif
#include <node_api.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <new>
#include <stdexcept>
#include <string>

#include "../kernels/kernels.h"

namespace myelin {
namespace binding {

struct JsError {
  enum Kind { Type, Range, Plain } kind;
  std::string message;
};

/** A typed array argument: element pointer, length and element type. */
struct Array {
  void* data = nullptr;
  int64_t length = 0;
  napi_typedarray_type type = napi_float32_array;
  bool present = false;  // false for a null / undefined optional argument

  float* f32() const { return static_cast<float*>(data); }
  int32_t* i32() const { return static_cast<int32_t*>(data); }
  int elem_size() const { return type == napi_float64_array ? 8 : 4; }
};

inline const char* type_name(napi_typedarray_type t) {
  switch (t) {
    case napi_float32_array: return "Float32Array";
    case napi_float64_array: return "Float64Array";
    case napi_int32_array: return "Int32Array";
    case napi_uint32_array: return "Uint32Array";
    case napi_uint8_array: return "Uint8Array";
    default: return "another typed array";
  }
}

class Args {
 public:
  static constexpr size_t kMax = 24;

  Args(napi_env env, napi_callback_info info, const char* kernel) : env_(env), kernel_(kernel) {
    argc_ = kMax;
    if (napi_get_cb_info(env, info, &argc_, argv_, nullptr, nullptr) != napi_ok) fail(JsError::Plain, "cannot read arguments");
    for (size_t i = argc_; i < kMax; i++) argv_[i] = nullptr;
  }

  napi_env env() const { return env_; }
  const char* kernel() const { return kernel_; }

  [[noreturn]] void fail(JsError::Kind kind, const std::string& what) const {
    throw JsError{kind, std::string("myelin native ") + kernel_ + ": " + what};
  }

  /** A typed array of any supported element type. */
  Array array(size_t i, const char* name, bool optional = false) const {
    Array a;
    napi_value v = argv_[i];
    if (v == nullptr) {
      if (optional) return a;
      fail(JsError::Type, std::string("argument '") + name + "' is missing");
    }
    size_t length = 0;
    void* data = nullptr;
    napi_typedarray_type type;
    if (napi_get_typedarray_info(env_, v, &type, &length, &data, nullptr, nullptr) != napi_ok) {
      if (optional) {
        napi_valuetype vt;
        if (napi_typeof(env_, v, &vt) == napi_ok && (vt == napi_null || vt == napi_undefined)) return a;
      }
      fail(JsError::Type, std::string("argument '") + name + "' must be a typed array" + (optional ? " or null" : ""));
    }
    if (type != napi_float32_array && type != napi_float64_array && type != napi_int32_array)
      fail(JsError::Type, std::string("argument '") + name + "' is a " + type_name(type) +
                              "; expected a Float32Array, Float64Array or Int32Array");
    a.data = data;
    a.length = static_cast<int64_t>(length);
    a.type = type;
    a.present = true;
    return a;
  }

  /** A typed array of one element type. */
  Array typed(size_t i, const char* name, napi_typedarray_type want, bool optional = false) const {
    Array a = array(i, name, optional);
    if (a.present && a.type != want)
      fail(JsError::Type, std::string("argument '") + name + "' is a " + type_name(a.type) + "; expected a " + type_name(want));
    return a;
  }
  Array f32(size_t i, const char* name, bool optional = false) const { return typed(i, name, napi_float32_array, optional); }
  Array i32(size_t i, const char* name, bool optional = false) const { return typed(i, name, napi_int32_array, optional); }

  double number(size_t i, const char* name) const {
    double d;
    if (argv_[i] == nullptr || napi_get_value_double(env_, argv_[i], &d) != napi_ok)
      fail(JsError::Type, std::string("argument '") + name + "' must be a number");
    return d;
  }

  /** A non-negative integer (a size or count), below 2^53. */
  int64_t size(size_t i, const char* name) const {
    const double d = number(i, name);
    if (!(d >= 0 && d <= 9007199254740992.0) || std::floor(d) != d)
      fail(JsError::Range, std::string("argument '") + name + "' must be a non-negative integer, got " + fmt(d));
    return static_cast<int64_t>(d);
  }

  /** A positive integer (strides, dilations, groups). */
  int64_t positive(size_t i, const char* name) const {
    const int64_t v = size(i, name);
    if (v < 1) fail(JsError::Range, std::string("argument '") + name + "' must be at least 1");
    return v;
  }

  /** An op code below `count`. */
  int code(size_t i, const char* name, int count) const {
    const double d = number(i, name);
    if (!(d >= 0 && d < count) || std::floor(d) != d)
      fail(JsError::Range, std::string("argument '") + name + "' is not a valid op code: " + fmt(d));
    return static_cast<int>(d);
  }

  bool boolean(size_t i, const char* name) const {
    bool b;
    if (argv_[i] == nullptr || napi_get_value_bool(env_, argv_[i], &b) != napi_ok)
      fail(JsError::Type, std::string("argument '") + name + "' must be a boolean");
    return b;
  }

  /** Throws unless `a` holds at least `need` elements. */
  void need(const Array& a, const char* name, int64_t need) const {
    if (a.length < need)
      fail(JsError::Range, std::string("argument '") + name + "' has " + std::to_string(a.length) +
                               " elements, needs at least " + std::to_string(need));
  }
  /** Throws unless `a` holds exactly `n` elements. */
  void exact(const Array& a, const char* name, int64_t n) const {
    if (a.length != n)
      fail(JsError::Range, std::string("argument '") + name + "' has " + std::to_string(a.length) + " elements, expected " +
                               std::to_string(n));
  }

  /** a * b, throwing on overflow past 2^53 (sizes come from JavaScript numbers). */
  int64_t mul(int64_t a, int64_t b, const char* what) const {
    int64_t r;
    if (__builtin_mul_overflow(a, b, &r) || r > (int64_t(1) << 53))
      fail(JsError::Range, std::string(what) + " is too large");
    return r;
  }

  static std::string fmt(double d) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", d);
    return buf;
  }

 private:
  napi_env env_;
  const char* kernel_;
  size_t argc_;
  napi_value argv_[kMax];
};

/**
 * Reads `count` shapes of `rank` axes each from an Int32Array (the JS side's reusable scratch
 * holding them back to back), validating that every axis is a non-negative integer.
 */
inline void read_dims(const Args& args, const Array& dims, int64_t offset, int rank, int64_t* out, const char* name) {
  const int32_t* d = dims.i32() + offset;
  for (int i = 0; i < rank; i++) {
    if (d[i] < 0) args.fail(JsError::Range, std::string(name) + " has a negative size");
    out[i] = d[i];
  }
}

/** Product of a shape, overflow-checked. */
inline int64_t numel(const Args& args, const int64_t* shape, int rank, const char* name) {
  int64_t n = 1;
  for (int i = 0; i < rank; i++) n = args.mul(n, shape[i], name);
  return n;
}

/** Runs body(args) and converts C++ exceptions into JavaScript ones. */
template <class Body>
napi_value guard(napi_env env, napi_callback_info info, const char* kernel, Body&& body) {
  try {
    Args args(env, info, kernel);
    return body(args);
  } catch (const JsError& e) {
    if (e.kind == JsError::Type) napi_throw_type_error(env, "ERR_MYELIN_NATIVE_ARG", e.message.c_str());
    else if (e.kind == JsError::Range) napi_throw_range_error(env, "ERR_MYELIN_NATIVE_ARG", e.message.c_str());
    else napi_throw_error(env, "ERR_MYELIN_NATIVE", e.message.c_str());
  } catch (const kernels::IndexError& e) {
    napi_throw_range_error(env, nullptr, e.what());
  } catch (const std::bad_alloc&) {
    napi_throw_error(env, "ERR_MYELIN_NATIVE", (std::string("myelin native ") + kernel + ": out of memory").c_str());
  } catch (const std::exception& e) {
    napi_throw_error(env, "ERR_MYELIN_NATIVE", (std::string("myelin native ") + kernel + ": " + e.what()).c_str());
  } catch (...) {
    napi_throw_error(env, "ERR_MYELIN_NATIVE", (std::string("myelin native ") + kernel + ": unknown error").c_str());
  }
  return nullptr;
}

/** Registration table entry. */
struct Export {
  const char* name;
  napi_callback fn;
};

// The exported functions, defined in the bind_*.cc files.
extern const Export kElementwiseExports[];
extern const size_t kElementwiseExportCount;
extern const Export kMovementExports[];
extern const size_t kMovementExportCount;
extern const Export kComputeExports[];
extern const size_t kComputeExportCount;
extern const Export kRnnExports[];
extern const size_t kRnnExportCount;
extern const Export kAttentionExports[];
extern const size_t kAttentionExportCount;

}  // namespace binding
}  // namespace myelin

/** Defines napi_value js_<name>(env, info) running `body` (a lambda taking Args&) under guard. */
#define MYELIN_FN(name)                                                                  \
  static napi_value js_##name##_body(myelin::binding::Args& args);                       \
  static napi_value js_##name(napi_env env, napi_callback_info info) {                   \
    return myelin::binding::guard(env, info, #name,                                      \
                                  [](myelin::binding::Args& a) { return js_##name##_body(a); }); \
  }                                                                                      \
  static napi_value js_##name##_body(myelin::binding::Args& args)
