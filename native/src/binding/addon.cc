// myelin_native: the N-API module of myelin's native backend.
//
// Plain Node-API (C API, ABI-stable across Node versions), context-aware: NAPI_MODULE_INIT
// builds a fresh exports object for every context that loads it (main thread and each worker
// thread) and the module keeps no JavaScript state, so it is safe in worker threads. All
// kernels run synchronously on the calling thread plus the process-wide thread pool
// (thread_pool.h), which serialises concurrent callers safely.
//
// Exports:
//   specFingerprint                 string: the kernel declarations this addon was built from
//                                   (kernel_spec.gen.h); the JS loader refuses another one
//   version                         string: spec fingerprint, compiler, Node-API version
//   info()                          { cpu_features, cpu, gemm_path, threads, physical_cores }
//   setNumThreads(n), getNumThreads(), rnnCellPath()
//   setScalars(buffer)              registers the Float64Array the kernels read their scalars from
//   every kernel of src/backend/kernels.ts: name(tensors...), scalars in the registered buffer

#include <cstring>
#include <string>

#include "../cpu_features.h"
#include "../gemm.h"
#include "../gemm_bf16.h"
#include "../kernels/malloc_tuning.h"
#include "../thread_pool.h"
#include "../kernels/rnn.h"
#include "args.h"
#include "reader.h"
#include "run.h"

namespace k = myelin::kernels;
using myelin::binding::Args;
using myelin::binding::Export;
using myelin::binding::JsError;

namespace {

#define MYELIN_STR2(x) #x
#define MYELIN_STR(x) MYELIN_STR2(x)

std::string version_string() {
  std::string v = "spec " MYELIN_SPEC_FINGERPRINT;
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

}  // namespace

/** Defines napi_value js_<name>(env, info) running `body` (a lambda taking Args&) under guard. */
#define MYELIN_FN(name)                                                                          \
  static napi_value js_##name##_body(myelin::binding::Args& args);                               \
  static napi_value js_##name(napi_env env, napi_callback_info info) {                           \
    return myelin::binding::guard(env, info, #name, [](myelin::binding::Args& a) { return js_##name##_body(a); }); \
  }                                                                                              \
  static napi_value js_##name##_body(myelin::binding::Args& args)

// info(): a description of the CPU, the GEMM paths (float32, bfloat16) and the thread pool
MYELIN_FN(info) {
  napi_env env = args.env();
  napi_value o;
  check(env, napi_create_object(env, &o));
  const myelin::CpuFeatures& f = myelin::cpu_features();
  set(env, o, "cpu_features", make_string(env, feature_list()));
  set(env, o, "cpu", make_string(env, f.describe()));
  set(env, o, "gemm_path", make_string(env, myelin::sgemm_path_name()));
  set(env, o, "bf16_gemm_path", make_string(env, myelin::bf16gemm_path_name()));
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

// setScalars(buffer: Float64Array): the buffer every kernel call reads its non-tensor arguments from
MYELIN_FN(setScalars) {
  napi_env env = args.env();
  napi_value v = args.value(0);
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  if (v == nullptr || napi_get_typedarray_info(env, v, &type, &length, &data, nullptr, nullptr) != napi_ok ||
      type != napi_float64_array)
    args.fail(JsError::Type, "argument 'buffer' must be a Float64Array");
  myelin::binding::ScalarBuffer* b = myelin::binding::scalar_buffer(env);
  if (b->ref != nullptr) check(env, napi_delete_reference(env, b->ref));
  check(env, napi_create_reference(env, v, 1, &b->ref));
  b->data = static_cast<const double*>(data);
  b->length = static_cast<int64_t>(length);
  return nullptr;
}

// rnnCellPath(): which copy of the cell kernels runs here ("avx512", "avx2" or "portable")
MYELIN_FN(rnnCellPath) { return make_string(args.env(), k::rnn_cell_path()); }

namespace {

/** Every kernel's export: read and check its arguments (kernel_spec.gen.h), then run it (run_*.cc). */
template <class KernelArgs>
napi_value invoke(napi_env env, napi_callback_info info) {
  return myelin::binding::guard(env, info, KernelArgs::kName, [](Args& args) -> napi_value {
    myelin::binding::Reader r(args, KernelArgs::kTensors);
    KernelArgs a;
    a.read(r);
    myelin::binding::run(a);
    return nullptr;
  });
}

#define MYELIN_KERNEL_EXPORT(KernelArgs) {KernelArgs::kName, invoke<myelin::binding::KernelArgs>},
using namespace myelin::binding;
const Export kKernelExports[] = {MYELIN_KERNELS(MYELIN_KERNEL_EXPORT)};
#undef MYELIN_KERNEL_EXPORT

}  // namespace

namespace {

napi_value init(napi_env env, napi_value exports) {
  try {
    k::keep_tensor_memory();
    // per environment: the scalar buffer (its reference dies with the environment)
    check(env, napi_set_instance_data(env, new myelin::binding::ScalarBuffer(),
                                      [](napi_env, void* data, void*) { delete static_cast<myelin::binding::ScalarBuffer*>(data); },
                                      nullptr));
    const Export own[] = {{"info", js_info},
                          {"setNumThreads", js_setNumThreads},
                          {"getNumThreads", js_getNumThreads},
                          {"rnnCellPath", js_rnnCellPath},
                          {"setScalars", js_setScalars}};
    auto add_all = [&](const Export* list, size_t n) {
      for (size_t i = 0; i < n; i++) {
        napi_value fn;
        check(env, napi_create_function(env, list[i].name, NAPI_AUTO_LENGTH, list[i].fn, nullptr, &fn));
        set(env, exports, list[i].name, fn);
      }
    };
    add_all(own, sizeof(own) / sizeof(own[0]));
    add_all(kKernelExports, sizeof(kKernelExports) / sizeof(kKernelExports[0]));
    set(env, exports, "specFingerprint", make_string(env, MYELIN_SPEC_FINGERPRINT));
    set(env, exports, "version", make_string(env, version_string()));
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
