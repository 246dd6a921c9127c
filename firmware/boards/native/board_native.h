// Extras of the host-native board (not part of board.h).
#ifndef GX_BOARD_NATIVE_H
#define GX_BOARD_NATIVE_H

namespace gx {

//! Opens a pseudo-terminal as the serial line; its slave path goes to slave_path.
bool gx_native_open_pty(char* slave_path, int max);
//! Sleeps until serial input is ready or timeout_ms passed (the idle loop).
void gx_native_wait(int timeout_ms);
//! Keeps the settings store in files under dir (settings_file.cpp); false: path too long.
bool gx_native_set_settings_dir(const char* dir);

}  // namespace gx

#endif  // GX_BOARD_NATIVE_H
