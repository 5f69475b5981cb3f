// myelin_native: the N-API module of myelin's native backend.
//
// Plain Node-API (C API, ABI-stable across Node versions), context-aware: NAPI_MODULE_INIT
// builds a fresh exports object for every context that loads it (main thread and each worker
// thread) and the module keeps no JavaScript state, so it is safe in worker threads. All
// kernels run synchronously on the calling thread plus the process-wide thread pool
// (thread_pool.h), which serialises concurrent callers safely.
//
// Exports:
//   apiVersion                      number; the JS loader refuses an addon with another one
//   version                         string: addon API, compiler, Node-API version
//   unaryOps, binaryOps, reduceOps, argReduceOps, binaryInt32Ops
//                                   comma-separated op names; an op's code is its position
//   info()                          { cpu_features, cpu, gemm_path, threads, physical_cores }
//   setNumThreads(n), getNumThreads()
//   the kernels (bind_elementwise.cc, bind_movement.cc, bind_compute.cc)

#include <cstring>
#include <string>

#include "../cpu_features.h"
#include "../gemm.h"
#include "../kernels/malloc_tuning.h"
#include "../thread_pool.h"
#include "args.h"

namespace k = myelin::kernels;
using myelin::binding::Args;
using myelin::binding::Export;
using myelin::binding::JsError;

namespace {

/** Bump when any exported function's arguments change. */
constexpr int kApiVersion = 2;  // 2: maxPool2d takes a relu flag

#define MYELIN_STR2(x) #x
#define MYELIN_STR(x) MYELIN_STR2(x)

std::string version_string() {
  std::string v = std::to_string(kApiVersion);
#if defined(__clang__)
  v += " (clang " __clang_version__;
#elif defined(__GNUC__)
  v += " (g++ " MYELIN_STR(__GNUC__) "." MYELIN_STR(__GNUC_MINOR__) "." MYELIN_STR(__GNUC_PATCHLEVEL__);
#else
  v += " (unknown compiler";
#endif
  v += ", node-api " MYELIN_STR(NAPI_VERSION) ")";
  return v;
}

std::string feature_list() {
  const myelin::CpuFeatures& f = myelin::cpu_features();
  std::string s;
  auto add = [&](bool on, const char* name) {
    if (!on) return;
    if (!s.empty()) s += ' ';
    s += name;
  };
  add(f.has_sse41, "sse4.1");
  add(f.has_avx, "avx");
  add(f.has_avx2, "avx2");
  add(f.has_fma, "fma");
  add(f.has_f16c, "f16c");
  add(f.has_avx512f, "avx512f");
  add(f.has_avx512dq, "avx512dq");
  add(f.has_avx512bw, "avx512bw");
  add(f.has_avx512vl, "avx512vl");
  add(f.has_avx512cd, "avx512cd");
  add(f.has_avx512_vnni, "avx512_vnni");
  add(f.has_avx512_bf16, "avx512_bf16");
  add(f.has_avx512_fp16, "avx512_fp16");
  add(f.has_avx_vnni, "avx_vnni");
  add(f.has_amx_tile, "amx_tile");
  add(f.has_neon, "neon");
  return s.empty() ? std::string("none") : s;
}

void check(napi_env env, napi_status st) {
  if (st != napi_ok) throw JsError{JsError::Plain, "myelin native: N-API call failed"};
}

napi_value make_string(napi_env env, const std::string& s) {
  napi_value v;
  check(env, napi_create_string_utf8(env, s.c_str(), s.size(), &v));
  return v;
}

napi_value make_number(napi_env env, double d) {
  napi_value v;
  check(env, napi_create_double(env, d, &v));
  return v;
}

void set(napi_env env, napi_value obj, const char* name, napi_value v) {
  check(env, napi_set_named_property(env, obj, name, v));
}

std::string int32_binary_ops() {
  std::string s;
  for (int i = 0; i < static_cast<int>(k::BinaryOp::kCount); i++) {
    if (!k::binary_supports_int32(static_cast<k::BinaryOp>(i))) continue;
    // the i-th name of kBinaryOpNames
    const char* p = k::kBinaryOpNames;
    for (int j = 0; j < i; j++) p = std::strchr(p, ',') + 1;
    const char* e = std::strchr(p, ',');
    s.append(p, static_cast<size_t>(e - p));
    s += ',';
  }
  return s;
}

}  // namespace

// info(): a description of the CPU, the GEMM path and the thread pool
MYELIN_FN(info) {
  napi_env env = args.env();
  napi_value o;
  check(env, napi_create_object(env, &o));
  const myelin::CpuFeatures& f = myelin::cpu_features();
  set(env, o, "cpu_features", make_string(env, feature_list()));
  set(env, o, "cpu", make_string(env, f.describe()));
  set(env, o, "gemm_path", make_string(env, myelin::sgemm_path_name()));
  set(env, o, "threads", make_number(env, myelin::get_num_threads()));
  set(env, o, "physical_cores", make_number(env, myelin::physical_core_count()));
  return o;
}

// setNumThreads(n): n <= 0 restores the default (MYELIN_NUM_THREADS or the physical cores)
MYELIN_FN(setNumThreads) {
  const double n = args.number(0, "n");
  if (!(n >= -1 && n <= 4096)) args.fail(JsError::Range, "thread count out of range");
  myelin::set_num_threads(static_cast<int>(n));
  return make_number(args.env(), myelin::get_num_threads());
}

MYELIN_FN(getNumThreads) { return make_number(args.env(), myelin::get_num_threads()); }

namespace {

napi_value init(napi_env env, napi_value exports) {
  try {
    k::keep_tensor_memory();
    const Export own[] = {{"info", js_info}, {"setNumThreads", js_setNumThreads}, {"getNumThreads", js_getNumThreads}};
    auto add_all = [&](const Export* list, size_t n) {
      for (size_t i = 0; i < n; i++) {
        napi_value fn;
        check(env, napi_create_function(env, list[i].name, NAPI_AUTO_LENGTH, list[i].fn, nullptr, &fn));
        set(env, exports, list[i].name, fn);
      }
    };
    add_all(own, sizeof(own) / sizeof(own[0]));
    add_all(myelin::binding::kElementwiseExports, myelin::binding::kElementwiseExportCount);
    add_all(myelin::binding::kMovementExports, myelin::binding::kMovementExportCount);
    add_all(myelin::binding::kComputeExports, myelin::binding::kComputeExportCount);
    add_all(myelin::binding::kRnnExports, myelin::binding::kRnnExportCount);
    add_all(myelin::binding::kAttentionExports, myelin::binding::kAttentionExportCount);
    set(env, exports, "apiVersion", make_number(env, kApiVersion));
    set(env, exports, "version", make_string(env, version_string()));
    set(env, exports, "unaryOps", make_string(env, k::kUnaryOpNames));
    set(env, exports, "binaryOps", make_string(env, k::kBinaryOpNames));
    set(env, exports, "binaryInt32Ops", make_string(env, int32_binary_ops()));
    set(env, exports, "reduceOps", make_string(env, k::kReduceOpNames));
    set(env, exports, "argReduceOps", make_string(env, k::kArgReduceOpNames));
  } catch (const JsError& e) {
    napi_throw_error(env, "ERR_MYELIN_NATIVE", e.message.c_str());
    return nullptr;
  } catch (...) {
    napi_throw_error(env, "ERR_MYELIN_NATIVE", "myelin native: initialisation failed");
    return nullptr;
  }
  return exports;
}

}  // namespace

NAPI_MODULE_INIT() { return init(env, exports); }
