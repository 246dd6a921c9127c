#include "fully_connected.h"

#include "dot.h"
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
    return gx_requant(acc, p->multiplier[k], p->shift[k], p->output_offset, p->act_min, p->act_max);
}

namespace {

// out[n] = requant(w_n . col + bias[n]) for n < out_dim, four rows per pass (dot.h); col is
// x widened by gx_widen_offset. The int8 weights have zero point 0 (TFLite's int8 scheme),
// checked by the callers, so each row is a pure dot product.
template <typename T>
void fc_rows(const int16_t* col, int32_t in_dim, const int8_t* w, const int32_t* bias, int32_t out_dim,
             const GxFcParams* p, T* out) {
    const bool per_channel = p->n_mult > 1;
    const int32_t zo = p->output_offset, lo = p->act_min, hi = p->act_max;
    const bool small = gx_small_ok(bias, p->shift, out_dim, p->n_mult, in_dim);
    int32_t n = 0;
    for (; n + 4 <= out_dim; n += 4) {
        uint32_t acc[4];
        for (int r = 0; r < 4; ++r) acc[r] = bias != nullptr ? static_cast<uint32_t>(bias[n + r]) : 0u;
        const int8_t* wr = w + n * in_dim;
        gx_dot_4x1(wr, in_dim, col, in_dim, acc);
        for (int r = 0; r < 4; ++r) {
            const int32_t k = per_channel ? n + r : 0;
            out[n + r] = static_cast<T>(small ? gx_rq_small(static_cast<int32_t>(acc[r]), p->multiplier[k], p->shift[k], zo, lo, hi)
                                              : gx_requant(acc[r], p->multiplier[k], p->shift[k], zo, lo, hi));
        }
    }
    for (; n < out_dim; ++n) {
        const uint32_t acc = gx_dot_1x1(w + n * in_dim, col, in_dim, bias != nullptr ? static_cast<uint32_t>(bias[n]) : 0u);
        const int32_t k = per_channel ? n : 0;
        out[n] = static_cast<T>(gx_requant(acc, p->multiplier[k], p->shift[k], zo, lo, hi));
    }
}

template <typename T>
void fc(const int8_t* x, int32_t in_dim, const int8_t* w, const int32_t* bias, int32_t out_dim, const GxFcParams* p,
        T* out, int16_t* col) {
    if (p->weights_offset != 0 || col == nullptr) {
        for (int32_t n = 0; n < out_dim; ++n)
            out[n] = static_cast<T>(gx_fc_value(x, in_dim, w + n * in_dim, bias ? bias + n : nullptr, p, n));
        return;
    }
    gx_widen_offset(x, in_dim, p->input_offset, col);
    fc_rows(col, in_dim, w, bias, out_dim, p, out);
}

}  // namespace

void gx_fully_connected_i8(const int8_t* x, int32_t in_dim, const int8_t* w, const int32_t* bias,
                           int32_t out_dim, const GxFcParams* p, int8_t* out, int16_t* col) {
    fc(x, in_dim, w, bias, out_dim, p, out, col);
}

void gx_fully_connected_i16(const int8_t* x, int32_t in_dim, const int8_t* w, const int32_t* bias,
                            int32_t out_dim, const GxFcParams* p, int16_t* out, int16_t* col) {
    fc(x, in_dim, w, bias, out_dim, p, out, col);
}

}  // namespace gx
