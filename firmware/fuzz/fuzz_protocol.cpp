// libFuzzer target: the protocol helpers on one arbitrary line (no app, no models):
// gx_line_printable, gx_tokenise, gx_parse_int on every token, gx_parse_hex_i16, gx_hex
// round trip. Properties beyond "no crash / no sanitizer report": a parsed int lies within
// its bounds, tokens are NUL-terminated pieces of the line, hex round-trips.
#include <cstring>

#include "protocol.h"

namespace {
char g_line[gx::kGxMaxLine + 1];
int16_t g_vals[gx::kGxMaxLine / 4 + 1];
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const int n = static_cast<int>(size > static_cast<size_t>(gx::kGxMaxLine) ? gx::kGxMaxLine : size);
    std::memcpy(g_line, data, static_cast<size_t>(n));
    g_line[n] = '\0';
    const int len = static_cast<int>(std::strlen(g_line));
    if (!gx::gx_line_printable(g_line, len)) return 0;
    // hex: the line as a replay payload
    const int values = len / 4;
    if (gx::gx_parse_hex_i16(g_line, values, g_vals)) {
        for (int i = 0; i < values; ++i) {
            char hx[4];
            gx::gx_hex(static_cast<uint16_t>(g_vals[i]), 4, hx);
            for (int k = 0; k < 4; ++k)
                if (gx::gx_hex_digit(hx[k]) != gx::gx_hex_digit(g_line[4 * i + k])) __builtin_trap();
        }
    }
    gx::GxTokens t;
    gx::gx_tokenise(g_line, &t);
    for (int i = 0; i < t.n; ++i) {
        if (t.tok[i] < g_line || t.tok[i] > g_line + len) __builtin_trap();
        int64_t v = 0;
        if (gx::gx_parse_int(t.tok[i], -32768, 32767, &v) && (v < -32768 || v > 32767)) __builtin_trap();
        (void)gx::gx_streq(t.tok[i], "replay");
    }
    return 0;
}
