// The application shared by every board: serial line protocol (docs/serial-protocol.md)
// around the streaming Recognizer. Uses only firmware/boards/board.h and the core.
//
//   gx_app_init();                  // after gx_board_init(): start-up model checks, READY
//   while (gx_app_poll() >= 0) {}   // each call: pending serial bytes + one IMU sample
#ifndef GX_APP_H
#define GX_APP_H

#include <cstdint>

#include "recognizer.h"

namespace gx {

//! The compiled-in models (firmware/app/models.cpp; all null when built without models).
const GxModels* gx_app_models();

//! Checks the models, selects the default model (fused, else whichever exists) and writes
//! the READY banner (and an ERR line per model that failed its check).
void gx_app_init();

//! Handles what is pending: up to one serial read (kGxReadChunk bytes, every complete line
//! processed) and one IMU sample. Returns the number of bytes + samples handled (0: idle),
//! or -1 once the serial link is closed for good.
int gx_app_poll();

//! Bytes read per gx_app_poll (a small stack buffer).
constexpr int kGxReadChunk = 64;

//! Bytes of static RAM the app uses (line buffer, output buffer, state).
int32_t gx_app_static_bytes();

}  // namespace gx

#endif  // GX_APP_H
