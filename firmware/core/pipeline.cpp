#include "pipeline.h"

#include "normalise.h"
#include "orientation.h"
#include "points.h"
#include "resample.h"
#include "smooth.h"
#include "thin.h"

namespace gx {

namespace {

void tell(const GxStageSink* sink, int stage, const GxStages* s) {
    if (sink != nullptr && sink->fn != nullptr) sink->fn(sink->ctx, stage, s);
}

}  // namespace

int gx_run_pipeline_opts(const int16_t (*counts)[9], int n, bool with_image, GxStages* out,
                         const GxStageSink* sink) {
    if (counts == nullptr || out == nullptr || n < 1 || n > kMaxSamples) return GX_ERR_ARGS;
    out->n = n;
    GxEarlyStages* e = &out->work.early;
    GxOrientation o;
    gx_orientation_init(&o);
    for (int t = 0; t < n; ++t) {
        gx_orientation_update(&o, counts[t], true, e->dtheta[t]);
        for (int k = 0; k < 4; ++k) out->quaternions[t][k] = o.q[k];
    }
    tell(sink, GX_STAGE_ORIENTATION, out);
    for (int t = 0; t < n; ++t) gx_quat_to_euler(out->quaternions[t], e->euler[t]);
    tell(sink, GX_STAGE_EULER, out);
    gx_points_from_euler(e->euler, n, e->points);
    for (int k = 0; k < 2; ++k) {
        out->points_lo[k] = out->points_hi[k] = e->points[0][k];
        for (int t = 1; t < n; ++t) {
            const int32_t v = e->points[t][k];
            out->points_lo[k] = v < out->points_lo[k] ? v : out->points_lo[k];
            out->points_hi[k] = v > out->points_hi[k] ? v : out->points_hi[k];
        }
    }
    tell(sink, GX_STAGE_POINTS, out);
    if (!gx_normalise(e->points, n, e->normalised)) return GX_ERR_NORMALISE;
    tell(sink, GX_STAGE_NORMALISED, out);
    gx_smooth(e->normalised, n, kSmoothWindow, e->smoothed);
    tell(sink, GX_STAGE_SMOOTHED, out);
    out->n_keep = gx_thin_indices(e->smoothed, n, e->thin_keep);
    for (int i = 0; i < out->n_keep; ++i) {
        e->thinned[i][0] = e->smoothed[e->thin_keep[i]][0];
        e->thinned[i][1] = e->smoothed[e->thin_keep[i]][1];
    }
    tell(sink, GX_STAGE_THINNED, out);
    if (!gx_resample(e->thinned, out->n_keep, out->resampled, &e->spline)) return GX_ERR_RESAMPLE;
    tell(sink, GX_STAGE_RESAMPLED, out);
#if GX_WITH_CNN
    if (with_image) {
        gx_raster(out->resampled, kResamplePoints, &out->work.raster, out->image);
        tell(sink, GX_STAGE_IMAGE, out);
    }
#else
    (void)with_image;
#endif
    return GX_OK;
}

int gx_run_pipeline_n(const int16_t (*counts)[9], int n, GxStages* out) {
    return gx_run_pipeline_opts(counts, n, true, out);
}

int gx_run_pipeline(const int16_t counts[kMaxSamples][9], GxStages* out) {
    return gx_run_pipeline_n(counts, kMaxSamples, out);
}

#if GX_WITH_SIGNAL
int gx_run_signals(const int16_t (*counts)[9], GxStages* out, const GxStageSink* sink) {
    if (counts == nullptr || out == nullptr || out->n < 1 || out->n > kMaxSamples) return GX_ERR_ARGS;
    if (!gx_signals(counts, out->quaternions, out->n, out->work.signals)) return GX_ERR_ARGS;
    tell(sink, GX_STAGE_SIGNALS, out);
    return GX_OK;
}
#endif

}  // namespace gx
