// GEMM driver: argument handling, kernel dispatch, cache blocking, packing
// buffers and thread partitioning. ISA-specific code lives in gemm_*.cc.
#include "gemm.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>
#include <thread>

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

// MYELIN_GEMM_PATH, read by preferred_isa() (cpu_features.h) for the other kernels too.
const KernelSet* initial_set() {
  GemmPath p = GemmPath::Generic;
  switch (preferred_isa()) {
    case Isa::avx512: p = GemmPath::Avx512; break;
    case Isa::avx2: p = GemmPath::Avx2; break;
    case Isa::portable: p = GemmPath::Generic; break;
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
  // 0 = kernel defaults. Environment overrides exist for benchmarking only.
  int64_t mc = 0, kc = 0, nc = 0, mc_item = 0, nc_item = 0;
  int scheme = 0;  // 0 auto, 1 share A, 2 share B
  int items_per_thread = 0;
  double min_flops_per_thread = 0;
  double min_flops_wake = 0;
  int64_t ksplit_ratio = 0, ksplit_max_mn = 0;
  Tuning() {
    auto rd = [](const char* n, int64_t d) {
      const char* s = std::getenv(n);
      return s && *s ? (int64_t)std::atoll(s) : d;
    };
    mc = rd("MYELIN_GEMM_MC", 0);
    kc = rd("MYELIN_GEMM_KC", 0);
    nc = rd("MYELIN_GEMM_NC", 0);
    mc_item = rd("MYELIN_GEMM_MC_ITEM", 0);
    nc_item = rd("MYELIN_GEMM_NC_ITEM", 0);
    scheme = (int)rd("MYELIN_GEMM_SCHEME", 0);
    items_per_thread = (int)rd("MYELIN_GEMM_ITEMS", 0);
    min_flops_per_thread = (double)rd("MYELIN_GEMM_MINFLOPS", 2 * 64 * 64 * 64);
    min_flops_wake = (double)rd("MYELIN_GEMM_MINFLOPS_WAKE", 2 * 192 * 192 * 192);
    ksplit_ratio = rd("MYELIN_GEMM_KSPLIT_RATIO", 4);
    ksplit_max_mn = rd("MYELIN_GEMM_KSPLIT_MAX_MN", 512 * 1024);
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

thread_local PackBuffer tls_pack_a, tls_pack_b, tls_vec_x, tls_vec_y, tls_ksplit;

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

View view_a(bool transA, const float* A, int64_t lda) {
  // op(A)(i, k): no-trans A[i*lda + k]; trans A[k*lda + i]
  return transA ? View{A, 1, lda} : View{A, lda, 1};
}
View view_b(bool transB, const float* B, int64_t ldb) {
  // op(B)(k, j) viewed as rows j: no-trans B[k*ldb + j]; trans B[j*ldb + k]
  return transB ? View{B, ldb, 1} : View{B, 1, ldb};
}

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

// ---------------------------------------------------------------- engine
//
// One GEMM is a fixed sequence of phases that every participating thread
// walks through in the same order. Two schemes (mirror images):
//
//  share_a (used when N >= M): for each row block of A (ic) and k block (pc):
//    [pack phase]    the threads pack the shared A block (mc x kc) together;
//    [compute phase] items = column chunks of C: a thread packs its chunk of B
//                    into its own buffer (L2) and runs the micro-kernels over
//                    all rows of the shared A block (A micro-panel in L1).
//  share_b (N < M): the same with A and B swapped: the shared packed B block
//    (kc x nc, L3) and items = row chunks of C (packed A chunk in L2, B
//    micro-panel in L1).
//
// Work items carry global indices; a thread claims the next index with one
// atomic increment and, before processing an item of phase p, waits until
// every item of the earlier phases is done. Claimed items always belong to a
// running thread, so this can never deadlock, even if the pool runs the
// "parallel" tasks one after another on a single thread. Load balancing is
// dynamic, which matters on a machine shared with other processes.

struct Engine {
  const KernelSet& ks;
  int64_t M, N, K;
  float alpha, beta;
  View A, B;
  float* C;
  int64_t ldc;
  bool share_a = true;
  int64_t ob = 0;    // outer block: rows of A (share_a) or columns of B (share_b)
  int64_t kcb = 0;   // k block
  int64_t item = 0;  // compute item: columns (share_a) or rows (share_b)
  int64_t pgrp = 1;  // panels per pack item
  float* shared = nullptr;
  int64_t n_outer = 0, n_k = 0, total = 0;
  std::atomic<int64_t> claim{0}, done{0};

  int64_t outer_dim() const { return share_a ? M : N; }
  int64_t inner_dim() const { return share_a ? N : M; }
  int64_t panel() const { return share_a ? ks.mr : ks.nr; }
  int64_t local_panel() const { return share_a ? ks.nr : ks.mr; }

  // Phase t (0 .. 2*n_outer*n_k): even = pack, odd = compute.
  struct Phase {
    int64_t o0, on, p0, kc;  // outer block origin/extent, k block origin/extent
    bool pack;
    int64_t count;           // items
  };
  Phase phase(int64_t t) const {
    Phase ph;
    const int64_t pair = t >> 1;
    const int64_t o = pair / n_k, q = pair % n_k;
    ph.o0 = o * ob;
    ph.on = std::min(ob, outer_dim() - ph.o0);
    ph.p0 = q * kcb;
    ph.kc = std::min(kcb, K - ph.p0);
    ph.pack = (t & 1) == 0;
    if (ph.pack) {
      const int64_t panels = ceil_div(ph.on, panel());
      ph.count = ceil_div(panels, pgrp);
    } else {
      ph.count = ceil_div(inner_dim(), item);
    }
    return ph;
  }

  void count_items() {
    total = 0;
    for (int64_t t = 0; t < 2 * n_outer * n_k; ++t) total += phase(t).count;
  }

  void do_pack(const Phase& ph, int64_t i) {
    const int64_t R = panel();
    const int64_t r0 = i * pgrp * R;
    const int64_t r1 = std::min(ph.on, (i + 1) * pgrp * R);
    if (share_a)
      ks.pack_a(r1 - r0, ph.kc, A.p + (ph.o0 + r0) * A.rs + ph.p0 * A.ks, A.rs, A.ks, shared + r0 * ph.kc);
    else
      ks.pack_b(r1 - r0, ph.kc, B.p + (ph.o0 + r0) * B.rs + ph.p0 * B.ks, B.rs, B.ks, shared + r0 * ph.kc);
  }

  void do_compute(const Phase& ph, int64_t j, float* local) {
    const int64_t MR = ks.mr, NR = ks.nr;
    const int64_t i0 = j * item;
    const int64_t ni = std::min(item, inner_dim() - i0);
    const int64_t kc = ph.kc;
    const float beta_k = ph.p0 == 0 ? beta : 1.0f;
    if (share_a) {
      // local = packed B columns [i0, i0+ni); shared = packed A rows [o0, o0+on)
      ks.pack_b(ni, kc, B.p + i0 * B.rs + ph.p0 * B.ks, B.rs, B.ks, local);
      float* Cb = C + ph.o0 * ldc + i0;
      for (int64_t ir = 0; ir < ph.on; ir += MR) {
        const int64_t m = std::min(MR, ph.on - ir);
        const float* ap = shared + ir * kc;
        for (int64_t jr = 0; jr < ni; jr += NR)
          ks.kernel(kc, ap, local + jr * kc, Cb + ir * ldc + jr, ldc, m, std::min(NR, ni - jr), alpha,
                    beta_k);
      }
    } else {
      // local = packed A rows [i0, i0+ni); shared = packed B columns [o0, o0+on)
      ks.pack_a(ni, kc, A.p + i0 * A.rs + ph.p0 * A.ks, A.rs, A.ks, local);
      float* Cb = C + i0 * ldc + ph.o0;
      for (int64_t jr = 0; jr < ph.on; jr += NR) {
        const int64_t n = std::min(NR, ph.on - jr);
        const float* bp = shared + jr * kc;
        for (int64_t ir = 0; ir < ni; ir += MR)
          ks.kernel(kc, local + ir * kc, bp, Cb + ir * ldc + jr, ldc, std::min(MR, ni - ir), n, alpha,
                    beta_k);
      }
    }
  }

  size_t local_size() const { return (size_t)(round_up(item, local_panel()) * kcb); }

  // Body run by every participating thread.
  void work(float* local) {
    int64_t t = 0, start = 0;
    Phase ph = phase(0);
    for (;;) {
      const int64_t g = claim.fetch_add(1, std::memory_order_relaxed);
      if (g >= total) return;
      while (g >= start + ph.count) {
        start += ph.count;
        ph = phase(++t);
      }
      // Wait for all items of the previous phases.
      if (done.load(std::memory_order_acquire) < start) {
        for (int spins = 0; done.load(std::memory_order_acquire) < start; ++spins) {
          if (spins < 4096)
            cpu_relax();
          else
            std::this_thread::yield();
        }
      }
      if (ph.pack)
        do_pack(ph, g - start);
      else
        do_compute(ph, g - start, local);
      done.fetch_add(1, std::memory_order_release);
    }
  }
};

int threads_for(bool allow_threads, int64_t M, int64_t N, int64_t K) {
  if (!allow_threads || in_parallel_region()) return 1;
  const int T = get_num_threads();
  if (T <= 1) return 1;
  const double flops = 2.0 * (double)M * (double)N * (double)K;
  const int nt = (int)std::min<double>(T, std::floor(flops / tuning().min_flops_per_thread));
  if (nt <= 1) return 1;
  // Small jobs only go parallel when the workers are spinning (hot): waking a
  // sleeping thread costs the caller a futex wake (~10 us in a VM) and the
  // worker needs about as long again to start, more than such a job takes.
  if (flops < tuning().min_flops_wake && !pool_workers_awake()) return 1;
  return nt;
}

void gemm_run(const KernelSet& ks, bool allow_threads, int64_t M, int64_t N, int64_t K, float alpha,
              View A, View B, float beta, float* C, int64_t ldc);

// Large K with a small C (e.g. weight gradients: M x N = out x in features,
// K = batch * spatial): split K over the threads, each part into its own
// buffer, then add the parts up. Avoids both the few-items imbalance and the
// many phase barriers of the default scheme.
bool gemm_ksplit(const KernelSet& ks, int nt, int64_t M, int64_t N, int64_t K, float alpha, View A,
                 View B, float beta, float* C, int64_t ldc) {
  const int64_t parts = nt;
  const int64_t mn = M * N;
  float* tmp;
  try {
    tmp = tls_ksplit.get((size_t)((parts - 1) * mn));
  } catch (const std::bad_alloc&) {
    return false;
  }
  // K ranges aligned to 16 so that packing stays on its fast path.
  auto k_at = [&](int64_t p) { return std::min(K, round_up(p * K / parts, 16)); };
  parallel_for(0, parts, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t p = lo; p < hi; ++p) {
      const int64_t k0 = k_at(p), k1 = k_at(p + 1);
      View a = A, b = B;
      a.p += k0 * A.ks;
      b.p += k0 * B.ks;
      if (p == 0) {
        if (k1 > k0)
          gemm_run(ks, false, M, N, k1 - k0, alpha, a, b, beta, C, ldc);
        else
          scale_c(M, N, beta, C, ldc);
      } else {
        float* t = tmp + (p - 1) * mn;
        if (k1 > k0)
          gemm_run(ks, false, M, N, k1 - k0, alpha, a, b, 0.0f, t, N);
        else
          std::memset(t, 0, sizeof(float) * (size_t)mn);
      }
    }
  });
  parallel_for(0, M, std::max<int64_t>(1, 16384 / std::max<int64_t>(N, 1)), [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) {
      float* c = C + i * ldc;
      for (int64_t p = 1; p < parts; ++p) {
        const float* t = tmp + (p - 1) * mn + i * N;
        for (int64_t j = 0; j < N; ++j) c[j] += t[j];
      }
    }
  });
  return true;
}

