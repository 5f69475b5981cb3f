// Standalone correctness test + benchmark for myelin's native GEMM and thread
// pool. NOT part of the shipped addon. OpenBLAS (cblas_sgemm) is linked here
// only as a yardstick.
//
//   gemm_bench test            correctness tests (every supported kernel path)
//   gemm_bench bench [opts]    JSON benchmark vs OpenBLAS
//       --quick                fewer repetitions
//       --threads=1,2          thread counts to measure
//       --path=avx512|avx2|generic
//       --only=square|cnn      subset
//       --wait-quiet           before each timing, wait (<= 10 s) until the
//                              machine is idle (for shared/noisy machines)
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "../src/cpu_features.h"
#include "../src/gemm.h"
#include "../src/thread_pool.h"

#ifdef MYELIN_WITH_OPENBLAS
extern "C" {
#include <cblas.h>
void openblas_set_num_threads(int);
char* openblas_get_corename(void);
}
#endif

using namespace myelin;

namespace {

// ------------------------------------------------------------------ helpers

struct Rng {
  std::mt19937_64 g;
  explicit Rng(uint64_t s) : g(s) {}
  float uni() { return std::uniform_real_distribution<float>(-1.f, 1.f)(g); }
  int64_t irange(int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(g); }
};

// op(A)(i,k), op(B)(k,j) accessors with BLAS row-major conventions.
inline float opA(bool t, const float* A, int64_t lda, int64_t i, int64_t k) {
  return t ? A[k * lda + i] : A[i * lda + k];
}
inline float opB(bool t, const float* B, int64_t ldb, int64_t k, int64_t j) {
  return t ? B[j * ldb + k] : B[k * ldb + j];
}

int g_failures = 0;
int g_checks = 0;

// Checks C against a double-precision reference computed from the original C0.
bool check_gemm(const char* what, bool tA, bool tB, int64_t M, int64_t N, int64_t K, float alpha,
                const float* A, int64_t lda, const float* B, int64_t ldb, float beta,
                const std::vector<float>& C0, const std::vector<float>& C, int64_t ldc,
                int64_t c_rows_alloc) {
  ++g_checks;
  double worst = 0;
  int64_t bad_i = -1, bad_j = -1;
  double bad_got = 0, bad_ref = 0;
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j) {
      double s = 0, sa = 0;
      if (alpha != 0.0f)
        for (int64_t k = 0; k < K; ++k) {
          double p = (double)opA(tA, A, lda, i, k) * (double)opB(tB, B, ldb, k, j);
          s += p;
          sa += std::fabs(p);
        }
      double ref = (double)alpha * s;
      double scale = std::fabs((double)alpha) * sa;
      if (beta != 0.0f) {
        ref += (double)beta * (double)C0[i * ldc + j];
        scale += std::fabs((double)beta * (double)C0[i * ldc + j]);
      }
      double got = C[i * ldc + j];
      double tol = 4e-7 * (double)(K + 8) * scale + 1e-30;
      double err = std::fabs(got - ref);
      bool ok = std::isfinite(got) && err <= tol;
      if (!ok) {
        double r = std::isfinite(got) ? err / tol : 1e300;
        if (r > worst) { worst = r; bad_i = i; bad_j = j; bad_got = got; bad_ref = ref; }
      }
    }
  // Padding of C (columns N..ldc-1 and rows beyond M) must be untouched.
  for (int64_t i = 0; i < c_rows_alloc; ++i)
    for (int64_t j = 0; j < ldc; ++j) {
      if (i < M && j < N) continue;
      const float a = C0[i * ldc + j], b = C[i * ldc + j];
      if (std::memcmp(&a, &b, sizeof a) != 0) {
        if (worst < 1e301) { worst = 1e301; bad_i = i; bad_j = j; bad_got = b; bad_ref = a; }
      }
    }
  if (bad_i >= 0) {
    ++g_failures;
    if (g_failures < 30)
      std::printf("FAIL [%s] %s tA=%d tB=%d M=%lld N=%lld K=%lld alpha=%g beta=%g lda=%lld ldb=%lld ldc=%lld "
                  "at (%lld,%lld): got %.9g want %.9g\n",
                  sgemm_path_name(), what, tA, tB, (long long)M, (long long)N, (long long)K, alpha, beta,
                  (long long)lda, (long long)ldb, (long long)ldc, (long long)bad_i, (long long)bad_j,
                  bad_got, bad_ref);
    return false;
  }
  return true;
}

