// Stage 6: natural cubic spline over chord length, Q30 points -> kResamplePoints Q30
// points. Twin of host/glovexfer/golden/resample.py (scaled moments, Thomas algorithm).
#ifndef GX_RESAMPLE_H
#define GX_RESAMPLE_H

#include <cstdint>

#include "params.h"

namespace gx {

//! The spline's work arrays, owned by the caller (the pipeline lays them over the stages
//! that thin has consumed): the distinct points' indices, the chords, both coordinates'
//! scaled moments, the Thomas sweep's cp.
struct GxSplineWork {
    int32_t keep[kMaxSplinePoints];
    int32_t h[kMaxSplinePoints];
    int32_t w[2][kMaxSplinePoints];
    int32_t cp[kMaxSplinePoints];
};

//! Points (n <= kMaxSplinePoints distinct, in [0, 2^30]) -> out[kResamplePoints][2] in
//! [0, 2^30]; work: scratch (overwritten, must not overlap p or out). Returns false (out
//! untouched) for invalid input (golden raises).
bool gx_resample(const int32_t (*p)[2], int n, int32_t (*out)[2], GxSplineWork* work);

}  // namespace gx

#endif  // GX_RESAMPLE_H
