#include "conv.h"

#include "dot.h"
#include "quant.h"

namespace gx {

namespace {

// Writes the widened operands (x + input_offset; 0 for a padding tap, whose x equals the
// input zero point) of output pixel `pix` into column p of the interleaved 2-column layout.
void im2col(const int8_t* x, const GxConvParams* p, int32_t pix, int32_t col, int16_t* c) {
    const int32_t oy = pix / p->out_w, ox = pix - oy * p->out_w;
    const int32_t y0 = oy * p->stride_h - p->pad_t;
    const int32_t x0 = ox * p->stride_w - p->pad_l;
    const int32_t in_c = p->in_c, off = p->input_offset;
    int32_t i = 0;  // natural index (ky, kx, c) of the weight row
    for (int32_t ky = 0; ky < p->k_h; ++ky) {
        const int32_t iy = y0 + ky * p->dilation_h;
        for (int32_t kx = 0; kx < p->k_w; ++kx, i += in_c) {
            const int32_t ix = x0 + kx * p->dilation_w;
            const bool in = iy >= 0 && iy < p->in_h && ix >= 0 && ix < p->in_w;
            const int8_t* xi = in ? x + (iy * p->in_w + ix) * in_c : x;
            if ((in_c & 3) == 0) {
                // whole groups of four: one tap's channels map to consecutive groups
                int16_t* d = c + gx_col2_pos(i, col);
                for (int32_t g = 0; g < in_c; g += 4, d += 8) {
                    d[0] = static_cast<int16_t>(in ? xi[g + 0] + off : 0);
                    d[1] = static_cast<int16_t>(in ? xi[g + 2] + off : 0);
                    d[2] = static_cast<int16_t>(in ? xi[g + 1] + off : 0);
                    d[3] = static_cast<int16_t>(in ? xi[g + 3] + off : 0);
                }
            } else {
                for (int32_t ch = 0; ch < in_c; ++ch)
                    c[gx_col2_pos(i + ch, col)] = static_cast<int16_t>(in ? xi[ch] + off : 0);
            }
        }
    }
}

}  // namespace

int32_t gx_conv_col_elems(const GxConvParams* p) { return 2 * gx_col_len(p->k_h * p->k_w * p->in_c); }

void gx_conv2d_per_channel(const int8_t* x, const int8_t* w, const int32_t* bias, const GxConvParams* p, int8_t* out,
                           int16_t* col) {
    gx_conv2d_rows(x, w, bias, p, 0, p->out_h, out, col);
}

void gx_conv2d_rows(const int8_t* x, const int8_t* w, const int32_t* bias, const GxConvParams* p, int32_t oy0,
                    int32_t oy1, int8_t* out, int16_t* col) {
    const int32_t k = p->k_h * p->k_w * p->in_c;
    const int32_t pix0 = oy0 * p->out_w;
    const int32_t n_pix = oy1 * p->out_w;
    out -= pix0 * p->out_c;  // out holds row oy0 first
    const int32_t oc = p->out_c;
    for (int32_t i = k; i < gx_col_len(k); ++i) col[gx_col2_pos(i, 0)] = col[gx_col2_pos(i, 1)] = 0;  // padding
    const bool small = gx_small_ok(bias, p->shift, oc, oc, k);
    const int32_t zo = p->output_offset, lo = p->act_min, hi = p->act_max;
    for (int32_t pix = pix0; pix < n_pix; pix += 2) {
        // two output pixels per pass (the last one twice when their number is odd)
        const int32_t pix1 = pix + 1 < n_pix ? pix + 1 : pix;
        im2col(x, p, pix, 0, col);
        im2col(x, p, pix1, 1, col);
        int8_t* o0 = out + pix * oc;
        int8_t* o1 = out + pix1 * oc;
        for (int32_t o = 0; o < oc; o += 2) {
            // two output channels per pass (the last one twice when their number is odd)
            const int32_t ob = o + 1 < oc ? o + 1 : o;
            const uint32_t ba = bias != nullptr ? static_cast<uint32_t>(bias[o]) : 0u;
            const uint32_t bb = bias != nullptr ? static_cast<uint32_t>(bias[ob]) : 0u;
            uint32_t acc[4] = {ba, ba, bb, bb};
            gx_dot_2x2(w + o * k, w + ob * k, col, k, acc);
            const int32_t ma = p->multiplier[o], sa = p->shift[o], mb = p->multiplier[ob], sb = p->shift[ob];
            if (small) {
                o0[o] = static_cast<int8_t>(gx_rq_small(static_cast<int32_t>(acc[0]), ma, sa, zo, lo, hi));
                o1[o] = static_cast<int8_t>(gx_rq_small(static_cast<int32_t>(acc[1]), ma, sa, zo, lo, hi));
                o0[ob] = static_cast<int8_t>(gx_rq_small(static_cast<int32_t>(acc[2]), mb, sb, zo, lo, hi));
                o1[ob] = static_cast<int8_t>(gx_rq_small(static_cast<int32_t>(acc[3]), mb, sb, zo, lo, hi));
                continue;
            }
            o0[o] = static_cast<int8_t>(gx_requant(acc[0], ma, sa, zo, lo, hi));
            o1[o] = static_cast<int8_t>(gx_requant(acc[1], ma, sa, zo, lo, hi));
            o0[ob] = static_cast<int8_t>(gx_requant(acc[2], mb, sb, zo, lo, hi));
            o1[ob] = static_cast<int8_t>(gx_requant(acc[3], mb, sb, zo, lo, hi));
        }
    }
}

}  // namespace gx
