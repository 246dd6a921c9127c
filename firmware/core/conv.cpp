#include "conv.h"

#include "quant.h"

namespace gx {

void gx_conv2d_per_channel(const int8_t* x, const int8_t* w, const int32_t* bias, const GxConvParams* p,
                           int8_t* out) {
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
        for (int32_t ox = 0; ox < p->out_w; ++ox) {
            const int32_t y0 = oy * p->stride_h - p->pad_t;
            const int32_t x0 = ox * p->stride_w - p->pad_l;
            for (int32_t o = 0; o < p->out_c; ++o) {
                uint32_t acc = 0;  // int32 with two's-complement wrap
                for (int32_t ky = 0; ky < p->k_h; ++ky) {
                    const int32_t iy = y0 + ky * p->dilation_h;
                    if (iy < 0 || iy >= p->in_h) continue;
                    for (int32_t kx = 0; kx < p->k_w; ++kx) {
                        const int32_t ix = x0 + kx * p->dilation_w;
                        if (ix < 0 || ix >= p->in_w) continue;
                        const int8_t* xi = x + (iy * p->in_w + ix) * p->in_c;
                        const int8_t* wi = w + ((o * p->k_h + ky) * p->k_w + kx) * p->in_c;
                        for (int32_t c = 0; c < p->in_c; ++c)
                            acc += static_cast<uint32_t>((static_cast<int32_t>(xi[c]) + p->input_offset) *
                                                         static_cast<int32_t>(wi[c]));
                    }
                }
                if (bias != nullptr) acc += static_cast<uint32_t>(bias[o]);
                const int64_t v =
                    static_cast<int64_t>(gx_mbqm(gx_wrap32(acc), p->multiplier[o], p->shift[o])) + p->output_offset;
                out[(oy * p->out_w + ox) * p->out_c + o] = static_cast<int8_t>(gx_clamp64(v, p->act_min, p->act_max));
            }
        }
    }
}

}  // namespace gx
