#include "pool.h"

#include <cstring>

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#include <arm_acle.h>
#endif

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

// Byte-wise maximum of four int8 lanes (SSUB8 sets the GE flags per lane, SEL picks).
inline uint32_t max4(uint32_t a, uint32_t b) {
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
    (void)__ssub8(static_cast<int8x4_t>(a), static_cast<int8x4_t>(b));
    return static_cast<uint32_t>(__sel(static_cast<uint8x4_t>(a), static_cast<uint8x4_t>(b)));
#else
    uint32_t r = 0;
    for (int k = 0; k < 32; k += 8) {
        const int8_t u = static_cast<int8_t>(a >> k), v = static_cast<int8_t>(b >> k);
        r |= static_cast<uint32_t>(static_cast<uint8_t>(u > v ? u : v)) << k;
    }
    return r;
#endif
}

inline uint32_t ld4(const int8_t* p) {
    uint32_t v;
    std::memcpy(&v, p, 4);
    return v;
}

}  // namespace

bool gx_max_pool_2x2_rows(const int8_t* row0, const int8_t* row1, const GxPoolParams* p, int8_t* out) {
    // VALID 2 x 2, stride 2, channels a multiple of 4, no clamp narrower than int8: four
    // channels per step as one word; the maximum of the window's four taps (in-image, since
    // VALID) equals the reference's maximum starting from -128
    if (p->f_h != 2 || p->f_w != 2 || p->stride_h != 2 || p->stride_w != 2 || p->pad_t != 0 || p->pad_l != 0 ||
        (p->c & 3) != 0 || p->act_min != -128 || p->act_max != 127 || 2 * p->out_w > p->in_w || 2 * p->out_h > p->in_h)
        return false;
    const int32_t c = p->c;
    for (int32_t ox = 0; ox < p->out_w; ++ox) {
        const int8_t* a = row0 + 2 * ox * c;
        const int8_t* b = row1 + 2 * ox * c;
        int8_t* o = out + ox * c;
        for (int32_t k = 0; k < c; k += 4) {
            const uint32_t m = max4(max4(ld4(a + k), ld4(a + c + k)), max4(ld4(b + k), ld4(b + c + k)));
            std::memcpy(o + k, &m, 4);
        }
    }
    return true;
}

void gx_max_pool2d(const int8_t* x, const GxPoolParams* p, int8_t* out) {
    const int32_t row = p->in_w * p->c;
    bool fast = true;
    for (int32_t oy = 0; oy < p->out_h && fast; ++oy)
        fast = gx_max_pool_2x2_rows(x + 2 * oy * row, x + (2 * oy + 1) * row, p, out + oy * p->out_w * p->c);
    if (fast) return;
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
