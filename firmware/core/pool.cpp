#include "pool.h"

namespace gx {

void gx_max_pool2d(const int8_t* x, const GxPoolParams* p, int8_t* out) {
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
        for (int32_t ox = 0; ox < p->out_w; ++ox) {
            for (int32_t c = 0; c < p->c; ++c) {
                int32_t m = -128;
                for (int32_t ky = 0; ky < p->f_h; ++ky) {
                    const int32_t iy = oy * p->stride_h - p->pad_t + ky;
                    if (iy < 0 || iy >= p->in_h) continue;
                    for (int32_t kx = 0; kx < p->f_w; ++kx) {
                        const int32_t ix = ox * p->stride_w - p->pad_l + kx;
                        if (ix < 0 || ix >= p->in_w) continue;
                        const int32_t v = x[(iy * p->in_w + ix) * p->c + c];
                        if (v > m) m = v;
                    }
                }
                if (m < p->act_min) m = p->act_min;
                if (m > p->act_max) m = p->act_max;
                out[(oy * p->out_w + ox) * p->c + c] = static_cast<int8_t>(m);
            }
        }
    }
}

}  // namespace gx
