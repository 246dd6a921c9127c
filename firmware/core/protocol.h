// Serial protocol helpers (docs/serial-protocol.md): line tokenising, strict integer and
// hex parsing, hex formatting. No I/O, no heap; every function bounds-checks its input.
#ifndef GX_PROTOCOL_H
#define GX_PROTOCOL_H

#include <cstdint>

#include "params.h"

namespace gx {

//! Protocol version (the READY banner's proto=).
constexpr int kGxProtoVersion = 3;
//! Firmware version string.
constexpr const char* kGxFirmwareVersion = "0.1.0";
//! Longest accepted host line in bytes without the newline: "replay 32 " + 32 x 9 int16 as
//! 4 hex digits (1152) = 1162, rounded up for spaces/CR.
constexpr int kGxMaxLine = 1200;
static_assert(kGxMaxLine >= 10 + kMaxSamples * 9 * 4, "a full replay line must fit");
//! Most tokens the parser splits a line into ("s" + 9 values = 10).
constexpr int kGxMaxTokens = 12;

struct GxTokens {
    int n;                         //!< tokens found (<= kGxMaxTokens)
    bool too_many;                 //!< more than kGxMaxTokens
    const char* tok[kGxMaxTokens];  //!< pointers into the line (NUL terminated in place)
};

//! Splits line (NUL-terminated, modified in place) at spaces/tabs.
void gx_tokenise(char* line, GxTokens* t);

//! true if every byte of line[0..n) is printable ASCII (0x20..0x7e) or a tab.
bool gx_line_printable(const char* line, int n);

//! Strict decimal integer: optional '-', 1..10 digits, value within [lo, hi].
bool gx_parse_int(const char* s, int64_t lo, int64_t hi, int64_t* out);

//! Value of one hex digit (0-9, a-f, A-F) or -1.
int gx_hex_digit(char c);

//! Parses n_values int16 given as 4 hex digits each (big-endian two's complement) from
//! exactly 4 * n_values characters of s; false on any non-hex character or wrong length.
bool gx_parse_hex_i16(const char* s, int n_values, int16_t* out);

//! gx_parse_hex_i16 of the first 4 * n_values characters of s, whatever follows them.
bool gx_parse_hex_i16_prefix(const char* s, int n_values, int16_t* out);

//! Writes the low `digits` hex digits of v (two's complement, lowercase) into out.
void gx_hex(uint32_t v, int digits, char* out);

//! Strict equality of two NUL-terminated strings.
bool gx_streq(const char* a, const char* b);

}  // namespace gx

#endif  // GX_PROTOCOL_H
