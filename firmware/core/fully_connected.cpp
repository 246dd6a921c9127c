#include "fully_connected.h"

#include "quant.h"

namespace gx {

int32_t gx_fc_value(const int8_t* x, int32_t in_dim, const int8_t* w_row, const int32_t* bias_n,
                    const GxFcParams* p, int32_t n) {
    uint32_t acc = 0;  // int32 accumulation with two's-complement wrap (no UB)
    for (int32_t d = 0; d < in_dim; ++d) {
        const int32_t a = static_cast<int32_t>(x[d]) + p->input_offset;
        const int32_t b = static_cast<int32_t>(w_row[d]) + p->weights_offset;
        acc += static_cast<uint32_t>(a * b);
    }
    if (bias_n != nullptr) acc += static_cast<uint32_t>(*bias_n);
    const int32_t k = p->n_mult > 1 ? n : 0;
    const int64_t v = static_cast<int64_t>(gx_mbqm(gx_wrap32(acc), p->multiplier[k], p->shift[k])) + p->output_offset;
    return static_cast<int32_t>(gx_clamp64(v, p->act_min, p->act_max));
}

void gx_fully_connected_i8(const int8_t* x, int32_t in_dim, const int8_t* w, const int32_t* bias,
                           int32_t out_dim, const GxFcParams* p, int8_t* out) {
    for (int32_t n = 0; n < out_dim; ++n)
        out[n] = static_cast<int8_t>(gx_fc_value(x, in_dim, w + n * in_dim, bias ? bias + n : nullptr, p, n));
}

void gx_fully_connected_i16(const int8_t* x, int32_t in_dim, const int8_t* w, const int32_t* bias,
                            int32_t out_dim, const GxFcParams* p, int16_t* out) {
    for (int32_t n = 0; n < out_dim; ++n)
        out[n] = static_cast<int16_t>(gx_fc_value(x, in_dim, w + n * in_dim, bias ? bias + n : nullptr, p, n));
}

}  // namespace gx
