// Native float32 kernels of myelin's Backend interface (src/backend/backend.ts).
//
// Portable C++17, no Node headers: the N-API glue in ../binding validates the JavaScript
// arguments (types, lengths, shapes) and then calls these functions on raw pointers, so a
// kernel may assume that every index it computes from its sizes is in bounds. Index
// arguments (gather/scatter indices, pooling argmax) are data, not sizes: kernels check them
// and report the first bad one through IndexError.
//
// Semantics follow the js kernels (src/backend/js/*.ts), which are the oracle: exact where
// those are exact (data movement, indices, comparisons, argmax ties -> first index, NaN
// propagation, round half to even), within float rounding otherwise. Large loops are split
// over the process-wide thread pool (thread_pool.h).
#pragma once

#include <cstdint>
#include <cstddef>
#include <stdexcept>
#include <string>

#include "../kernel_spec.gen.h"

namespace myelin {
namespace kernels {

/** Elements per thread-pool chunk for cheap elementwise work (about one L2's worth). */
constexpr int64_t kGrain = 32768;
/** Highest tensor rank the strided kernels accept. */
constexpr int kMaxRank = 32;

/** A bad index found in index data (gather/scatter indices, pooling argmax). */
struct IndexError : std::runtime_error {
  IndexError(const std::string& m) : std::runtime_error(m) {}
};

// --- op lists (MYELIN_UNARY_OPS, ...) and dtypes (MYELIN_DTYPES) come from the kernel
// declarations (src/backend/kernels.ts, through kernel_spec.gen.h); an op's position is the
// numeric code passed from JavaScript.

#define MYELIN_ENUM_ENTRY(name) name,
enum class UnaryOp : int { MYELIN_UNARY_OPS(MYELIN_ENUM_ENTRY) kCount };
enum class BinaryOp : int { MYELIN_BINARY_OPS(MYELIN_ENUM_ENTRY) kCount };
enum class ReduceOp : int { MYELIN_REDUCE_OPS(MYELIN_ENUM_ENTRY) kCount };
enum class ArgReduceOp : int { MYELIN_ARG_REDUCE_OPS(MYELIN_ENUM_ENTRY) kCount };
#undef MYELIN_ENUM_ENTRY

/** Binary ops that also run natively on int32 operands (exact integer semantics). */
bool binary_supports_int32(BinaryOp op);
/** Binary ops whose result is a 0/1 int32 (comparisons). */
bool binary_is_comparison(BinaryOp op);

/**
 * Shapes for the broadcasting kernels: `rank` axes, the output's shape and each operand's
 * shape right-aligned and padded with leading 1s to `rank` (validated by the caller: every
 * operand axis is 1 or equal to the output's).
 */
struct Shapes {
  int rank = 0;
  int64_t out[kMaxRank];
  int64_t in[3][kMaxRank];
};

// --- elementwise (elementwise.cc) ----------------------------------------------------------

void unary_f32(UnaryOp op, const float* x, float* out, int64_t n, double p0, double p1);

/** Same-shape binary op: out[i] = f(a[i], b[i]). T is float or int32_t; O the output type. */
void binary_same_f32(BinaryOp op, const float* a, const float* b, void* out, int64_t n, double p0);
void binary_same_i32(BinaryOp op, const int32_t* a, const int32_t* b, int32_t* out, int64_t n);
/** Broadcasting binary op over s (in[0] = a, in[1] = b). */
void binary_bcast_f32(BinaryOp op, const float* a, const float* b, void* out, const Shapes& s, double p0);
void binary_bcast_i32(BinaryOp op, const int32_t* a, const int32_t* b, int32_t* out, const Shapes& s);

/** out = cond != 0 ? a : b over s (in[0] = cond, in[1] = a, in[2] = b); 4-byte a/b/out. */
void where_4(bool condIsFloat, const void* cond, const uint32_t* a, const uint32_t* b, uint32_t* out, const Shapes& s);

/** Element types for fill and cast: the dtypes, in the order of the generated MYELIN_DTYPES (a tensor's dtype code minus 1). */
#define MYELIN_DTYPE_ENUM(dtype, napi_type, bytes) dtype,
enum class DType : int { MYELIN_DTYPES(MYELIN_DTYPE_ENUM) };
#undef MYELIN_DTYPE_ENUM
void fill(DType t, void* out, int64_t n, double value);
void copy_bytes(const void* src, void* dst, int64_t bytes);
/** dst = src converted (float -> int32 truncates toward zero; out of range wraps like JS ToInt32). */
void cast(DType from, const void* src, DType to, void* dst, int64_t n);

// --- reductions (reduce.cc) ------------------------------------------------------------------

void reduce_f32(ReduceOp op, const float* x, int64_t outer, int64_t n, int64_t inner, float* out);
void arg_reduce_f32(ArgReduceOp op, const float* x, int64_t outer, int64_t n, int64_t inner, int32_t* out);

// --- data movement (movement.cc), any element type of 4 or 8 bytes --------------------------

/** out = x broadcast to s.out (s.in[0] = x's shape). */
void expand(int elemSize, const void* x, void* out, const Shapes& s);
/** out = x.permute(perm), x of `shape` (rank axes). */
void permute(int elemSize, const void* x, const int64_t* shape, const int64_t* perm, int rank, void* out);
/** out = the box [begin, begin + outShape) of x. */
void slice(int elemSize, const void* x, const int64_t* shape, const int64_t* begin, const int64_t* outShape, int rank, void* out);
/** The box of dst at `begin` = src (elemSize 4 or 8). */
void slice_assign(int elemSize, const void* src, const int64_t* srcShape, void* dst, const int64_t* dstShape,
                  const int64_t* begin, int rank);
/** The box of dst at `begin` += src (float32). */
void slice_add_f32(const float* src, const int64_t* srcShape, float* dst, const int64_t* dstShape,
                   const int64_t* begin, int rank);
/** out[i] = table[idx[i]] rows of `dim` elements. Throws IndexError. */
void gather_rows(int elemSize, const void* table, int64_t rows, int64_t dim, const int32_t* idx, int64_t count, void* out);
/** table[idx[i]] += src[i]. Throws IndexError (rows checked before anything is written). */
void scatter_add_rows_f32(const float* src, const int32_t* idx, int64_t count, int64_t dim, float* table, int64_t rows);
void take_along_axis(int elemSize, const void* x, int64_t outer, int64_t n, int64_t inner, const int32_t* idx,
                     int64_t k, void* out);
void scatter_add_along_axis_f32(const float* src, int64_t outer, int64_t n, int64_t inner, const int32_t* idx,
                                int64_t k, float* dx);

// --- linear algebra (matmul.cc) --------------------------------------------------------------

void matmul_f32(const float* a, const float* b, float* out, int64_t batch, int64_t m, int64_t n, int64_t k,
                bool transA, bool transB, int64_t strideA, int64_t strideB, bool accumulate);

// --- pooling (pool.cc) -------------------------------------------------------------------------

struct PoolShape {
  int64_t n, c, h, w, kh, kw, strideH, strideW, padH, padW, dilationH, dilationW, outH, outW;
  bool countIncludePad;
  bool relu = false;  // max pool: ReLU on the outputs; a window whose maximum is not > 0 gives 0, argmax -1
};
void max_pool2d_f32(const float* x, float* out, int32_t* argmax, const PoolShape& p);
void max_pool2d_backward_f32(const float* dy, const int32_t* argmax, float* dx, const PoolShape& p);
void avg_pool2d_f32(const float* x, float* out, const PoolShape& p);
void avg_pool2d_backward_f32(const float* dy, float* dx, const PoolShape& p);

// --- softmax (softmax.cc) and normalisation (norm.cc) ----------------------------------------

void softmax_f32(const float* x, int64_t outer, int64_t n, int64_t inner, float* out, bool log);
void softmax_backward_f32(const float* y, const float* dy, int64_t outer, int64_t n, int64_t inner, float* dx, bool log);
void channel_moments_f32(const float* x, int64_t n, int64_t c, int64_t spatial, float* mean, float* variance);
void batch_norm_apply_f32(const float* x, int64_t n, int64_t c, int64_t spatial, const float* mean,
                          const float* invStd, const float* gamma, const float* beta, float* out);
void batch_norm_backward_f32(const float* x, const float* dy, int64_t n, int64_t c, int64_t spatial,
                             const float* mean, const float* invStd, const float* gamma, bool batchStats,
                             float* dx, float* dgamma, float* dbeta);
void layer_norm_f32(const float* x, int64_t rows, int64_t n, const float* gamma, const float* beta, double eps,
                    float* out, float* mean, float* invStd);
void layer_norm_backward_f32(const float* x, const float* dy, int64_t rows, int64_t n, const float* mean,
                             const float* invStd, const float* gamma, float* dx, float* dgamma, float* dbeta);

// --- optimizer updates (optim.cc): the math of src/backend/js/optim.ts in double -------------

void sgd_update_f32(float* param, const float* grad, float* buf, int64_t n, double lr, double momentum,
                    double dampening, double weightDecay, bool nesterov, bool firstStep, bool maximize);
/** stepSize = lr / (1 - beta1^step), bc2Sqrt = sqrt(1 - beta2^step), decay = 1 - lr*wd (AdamW) or 1. */
void adam_update_f32(float* param, const float* grad, float* m, float* v, float* vMax, int64_t n, double beta1,
                     double beta2, double eps, double l2, double decay, double stepSize, double bc2Sqrt,
                     bool maximize);
void rmsprop_update_f32(float* param, const float* grad, float* squareAvg, float* gradAvg, float* buf, int64_t n,
                        double lr, double alpha, double eps, double weightDecay, double momentum, bool maximize);

}  // namespace kernels
}  // namespace myelin
