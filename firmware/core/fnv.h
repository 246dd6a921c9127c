// FNV-1a 32, the checksum of the compiled-in model data (model_check.cpp) and of the lexicon
// (decode.cpp): the exports compute the same over the same canonical bytes
// (glovexfer.export.model_data.fnv1a32), an int32 as 4 bytes little-endian.
#ifndef GX_FNV_H
#define GX_FNV_H

#include <cstdint>

namespace gx {

class GxFnv1a {
public:
    void byte(uint8_t b) {
        h_ ^= b;
        h_ *= 16777619u;
    }
    void i32(int32_t v) {
        const uint32_t u = static_cast<uint32_t>(v);
        for (int k = 0; k < 4; ++k) byte(static_cast<uint8_t>(u >> (8 * k)));
    }
    uint32_t sum() const { return h_; }

private:
    uint32_t h_ = 2166136261u;
};

//! A version string: 1..max_len printable ASCII characters, NUL-terminated within max_len + 1.
inline bool gx_version_ok(const char* s, int32_t max_len) {
    if (s == nullptr) return false;
    for (int32_t i = 0; i <= max_len; ++i) {
        if (s[i] == '\0') return i > 0;
        if (s[i] < 0x20 || s[i] > 0x7e) return false;
    }
    return false;
}

}  // namespace gx

#endif  // GX_FNV_H
