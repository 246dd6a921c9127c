// TFLite-Micro int8 CONV_2D, per-channel (golden/conv.py), NHWC, batch 1, bit for bit.
//
// acc[o] = sum over in-image taps (ky, kx, c) of w[o][ky][kx][c] * (x[iy][ix][c] + input_offset)
// (int32, wrapping) + bias[o]; out = clamp(mbqm(acc, mult[o], shift[o]) + output_offset).
// Out-of-image taps are skipped (= padding with the input zero point).
#ifndef GX_CONV_H
#define GX_CONV_H

#include <cstdint>

#include "pool.h"

namespace gx {

struct GxConvParams {
    int32_t in_h, in_w, in_c;
    int32_t out_h, out_w, out_c;
    int32_t k_h, k_w;
    int32_t stride_h, stride_w, dilation_h, dilation_w;
    int32_t pad_t, pad_l;  // leading padding (TFLite ComputePadding)
    int32_t input_offset, output_offset, act_min, act_max;
    const int32_t* multiplier;  // out_c
    const int32_t* shift;       // out_c
};

// int16 elements of the caller's column scratch: two output pixels' widened input windows.
int32_t gx_conv_col_elems(const GxConvParams* p);

// x: [in_h][in_w][in_c]; w: [out_c][k_h][k_w][in_c]; bias: out_c or null; out: [out_h][out_w][out_c];
// col: gx_conv_col_elems(p) int16 of scratch (4-byte aligned).
// Two output pixels x two output channels per pass: both pixels' windows are widened once
// (gx_dot_2x2's layout), then each pair of weight rows is applied to both (dot.h).
void gx_conv2d_per_channel(const int8_t* x, const int8_t* w, const int32_t* bias, const GxConvParams* p,
                           int8_t* out, int16_t* col);
// The same for output rows [oy0, oy1) only, into out (row oy0 first): a convolution fused
// with the layer after it runs row by row, so its whole output map never exists.
void gx_conv2d_rows(const int8_t* x, const int8_t* w, const int32_t* bias, const GxConvParams* p, int32_t oy0,
                    int32_t oy1, int8_t* out, int16_t* col);

// int16 elements of scratch gx_conv2d_maxpool2x2 needs for p (4-byte aligned).
int32_t gx_conv_pool_scratch_elems(const GxConvParams* p);

// A VALID stride-1 convolution followed by a VALID 2 x 2 / stride 2 max pool, without the
// conv map: out = pool(conv(x)) [pool->out_h][pool->out_w][out_c], bit for bit. Per output
// channel the requantisation is non-decreasing in the accumulator (multiplier >= 0, no left
// shift, |acc| < 2^30) and the bias is the same at every pixel, so the maximum of the four
// requantised pixels is the requantisation of the largest raw sum: one per pooled output,
// with the pool's clamp folded into the conv's (overlapping ranges). Returns false, nothing
// written, when any of that does not hold (or for other input-channel counts than 1 with a
// 3 x 3 kernel or a multiple of 4); the caller then runs the general path.
bool gx_conv2d_maxpool2x2(const int8_t* x, const int8_t* w, const int32_t* bias, const GxConvParams* p,
                          const GxPoolParams* pool, int8_t* out, int16_t* scratch);

}  // namespace gx

#endif  // GX_CONV_H
