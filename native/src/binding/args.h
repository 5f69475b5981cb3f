// Argument access for the N-API glue: every exported function reads its JavaScript arguments
// through an Args (kernels through a Reader built on it, reader.h), which throws a JsError
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

/** An argument error; `guard` throws it in JavaScript prefixed with the kernel's name. */
struct JsError {
  enum Kind { Type, Range, Plain } kind;
  std::string message;
};

class Args {
 public:
  static constexpr size_t kMax = 16;

  Args(napi_env env, napi_callback_info info, const char* kernel) : env_(env), kernel_(kernel) {
    argc_ = kMax;
    if (napi_get_cb_info(env, info, &argc_, argv_, nullptr, nullptr) != napi_ok) fail(JsError::Plain, "cannot read arguments");
    for (size_t i = argc_; i < kMax; i++) argv_[i] = nullptr;
  }

  napi_env env() const { return env_; }
  const char* kernel() const { return kernel_; }

  [[noreturn]] void fail(JsError::Kind kind, const std::string& what) const {
    throw JsError{kind, what};
  }

  /** The i-th argument, or nullptr past the last one. */
  napi_value value(size_t i) const { return i < kMax ? argv_[i] : nullptr; }

  double number(size_t i, const char* name) const {
    double d;
    if (argv_[i] == nullptr || napi_get_value_double(env_, argv_[i], &d) != napi_ok)
      fail(JsError::Type, std::string("argument '") + name + "' must be a number");
    return d;
  }

 private:
  napi_env env_;
  const char* kernel_;
  size_t argc_;
  napi_value argv_[kMax];
};

/** Runs body(args) and converts C++ exceptions into JavaScript ones. */
template <class Body>
napi_value guard(napi_env env, napi_callback_info info, const char* kernel, Body&& body) {
  try {
    Args args(env, info, kernel);
    return body(args);
  } catch (const JsError& e) {
    const std::string m = std::string("myelin native ") + kernel + ": " + e.message;
    if (e.kind == JsError::Type) napi_throw_type_error(env, "ERR_MYELIN_NATIVE_ARG", m.c_str());
    else if (e.kind == JsError::Range) napi_throw_range_error(env, "ERR_MYELIN_NATIVE_ARG", m.c_str());
    else napi_throw_error(env, "ERR_MYELIN_NATIVE", m.c_str());
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

}  // namespace binding
}  // namespace myelin

