// Stage "signals": the time signals of one recording in the writer frame, the input of the
// signal network -- bit for bit the golden model's signals (host/glovexfer/golden/signals.py;
// float reference host/glovexfer/pipeline/signals.py).
//
// Per sample, 9 int32 channels: pointing axis (sensor x) Q24 [0..2]; angular rate in gyro
// counts * 2^4 [3..5]; specific force minus its mean over the recording in acc counts * 2^4
// [6..8]; all in the writer frame (right, up the page, world up).
#ifndef GX_SIGNALS_H
#define GX_SIGNALS_H

#include <cstdint>

#include "params.h"

namespace gx {

constexpr int kGxSignalChannels = 9;
constexpr int kGxSignalAxisQ = 24;    //!< golden Q_SIGNAL_AXIS
constexpr int kGxSignalCountsQ = 4;   //!< golden Q_SIGNAL_COUNTS
//! golden FRAME_MIN_NORM_Q30 = round(2^-10 * 2^30).
constexpr int64_t kGxFrameMinNormQ30 = INT64_C(1) << 20;

//! Writer-frame "up" (Q30 x, y) from the Q30 quaternions (golden writer_up).
void gx_writer_up(const int32_t (*quaternions)[4], int n, int64_t up[2]);

//! signals of n samples (1 <= n <= kMaxSamples): counts (acc columns 0..2, gyro 3..5),
//! Q30 unit quaternions of the orientation stage (so the rotation matrix entries stay
//! within +-2^30 and the products fit int64) -> out (n, 9). Returns false on bad arguments.
bool gx_signals(const int16_t (*counts)[9], const int32_t (*quaternions)[4], int n,
                int32_t (*out)[kGxSignalChannels]);

//! Per-channel input quantiser of a signal network (host: golden signal_quantiser).
struct GxSignalQuantiser {
    int32_t offset[kGxSignalChannels];
    int32_t mult[kGxSignalChannels];
    int32_t shift[kGxSignalChannels];  //!< in [-31, 5] (checked on the host)
    int32_t zero_point;
};

//! int8 network input: sat8(MultiplyByQuantizedMultiplier(s - offset, mult, shift) + zero_point)
//! per channel (golden quantise_signals), n samples.
void gx_quantise_signals(const int32_t (*sig)[kGxSignalChannels], int n, const GxSignalQuantiser* q,
                         int8_t (*out)[kGxSignalChannels]);

}  // namespace gx

#endif  // GX_SIGNALS_H
