// The sensor calibration's stored record (gx_sensorcal_pack/unpack): a round trip keeps
// every field, and any single corrupted byte or an out-of-range field is refused (the
// identity is used instead). Driven by tests/test_sensorcal.py; prints "ok N" on success.
#include <cstdio>

#include "sensorcal.h"

using namespace gx;

namespace {
bool same(const GxSensorCal& a, const GxSensorCal& b) {
    for (int k = 0; k < 3; ++k)
        if (a.gyro_bias[k] != b.gyro_bias[k] || a.mag_offset[k] != b.mag_offset[k] ||
            a.mag_scale_q14[k] != b.mag_scale_q14[k])
            return false;
    return a.flags == b.flags;
}
}  // namespace

int main() {
    GxSensorCal cal{{-4096, 17, 4096}, {-32768, 32767, -5}, {8192, 32767, 16001}, kGxCalHasGyro | kGxCalHasMag};
    uint8_t rec[kGxCalBytes];
    gx_sensorcal_pack(&cal, rec);
    GxSensorCal got;
    if (!gx_sensorcal_unpack(rec, &got) || !same(got, cal)) {
        std::printf("FAIL round trip\n");
        return 1;
    }
    GxSensorCal identity;
    gx_sensorcal_identity(&identity);
    int checks = 1;
    for (int i = 0; i < kGxCalBytes; ++i) {
        for (int bit = 0; bit < 8; ++bit) {
            uint8_t bad[kGxCalBytes];
            for (int j = 0; j < kGxCalBytes; ++j) bad[j] = rec[j];
            bad[i] ^= static_cast<uint8_t>(1u << bit);
            if (gx_sensorcal_unpack(bad, &got) || !same(got, identity)) {
                std::printf("FAIL byte %d bit %d accepted\n", i, bit);
                return 1;
            }
            ++checks;
        }
    }
    GxSensorCal out_of_range = cal;
    out_of_range.mag_scale_q14[1] = 40000;  // outside [0.5, 2): refused even with a good checksum
    gx_sensorcal_pack(&out_of_range, rec);
    if (gx_sensorcal_unpack(rec, &got) || !same(got, identity)) {
        std::printf("FAIL out-of-range scale accepted\n");
        return 1;
    }
    out_of_range = cal;
    out_of_range.gyro_bias[0] = 5000;
    gx_sensorcal_pack(&out_of_range, rec);
    if (gx_sensorcal_unpack(rec, &got)) {
        std::printf("FAIL out-of-range bias accepted\n");
        return 1;
    }
    std::printf("ok %d\n", checks + 2);
    return 0;
}
