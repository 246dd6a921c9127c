// Reads typed values from a libFuzzer input (zeros once the bytes run out), shared by the
// fuzz targets.
#ifndef GX_FUZZ_INPUT_H
#define GX_FUZZ_INPUT_H

#include <cstddef>
#include <cstdint>

namespace gx {

class FuzzInput {
public:
    FuzzInput(const uint8_t* data, size_t size) : p_(data), n_(size) {}
    uint8_t u8() { return pos_ < n_ ? p_[pos_++] : 0; }
    uint16_t u16() { return static_cast<uint16_t>(u8() | (u8() << 8)); }
    int16_t i16() { return static_cast<int16_t>(u16()); }
    int32_t i32() { return static_cast<int32_t>(static_cast<uint32_t>(u16()) | (static_cast<uint32_t>(u16()) << 16)); }
    size_t left() const { return pos_ < n_ ? n_ - pos_ : 0; }

private:
    const uint8_t* p_;
    size_t n_;
    size_t pos_ = 0;
};

}  // namespace gx

#endif  // GX_FUZZ_INPUT_H
