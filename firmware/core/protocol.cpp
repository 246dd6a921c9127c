#include "protocol.h"

namespace gx {

void gx_tokenise(char* line, GxTokens* t) {
    t->n = 0;
    t->too_many = false;
    char* p = line;
    while (*p != '\0') {
        while (*p == ' ' || *p == '\t') *p++ = '\0';
        if (*p == '\0') break;
        if (t->n >= kGxMaxTokens) {
            t->too_many = true;
            return;
        }
        t->tok[t->n++] = p;
        while (*p != '\0' && *p != ' ' && *p != '\t') ++p;
    }
}

bool gx_line_printable(const char* line, int n) {
    for (int i = 0; i < n; ++i) {
        const unsigned char c = static_cast<unsigned char>(line[i]);
        if (c != '\t' && (c < 0x20 || c > 0x7e)) return false;
    }
    return true;
}

bool gx_parse_int(const char* s, int64_t lo, int64_t hi, int64_t* out) {
    if (s == nullptr) return false;
    bool neg = false;
    if (*s == '-') {
        neg = true;
        ++s;
    }
    int64_t v = 0;
    int digits = 0;
    for (; *s != '\0'; ++s) {
        if (*s < '0' || *s > '9' || digits >= 10) return false;
        v = v * 10 + (*s - '0');
        ++digits;
    }
    if (digits == 0) return false;
    if (neg) v = -v;
    if (v < lo || v > hi) return false;
    *out = v;
    return true;
}

int gx_hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool gx_parse_hex_i16_prefix(const char* s, int n_values, int16_t* out) {
    if (s == nullptr || n_values < 0) return false;
    for (int i = 0; i < n_values; ++i) {
        uint32_t v = 0;
        for (int k = 0; k < 4; ++k) {
            const int d = gx_hex_digit(s[4 * i + k]);  // stops at the NUL of a short string
            if (d < 0) return false;
            v = (v << 4) | static_cast<uint32_t>(d);
        }
        out[i] = static_cast<int16_t>(static_cast<uint16_t>(v));
    }
    return true;
}

bool gx_parse_hex_i16(const char* s, int n_values, int16_t* out) {
    return gx_parse_hex_i16_prefix(s, n_values, out) && s[4 * n_values] == '\0';
}

void gx_hex(uint32_t v, int digits, char* out) {
    static const char kDigits[] = "0123456789abcdef";
    for (int i = digits - 1; i >= 0; --i) {
        out[i] = kDigits[v & 0xFu];
        v >>= 4;
    }
}

bool gx_streq(const char* a, const char* b) {
    if (a == nullptr || b == nullptr) return false;
    while (*a != '\0' && *a == *b) {
        ++a;
        ++b;
    }
    return *a == *b;
}

}  // namespace gx
