// TFLite-Micro int8 -> int8 SOFTMAX (reference_ops::Softmax with gemmlowp fixed point),
// bit for bit the golden model's host/glovexfer/golden/softmax.py (softmax_int8).
//
// The parameters come from the host (SoftmaxParams.from_scales(beta=1, output_scale):
// PreprocessSoftmaxScaling + CalculateInputRadius); output scale 1/256, zero point -128.
#ifndef GX_SOFTMAX_H
#define GX_SOFTMAX_H

#include <cstdint>

namespace gx {

struct GxSoftmaxParams {
    int32_t input_multiplier;  //!< Q0.31 multiplier of beta * s_in * 2^26
    int32_t input_left_shift;  //!< its left shift (0..31)
    int32_t diff_min;          //!< entries with x - max(x) < diff_min give -128
};

//! int8 (depth) -> int8 probabilities (p = (out + 128) / 256). Returns false (out set to
//! -128) when depth < 1 or the parameters are out of range (the golden model raises).
bool gx_softmax_int8(const int8_t* x, int depth, const GxSoftmaxParams& p, int8_t* out);

// gemmlowp pieces (exposed for tests).
int32_t gx_exp_on_negative_values_5(int32_t a);  //!< Q5.26 in, Q0.31 out
int32_t gx_one_over_one_plus_x(int32_t a);       //!< Q0.31 in and out
int gx_clz32(uint32_t x);                        //!< 32 for 0

}  // namespace gx

#endif  // GX_SOFTMAX_H
