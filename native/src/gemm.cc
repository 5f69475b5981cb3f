// GEMM driver: argument handling, kernel dispatch, cache blocking, packing
// buffers and thread partitioning. ISA-specific code lives in gemm_*.cc.
#include "gemm.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>

#include "cpu_features.h"
#include "gemm_kernels.h"
#include "thread_pool.h"

#if defined(_WIN32)
#include <malloc.h>
#endif

namespace myelin {

using gemm_detail::KernelSet;

namespace {

// ---------------------------------------------------------------- dispatch

const KernelSet* set_for(GemmPath p) {
  const CpuFeatures& f = cpu_features();
  switch (p) {
    case GemmPath::Avx512:
      return f.avx512_gemm() ? gemm_detail::kernels_avx512() : nullptr;
    case GemmPath::Avx2:
      return f.avx2_gemm() ? gemm_detail::kernels_avx2() : nullptr;
    case GemmPath::Generic:
      return gemm_detail::kernels_generic();
    case GemmPath::Auto:
    default: {
      const KernelSet* k = set_for(GemmPath::Avx512);
      if (!k) k = set_for(GemmPath::Avx2);
      if (!k) k = gemm_detail::kernels_generic();
      return k;
    }
  }
}

const KernelSet* initial_set() {
  const char* e = std::getenv("MYELIN_GEMM_PATH");
  GemmPath p = GemmPath::Auto;
  if (e) {
    if (!std::strcmp(e, "generic")) p = GemmPath::Generic;
    else if (!std::strcmp(e, "avx2")) p = GemmPath::Avx2;
    else if (!std::strcmp(e, "avx512")) p = GemmPath::Avx512;
  }
  const KernelSet* k = set_for(p);
  return k ? k : set_for(GemmPath::Auto);
}

std::atomic<const KernelSet*>& active_set() {
  static std::atomic<const KernelSet*> s{initial_set()};
  return s;
}

inline const KernelSet& kernels() { return *active_set().load(std::memory_order_acquire); }

// ---------------------------------------------------------------- tuning

struct Tuning {
  int64_t mc = 0, kc = 0, nc = 0;  // 0 = kernel default
  int order = 0;                   // 0: jr outer / ir inner, 1: ir outer / jr inner
  double min_flops_per_thread = 0;
  Tuning() {
    auto rd = [](const char* n, int64_t d) {
      const char* s = std::getenv(n);
      return s && *s ? (int64_t)std::atoll(s) : d;
    };
    mc = rd("MYELIN_GEMM_MC", 0);
    kc = rd("MYELIN_GEMM_KC", 0);
    nc = rd("MYELIN_GEMM_NC", 0);
    order = (int)rd("MYELIN_GEMM_ORDER", 0);
    min_flops_per_thread = (double)rd("MYELIN_GEMM_MINFLOPS", 2 * 48 * 48 * 48);
  }
};
const Tuning& tuning() {
  static const Tuning t;
  return t;
}

// ---------------------------------------------------------------- buffers

struct PackBuffer {
  float* p = nullptr;
  size_t cap = 0;  // floats
  ~PackBuffer() { release(); }
  void release() {
#if defined(_WIN32)
    _aligned_free(p);
#else
    std::free(p);
#endif
    p = nullptr;
    cap = 0;
  }
  float* get(size_t n) {
    if (n <= cap) return p;
    release();
    size_t want = (n + 64 + 63) & ~(size_t)63;  // slack for vector over-reads
    void* q = nullptr;
#if defined(_WIN32)
    q = _aligned_malloc(want * sizeof(float), 64);
#else
    if (posix_memalign(&q, 64, want * sizeof(float)) != 0) q = nullptr;
#endif
    if (!q) throw std::bad_alloc();
    p = static_cast<float*>(q);
    cap = want;
    return p;
  }
};

thread_local PackBuffer tls_pack_a, tls_pack_b;

inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
inline int64_t round_up(int64_t a, int64_t b) { return ceil_div(a, b) * b; }

// C[M x N] = beta * C (beta == 0: write zeros without reading).
void scale_c(int64_t M, int64_t N, float beta, float* C, int64_t ldc) {
  for (int64_t i = 0; i < M; ++i) {
    float* c = C + i * ldc;
    if (beta == 0.0f)
      std::memset(c, 0, sizeof(float) * (size_t)N);
    else if (beta != 1.0f)
      for (int64_t j = 0; j < N; ++j) c[j] *= beta;
  }
}

// Strided operand view: element (r, k) = p[r * rs + k * ks].
struct View {
  const float* p;
  int64_t rs, ks;
};

// Single-threaded blocked GEMM on C[M x N] (M, N, K >= 1, alpha != 0).
// op(A)(i, k) = A.p[i*A.rs + k*A.ks], op(B)(k, j) = B.p[j*B.rs + k*B.ks].
void gemm_single(const KernelSet& ks, int64_t M, int64_t N, int64_t K, float alpha, View A, View B,
                 float beta, float* C, int64_t ldc) {
  const Tuning& tu = tuning();
  const int64_t MR = ks.mr, NR = ks.nr;
  const int64_t MC = round_up(tu.mc > 0 ? tu.mc : ks.mc, MR);
  const int64_t KC = tu.kc > 0 ? tu.kc : ks.kc;
  const int64_t NC = round_up(tu.nc > 0 ? tu.nc : ks.nc, NR);

  // Balanced blocks: e.g. K = 288 with KC = 256 becomes 2 x 144, not 256 + 32.
  const int64_t nkb = ceil_div(K, KC);
  const int64_t kcb = std::min(K, round_up(ceil_div(K, nkb), 8));
  const int64_t nmb = ceil_div(M, MC);
  const int64_t mcb = round_up(ceil_div(M, nmb), MR);
  const int64_t nnb = ceil_div(N, NC);
  const int64_t ncb = round_up(ceil_div(N, nnb), NR);

  float* bufA = tls_pack_a.get((size_t)(mcb * kcb));
  float* bufB = tls_pack_b.get((size_t)(ncb * kcb));

  for (int64_t jc = 0; jc < N; jc += ncb) {
    const int64_t nc = std::min(ncb, N - jc);
    for (int64_t pc = 0; pc < K; pc += kcb) {
      const int64_t kc = std::min(kcb, K - pc);
      const float beta_k = pc == 0 ? beta : 1.0f;
      for (int64_t jr = 0; jr < nc; jr += NR)
        ks.pack_b(std::min(NR, nc - jr), kc, B.p + (jc + jr) * B.rs + pc * B.ks, B.rs, B.ks,
                  bufB + jr * kc);
      for (int64_t ic = 0; ic < M; ic += mcb) {
        const int64_t mc = std::min(mcb, M - ic);
        for (int64_t ir = 0; ir < mc; ir += MR)
          ks.pack_a(std::min(MR, mc - ir), kc, A.p + (ic + ir) * A.rs + pc * A.ks, A.rs, A.ks,
                    bufA + ir * kc);
        float* Cb = C + ic * ldc + jc;
        if (tu.order == 0) {
          for (int64_t jr = 0; jr < nc; jr += NR) {
            const int64_t n = std::min(NR, nc - jr);
            for (int64_t ir = 0; ir < mc; ir += MR)
              ks.kernel(kc, bufA + ir * kc, bufB + jr * kc, Cb + ir * ldc + jr, ldc,
                        std::min(MR, mc - ir), n, alpha, beta_k);
          }
        } else {
          for (int64_t ir = 0; ir < mc; ir += MR) {
            const int64_t m = std::min(MR, mc - ir);
            for (int64_t jr = 0; jr < nc; jr += NR)
              ks.kernel(kc, bufA + ir * kc, bufB + jr * kc, Cb + ir * ldc + jr, ldc, m,
                        std::min(NR, nc - jr), alpha, beta_k);
          }
        }
      }
    }
  }
}

View view_a(bool transA, const float* A, int64_t lda) {
  // op(A)(i, k): no-trans A[i*lda + k]; trans A[k*lda + i]
  return transA ? View{A, 1, lda} : View{A, lda, 1};
}
View view_b(bool transB, const float* B, int64_t ldb) {
  // op(B)(k, j) viewed as rows j: no-trans B[k*ldb + j]; trans B[j*ldb + k]
  return transB ? View{B, ldb, 1} : View{B, 1, ldb};
}

// Number of threads worth using for one GEMM and the tm x tn grid.
struct Grid {
  int tm = 1, tn = 1;
};

Grid choose_grid(const KernelSet& ks, int64_t M, int64_t N, int64_t K) {
  Grid g;
  if (in_parallel_region()) return g;
  const int T = get_num_threads();
  if (T <= 1) return g;
  const double flops = 2.0 * (double)M * (double)N * (double)K;
  int nt = (int)std::min<double>(T, std::floor(flops / tuning().min_flops_per_thread));
  const int64_t mt = ceil_div(M, ks.mr), ntl = ceil_div(N, ks.nr);
  nt = (int)std::min<int64_t>(nt, mt * ntl);
  if (nt <= 1) return g;
  // Choose tm x tn == nt minimising the largest per-thread block, with a
  // small charge for the redundant packing each thread does.
  double best = 1e300;
  for (int tm = 1; tm <= nt; ++tm) {
    if (nt % tm) continue;
    const int tn = nt / tm;
    if (tm > mt || tn > ntl) continue;
    const double bm = (double)ceil_div(mt, tm) * ks.mr;
    const double bn = (double)ceil_div(ntl, tn) * ks.nr;
    const double cost = bm * bn * (double)K + 2.0 * (bm + bn) * (double)K;
    if (cost < best) {
      best = cost;
      g.tm = tm;
      g.tn = tn;
    }
  }
  return g;
}

void gemm_dispatch(const KernelSet& ks, bool allow_threads, int64_t M, int64_t N, int64_t K,
                   float alpha, View A, View B, float beta, float* C, int64_t ldc) {
  Grid g = allow_threads ? choose_grid(ks, M, N, K) : Grid{};
  if (g.tm * g.tn <= 1) {
    gemm_single(ks, M, N, K, alpha, A, B, beta, C, ldc);
    return;
  }
  const int64_t mt = ceil_div(M, ks.mr), ntl = ceil_div(N, ks.nr);
  parallel_tasks(g.tm * g.tn, [&](int64_t lo, int64_t hi) {
    for (int64_t t = lo; t < hi; ++t) {
      const int64_t ti = t / g.tn, tj = t % g.tn;
      const int64_t m0 = std::min(M, (ti * mt / g.tm) * ks.mr);
      const int64_t m1 = std::min(M, ((ti + 1) * mt / g.tm) * ks.mr);
      const int64_t n0 = std::min(N, (tj * ntl / g.tn) * ks.nr);
      const int64_t n1 = std::min(N, ((tj + 1) * ntl / g.tn) * ks.nr);
      if (m1 <= m0 || n1 <= n0) continue;
      View a = A, b = B;
      a.p += m0 * A.rs;
      b.p += n0 * B.rs;
      gemm_single(ks, m1 - m0, n1 - n0, K, alpha, a, b, beta, C + m0 * ldc + n0, ldc);
    }
  });
}

void sgemm_impl(bool allow_threads, bool transA, bool transB, int64_t M, int64_t N, int64_t K,
                float alpha, const float* A, int64_t lda, const float* B, int64_t ldb, float beta,
                float* C, int64_t ldc) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0 || alpha == 0.0f) {
    scale_c(M, N, beta, C, ldc);
    return;
  }
  gemm_dispatch(kernels(), allow_threads, M, N, K, alpha, view_a(transA, A, lda),
                view_b(transB, B, ldb), beta, C, ldc);
}

}  // namespace

