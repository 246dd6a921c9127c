// The virtual glove's settings store: one file per record (<dir>/settings-<key>.bin) with
// gx_glove --settings DIR, so that the records survive a restart; without a directory nothing
// outlives the process (the app reads the store once, at start-up, so that is the RAM store
// of the emulated boards seen from outside).
#include <cstdio>

#include "board.h"
#include "board_native.h"

namespace gx {

namespace {
char g_dir[200] = "";

bool path_of(int key, char* out, int max) {
    if (key < 0 || key >= kGxSettingsKeys || g_dir[0] == '\0') return false;
    const int n = std::snprintf(out, static_cast<size_t>(max), "%s/settings-%d.bin", g_dir, key);
    return n > 0 && n < max;
}
}  // namespace

bool gx_native_set_settings_dir(const char* dir) {
    int i = 0;
    for (; dir[i] != '\0'; ++i) {
        if (i + 1 >= static_cast<int>(sizeof g_dir)) return false;
        g_dir[i] = dir[i];
    }
    g_dir[i] = '\0';
    return i > 0;
}

int gx_board_settings_load(int key, uint8_t* buf, int max) {
    char path[256];
    if (key < 0 || key >= kGxSettingsKeys) return -1;
    if (!path_of(key, path, sizeof path)) return 0;
    std::FILE* f = std::fopen(path, "rb");
    if (f == nullptr) return 0;
    int n = 0;
    int c;
    while ((c = std::fgetc(f)) != EOF) {
        if (n >= max) {
            n = -1;
            break;
        }
        buf[n++] = static_cast<uint8_t>(c);
    }
    std::fclose(f);
    return n;
}

bool gx_board_settings_save(int key, const uint8_t* buf, int n) {
    char path[256], tmp[264];
    if (key < 0 || key >= kGxSettingsKeys || n < 0 || n > kGxBoardSettingsMax[key]) return false;
    if (!path_of(key, path, sizeof path)) return true;  // nothing outlives the process
    if (n == 0) {
        std::remove(path);
        std::FILE* left = std::fopen(path, "rb");  // erased unless the record is still there
        if (left != nullptr) std::fclose(left);
        return left == nullptr;
    }
    std::snprintf(tmp, sizeof tmp, "%s.tmp", path);
    std::FILE* f = std::fopen(tmp, "wb");
    if (f == nullptr) return false;
    const bool ok = std::fwrite(buf, 1, static_cast<size_t>(n), f) == static_cast<size_t>(n);
    if (std::fclose(f) != 0 || !ok) return false;
    return std::rename(tmp, path) == 0;  // a restart sees the old record or the new one
}

}  // namespace gx
