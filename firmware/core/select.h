// Build-time model selection: which networks a firmware carries. A network not selected is
// not compiled: neither its runner, its start-up check, its buffers (network inputs, its
// part of the shared network arena) nor the pre-network buffers only it reads (the image
// and the rasteriser's work area: CNN; the signals stage: signal network). Each is 0 or 1;
// an undefined one is 1, so a build that names none carries every network (the host build,
// the tests, the parity suite). The per-model firmware builds define all three
// (firmware/cmake/cross_targets.cmake, platformio.ini's custom_gx_networks).
#ifndef GX_SELECT_H
#define GX_SELECT_H

#ifndef GX_WITH_LSTM
#define GX_WITH_LSTM 1
#endif
#ifndef GX_WITH_CNN
#define GX_WITH_CNN 1
#endif
#ifndef GX_WITH_SIGNAL
#define GX_WITH_SIGNAL 1
#endif
// The word lexicon (decode.h, models/glove/firmware/gx_lexicon.cpp, ~44 kB of flash) is the
// exception: off unless a build selects it, so that the letter firmwares keep their flash
// and RAM. The decoder's code is linked only into a program that calls it.
#ifndef GX_WITH_LEXICON
#define GX_WITH_LEXICON 0
#endif
// Likewise the letter spotter of continuous writing (spotter.h): off unless a build
// selects it (GX_WITH_SPOTTER=1), so that the recognition firmwares and the host programs
// that do not spot keep their flash and RAM.
#ifndef GX_WITH_SPOTTER
#define GX_WITH_SPOTTER 0
#endif

// The letter calibration (calibrate.h; the app's calib commands): on unless a build leaves
// it out (GX_WITH_CALIB=0): the wearer's set takes 18.4 kB of the app's RAM. The per-model
// RAM measurement of the recognition path (glovexfer.device.memory) leaves it out.
#ifndef GX_WITH_CALIB
#define GX_WITH_CALIB 1
#endif

namespace gx {

constexpr bool kGxWithLstm = GX_WITH_LSTM != 0;
constexpr bool kGxWithCnn = GX_WITH_CNN != 0;
constexpr bool kGxWithSignal = GX_WITH_SIGNAL != 0;
constexpr bool kGxWithLexicon = GX_WITH_LEXICON != 0;
constexpr bool kGxWithSpotter = GX_WITH_SPOTTER != 0;
constexpr bool kGxWithCalib = GX_WITH_CALIB != 0;

}  // namespace gx

#endif  // GX_SELECT_H
