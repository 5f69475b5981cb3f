// bf16 GEMM driver (gemm_bf16.h): path choice, packing, cache blocking and the split over the
// thread pool. The AVX512_BF16 micro-kernel lives in gemm_bf16_avx512.cc.
#include "gemm_bf16.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "cpu_features.h"
#include "gemm.h"
#include "gemm_bf16_kernels.h"
#include "thread_pool.h"

namespace myelin {

namespace bf16_detail {

void pack(int R, int64_t rows, int64_t k, const uint16_t* src, int64_t rs, int64_t ks, uint32_t* dst) {
  const int64_t kp = (k + 1) / 2, kfull = k / 2;
  for (int64_t r0 = 0; r0 < rows; r0 += R) {
    const int64_t nr = std::min<int64_t>(R, rows - r0);
    uint32_t* d = dst + (r0 / R) * kp * R;
    const uint16_t* s = src + r0 * rs;
    if (ks == 1) {
      // each row's k contiguous: a pair is one 32-bit word of the source
      for (int64_t r = 0; r < nr; ++r) {
        const uint16_t* sr = s + r * rs;
        for (int64_t p = 0; p < kfull; ++p) {
          uint32_t w;
          std::memcpy(&w, sr + 2 * p, 4);
          d[p * R + r] = w;
        }
      }
    } else if (rs == 1) {
      // rows contiguous: interleave two source rows of k
      for (int64_t p = 0; p < kfull; ++p) {
        const uint16_t* s0 = s + 2 * p * ks;
        const uint16_t* s1 = s0 + ks;
        uint32_t* dp = d + p * R;
        for (int64_t r = 0; r < nr; ++r) dp[r] = (uint32_t)s0[r] | (uint32_t)s1[r] << 16;
      }
    } else {
      for (int64_t p = 0; p < kfull; ++p)
        for (int64_t r = 0; r < nr; ++r) d[p * R + r] = (uint32_t)s[r * rs + 2 * p * ks] | (uint32_t)s[r * rs + (2 * p + 1) * ks] << 16;
    }
    if (kp > kfull)  // odd k: the last pair's upper half is zero
      for (int64_t r = 0; r < nr; ++r) d[kfull * R + r] = s[r * rs + (k - 1) * ks];
    if (nr < R)
      for (int64_t p = 0; p < kp; ++p)
        for (int64_t r = nr; r < R; ++r) d[p * R + r] = 0;
  }
}

}  // namespace bf16_detail

namespace {

using namespace bf16_detail;

bool use_avx512bf16() {
#if MYELIN_SIMD_X86
  return cpu_features().has_avx512_bf16 && preferred_isa() == Isa::avx512;
#else
  return false;
#endif
}

#if MYELIN_SIMD_X86
// Blocking: a kc x nc block of op(B) packed per (column block, k block), then per mc rows of
// op(A) a packed mc x kc block; the micro-kernel walks B micro-panels (L1) over the A block (L2).
// MYELIN_BF16_KC / _MC / _NC override the defaults (for benchmarking only).
struct Blocking {
  int64_t kc = 384, mc = MR * 8, nc = NR * 16;  // kc even, mc a multiple of MR, nc of NR
  Blocking() {
    auto rd = [](const char* name, int64_t d, int64_t unit) {
      const char* s = std::getenv(name);
      const int64_t v = s && *s ? (int64_t)std::atoll(s) : 0;
      return v > 0 ? (v + unit - 1) / unit * unit : d;
    };
    kc = rd("MYELIN_BF16_KC", kc, 2);
    mc = rd("MYELIN_BF16_MC", mc, MR);
    nc = rd("MYELIN_BF16_NC", nc, NR);
  }
};
const Blocking& blocking() {
  static const Blocking b;
  return b;
}

// Operand element (r, kk) = p[r*rs + kk*ks]: rows of op(A), or columns of op(B).
struct Op {
  const uint16_t* p;
  int64_t rs, ks;
};

thread_local std::vector<uint32_t> tls_a, tls_b;

// C [M x N] = op(A) op(B) (+ C), one thread.
void block_gemm(Op A, Op B, int64_t M, int64_t N, int64_t K, float* C, int64_t ldc, bool accumulate) {
  const int64_t KC = blocking().kc, MC = blocking().mc, NC = blocking().nc;
  const int64_t kcb = std::min(K, KC);
  tls_b.resize((size_t)(((std::min(N, NC) + NR - 1) / NR) * NR * ((kcb + 1) / 2)));
  tls_a.resize((size_t)(((std::min(M, MC) + MR - 1) / MR) * MR * ((kcb + 1) / 2)));
  uint32_t* pb = tls_b.data();
  uint32_t* pa = tls_a.data();
  for (int64_t jc = 0; jc < N; jc += NC) {
    const int64_t nc = std::min(NC, N - jc);
    for (int64_t pc = 0; pc < K; pc += KC) {
      const int64_t kc = std::min(KC, K - pc), kp = (kc + 1) / 2;
      const bool acc = accumulate || pc > 0;
      pack(NR, nc, kc, B.p + jc * B.rs + pc * B.ks, B.rs, B.ks, pb);
      for (int64_t ic = 0; ic < M; ic += MC) {
        const int64_t mc = std::min(MC, M - ic);
        pack(MR, mc, kc, A.p + ic * A.rs + pc * A.ks, A.rs, A.ks, pa);
        for (int64_t jr = 0; jr < nc; jr += NR) {
          const uint32_t* bp = pb + (jr / NR) * kp * NR;
          const int64_t n = std::min<int64_t>(NR, nc - jr);
          for (int64_t ir = 0; ir < mc; ir += MR)
            kernel_avx512bf16(kp, pa + (ir / MR) * kp * MR, bp, C + (ic + ir) * ldc + jc + jr, ldc,
                              std::min<int64_t>(MR, mc - ir), n, acc);
        }
      }
    }
  }
}

void avx512bf16_batched(bool transA, bool transB, int64_t M, int64_t N, int64_t K, const uint16_t* A,
                        const uint16_t* B, float* C, bool accumulate, int64_t batch, int64_t strideA,
                        int64_t strideB) {
  // op(A)(i, kk): A[i*K + kk], or A[kk*M + i] transposed; op(B) column j, row kk: B[kk*N + j],
  // or B[j*K + kk] transposed.
  const int64_t ars = transA ? 1 : K, aks = transA ? M : 1;
  const int64_t brs = transB ? K : 1, bks = transB ? 1 : N;
  // Work items: the batch, each matrix split into `parts` row or column ranges.
  const double flops = 2.0 * (double)M * (double)N * (double)K;
  const int T = in_parallel_region() ? 1 : get_num_threads();
  int64_t parts = 1;
  const bool split_n = N >= M;
  if (T > 1 && batch < T && flops >= 2.0 * 128 * 128 * 128) {
    const int64_t units = split_n ? (N + NR - 1) / NR : (M + MR - 1) / MR;
    parts = std::min<int64_t>(units, T);
  }
  const int64_t dim = split_n ? N : M, unit = split_n ? NR : MR;
  const int64_t span = ((dim + parts - 1) / parts + unit - 1) / unit * unit;
  auto item = [&](int64_t t) {
    const int64_t b = t / parts, q = t % parts;
    const int64_t lo = q * span, hi = std::min(dim, lo + span);
    if (lo >= hi) return;
    Op a{A + b * strideA, ars, aks}, bb{B + b * strideB, brs, bks};
    float* c = C + b * M * N;
    if (split_n) {
      bb.p += lo * brs;
      block_gemm(a, bb, M, hi - lo, K, c + lo, N, accumulate);
    } else {
      a.p += lo * ars;
      block_gemm(a, bb, hi - lo, N, K, c + lo * N, N, accumulate);
    }
  };
  const int64_t items = batch * parts;
  if (items > 1 && T > 1 && flops * (double)batch >= 2.0 * 64 * 64 * 64) {
    parallel_for(0, items, 1, [&](int64_t lo, int64_t hi) {
      for (int64_t t = lo; t < hi; ++t) item(t);
    });
  } else {
    for (int64_t t = 0; t < items; ++t) item(t);
  }
}
#endif

// float32 copies of the operands (exact), multiplied by sgemm.
void portable_batched(bool transA, bool transB, int64_t M, int64_t N, int64_t K, const uint16_t* A,
                      const uint16_t* B, float* C, bool accumulate, int64_t batch, int64_t strideA,
                      int64_t strideB) {
  auto widen = [](const uint16_t* src, int64_t len) {
    std::vector<float> w((size_t)len);
    for (int64_t i = 0; i < len; ++i) {
      const uint32_t bits = (uint32_t)src[i] << 16;
      std::memcpy(&w[(size_t)i], &bits, 4);
    }
    return w;
  };
  const std::vector<float> a = widen(A, (batch - 1) * strideA + M * K);
  const std::vector<float> b = widen(B, (batch - 1) * strideB + K * N);
  sgemm_batched(transA, transB, M, N, K, 1.0f, a.data(), transA ? M : K, b.data(), transB ? K : N,
                accumulate ? 1.0f : 0.0f, C, N, batch, strideA, strideB, M * N);
}

}  // namespace

void bf16gemm_batched(bool transA, bool transB, int64_t M, int64_t N, int64_t K, const uint16_t* A,
                      const uint16_t* B, float* C, bool accumulate, int64_t batch, int64_t strideA,
                      int64_t strideB) {
  if (batch <= 0 || M <= 0 || N <= 0) return;
  if (K <= 0) {
    if (!accumulate) std::memset(C, 0, sizeof(float) * (size_t)(batch * M * N));
    return;
  }
#if MYELIN_SIMD_X86
  if (use_avx512bf16()) {
    avx512bf16_batched(transA, transB, M, N, K, A, B, C, accumulate, batch, strideA, strideB);
    return;
  }
#endif
  portable_batched(transA, transB, M, N, K, A, B, C, accumulate, batch, strideA, strideB);
}

const char* bf16gemm_path_name() { return use_avx512bf16() ? "avx512bf16" : "portable"; }

}  // namespace myelin
