// The integer constants of the golden model (FixedParams), generated from Python into
// params_generated.h (glovexfer.export.vectors.write_params_header), plus the buffer
// capacities of the core, each derived from a named constant.
#ifndef GX_PARAMS_H
#define GX_PARAMS_H

#include <cstdint>

#include "params_generated.h"

namespace gx {

//! Samples per recording (params.SAMPLES_PER_LETTER; the range proofs' bound).
constexpr int kMaxSamples = 32;
//! Points after resampling (FixedParams.resample_points).
constexpr int kResamplePoints = static_cast<int>(kParams.resample_points);
//! Canvas side in pixels (FixedParams.canvas_px).
constexpr int kCanvasPx = static_cast<int>(kParams.canvas_px);
//! Output image side (FixedParams.out_px).
constexpr int kOutPx = static_cast<int>(kParams.out_px);
//! Smoothing window (odd).
constexpr int kSmoothWindow = static_cast<int>(kParams.smooth_window);
//! Distinct points the resample overflow proof covers (golden resample.MAX_POINTS).
constexpr int kMaxSplinePoints = kMaxSamples;

static_assert(kAtanTableLen == 29, "CORDIC uses 29 iterations");
static_assert(kSmoothWindow >= 1 && kSmoothWindow % 2 == 1, "smooth window odd");
static_assert(kResamplePoints >= 2, "resample needs n_out >= 2 (t_j = j U / (n_out - 1))");
static_assert(kBlurTapCount % 2 == 1, "blur kernel odd");
static_assert(kParams.span_px == kParams.canvas_px - 1 - 2 * kParams.margin_px, "span");
static_assert(kParams.end_den > 0 && kParams.end_num >= 0 && kParams.end_num <= kParams.end_den,
              "end fraction in [0, 1]");

}  // namespace gx

#endif  // GX_PARAMS_H
