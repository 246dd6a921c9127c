#include "pipeline.h"

#include "normalise.h"
#include "orientation.h"
#include "points.h"
#include "resample.h"
#include "smooth.h"
#include "thin.h"

namespace gx {

int gx_run_pipeline_opts(const int16_t (*counts)[9], int n, bool with_image, GxStages* out) {
    if (counts == nullptr || out == nullptr || n < 1 || n > kMaxSamples) return GX_ERR_ARGS;
    out->n = n;
    GxOrientation o;
    gx_orientation_init(&o);
    for (int t = 0; t < n; ++t) {
        gx_orientation_update(&o, counts[t], true, out->dtheta[t]);
        for (int k = 0; k < 4; ++k) out->quaternions[t][k] = o.q[k];
    }
    for (int t = 0; t < n; ++t) gx_quat_to_euler(out->quaternions[t], out->euler[t]);
    gx_points_from_euler(out->euler, n, out->points);
    if (!gx_normalise(out->points, n, out->normalised)) return GX_ERR_NORMALISE;
    gx_smooth(out->normalised, n, kSmoothWindow, out->smoothed);
    out->n_keep = gx_thin_indices(out->smoothed, n, out->thin_keep);
    for (int i = 0; i < out->n_keep; ++i) {
        out->thinned[i][0] = out->smoothed[out->thin_keep[i]][0];
        out->thinned[i][1] = out->smoothed[out->thin_keep[i]][1];
    }
    if (!gx_resample(out->thinned, out->n_keep, out->resampled)) return GX_ERR_RESAMPLE;
    if (with_image) gx_raster(out->resampled, kResamplePoints, &out->raster, out->image);
    return GX_OK;
}

int gx_run_pipeline_n(const int16_t (*counts)[9], int n, GxStages* out) {
    return gx_run_pipeline_opts(counts, n, true, out);
}

int gx_run_pipeline(const int16_t counts[kMaxSamples][9], GxStages* out) {
    return gx_run_pipeline_n(counts, kMaxSamples, out);
}

int gx_run_signals(const int16_t (*counts)[9], GxStages* out) {
    if (counts == nullptr || out == nullptr || out->n < 1 || out->n > kMaxSamples) return GX_ERR_ARGS;
    return gx_signals(counts, out->quaternions, out->n, out->signals) ? GX_OK : GX_ERR_ARGS;
}

}  // namespace gx
