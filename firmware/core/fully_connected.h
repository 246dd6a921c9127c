// TFLite-Micro int8 FULLY_CONNECTED (golden/fully_connected.py), bit for bit.
//
// acc[n] = sum_d (w[n][d] + weights_offset) * (x[d] + input_offset) (int32, wrapping)
//          + bias[n];  out[n] = clamp(mbqm(acc, mult[n or 0], shift[n or 0]) + output_offset,
//          act_min, act_max).  The same kernel with an int16 range computes the LSTM gates.
#ifndef GX_FULLY_CONNECTED_H
#define GX_FULLY_CONNECTED_H

#include <cstdint>

namespace gx {

struct GxFcParams {
    int32_t input_offset;    // -input zero point
    int32_t weights_offset;  // -weights zero point (0 for int8)
    int32_t output_offset;   // output zero point
    int32_t act_min;
    int32_t act_max;
    const int32_t* multiplier;  // n_mult entries (1: per tensor, out_dim: per channel)
    const int32_t* shift;       // >0: left shift
    int32_t n_mult;
};

// One output value n before clamping/casting: int64 in [act_min, act_max].
int32_t gx_fc_value(const int8_t* x, int32_t in_dim, const int8_t* w_row, const int32_t* bias_n,
                    const GxFcParams* p, int32_t n);

// int8 x[in_dim] . int8 w[out_dim][in_dim]^T + bias (nullable) -> int8 out[out_dim].
// col: in_dim int16 of caller scratch (4-byte aligned) for the widened input; with a nonzero
// weights offset (or col null) the plain reference loop runs instead.
void gx_fully_connected_i8(const int8_t* x, int32_t in_dim, const int8_t* w, const int32_t* bias,
                           int32_t out_dim, const GxFcParams* p, int8_t* out, int16_t* col);
// The same with an int16 output (LSTM gate pre-activations).
void gx_fully_connected_i16(const int8_t* x, int32_t in_dim, const int8_t* w, const int32_t* bias,
                            int32_t out_dim, const GxFcParams* p, int16_t* out, int16_t* col);


}  // namespace gx

#endif  // GX_FULLY_CONNECTED_H
