// The pre-network pipeline: int16 counts (32, 9) -> every integer intermediate, bit for
// bit the golden model's run_golden (host/glovexfer/golden/pipeline.py). Plain C-style API.
#ifndef GX_PIPELINE_H
#define GX_PIPELINE_H

#include <cstdint>

#include "params.h"
#include "raster.h"
#include "signals.h"

namespace gx {

//! Every intermediate of one recording (formats: docs/fixed-point.md). Buffers are sized
//! by kMaxSamples (samples per recording), kResamplePoints, kCanvasPx and kOutPx.
//! Sizes (bytes): 12 arrays of 32 x (2..4) int32 and 100 x 2 int32 (~3.2 KB), the compact
//! GxRaster (bit canvas 2 KB + int64 28 x 28 6.1 KB), the Q15 image (3.1 KB) and the signals
//! 32 x 9 int32 (1.1 KB): ~15.8 KB.
struct GxStages {
    int n;                                    //!< samples (kMaxSamples for gx_run_pipeline)
    int32_t dtheta[kMaxSamples][3];           //!< Q30 half-angle gyro steps
    int32_t quaternions[kMaxSamples][4];      //!< Q30
    int32_t euler[kMaxSamples][3];            //!< yaw, pitch, roll, 2^-24 turn
    int32_t points[kMaxSamples][2];           //!< 2^-24 turn (yaw unwrapped, rotated)
    int32_t normalised[kMaxSamples][2];       //!< Q30 in [0, 2^30]
    int32_t smoothed[kMaxSamples][2];         //!< Q30
    int n_keep;                               //!< points kept by thin (1..n)
    int32_t thin_keep[kMaxSamples];           //!< their indices
    int32_t thinned[kMaxSamples][2];          //!< Q30
    int32_t resampled[kResamplePoints][2];    //!< Q30 in [0, 2^30]
    GxRaster raster;                          //!< canvas + raster work buffers
    int32_t image[kOutPx][kOutPx];            //!< Q15, 0..32768
    int32_t signals[kMaxSamples][kGxSignalChannels];  //!< gx_run_signals (signal network input)
};

//! Status codes.
enum GxStatus : int {
    GX_OK = 0,
    GX_ERR_ARGS = -1,       //!< null pointer or n outside [1, kMaxSamples]
    GX_ERR_NORMALISE = -2,  //!< points beyond +-2^29 (cannot happen for n <= 32)
    GX_ERR_RESAMPLE = -3,   //!< invalid resample input (cannot happen after normalise)
};

//! n samples (1 <= n <= kMaxSamples), 9-axis (a zero magnetometer gives the 6-axis path).
//! with_image false skips the raster stage (raster and image are then left untouched).
int gx_run_pipeline_opts(const int16_t (*counts)[9], int n, bool with_image, GxStages* out);

//! gx_run_pipeline_opts with the image.
int gx_run_pipeline_n(const int16_t (*counts)[9], int n, GxStages* out);

//! One full recording of kMaxSamples (= 32) samples.
int gx_run_pipeline(const int16_t counts[kMaxSamples][9], GxStages* out);

//! The signals stage (gx_signals) of the recording whose orientation stage `out` holds
//! (a gx_run_pipeline* call on the same counts must have succeeded): fills out->signals.
int gx_run_signals(const int16_t (*counts)[9], GxStages* out);

}  // namespace gx

#endif  // GX_PIPELINE_H
