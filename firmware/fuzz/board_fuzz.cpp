// An in-memory board for fuzzing the app's input path: serial input comes from a buffer
// set by the driver, output is counted (and scanned for line kinds) but not printed.
#include "board_fuzz.h"

#include "board.h"

namespace gx {

namespace {
const uint8_t* g_in = nullptr;
int g_in_len = 0, g_in_pos = 0;
FuzzOutStats g_stats;
bool g_at_line_start = true;
char g_first[4];  // a line's first bytes: its kind
int g_first_len = 0;
uint32_t g_ms = 0;
}  // namespace

void fuzz_set_input(const uint8_t* data, int len) {
    g_in = data;
    g_in_len = len;
    g_in_pos = 0;
}

FuzzOutStats* fuzz_stats() { return &g_stats; }

void gx_board_init() {}
uint32_t gx_board_millis() { return g_ms += 37; }

int gx_board_serial_read(uint8_t* buf, int max) {
    if (g_in_pos >= g_in_len) return -1;
    // vary the chunk size so line assembly sees every split
    int n = 1 + (g_in_pos * 7 + 3) % (max > 0 ? max : 1);
    if (n > g_in_len - g_in_pos) n = g_in_len - g_in_pos;
    for (int i = 0; i < n; ++i) buf[i] = g_in[g_in_pos + i];
    g_in_pos += n;
    return n;
}

void gx_board_serial_write(const char* s, int n) {
    g_stats.bytes += n;
    for (int i = 0; i < n; ++i) {
        if (g_at_line_start) g_first_len = 0;
        if (s[i] == '\n') {
            ++g_stats.lines;
            if (g_first_len >= 3 && g_first[0] == 'E' && g_first[1] == 'R' && g_first[2] == 'R') ++g_stats.err_lines;
            if (g_first_len >= 3 && g_first[0] == 'L' && g_first[1] == 'E' && g_first[2] == 'T') ++g_stats.letter_lines;
            if (g_first_len >= 3 && g_first[0] == 'W' && g_first[1] == 'O' && g_first[2] == 'R') ++g_stats.word_lines;
            if (g_first_len >= 4 && g_first[0] == 'O' && g_first[1] == 'K' && g_first[2] == ' ' && g_first[3] == 'e')
                ++g_stats.end_lines;
            g_at_line_start = true;
        } else {
            if (g_first_len < 4) g_first[g_first_len++] = s[i];
            g_at_line_start = false;
        }
    }
}

bool gx_board_imu_read(int16_t counts[9]) {
    (void)counts;
    return false;
}

const char* gx_board_name() { return "fuzz"; }

}  // namespace gx
