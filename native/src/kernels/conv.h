// 2-D convolution, float32, NCHW, for myelin's native backend.
//
// First version: im2col / col2im + myelin::sgemm. A later, faster implementation (direct or
// fused kernels) only has to keep these three signatures; the N-API glue validates every size
// against the array lengths before calling them.
#pragma once

#include <cstdint>

namespace myelin {
namespace kernels {

struct ConvShape {
  int64_t n, cIn, h, w;
  int64_t cOut, kh, kw;
  int64_t strideH, strideW, padH, padW, dilationH, dilationW, groups;
  int64_t outH, outW;
};

/** y [n, cOut, outH, outW] = conv(x [n, cIn, h, w], w [cOut, cIn/groups, kh, kw]) + bias (may be null). */
void conv2d_f32(const float* x, const float* w, const float* bias, float* y, const ConvShape& s);
/** dx (overwritten) = gradient of conv2d with respect to x. */
void conv2d_backward_data_f32(const float* dy, const float* w, float* dx, const ConvShape& s);
/** dw (overwritten) = gradient of conv2d with respect to w; db (may be null) = the bias gradient. */
void conv2d_backward_weight_f32(const float* x, const float* dy, float* dw, float* db, const ConvShape& s);

}  // namespace kernels
}  // namespace myelin