void sgemm(bool transA, bool transB, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
           int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  sgemm_impl(true, transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

void sgemm_batched(bool transA, bool transB, int64_t M, int64_t N, int64_t K, float alpha,
                   const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C,
                   int64_t ldc, int64_t batch, int64_t strideA, int64_t strideB, int64_t strideC) {
  if (batch <= 0 || M <= 0 || N <= 0) return;
  auto one = [&](bool threads, int64_t b) {
    sgemm_impl(threads, transA, transB, M, N, K, alpha, A + b * strideA, lda, B + b * strideB, ldb,
               beta, C + b * strideC, ldc);
  };
  const int T = in_parallel_region() ? 1 : get_num_threads();
  if (batch == 1 || strideC == 0 || T <= 1) {
    for (int64_t b = 0; b < batch; ++b) one(true, b);
    return;
  }
  const double f = 2.0 * (double)M * (double)N * (double)std::max<int64_t>(K, 1);
  // Parallelise over the batch when the matrices are small (inner threading
  // would not pay) or when the batch divides evenly over the threads;
  // otherwise let each GEMM use all threads.
  const bool small = f < 16.0 * tuning().min_flops_per_thread * T;
  const bool even = batch % T == 0 || batch >= 4 * T;
  if (small || even) {
    parallel_for(0, batch, 1, [&](int64_t lo, int64_t hi) {
      for (int64_t b = lo; b < hi; ++b) one(false, b);
    });
  } else {
    for (int64_t b = 0; b < batch; ++b) one(true, b);
  }
}

bool sgemm_path_supported(GemmPath path) { return set_for(path) != nullptr; }

bool sgemm_set_path(GemmPath path) {
  const KernelSet* k = set_for(path);
  if (!k) return false;
  active_set().store(k, std::memory_order_release);
  return true;
}

GemmPath sgemm_get_path() {
  const KernelSet* k = active_set().load(std::memory_order_acquire);
  if (k == gemm_detail::kernels_avx512()) return GemmPath::Avx512;
  if (k == gemm_detail::kernels_avx2()) return GemmPath::Avx2;
  return GemmPath::Generic;
}

const char* sgemm_path_name() { return kernels().name; }

}  // namespace myelin