void fill(std::vector<float>& v, Rng& r) {
  for (auto& x : v) x = r.uni();
}

void run_case(Rng& r, bool tA, bool tB, int64_t M, int64_t N, int64_t K, float alpha, float beta,
              int64_t pad, const char* what) {
  const int64_t a_rows = tA ? K : M, a_cols = tA ? M : K;
  const int64_t b_rows = tB ? N : K, b_cols = tB ? K : N;
  const int64_t lda = a_cols + (pad ? r.irange(1, pad) : 0);
  const int64_t ldb = b_cols + (pad ? r.irange(1, pad) : 0);
  const int64_t ldc = std::max<int64_t>(N, 1) + (pad ? r.irange(1, pad) : 0);
  std::vector<float> A((size_t)std::max<int64_t>(1, a_rows * lda)), B((size_t)std::max<int64_t>(1, b_rows * ldb));
  fill(A, r);
  fill(B, r);
  const int64_t c_rows = M + 1;  // one extra row to detect overruns
  std::vector<float> C0((size_t)(c_rows * ldc));
  fill(C0, r);
  if (beta == 0.0f)  // beta == 0 must not read C: fill the live part with NaN
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = 0; j < N; ++j) C0[i * ldc + j] = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> C = C0;
  sgemm(tA, tB, M, N, K, alpha, A.data(), lda, B.data(), ldb, beta, C.data(), ldc);
  check_gemm(what, tA, tB, M, N, K, alpha, A.data(), lda, B.data(), ldb, beta, C0, C, ldc, c_rows);
}

void test_batched(Rng& r, bool tA, bool tB, int64_t M, int64_t N, int64_t K, int64_t batch,
                  bool bcastA, bool bcastB, float beta) {
  const int64_t lda = tA ? M : K, ldb = tB ? K : N, ldc = N;
  const int64_t sA = bcastA ? 0 : (tA ? K : M) * lda + 3;
  const int64_t sB = bcastB ? 0 : (tB ? N : K) * ldb + 5;
  const int64_t sC = M * ldc + 2;
  std::vector<float> A((size_t)((tA ? K : M) * lda + sA * (batch - 1) + 1));
  std::vector<float> B((size_t)((tB ? N : K) * ldb + sB * (batch - 1) + 1));
  std::vector<float> C0((size_t)(sC * batch + 1));
  fill(A, r);
  fill(B, r);
  fill(C0, r);
  if (beta == 0.0f) std::fill(C0.begin(), C0.end(), std::numeric_limits<float>::quiet_NaN());
  std::vector<float> C = C0;
  const float alpha = 0.75f;
  sgemm_batched(tA, tB, M, N, K, alpha, A.data(), lda, B.data(), ldb, beta, C.data(), ldc, batch, sA, sB, sC);
  for (int64_t b = 0; b < batch; ++b) {
    std::vector<float> c0(C0.begin() + b * sC, C0.begin() + b * sC + M * ldc);
    std::vector<float> c1(C.begin() + b * sC, C.begin() + b * sC + M * ldc);
    check_gemm("batched", tA, tB, M, N, K, alpha, A.data() + b * sA, lda, B.data() + b * sB, ldb, beta, c0,
               c1, ldc, M);
  }
  // gaps between matrices must be untouched
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t x = b * sC + M * ldc; x < std::min<int64_t>((b + 1) * sC, (int64_t)C.size()); ++x)
      if (std::memcmp(&C[x], &C0[x], 4) != 0) {
        ++g_failures;
        std::printf("FAIL batched gap overwritten at %lld\n", (long long)x);
        break;
      }
}

