// The settings store of the boards without flash of their own (the virtual glove, the
// emulated boards, the fuzz board): a RAM record, lost when the program ends.
#include "board.h"

namespace gx {

namespace {
uint8_t g_settings[kGxBoardSettingsMax];
int g_settings_len = 0;
}  // namespace

bool gx_board_settings_load(uint8_t* buf, int n) {
    if (g_settings_len == 0 || n != g_settings_len) return false;
    for (int i = 0; i < n; ++i) buf[i] = g_settings[i];
    return true;
}

bool gx_board_settings_save(const uint8_t* buf, int n) {
    if (n < 0 || n > kGxBoardSettingsMax) return false;
    for (int i = 0; i < n; ++i) g_settings[i] = buf[i];
    g_settings_len = n;
    return true;
}

}  // namespace gx