void gemm_run(const KernelSet& ks, bool allow_threads, int64_t M, int64_t N, int64_t K, float alpha,
              View A, View B, float beta, float* C, int64_t ldc) {
  const Tuning& tu = tuning();
  int nt = threads_for(allow_threads, M, N, K);
  if (nt > 1 && K >= tu.ksplit_ratio * std::max(M, N) && M * N <= tu.ksplit_max_mn &&
      gemm_ksplit(ks, nt, M, N, K, alpha, A, B, beta, C, ldc))
    return;
  Engine e{ks, M, N, K, alpha, beta, A, B, C, ldc};  // remaining members set below
  e.share_a = tu.scheme == 0 ? N >= M : tu.scheme == 1;
  const int64_t KC = tu.kc > 0 ? tu.kc : ks.kc;
  const int64_t nkb = ceil_div(K, KC);
  e.kcb = std::min(K, round_up(ceil_div(K, nkb), 8));
  e.n_k = ceil_div(K, e.kcb);
  // Outer (shared) block and compute items.
  const int64_t OB = e.share_a ? round_up(tu.mc > 0 ? tu.mc : ks.mc, ks.mr)   // rows of shared A
                               : round_up(tu.nc > 0 ? tu.nc : ks.nc, ks.nr);  // cols of shared B
  const int64_t IT = e.share_a ? round_up(tu.nc_item > 0 ? tu.nc_item : ks.nc_item, ks.nr)
                               : round_up(tu.mc_item > 0 ? tu.mc_item : ks.mc_item, ks.mr);
  const int64_t outer = e.outer_dim(), inner = e.inner_dim();
  const int64_t nob = ceil_div(outer, OB);
  e.ob = round_up(ceil_div(outer, nob), e.panel());
  e.n_outer = ceil_div(outer, e.ob);
  const int64_t LP = e.local_panel();
  if (nt > 1) {
    const int64_t lp_total = ceil_div(inner, LP);
    nt = (int)std::min<int64_t>(nt, lp_total);
  }
  if (nt <= 1) {
    e.item = std::min(round_up(inner, LP), IT);
    e.pgrp = ceil_div(e.ob, e.panel());
  } else {
    const int64_t want_items = (int64_t)nt * (tu.items_per_thread > 0 ? tu.items_per_thread : 4);
    e.item = std::min(IT, std::max(LP, round_up(ceil_div(inner, want_items), LP)));
    e.pgrp = std::max<int64_t>(1, ceil_div(ceil_div(e.ob, e.panel()), (int64_t)nt * 2));
  }
  e.count_items();
  e.shared = (e.share_a ? tls_pack_a : tls_pack_b).get((size_t)(e.ob * e.kcb));
  float* mine = (e.share_a ? tls_pack_b : tls_pack_a).get(e.local_size());
  if (nt <= 1) {
    e.work(mine);
    return;
  }
  const std::thread::id caller = std::this_thread::get_id();
  parallel_tasks(nt, [&](int64_t, int64_t) {
    float* local = mine;
    if (std::this_thread::get_id() != caller) {
      try {
        local = (e.share_a ? tls_pack_b : tls_pack_a).get(e.local_size());
      } catch (...) {
        return;  // cannot allocate: leave the work to the other threads
      }
    }
    e.work(local);
  });
}