void test_gemm_path() {
  Rng r(12345);
  const int64_t sizes[] = {1, 3, 17, 31, 33, 63, 65, 127, 129};
  const float alphas[] = {1.0f, -0.5f, 2.5f};
  const float betas[] = {0.0f, 1.0f, -1.5f};
  int before = g_failures;
  // All four transpose combos x random sizes x alpha/beta, with and without padding.
  for (int t = 0; t < 4; ++t) {
    const bool tA = t & 1, tB = t & 2;
    for (int64_t M : sizes)
      for (int64_t N : sizes) {
        const int64_t K = sizes[r.irange(0, 8)];
        const float alpha = alphas[r.irange(0, 2)];
        const float beta = betas[r.irange(0, 2)];
        run_case(r, tA, tB, M, N, K, alpha, beta, (M + N) % 2 ? 7 : 0, "grid");
      }
    for (int64_t K : sizes) run_case(r, tA, tB, 33, 65, K, 1.0f, 0.0f, 3, "ksweep");
    for (float alpha : alphas)
      for (float beta : betas) run_case(r, tA, tB, 45, 70, 37, alpha, beta, 5, "alphabeta");
    // Bigger than the cache blocks in every dimension (MC, KC, multiple k blocks, beta accumulation).
    run_case(r, tA, tB, 1000, 129, 1000, 1.0f, 0.0f, 9, "big-mk");
    run_case(r, tA, tB, 65, 1000, 1000, -1.0f, 1.0f, 0, "big-nk");
    run_case(r, tA, tB, 1000, 1000, 17, 0.5f, -1.5f, 0, "big-mn");
    run_case(r, tA, tB, 37, 4200, 300, 1.0f, 0.5f, 4, "wide-n");  // > NC
    run_case(r, tA, tB, 1, 1000, 1000, 1.0f, 0.0f, 2, "gemv-row");
    run_case(r, tA, tB, 1000, 1, 1000, 1.0f, 0.0f, 2, "gemv-col");
    // Long K with a small C (k-split path when threaded).
    run_case(r, tA, tB, 40, 70, 3001, 1.0f, 0.5f, 3, "ksplit");
    run_case(r, tA, tB, 64, 288, 7744, -1.0f, 0.0f, 0, "ksplit-dw");
    // CNN-like shapes
    run_case(r, tA, tB, 64, 121, 288, 1.0f, 0.0f, 0, "cnn1");
    run_case(r, tA, tB, 32, 676, 9, 1.0f, 0.0f, 0, "cnn2");
    run_case(r, tA, tB, 576, 64, 64, 1.0f, 1.0f, 0, "cnn3");
    // Empty dimensions and alpha == 0.
    run_case(r, tA, tB, 0, 5, 7, 1.0f, 1.0f, 2, "M=0");
    run_case(r, tA, tB, 5, 0, 7, 1.0f, 1.0f, 2, "N=0");
    run_case(r, tA, tB, 5, 7, 0, 1.0f, 0.0f, 2, "K=0,beta=0");
    run_case(r, tA, tB, 5, 7, 0, 1.0f, -2.0f, 2, "K=0,beta=-2");
    run_case(r, tA, tB, 9, 40, 13, 0.0f, 0.0f, 2, "alpha=0,beta=0");
    run_case(r, tA, tB, 9, 40, 13, 0.0f, 3.0f, 2, "alpha=0,beta=3");
    // Batched with broadcasting.
    test_batched(r, tA, tB, 17, 33, 9, 5, false, false, 0.0f);
    test_batched(r, tA, tB, 17, 33, 9, 5, true, false, 1.0f);
    test_batched(r, tA, tB, 17, 33, 9, 4, false, true, 0.0f);
    test_batched(r, tA, tB, 200, 190, 150, 3, false, true, -1.0f);
    test_batched(r, tA, tB, 300, 310, 128, 2, true, false, 0.0f);
  }
  // A sprinkling of fully random shapes.
  for (int it = 0; it < 60; ++it) {
    const bool tA = r.irange(0, 1), tB = r.irange(0, 1);
    run_case(r, tA, tB, r.irange(1, 300), r.irange(1, 300), r.irange(1, 300), alphas[r.irange(0, 2)],
             betas[r.irange(0, 2)], r.irange(0, 1) ? 11 : 0, "random");
  }
  // NaN in A propagates into its row of C (no fast-math shortcuts).
  {
    const int64_t M = 20, N = 40, K = 30;
    std::vector<float> A(M * K, 0.5f), B(K * N, 0.25f), C(M * N, 0.0f);
    A[7 * K + 3] = std::numeric_limits<float>::quiet_NaN();
    sgemm(false, false, M, N, K, 1.0f, A.data(), K, B.data(), N, 0.0f, C.data(), N);
    ++g_checks;
    bool ok = true;
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = 0; j < N; ++j) ok &= (i == 7) == std::isnan(C[i * N + j]);
    if (!ok) {
      ++g_failures;
      std::printf("FAIL [%s] NaN propagation\n", sgemm_path_name());
    }
  }
  std::printf("  path %-8s threads=%d: %s\n", sgemm_path_name(), get_num_threads(),
              g_failures == before ? "ok" : "FAILED");
}

