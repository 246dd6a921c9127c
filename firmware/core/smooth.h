// Stage 4: centred moving average of Q30 points. Twin of golden/smooth.py.
#ifndef GX_SMOOTH_H
#define GX_SMOOTH_H

#include <cstdint>

namespace gx {

//! out[i] = div_round(sum p[i-h..i+h], window) for h <= i < n-h, others copied;
//! n < window or window == 1: a copy. window must be odd >= 1.
void gx_smooth(const int32_t (*p)[2], int n, int window, int32_t (*out)[2]);

}  // namespace gx

#endif  // GX_SMOOTH_H
