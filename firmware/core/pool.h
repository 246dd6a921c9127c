// TFLite-Micro int8 pooling (golden/pool.py), NHWC, batch 1, bit for bit:
//  * MAX_POOL_2D: maximum over the in-image taps (starting from -128), clamped to
//    [act_min, act_max];
//  * AVERAGE_POOL_2D: int32 sum `acc` of the in-image taps and their number `count`,
//    rounded half away from zero -- acc > 0 ? (acc + count/2) / count : (acc - count/2) / count
//    (C++ division truncates) -- clamped to [act_min, act_max].
// Input and output share scale and zero point (checked on the host), so no requantisation.
#ifndef GX_POOL_H
#define GX_POOL_H

#include <cstdint>

namespace gx {

struct GxPoolParams {
    int32_t in_h, in_w, c;
    int32_t out_h, out_w;
    int32_t f_h, f_w, stride_h, stride_w;
    int32_t pad_t, pad_l;
    int32_t act_min, act_max;
};

void gx_max_pool2d(const int8_t* x, const GxPoolParams* p, int8_t* out);

//! One output row of a VALID 2 x 2 / stride 2 max pool from its two input rows (each
//! in_w x c int8), four channels per step (SSUB8 + SEL on the Cortex-M4). Returns false
//! (nothing written) unless p is that shape with c a multiple of 4 and no clamp.
bool gx_max_pool_2x2_rows(const int8_t* row0, const int8_t* row1, const GxPoolParams* p, int8_t* out);

//! Returns false (out partly written) when a window has no in-image tap (TFLM fails there
//! too; cannot happen for VALID/SAME padding of a filter no larger than the input).
bool gx_average_pool2d(const int8_t* x, const GxPoolParams* p, int8_t* out);

}  // namespace gx

#endif  // GX_POOL_H
