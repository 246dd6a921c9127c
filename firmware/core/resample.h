// Stage 6: natural cubic spline over chord length, Q30 points -> kResamplePoints Q30
// points. Twin of host/glovexfer/golden/resample.py (scaled moments, Thomas algorithm).
#ifndef GX_RESAMPLE_H
#define GX_RESAMPLE_H

#include <cstdint>

#include "params.h"

namespace gx {

//! Points (n <= kMaxSplinePoints distinct, in [0, 2^30]) -> out[kResamplePoints][2] in
//! [0, 2^30]. Returns false (out untouched) for invalid input (golden raises).
bool gx_resample(const int32_t (*p)[2], int n, int32_t (*out)[2]);

}  // namespace gx

#endif  // GX_RESAMPLE_H
