// The board layer: the whole interface between the portable firmware (firmware/core +
// firmware/app) and one board (host-native virtual glove, Cortex-M4 / RISC-V under QEMU,
// ESP32). Every board implements these functions in its own directory
// (firmware/boards/<board>/); the app calls nothing else that is board specific. The
// settings store (the last two) is shared by the boards without flash of their own:
// firmware/boards/settings_ram.cpp keeps it in RAM; the virtual glove keeps it in files
// (gx_glove --settings DIR); the ESP32 keeps it in NVS.
//
// Contract:
//  * gx_board_init: called once, before any other call (clocks, UART, IMU set-up).
//  * gx_board_millis: monotonic milliseconds since start (wraps after ~49 days; the app
//    only uses differences, computed in uint32_t so wrap-around is harmless).
//  * gx_board_serial_read: NON-blocking; copies up to max (> 0) received bytes into buf and
//    returns how many (0 when none are waiting); returns -1 when the serial link is closed
//    for good (the host-native board: end of stdin / pty hang-up), after which the app
//    stops. Boards whose link never closes never return -1.
//  * gx_board_serial_write: writes n bytes (blocking until queued; lines end with '\n').
//  * gx_board_imu_read: NON-blocking; when a new sample is ready (the IMU's data-ready
//    interrupt at the sampling rate, ~27 Hz) copies its raw int16 counts in the order
//    ax ay az gx gy gz mx my mz (docs/data-format.md; a zero magnetometer means 6-axis) and
//    returns true; returns false when no new sample is ready or the board has no IMU
//    (virtual glove / QEMU: samples then arrive over the serial line, see
//    docs/serial-protocol.md).
//  * gx_board_name: a short constant name for the banner ("native", "mps2-an386", ...).
//  * gx_board_settings_load: the record last saved under key (a GxSettingsKey) is copied
//    into buf (max bytes) and its length returned; 0 when none is stored; -1 (buf
//    untouched) when it is longer than max or cannot be read.
//  * gx_board_settings_save: stores n bytes (0 <= n <= kGxBoardSettingsMax[key]) under key
//    so that they survive a restart where the board has non-volatile memory; n == 0 erases
//    the record. Returns false when the store failed (key out of range, too long, flash).
//    The records are independent: saving one never touches the other.
//
// All functions are plain C++ (no exceptions, no heap required) in namespace gx.
#ifndef GX_BOARD_H
#define GX_BOARD_H

#include <cstdint>

namespace gx {

void gx_board_init();
uint32_t gx_board_millis();
int gx_board_serial_read(uint8_t* buf, int max);
void gx_board_serial_write(const char* s, int n);
bool gx_board_imu_read(int16_t counts[9]);
const char* gx_board_name();
//! The records of the settings store: the sensor calibration (sensorcal.h) and the letter
//! calibration (calibrate.h), each checked by its owner (magic, digest, size) when loaded.
enum GxSettingsKey : int { kGxSettingsSensorCal = 0, kGxSettingsLetterCal = 1, kGxSettingsKeys = 2 };
//! The longest record of each key (the letter calibration: 20 + 78 x 229 = 17,882 B).
constexpr int kGxBoardSettingsMax[kGxSettingsKeys] = {64, 17920};
int gx_board_settings_load(int key, uint8_t* buf, int max);
bool gx_board_settings_save(int key, const uint8_t* buf, int n);

}  // namespace gx

#endif  // GX_BOARD_H
