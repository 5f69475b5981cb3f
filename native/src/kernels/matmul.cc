// Batched matmul on top of myelin::sgemm_batched (gemm.h).

#include "gemm.h"
#include "kernels.h"

namespace myelin {
namespace kernels {

void matmul_f32(const float* a, const float* b, float* out, int64_t batch, int64_t m, int64_t n, int64_t k,
                bool transA, bool transB, int64_t strideA, int64_t strideB, bool accumulate) {
  if (batch == 0 || m == 0 || n == 0) return;
  const int64_t lda = transA ? m : k, ldb = transB ? k : n;
  const float beta = accumulate ? 1.0f : 0.0f;
  if (batch > 1 && strideB == 0 && !transA && strideA == m * k) {
    // one B for a contiguous batch of row-major A: a single GEMM with batch * m rows, so B is
    // packed once (a Linear layer applied to [batch, seq, features])
    sgemm(false, transB, batch * m, n, k, 1.0f, a, k, b, ldb, beta, out, n);
    return;
  }
  sgemm_batched(transA, transB, m, n, k, 1.0f, a, lda, b, ldb, beta, out, n, batch, strideA, strideB, m * n);
}

}  // namespace kernels
}  // namespace myelin