void test_thread_pool() {
  int before = g_failures;
  auto expect = [&](bool c, const char* msg) {
    ++g_checks;
    if (!c) {
      ++g_failures;
      std::printf("FAIL thread_pool: %s\n", msg);
    }
  };
  for (int nt : {1, 2, 3, 5}) {
    set_num_threads(nt);
    for (int64_t n : {0, 1, 2, 7, 100, 1001}) {
      for (int64_t grain : {1, 3, 64}) {
        std::vector<std::atomic<int>> hits((size_t)n + 1);
        std::atomic<int> calls{0};
        parallel_for(0, n, grain, [&](int64_t lo, int64_t hi) {
          calls++;
          for (int64_t i = lo; i < hi; ++i) hits[(size_t)i]++;
        });
        bool ok = true;
        for (int64_t i = 0; i < n; ++i) ok &= hits[(size_t)i] == 1;
        expect(ok, "every index exactly once");
        expect(calls <= std::max(1, nt), "at most num_threads chunks");
      }
    }
    // nested parallel_for runs serially inline
    std::atomic<int> inner_calls{0}, total{0};
    parallel_for(0, 8, 1, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i)
        parallel_for(0, 100, 1, [&](int64_t a, int64_t b) {
          inner_calls++;
          total += (int)(b - a);
        });
    });
    expect(total == 800, "nested total");
    expect(inner_calls == 8, "nested runs serially (one chunk each)");
    // exceptions propagate
    bool caught = false;
    try {
      parallel_for(0, 16, 1, [&](int64_t lo, int64_t) {
        if (lo == 0) throw std::runtime_error("boom");
      });
    } catch (const std::runtime_error&) {
      caught = true;
    }
    expect(caught, "exception propagated");
    // concurrent submissions from several threads
    std::atomic<int64_t> sum{0};
    std::vector<std::thread> ths;
    for (int t = 0; t < 4; ++t)
      ths.emplace_back([&] {
        for (int it = 0; it < 200; ++it)
          parallel_for(0, 1000, 10, [&](int64_t lo, int64_t hi) {
            int64_t s = 0;
            for (int64_t i = lo; i < hi; ++i) s += i;
            sum += s;
          });
      });
    for (auto& t : ths) t.join();
    expect(sum == 4 * 200 * (999 * 1000 / 2), "concurrent submissions");
    // concurrent GEMMs from several threads give correct results
    {
      const int64_t n = 150;
      std::vector<float> A(n * n), B(n * n);
      Rng r(7);
      fill(A, r);
      fill(B, r);
      std::vector<float> ref(n * n);
      sgemm(false, false, n, n, n, 1.0f, A.data(), n, B.data(), n, 0.0f, ref.data(), n);
      std::atomic<int> mism{0};
      std::vector<std::thread> gs;
      for (int t = 0; t < 3; ++t)
        gs.emplace_back([&] {
          std::vector<float> C(n * n);
          for (int it = 0; it < 20; ++it) {
            sgemm(false, false, n, n, n, 1.0f, A.data(), n, B.data(), n, 0.0f, C.data(), n);
            if (std::memcmp(C.data(), ref.data(), C.size() * 4) != 0) mism++;
          }
        });
      for (auto& t : gs) t.join();
      expect(mism == 0, "concurrent sgemm deterministic");
    }
  }
  set_num_threads(0);
  std::printf("  thread_pool: %s (physical cores %d, default threads %d)\n",
              g_failures == before ? "ok" : "FAILED", physical_core_count(), get_num_threads());
}

int run_tests() {
  std::printf("cpu: %s\n", cpu_features().describe());
  test_thread_pool();
  const GemmPath paths[] = {GemmPath::Generic, GemmPath::Avx2, GemmPath::Avx512};
  for (int nt : {1, 2, 3}) {
    set_num_threads(nt);
    for (GemmPath p : paths) {
      if (!sgemm_set_path(p)) {
        std::printf("  path %d not supported on this CPU: skipped\n", (int)p);
        continue;
      }
      test_gemm_path();
    }
  }
  sgemm_set_path(GemmPath::Auto);
  set_num_threads(0);
  std::printf("%d checks, %d failures\n", g_checks, g_failures);
  return g_failures ? 1 : 0;
}

// ------------------------------------------------------------------ bench

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

struct Shape {
  const char* name;
  int64_t M, N, K;
  bool tA, tB;
  int64_t batch = 1;  // > 1: sgemm_batched (OpenBLAS: a loop of cblas_sgemm)
};

