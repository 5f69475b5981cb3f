// bfloat16 x bfloat16 -> float32 GEMM (fp32 accumulation) for myelin's native backend.
//
// Row-major, the same operand conventions as sgemm (gemm.h): op(A) is M x K (transA: A stored
// K x M), op(B) is K x N (transB: B stored N x K), C is M x N with leading dimension ldc.
//   C = op(A) op(B) + (accumulate ? C : 0)
// Inputs are raw bfloat16 bits (uint16_t). K == 0 zeroes C unless accumulate. C must not alias
// A or B.
//
// Paths (chosen per call): "avx512bf16", a packed, blocked GEMM whose micro-kernel is
// vdpbf16ps (gemm_bf16_avx512.cc), where the CPU has AVX512_BF16 and MYELIN_GEMM_PATH does not
// ask for a narrower copy (cpu_features.h, preferred_isa); otherwise "portable": the operands are
// widened to float32 (exactly) and multiplied by sgemm.
#pragma once

#include <cstdint>

namespace myelin {

// For b in [0, batch): C + b*M*N (ldc = N) = op(A + b*strideA) op(B + b*strideB) (+ C).
// Strides are in elements; 0 broadcasts that operand over the batch.
void bf16gemm_batched(bool transA, bool transB, int64_t M, int64_t N, int64_t K, const uint16_t* A,
                      const uint16_t* B, float* C, bool accumulate, int64_t batch, int64_t strideA,
                      int64_t strideB);

// The path the next call takes: "avx512bf16" or "portable".
const char* bf16gemm_path_name();

}  // namespace myelin
