// libFuzzer target: each pre-network stage on arbitrary input (not only what the stage
// before it produces). The first byte picks the stage: normalise, smooth, thin, resample,
// raster, signals (arbitrary counts and quaternions), or the whole pipeline with the image
// and the signals stage. Thin and resample get points in [0, 2^30], signals Q30 unit
// quaternions (their contracts).
// Properties: no crash, no sanitizer report, and the documented
// output ranges (normalised and resampled points in [0, 2^30], thin indices increasing and
// in range, image in [0, 2^15]).
#include "fixed.h"
#include "fuzz_input.h"
#include "pipeline.h"
#include "raster.h"
#include "resample.h"
#include "signals.h"
#include "smooth.h"
#include "thin.h"
#include "normalise.h"

namespace {

using gx::kMaxSamples;
gx::GxStages g_st;
int32_t g_pts[kMaxSamples][2], g_out[kMaxSamples][2];
int32_t g_res[gx::kResamplePoints][2];
gx::GxSplineWork g_spline;
int32_t g_keep[kMaxSamples];
int32_t g_quat[kMaxSamples][4];
int16_t g_counts[kMaxSamples][9];
int32_t g_sig[kMaxSamples][gx::kGxSignalChannels];
gx::GxRaster g_raster;
int32_t g_image[gx::kOutPx][gx::kOutPx];

constexpr int32_t kOne = INT32_C(1) << 30;
void check_unit(const int32_t (*p)[2], int n) {
    for (int i = 0; i < n; ++i)
        for (int k = 0; k < 2; ++k)
            if (p[i][k] < 0 || p[i][k] > kOne) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    gx::FuzzInput in(data, size);
    const int stage = in.u8() % 7;
    const int n = 1 + in.u8() % kMaxSamples;
    // points inside the unit square (what normalise gives; thin and resample require it),
    // else any int32 (normalise checks its range, smooth and raster take any)
    const bool unit = (in.u8() & 1) != 0 || stage == 2 || stage == 3;
    for (int i = 0; i < n; ++i)
        for (int k = 0; k < 2; ++k) {
            const int32_t v = in.i32();
            g_pts[i][k] = unit ? static_cast<int32_t>(static_cast<uint32_t>(v) % (static_cast<uint32_t>(kOne) + 1)) : v;
        }
    switch (stage) {
        case 0:
            if (gx::gx_normalise(g_pts, n, g_out)) check_unit(g_out, n);
            break;
        case 1: {
            const int w = 1 + 2 * (in.u8() % 8);
            gx::gx_smooth(g_pts, n, w, g_out);
            break;
        }
        case 2: {
            const int k = gx::gx_thin_indices(g_pts, n, g_keep);
            if (k < 1 || k > n) __builtin_trap();
            for (int i = 0; i < k; ++i)
                if (g_keep[i] < 0 || g_keep[i] >= n || (i > 0 && g_keep[i] <= g_keep[i - 1])) __builtin_trap();
            break;
        }
        case 3:
            if (gx::gx_resample(g_pts, n, g_res, &g_spline)) check_unit(g_res, gx::kResamplePoints);
            break;
        case 4:
            gx::gx_raster(g_pts, n, &g_raster, g_image);
            for (const auto& row : g_image)
                for (int32_t v : row)
                    if (v < 0 || v > (1 << 15)) __builtin_trap();
            break;
        case 5:
            for (int i = 0; i < n; ++i) {
                for (int k = 0; k < 9; ++k) g_counts[i][k] = in.i16();
                int64_t q[4], u[4] = {kOne, 0, 0, 0};  // the contract: Q30 unit quaternions
                for (int64_t& v : q) v = in.i32();
                (void)gx::gx_normalise_vec(q, 4, u);
                for (int k = 0; k < 4; ++k) g_quat[i][k] = static_cast<int32_t>(u[k]);
            }
            (void)gx::gx_signals(g_counts, g_quat, n, g_sig);
            break;
        default:
            for (int i = 0; i < n; ++i)
                for (int k = 0; k < 9; ++k) g_counts[i][k] = in.i16();
            if (gx::gx_run_pipeline_opts(g_counts, n, true, &g_st) == gx::GX_OK) {
                check_unit(g_st.resampled, gx::kResamplePoints);
                if (gx::gx_run_signals(g_counts, &g_st) != gx::GX_OK) __builtin_trap();
            }
            break;
    }
    return 0;
}
