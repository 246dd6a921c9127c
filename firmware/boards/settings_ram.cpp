// The settings store of the boards without flash of their own (the emulated boards, the fuzz
// board): RAM records, lost when the program ends.
// A build without the letter calibration (GX_WITH_CALIB=0: the per-model apps whose RAM the
// benchmark reports) has no room for its record: saving one fails as on a full flash.
#include "board.h"
#include "select.h"

namespace gx {

namespace {
constexpr int kSlot[kGxSettingsKeys] = {kGxBoardSettingsMax[kGxSettingsSensorCal],
                                        kGxWithCalib ? kGxBoardSettingsMax[kGxSettingsLetterCal] : 1};
uint8_t g_sensor[kSlot[kGxSettingsSensorCal]];
uint8_t g_letter[kSlot[kGxSettingsLetterCal]];
uint8_t* const g_records[kGxSettingsKeys] = {g_sensor, g_letter};
int g_len[kGxSettingsKeys] = {0, 0};
}  // namespace

int gx_board_settings_load(int key, uint8_t* buf, int max) {
    if (key < 0 || key >= kGxSettingsKeys) return -1;
    const int n = g_len[key];
    if (n > max) return -1;
    for (int i = 0; i < n; ++i) buf[i] = g_records[key][i];
    return n;
}

bool gx_board_settings_save(int key, const uint8_t* buf, int n) {
    if (key < 0 || key >= kGxSettingsKeys || n < 0 || n > kSlot[key]) return false;
    for (int i = 0; i < n; ++i) g_records[key][i] = buf[i];
    g_len[key] = n;
    return true;
}

}  // namespace gx
