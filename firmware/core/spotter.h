// Letter spotting in a continuous stream (continuous writing, no button), bit for bit the
// golden model's host/glovexfer/golden/spotting.py:
//
//  1. features: per sample gyro counts >> 7 and acc counts >> 8, saturated to int8
//     (spot_features): the spotter network's int8 input as it is (scale 1, zero point 0);
//  2. the spotter network (five CONV_2D: four SAME 1 x 9 with dilations 1, 2, 4, 1 and ReLU,
//     one 1 x 1 to a logit per sample) on windows of kGxSpotWindow samples every kGxSpotHop,
//     keeping each window's middle hop (frame_logits): kGxSpotHop zero samples before the
//     stream, the last sample repeated after it (the flush);
//  3. runs of logits above the output zero point, two runs at most kGxSpotJoinGap samples
//     apart joined into one, at least kGxSpotMinLetter long, widened by
//     kGxSpotGrow (clipped to the stream), dropped when longer than kGxSpotMaxLetter
//     (letter_segments); a gap > kGxSpotWordGap starts a word (word_groups);
//  4. time normalisation of a letter's raw counts to kMaxSamples (time_normalise).
//
// Streaming: the caller pushes one 9-channel sample at a time into its GxSpotState (a ring of
// the last kGxSpotHistory raw samples plus the open run) and gets the letters that became
// final; gx_spot_flush ends the stream. A letter is final when the kGxSpotJoinGap + 1 samples
// after its run have logits below the threshold (no run can join it any more), i.e. when the
// window scoring the last of them ran: at most 2 hops after that sample.
// The network's scratch is the caller's GxSpotterCtx. No heap, no static buffers.
//
// The whole module is compiled only with GX_WITH_SPOTTER (select.h, off unless selected):
// the recognition-only firmwares neither carry nor link it.
#ifndef GX_SPOTTER_H
#define GX_SPOTTER_H

#include <cstdint>

#include "conv.h"
#include "network.h"
#include "params.h"
#include "select.h"

