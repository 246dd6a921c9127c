// TFLite-Micro int8 MAX_POOL_2D (golden/pool.py), NHWC, batch 1, bit for bit: maximum over
// the in-image taps (starting from -128), clamped to [act_min, act_max].
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

}  // namespace gx

#endif  // GX_POOL_H
