// The pre-network pipeline: int16 counts (32, 9) -> every integer intermediate, bit for
// bit the golden model's run_golden (host/glovexfer/golden/pipeline.py), each reported as
// its stage completes; what the networks read stays. Plain C-style API.
#ifndef GX_PIPELINE_H
#define GX_PIPELINE_H

#include <cstdint>

#include "params.h"
#include "raster.h"
#include "resample.h"
#include "select.h"
#include "signals.h"
#include "status.h"

namespace gx {

//! The intermediates a stage needs only until the next stage has read them: each stage
//! reads one of two areas and writes the other (orientation -> dtheta in the first; euler
//! in the second; points in the first; normalised in the second; smoothed in the first;
//! thinned in the second, thin_keep apart; the spline's work arrays in the first), so an
//! intermediate lives until the stage after next writes over it.
struct GxEarlyStages {
    union {
        int32_t dtheta[kMaxSamples][3];       //!< Q30 half-angle gyro steps
        int32_t points[kMaxSamples][2];       //!< 2^-24 turn (yaw unwrapped, rotated)
        int32_t smoothed[kMaxSamples][2];     //!< Q30
        GxSplineWork spline;                  //!< gx_resample's work arrays
    };
    union {
        int32_t euler[kMaxSamples][3];        //!< yaw, pitch, roll, 2^-24 turn
        int32_t normalised[kMaxSamples][2];   //!< Q30 in [0, 2^30]
        int32_t thinned[kMaxSamples][2];      //!< Q30
    };
    int32_t thin_keep[kMaxSamples];           //!< indices of the points kept by thin
};

//! Storage the stages take one after the other: the early intermediates (orientation ..
//! thin), then the rasteriser's work buffers, then the signals stage. A stage overwrites
//! what the one before it left here, so a caller that wants those intermediates reads them
//! when the stage reports them (GxStageSink). The raster's buffers exist only in a build
//! with the CNN, the signals only with the signal network (select.h).
union GxStageWork {
    GxEarlyStages early;                                   //!< orientation .. thin
#if GX_WITH_CNN
    GxRaster raster;                                       //!< raster: canvas + high bits
#endif
#if GX_WITH_SIGNAL
    int32_t signals[kMaxSamples][kGxSignalChannels];       //!< gx_run_signals (signal network input)
#endif
};

//! One recording's pipeline state (formats: docs/fixed-point.md), owned by the caller.
//! Outside `work`: what the networks and the Recognizer (the points' extent: is the glove
//! moving?) read after the pipeline; the quaternions stay for the signals stage. Buffers
//! are sized by kMaxSamples (samples per recording), kResamplePoints and kOutPx. Sizes
//! (bytes): quaternions 512, resampled 800, the Q15 image 3136 and `work` 3168 (the
//! raster's bit canvas 1.6 KB + 1.5 KB high bits; the early intermediates with the spline's
//! work arrays 1.1 KB and the signals 1.1 KB share it): 7.6 KB with every network; the
//! image and the raster's share of `work` exist only with the CNN, the signals only with
//! the signal network (LSTM alone: 2.5 KB).
struct GxStages {
    int n;                                    //!< samples (kMaxSamples for gx_run_pipeline)
    int n_keep;                               //!< points kept by thin (1..n)
    int32_t quaternions[kMaxSamples][4];      //!< Q30
    int32_t points_lo[2], points_hi[2];       //!< per axis, the least and the largest point
    int32_t resampled[kResamplePoints][2];    //!< Q30 in [0, 2^30]
#if GX_WITH_CNN
    int32_t image[kOutPx][kOutPx];            //!< Q15, 0..32768
#endif
    GxStageWork work;
};

//! A stage that has just completed; what of `GxStages` holds its result at that moment.
enum GxStageId : int {
    GX_STAGE_ORIENTATION = 0,  //!< work.early.dtheta, quaternions
    GX_STAGE_EULER = 1,        //!< work.early.euler
    GX_STAGE_POINTS = 2,       //!< work.early.points, points_lo, points_hi
    GX_STAGE_NORMALISED = 3,   //!< work.early.normalised
    GX_STAGE_SMOOTHED = 4,     //!< work.early.smoothed
    GX_STAGE_THINNED = 5,      //!< n_keep, work.early.thin_keep, work.early.thinned
    GX_STAGE_RESAMPLED = 6,    //!< resampled
    GX_STAGE_IMAGE = 7,        //!< image, work.raster (the drawn canvas)
    GX_STAGE_SIGNALS = 8,      //!< work.signals
};

//! Called after each stage, in pipeline order, while its result is still in `s` (the
//! replay command reports every intermediate this way; the golden-vector test compares).
struct GxStageSink {
    void (*fn)(void* ctx, int stage, const GxStages* s);
    void* ctx;
};

//! n samples (1 <= n <= kMaxSamples), 9-axis (a zero magnetometer gives the 6-axis path).
//! with_image false skips the raster stage (image is then left untouched; a build without
//! the CNN has no raster stage and ignores it). sink (may be null) hears of each stage as it
//! completes.
int gx_run_pipeline_opts(const int16_t (*counts)[9], int n, bool with_image, GxStages* out,
                         const GxStageSink* sink = nullptr);

//! gx_run_pipeline_opts with the image (when the build has the CNN).
int gx_run_pipeline_n(const int16_t (*counts)[9], int n, GxStages* out);

//! One full recording of kMaxSamples (= 32) samples.
int gx_run_pipeline(const int16_t counts[kMaxSamples][9], GxStages* out);

#if GX_WITH_SIGNAL
//! The signals stage (gx_signals) of the recording whose orientation stage `out` holds
//! (a gx_run_pipeline* call on the same counts must have succeeded): fills
//! out->work.signals (over the raster's buffers; the image stays), then tells sink.
int gx_run_signals(const int16_t (*counts)[9], GxStages* out, const GxStageSink* sink = nullptr);
#endif

}  // namespace gx

#endif  // GX_PIPELINE_H