namespace gx {

constexpr int32_t kGxSpotChannels = 9;   // raw counts per sample: acc x y z, gyro x y z, mag x y z
constexpr int32_t kGxSpotFeatures = 6;   // gyro x y z >> 7, acc x y z >> 8
constexpr int32_t kGxSpotGyrShift = 7;   // golden GYR_SHIFT
constexpr int32_t kGxSpotAccShift = 8;   // golden ACC_SHIFT
constexpr int32_t kGxSpotWindow = 96;    // golden WINDOW
constexpr int32_t kGxSpotHop = 32;       // golden HOP
constexpr int32_t kGxSpotMinLetter = 6;  // golden MIN_LETTER
constexpr int32_t kGxSpotGrow = 2;       // golden GROW
constexpr int32_t kGxSpotJoinGap = 4;    // golden JOIN_GAP: runs at most this far apart are one
constexpr int32_t kGxSpotWordGap = 32;   // golden WORD_GAP
constexpr int32_t kGxSpotMaxLetter = 64; // golden MAX_LETTER
constexpr int32_t kGxSpotFracBits = 12;  // golden FRAC_BITS (time normalisation in Q12)
static_assert(kGxSpotWindow == 3 * kGxSpotHop, "a window is the hop it scores and one hop each side");

// The network (host/glovexfer/nets/spotter.py), layer by layer: input channels, output
// channels, kernel width, dilation. SAME padding: (k - 1) * dilation / 2 on the left.
constexpr int32_t kGxSpotLayers = 5;
constexpr int32_t kGxSpotLayerIn[kGxSpotLayers] = {kGxSpotFeatures, 16, 24, 24, 24};
constexpr int32_t kGxSpotLayerOut[kGxSpotLayers] = {16, 24, 24, 24, 1};
constexpr int32_t kGxSpotLayerK[kGxSpotLayers] = {9, 9, 9, 9, 1};
constexpr int32_t kGxSpotLayerDil[kGxSpotLayers] = {1, 2, 4, 1, 1};
constexpr int32_t kGxSpotMaxC = 24;  // the widest map
// int16 elements of the widened conv windows, the largest layer's gx_conv_col_elems
constexpr int32_t gx_spot_col_elems() {
    int32_t m = 0;
    for (int32_t l = 0; l < kGxSpotLayers; ++l) {
        const int32_t e = 2 * ((kGxSpotLayerK[l] * kGxSpotLayerIn[l] + 3) & ~3);
        m = e > m ? e : m;
    }
    return m;
}
constexpr int32_t gx_spot_reach() {
    int32_t r = 0;
    for (int32_t l = 0; l < kGxSpotLayers; ++l) r += (kGxSpotLayerK[l] - 1) * kGxSpotLayerDil[l] / 2;
    return r;
}
// Why the middle hop of a window equals the network run on the whole stream: an output depends
// on gx_spot_reach() samples each side, and the middle hop has kGxSpotHop samples of the
// window on each side.
static_assert(gx_spot_reach() <= kGxSpotHop, "the middle hop's receptive field lies inside the window");

// History of raw samples: a letter is emitted at most 2 hops after the sample kGxSpotJoinGap
// after its run (the window that scores that sample runs when the hop after that one is
// complete), its widened end is kGxSpotGrow after its run and it is at most kGxSpotMaxLetter
// long, so its first sample is at most 2 hops + kGxSpotJoinGap - kGxSpotGrow +
// kGxSpotMaxLetter back; a window reads kGxSpotWindow samples back.
constexpr int32_t kGxSpotHistory = 256;
static_assert(kGxSpotHistory >= 2 * kGxSpotHop + kGxSpotJoinGap - kGxSpotGrow + kGxSpotMaxLetter,
              "a just-emitted letter is still in the ring");
static_assert(kGxSpotHistory >= kGxSpotWindow, "a window's samples are in the ring");
// Letters per call: the letter pending from the previous call, then each one ends at a
// sample with a logit that follows a run of >= kGxSpotMinLetter logits; a push scores one
// hop, the flush at most two hops less one sample, plus the stream's end.
constexpr int32_t kGxSpotMaxOut = 2 + (2 * kGxSpotHop - 1) / (kGxSpotMinLetter + 1);
constexpr int32_t kGxSpotMaxWindows = 2;  // windows one call runs (the flush: up to two)
// Samples a stream may have: positions stay far from int32 overflow (about 460 days at 27 Hz).
constexpr int32_t kGxSpotMaxStream = 1 << 30;

struct GxSpotterLayer {
    GxConvParams conv;
    const int8_t* w;  // [out_c][1][k][in_c]
    const int32_t* b; // [out_c]
};

struct GxSpotterNetModel {
    GxModelInfo info;  // input zero point 0, io_checksum 0 (no io constants), threshold = output zp
    GxSpotterLayer layer[kGxSpotLayers];
};

// Start-up check (model_check.cpp, as the other networks): every dimension equal to the
// compiled-in ones (dilations and padding included), shifts, zero points and clamp ranges in
// range, input zero point 0, io_checksum 0, then the FNV-1a 32 checksum of the export.
bool gx_spotter_net_checksum(const GxSpotterNetModel* m, uint32_t* sum);
bool gx_spotter_net_verify(const GxSpotterNetModel* m);

//! The network's scratch, owned by the caller: ping-pong maps, the widened conv windows, the
//! window's input features and the logits of the windows the last call ran.
struct GxSpotterCtx {
    alignas(4) int8_t a[kGxSpotWindow * kGxSpotMaxC];
    alignas(4) int8_t b[kGxSpotWindow * kGxSpotMaxC];
    alignas(4) int16_t col[gx_spot_col_elems()];
    int8_t logits[kGxSpotMaxWindows][kGxSpotWindow];  // every output of each window run
    int32_t first_window;  // index of logits[0]'s window
    int32_t n_windows;     // windows the last push/flush ran (0..kGxSpotMaxWindows)
};

//! A spotted letter: raw samples [start, end) of the stream; word_start 1 when it begins a
//! word (the first letter, or a gap > kGxSpotWordGap after the previous letter).
struct GxSpotLetter {
    int32_t start, end, word_start;
};

//! The stream's state, owned by the caller (gx_spot_reset before the first sample).
struct GxSpotState {
    int16_t ring[kGxSpotHistory][kGxSpotChannels];  // sample t at t % kGxSpotHistory
    int32_t n;          // samples pushed
    int32_t windows;    // windows run
    int32_t run_start;  // first sample of the open run of active logits, -1 when none
    int32_t pend_start; // the last closed run [pend_start, pend_end), which a run starting
    int32_t pend_end;   // at most kGxSpotJoinGap after it still joins; -1 when none
    int32_t last_end;   // end of the previous letter, -1 before the first
    int32_t flushed;    // 1 after gx_spot_flush: no more samples
};

int32_t gx_spotter_scratch_bytes();  // sizeof(GxSpotterCtx)
int32_t gx_spot_state_bytes();       // sizeof(GxSpotState)

//! Features of one sample of raw counts (golden spot_features).
void gx_spot_features(const int16_t counts[kGxSpotChannels], int8_t f[kGxSpotFeatures]);

//! The network on one window: out[t] the int8 logit of sample t. False (out untouched) when
//! the model's geometry is not the compiled-in one.
bool gx_spotter_net_run(GxSpotterCtx* ctx, const GxSpotterNetModel* m, const int8_t in[kGxSpotWindow][kGxSpotFeatures],
                        int8_t out[kGxSpotWindow]);

void gx_spot_reset(GxSpotState* s);

//! One sample; the letters that became final are written to out (at most kGxSpotMaxOut).
//! Returns their number, or -1 (state untouched) after the flush, past kGxSpotMaxStream
//! samples, or with a model of another geometry.
int32_t gx_spot_push(GxSpotState* s, GxSpotterCtx* ctx, const GxSpotterNetModel* m,
                     const int16_t sample[kGxSpotChannels], GxSpotLetter out[kGxSpotMaxOut]);

//! End of the stream: the remaining windows (the last sample repeated) and the open run.
//! Returns the number of letters written to out, or -1 (already flushed, bad model).
int32_t gx_spot_flush(GxSpotState* s, GxSpotterCtx* ctx, const GxSpotterNetModel* m, GxSpotLetter out[kGxSpotMaxOut]);

//! Raw samples [start, end) resampled to kMaxSamples (golden time_normalise). False (out
//! untouched) unless 0 <= start < end <= samples pushed, end - start <= kGxSpotMaxLetter and
//! every sample is still in the ring: call it for a letter before the next push.
bool gx_spot_normalise(const GxSpotState* s, int32_t start, int32_t end, int16_t out[kMaxSamples][kGxSpotChannels]);

}  // namespace gx

#endif  // GX_SPOTTER_H