std::string json_escape(const char* s) {
  std::string o;
  for (; *s; ++s) {
    if (*s == '"' || *s == '\\') o += '\\';
    o += *s;
  }
  return o;
}

// Fraction of all CPUs busy over `ms` milliseconds (Linux /proc/stat; 0 if unknown).
double cpu_busy(int ms) {
  auto sample = [](unsigned long long* busy, unsigned long long* total) {
    FILE* f = std::fopen("/proc/stat", "r");
    if (!f) return false;
    unsigned long long v[10] = {0};
    int n = std::fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
                        &v[4], &v[5], &v[6], &v[7], &v[8], &v[9]);
    std::fclose(f);
    if (n < 5) return false;
    *total = 0;
    for (int i = 0; i < 8; ++i) *total += v[i];
    *busy = *total - v[3] - v[4];
    return true;
  };
  unsigned long long b0, t0, b1, t1;
  if (!sample(&b0, &t0)) return 0;
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  if (!sample(&b1, &t1) || t1 == t0) return 0;
  return (double)(b1 - b0) / (double)(t1 - t0);
}

bool g_wait_quiet = false;
int g_noisy = 0;  // timed batches that started on a busy machine
// Waits (at most ~4 s) until other processes leave the CPUs idle.
void wait_quiet() {
  if (!g_wait_quiet) return;
  for (int i = 0; i < 20; ++i)
    if (cpu_busy(200) < 0.08) return;
  ++g_noisy;
}

// Best seconds per call: several timed batches, each at least `min_s` long.
double time_best(const std::function<void()>& f, double min_s, int batches) {
  wait_quiet();
  f();  // warm up (buffers, threads, caches)
  int reps = 1;
  for (;;) {
    double t0 = now_s();
    for (int i = 0; i < reps; ++i) f();
    double dt = now_s() - t0;
    if (dt >= min_s) break;
    reps = dt <= 0 ? reps * 10 : std::max(reps + 1, (int)(reps * min_s / dt * 1.2));
  }
  double best = 1e30;
  for (int b = 0; b < batches; ++b) {
    if (b) wait_quiet();
    double t0 = now_s();
    for (int i = 0; i < reps; ++i) f();
    best = std::min(best, (now_s() - t0) / reps);
  }
  return best;
}

int run_bench(int argc, char** argv) {
  bool quick = false;
  std::string only;
  std::vector<int> threads = {1, 2};
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--quick") quick = true;
    else if (a == "--wait-quiet") g_wait_quiet = true;
    else if (a.rfind("--only=", 0) == 0) only = a.substr(7);
    else if (a.rfind("--path=", 0) == 0) {
      std::string p = a.substr(7);
      GemmPath gp = p == "avx512" ? GemmPath::Avx512 : p == "avx2" ? GemmPath::Avx2 : p == "generic" ? GemmPath::Generic : GemmPath::Auto;
      if (!sgemm_set_path(gp)) { std::fprintf(stderr, "path %s unsupported\n", p.c_str()); return 2; }
    } else if (a.rfind("--threads=", 0) == 0) {
      threads.clear();
      std::string s = a.substr(10);
      size_t pos = 0;
      while (pos < s.size()) {
        size_t q = s.find(',', pos);
        threads.push_back(std::atoi(s.substr(pos, q - pos).c_str()));
        if (q == std::string::npos) break;
        pos = q + 1;
      }
    }
  }
  std::vector<Shape> shapes;
  if (only.empty() || only == "square")
    for (int64_t n : {128, 256, 512, 1024, 2048}) shapes.push_back({"square", n, n, n, false, false});
  if (only.empty() || only == "cnn") {
    shapes.push_back({"square_tA", 512, 512, 512, true, false});
    shapes.push_back({"square_tB", 512, 512, 512, false, true});
    shapes.push_back({"square_tAtB", 512, 512, 512, true, true});
    shapes.push_back({"conv_fwd", 64, 121, 288, false, false});      // W[64x288] * col[288x121]
    shapes.push_back({"conv_fwd_first", 32, 676, 9, false, false});  // 3x3 conv, 1 input channel
    shapes.push_back({"conv_bwd_w", 64, 288, 121, false, true});     // dY * col^T
    shapes.push_back({"conv_bwd_x", 288, 121, 64, true, false});     // W^T * dY
    shapes.push_back({"fc_fwd", 64, 576, 64, false, true});          // x[64x64] W^T
    shapes.push_back({"fc_dw", 576, 64, 64, true, false});           // dW = dY^T x (K = batch 64)
    shapes.push_back({"fc_fwd_wide", 64, 512, 784, false, true});    // MLP layer on MNIST batch 64
    shapes.push_back({"fc_dw_wide", 512, 784, 64, true, false});
    shapes.push_back({"attn_qk", 128, 128, 64, false, true});        // Q K^T per head
    shapes.push_back({"bmm_attn_qk", 128, 128, 64, false, true, 32});  // batched over 32 heads
    shapes.push_back({"bmm_attn_av", 128, 64, 128, false, false, 32});
    shapes.push_back({"bmm_small", 16, 16, 16, false, false, 256});
  }
  const double min_s = quick ? 0.03 : 0.08;
  const int batches = quick ? 3 : 5;
  const int rounds = quick ? 1 : 3;

  std::printf("{\n  \"cpu\": \"%s\",\n", json_escape(cpu_features().describe()).c_str());
  std::printf("  \"myelin_path\": \"%s\",\n", sgemm_path_name());
