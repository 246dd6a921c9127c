// Benchmark of the letter calibration (core/calibrate.h) on an emulated board, run
// semihosted under QEMU -icount shift=0 (target.h: one guest instruction = 1 ns): a full
// set of the fused model (26 letters x K_MAX samples of LSTM + CNN features) from a fixed
// pseudo-random generator (the loops' work does not depend on the values), then the
// instructions of what the calibration adds to one recognition (gx_calib_decide), to a
// spotted letter of continuous writing on top of it (gx_calib_outputs, both networks), of the
// scale after a change (gx_calib_scale), of the leave-one-out under every candidate gain that
// guards the set and chooses its gain (gx_calib_loo) and of writing the chosen gain and the
// record's digest (gx_calib_set_gain + gx_calib_seal). One line:
//   CALIBBENCH samples=.. decide_mean=.. decide_max=.. outputs_mean=.. scale=.. loo=.. seal=..
//   stack=.. set_bytes=.. scratch_bytes=.. res=..
// (stack = high-water mark in bytes of the main stack over the run, an upper bound).
#include <cstdio>

#include "calibrate.h"
#include "target.h"

namespace {

using namespace gx;

GxCalibSet g_set;
GxCalibLooScratch g_scratch;
uint16_t g_base[kGxCalibMaxSamples][kGxClasses];
uint32_t g_seed = 12345u;

bool stored_scores(void*, int j, const int8_t*, uint16_t out[kGxClasses]) {
    for (int c = 0; c < kGxClasses; ++c) out[c] = g_base[j][c];
    return true;
}

uint32_t next() {
    g_seed = g_seed * 1664525u + 1013904223u;
    return g_seed >> 8;
}

void random_features(int8_t* x, int n) {
    for (int i = 0; i < n; ++i) x[i] = static_cast<int8_t>(static_cast<int32_t>(next() % 256) - 128);
}

constexpr int kQueries = 20;

int bench() {
    const int32_t dims[kGxCalibMaxNets] = {kGxFeatLstm, kGxFeatCnn};
    gx_calib_init(&g_set, 2, 0u, 2, dims);
    int8_t x[kGxFeatMax];
    for (int k = 0; k < kGxCalibKMax; ++k)
        for (int c = 0; c < kGxClasses; ++c) {
            random_features(x, kGxFeatMax);
            gx_calib_add(&g_set, c, x);
        }
    for (int j = 0; j < g_set.n_samples; ++j)
        for (int c = 0; c < kGxClasses; ++c) g_base[j][c] = static_cast<uint16_t>(next() % 511);
    GxCalibScale scale;
    uint64_t t0 = gx_target_instructions();
    gx_calib_scale(&g_set, &scale);
    const uint64_t t_scale = gx_target_instructions() - t0;
    uint64_t sum = 0, max = 0, sum_out = 0;
    GxCalibOut out;
    for (int q = 0; q < kQueries; ++q) {
        random_features(x, kGxFeatMax);
        t0 = gx_target_instructions();
        gx_calib_decide(&g_set, &scale, x, g_base[q], &out);
        const uint64_t t = gx_target_instructions() - t0;
        sum += t;
        max = t > max ? t : max;
        // continuous writing: both networks' calibrated outputs for the word decoder
        uint8_t p[kGxClasses], o[kGxClasses];
        for (int c = 0; c < kGxClasses; ++c) p[c] = static_cast<uint8_t>(next() % 256);
        t0 = gx_target_instructions();
        for (int k = 0; k < 2; ++k) gx_calib_outputs(&out, k, p, o);
        sum_out += gx_target_instructions() - t0;
    }
    GxCalibLoo loo;
    t0 = gx_target_instructions();
    gx_calib_loo(&g_set, stored_scores, nullptr, &g_scratch, &loo);
    const uint64_t t_loo = gx_target_instructions() - t0;
    t0 = gx_target_instructions();
    gx_calib_set_gain(&g_set, loo.gain);
    gx_calib_seal(&g_set);
    const uint64_t t_seal = gx_target_instructions() - t0;
    std::printf("CALIBBENCH samples=%d decide_mean=%lu decide_max=%lu outputs_mean=%lu scale=%lu loo=%lu seal=%lu "
                "stack=%lu set_bytes=%lu scratch_bytes=%lu res=%lu\n",
                g_set.n_samples, static_cast<unsigned long>(sum / kQueries), static_cast<unsigned long>(max),
                static_cast<unsigned long>(sum_out / kQueries), static_cast<unsigned long>(t_scale),
                static_cast<unsigned long>(t_loo), static_cast<unsigned long>(t_seal),
                static_cast<unsigned long>(gx_target_stack_high_water()), static_cast<unsigned long>(sizeof g_set),
                static_cast<unsigned long>(sizeof g_scratch),
                static_cast<unsigned long>(gx_target_instruction_resolution()));
    return loo.n == kGxCalibMaxSamples ? 0 : 1;
}

}  // namespace

int main() {
    gx_target_stack_paint();
    gx_target_exit(gx_target_run(bench));
}
