#include "pool.h"

namespace gx {

namespace {

// Calls tap(v) for every in-image input value v of the window of output (oy, ox, c).
template <typename Tap>
void for_window(const int8_t* x, const GxPoolParams* p, int32_t oy, int32_t ox, int32_t c, Tap tap) {
    for (int32_t ky = 0; ky < p->f_h; ++ky) {
        const int32_t iy = oy * p->stride_h - p->pad_t + ky;
        if (iy < 0 || iy >= p->in_h) continue;
        for (int32_t kx = 0; kx < p->f_w; ++kx) {
            const int32_t ix = ox * p->stride_w - p->pad_l + kx;
            if (ix < 0 || ix >= p->in_w) continue;
            tap(static_cast<int32_t>(x[(iy * p->in_w + ix) * p->c + c]));
        }
    }
}

int8_t clamp_act(int32_t v, const GxPoolParams* p) {
    if (v < p->act_min) v = p->act_min;
    if (v > p->act_max) v = p->act_max;
    return static_cast<int8_t>(v);
}

}  // namespace

void gx_max_pool2d(const int8_t* x, const GxPoolParams* p, int8_t* out) {
    for (int32_t oy = 0; oy < p->out_h; ++oy)
        for (int32_t ox = 0; ox < p->out_w; ++ox)
            for (int32_t c = 0; c < p->c; ++c) {
                int32_t m = -128;
                for_window(x, p, oy, ox, c, [&m](int32_t v) { m = v > m ? v : m; });
                out[(oy * p->out_w + ox) * p->c + c] = clamp_act(m, p);
            }
}

bool gx_average_pool2d(const int8_t* x, const GxPoolParams* p, int8_t* out) {
    for (int32_t oy = 0; oy < p->out_h; ++oy)
        for (int32_t ox = 0; ox < p->out_w; ++ox)
            for (int32_t c = 0; c < p->c; ++c) {
                int32_t acc = 0;  // |acc| <= 128 * taps: int32 for any window of fewer than 2^24 taps
                int32_t count = 0;
                for_window(x, p, oy, ox, c, [&acc, &count](int32_t v) {
                    acc += v;
                    ++count;
                });
                if (count == 0) return false;
                // round half away from zero (C++ division truncates toward zero)
                const int32_t avg = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
                out[(oy * p->out_w + ox) * p->c + c] = clamp_act(avg, p);
            }
    return true;
}

}  // namespace gx