#ifdef MYELIN_WITH_OPENBLAS
  std::printf("  \"openblas_core\": \"%s\",\n", openblas_get_corename());
#endif
  std::printf("  \"results\": [\n");
  bool first = true;
  for (int nt : threads) {
    for (const Shape& s : shapes) {
      const int64_t M = s.M, N = s.N, K = s.K;
      const int64_t lda = s.tA ? M : K, ldb = s.tB ? K : N, ldc = N, nb = s.batch;
      const int64_t sA = M * K, sB = K * N, sC = M * N;
      std::vector<float> A(sA * nb), B(sB * nb), C(sC * nb);
      Rng r(1);
      fill(A, r);
      fill(B, r);
      const double flops = 2.0 * M * N * K * nb;
      double best_m = 1e30, best_o = 1e30;
      g_noisy = 0;
      for (int round = 0; round < rounds; ++round) {
#ifdef MYELIN_WITH_OPENBLAS
        openblas_set_num_threads(nt);
        best_o = std::min(best_o, time_best([&] {
          for (int64_t b = 0; b < nb; ++b)
            cblas_sgemm(CblasRowMajor, s.tA ? CblasTrans : CblasNoTrans, s.tB ? CblasTrans : CblasNoTrans,
                        (int)M, (int)N, (int)K, 1.0f, A.data() + b * sA, (int)lda, B.data() + b * sB, (int)ldb,
                        0.0f, C.data() + b * sC, (int)ldc);
        }, min_s, batches));
        // let OpenBLAS's worker threads stop spinning before timing myelin
        std::this_thread::sleep_for(std::chrono::milliseconds(quick ? 100 : 250));
#endif
        set_num_threads(nt);
        best_m = std::min(best_m, time_best([&] {
          if (nb == 1)
            sgemm(s.tA, s.tB, M, N, K, 1.0f, A.data(), lda, B.data(), ldb, 0.0f, C.data(), ldc);
          else
            sgemm_batched(s.tA, s.tB, M, N, K, 1.0f, A.data(), lda, B.data(), ldb, 0.0f, C.data(), ldc, nb,
                          sA, sB, sC);
        }, min_s, batches));
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      const double gm = flops / best_m / 1e9;
      std::printf("%s    {\"shape\": \"%s\", \"M\": %lld, \"N\": %lld, \"K\": %lld, \"batch\": %lld, "
                  "\"transA\": %s, \"transB\": %s, \"threads\": %d, \"myelin_gflops\": %.1f",
                  first ? "" : ",\n", s.name, (long long)M, (long long)N, (long long)K, (long long)nb,
                  s.tA ? "true" : "false", s.tB ? "true" : "false", nt, gm);
#ifdef MYELIN_WITH_OPENBLAS
      const double go = flops / best_o / 1e9;
      std::printf(", \"openblas_gflops\": %.1f, \"ratio\": %.2f", go, gm / go);
#endif
      if (g_wait_quiet) std::printf(", \"noisy_batches\": %d", g_noisy);
      std::printf("}");
      std::fflush(stdout);
      first = false;
    }
  }
  std::printf("\n  ]\n}\n");
  set_num_threads(0);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode = argc > 1 ? argv[1] : "test";
  if (mode == "test") return run_tests();
  if (mode == "bench") return run_bench(argc, argv);
  std::fprintf(stderr, "usage: %s test | bench [--quick] [--threads=1,2] [--path=...] [--only=square|cnn]\n", argv[0]);
  return 2;
}
