// A simulated MPU-9250 for the tests: register files of the MPU-6500 part and of the AK8963
// with the I2C semantics the driver relies on (burst reads auto-increment; the AK8963 answers
// only after the bypass is enabled; its fuse ROM reads back only in fuse-ROM mode; the reset
// bit clears itself). Header only, so that every test build that includes it needs nothing
// else: the driver's test (test_mpu9250.cpp, native and emulated MCUs) and the fake Arduino
// Wire of the board's host test (fake/fake_arduino.cpp).
#ifndef GX_MPU9250_SIM_H
#define GX_MPU9250_SIM_H

#include <cstdint>

#include "mpu9250.h"

namespace gx {

struct GxMpu9250Sim {
    uint8_t mpu[128];
    uint8_t ak[32];
    bool present;     //!< the MPU answers at all (false: every transfer is NACKed)
    bool ak_present;  //!< the AK8963 answers (behind the bypass)
    int writes;       //!< register writes that were ACKed
    int burst_reads;  //!< reads starting at ACCEL_XOUT_H (samples taken)
    uint32_t slept_ms;
};

//! A chip after power-up with this WHO_AM_I, fuse-ROM sensitivities x +18.75 %, y 0, z -10.9 %.
inline void gx_mpu9250_sim_reset(GxMpu9250Sim* f, uint8_t who) {
    for (uint8_t& b : f->mpu) b = 0;
    for (uint8_t& b : f->ak) b = 0;
    f->present = true;
    f->ak_present = true;
    f->writes = 0;
    f->burst_reads = 0;
    f->slept_ms = 0;
    f->mpu[kMpuWhoAmI] = who;
    f->ak[kAkWia] = kAkWiaValue;
    f->ak[kAkAsax] = 176;
    f->ak[kAkAsax + 1] = 128;
    f->ak[kAkAsax + 2] = 100;
}

//! Whether a device at this 7-bit address ACKs.
inline bool gx_mpu9250_sim_acks(const GxMpu9250Sim* f, uint8_t dev) {
    if (dev == kMpuAddr) return f->present;
    return dev == kAkAddr && f->ak_present && f->present && (f->mpu[kMpuIntPinCfg] & 0x02u) != 0;
}

inline bool gx_mpu9250_sim_write(GxMpu9250Sim* f, uint8_t dev, uint8_t reg, uint8_t v) {
    if (!gx_mpu9250_sim_acks(f, dev)) return false;
    if (dev == kMpuAddr && reg < 128) {
        f->mpu[reg] = v;
        if (reg == kMpuPwrMgmt1 && (v & 0x80u)) f->mpu[reg] = 0x01;  // reset bit self-clears
    } else if (dev == kAkAddr && reg < 32) {
        f->ak[reg] = v;
    } else {
        return false;
    }
    ++f->writes;
    return true;
}

inline bool gx_mpu9250_sim_read(GxMpu9250Sim* f, uint8_t dev, uint8_t reg, uint8_t* buf, int n) {
    if (!gx_mpu9250_sim_acks(f, dev) || n < 0) return false;
    if (dev == kMpuAddr && reg + n <= 128) {
        if (reg == kMpuAccelXoutH) ++f->burst_reads;
        for (int i = 0; i < n; ++i) buf[i] = f->mpu[reg + i];
        return true;
    }
    if (dev == kAkAddr && reg + n <= 32) {
        const bool fuse = f->ak[kAkCntl1] == kAkFuseRom;
        for (int i = 0; i < n; ++i) {
            const int r = reg + i;
            buf[i] = (r >= kAkAsax && r < kAkAsax + 3 && !fuse) ? 0 : f->ak[r];  // ASA only in fuse mode
        }
        return true;
    }
    return false;
}

inline void gx_mpu9250_sim_put_be(uint8_t* p, int16_t v) {
    p[0] = static_cast<uint8_t>(static_cast<uint16_t>(v) >> 8);
    p[1] = static_cast<uint8_t>(v & 0xFF);
}
inline void gx_mpu9250_sim_put_le(uint8_t* p, int16_t v) {
    p[0] = static_cast<uint8_t>(v & 0xFF);
    p[1] = static_cast<uint8_t>(static_cast<uint16_t>(v) >> 8);
}

//! The next accelerometer / gyroscope sample (big-endian registers, temperature between).
inline void gx_mpu9250_sim_set_sample(GxMpu9250Sim* f, const int16_t acc[3], const int16_t gyr[3], int16_t temp) {
    for (int k = 0; k < 3; ++k) {
        gx_mpu9250_sim_put_be(&f->mpu[kMpuAccelXoutH + 2 * k], acc[k]);
        gx_mpu9250_sim_put_be(&f->mpu[kMpuAccelXoutH + 8 + 2 * k], gyr[k]);
    }
    gx_mpu9250_sim_put_be(&f->mpu[kMpuAccelXoutH + 6], temp);
}

//! A magnetometer measurement in the AK8963's axes (little-endian), data ready, 16-bit.
inline void gx_mpu9250_sim_set_mag(GxMpu9250Sim* f, const int16_t ak[3], bool overflow) {
    for (int k = 0; k < 3; ++k) gx_mpu9250_sim_put_le(&f->ak[kAkHxl + 2 * k], ak[k]);
    f->ak[kAkSt1] = 0x01;                          // DRDY
    f->ak[kAkHxl + 6] = overflow ? 0x18 : 0x10;  // ST2: BITM (16 bit), HOFL
}

}  // namespace gx

#endif  // GX_MPU9250_SIM_H