// M == 1 or N == 1: matrix-vector product without packing (memory bound).
void gemv_run(const KernelSet& ks, bool allow_threads, bool transA, bool transB, int64_t M, int64_t N,
              int64_t K, float alpha, const float* A, int64_t lda, const float* B, int64_t ldb, float beta,
              float* C, int64_t ldc) {
  const float* x;
  int64_t xs, n, ys, ldm;
  const float* mat;
  bool dot;
  if (M == 1) {  // C[0, j] = sum_k op(A)[0, k] * op(B)[k, j]
    x = A;
    xs = transA ? lda : 1;
    n = N;
    ys = 1;
    mat = B;
    ldm = ldb;
    dot = transB;  // B^T stored N x K: dot products of its rows
  } else {  // N == 1: C[i, 0] = sum_k op(A)[i, k] * op(B)[k, 0]
    x = B;
    xs = transB ? 1 : ldb;
    n = M;
    ys = ldc;
    mat = A;
    ldm = lda;
    dot = !transA;  // A stored M x K: dot products of its rows
  }
  if (xs != 1) {
    float* xb = tls_vec_x.get((size_t)K);
    for (int64_t k = 0; k < K; ++k) xb[k] = x[k * xs];
    x = xb;
  }
  float* y = tls_vec_y.get((size_t)n);
  auto run = [&](int64_t j0, int64_t j1) {
    if (dot)
      ks.gemv_dot(K, j1 - j0, x, mat + j0 * ldm, ldm, y + j0);
    else
      ks.gemv_axpy(K, j1 - j0, x, mat + j0, ldm, y + j0);
  };
  const int nt = threads_for(allow_threads, 8 * n, 1, K);  // ~8x the GEMM threshold (memory bound)
  if (nt > 1 && n >= 256)
    parallel_for(0, n, 128, run);
  else
    run(0, n);
  for (int64_t j = 0; j < n; ++j) {
    float* c = C + j * ys;
    *c = beta == 0.0f ? alpha * y[j] : alpha * y[j] + beta * *c;
  }
}

void sgemm_impl(bool allow_threads, bool transA, bool transB, int64_t M, int64_t N, int64_t K,
                float alpha, const float* A, int64_t lda, const float* B, int64_t ldb, float beta,
                float* C, int64_t ldc) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0 || alpha == 0.0f) {
    scale_c(M, N, beta, C, ldc);
    return;
  }
  const KernelSet& ks = kernels();
  if (M == 1 || N == 1) {
    gemv_run(ks, allow_threads, transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    return;
  }
  gemm_run(ks, allow_threads, M, N, K, alpha, view_a(transA, A, lda), view_b(transB, B, ldb), beta, C,
           ldc);
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
    // Batch indices are claimed dynamically (in small groups) for balance.
    const int64_t grp = std::max<int64_t>(1, batch / ((int64_t)T * 8));
    std::atomic<int64_t> next{0};
    parallel_tasks(std::min<int64_t>(T, batch), [&](int64_t, int64_t) {
      for (;;) {
        const int64_t b0 = next.fetch_add(grp, std::memory_order_relaxed);
        if (b0 >= batch) break;
        for (int64_t b = b0; b < std::min(batch, b0 + grp); ++b) one(false, b);
      }
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
