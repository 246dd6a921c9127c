// Test of the portable MPU-9250 driver (mpu9250.cpp) against a simulated chip
// (mpu9250_sim.h). Built natively and for the
// emulated Cortex-M4F / RV32IMC (semihosting) by firmware/cmake/cross_targets.cmake; run by
// tests/test_cross_esp32.py. Last line: "N checks, M failed"; exit status 0 iff M == 0.
#include <cstdint>
#include <cstdio>

#include "mpu9250.h"
#include "mpu9250_sim.h"

namespace {

using namespace gx;

bool fake_write(void* ctx, uint8_t dev, uint8_t reg, uint8_t v) {
    return gx_mpu9250_sim_write(static_cast<GxMpu9250Sim*>(ctx), dev, reg, v);
}
bool fake_read(void* ctx, uint8_t dev, uint8_t reg, uint8_t* buf, int n) {
    return gx_mpu9250_sim_read(static_cast<GxMpu9250Sim*>(ctx), dev, reg, buf, n);
}
void fake_delay(void* ctx, uint32_t ms) { static_cast<GxMpu9250Sim*>(ctx)->slept_ms += ms; }

int g_checks = 0, g_failed = 0;
void check(bool ok, const char* what) {
    ++g_checks;
    if (!ok) {
        ++g_failed;
        std::printf("FAILED: %s\n", what);
    }
}

GxMpu9250Sim g_f;

void reset_fake(uint8_t who) { gx_mpu9250_sim_reset(&g_f, who); }

GxI2cBus bus() { return GxI2cBus{fake_write, fake_read, fake_delay, &g_f}; }

}  // namespace

int main() {
    // configuration written as the data format's sensor needs it
    reset_fake(kMpuWhoAmI9250);
    GxMpu9250 imu;
    check(gx_mpu9250_init(&imu, bus(), kMpuAddr) == GX_MPU_OK, "init OK with magnetometer");
    check(g_f.mpu[kMpuGyroConfig] == 0x10, "gyro +-1000 deg/s (FS_SEL 2)");
    check(g_f.mpu[kMpuAccelConfig] == 0x08, "accel +-4 g (AFS_SEL 1)");
    check(g_f.mpu[kMpuConfig] == kDlpf10Hz && g_f.mpu[kMpuAccelConfig2] == kDlpf10Hz, "DLPFs");
    check(g_f.mpu[kMpuPwrMgmt1] == 0x01 && g_f.mpu[kMpuPwrMgmt2] == 0x00, "clock and axes on");
    check(g_f.ak[kAkCntl1] == kAkCont2_16bit, "AK8963 16-bit continuous mode 2");
    check(imu.asa[0] == 176 && imu.asa[1] == 128 && imu.asa[2] == 100, "fuse ROM read in fuse mode");
    check(g_f.slept_ms >= 100, "waits after reset");

    // one sample: accel/gyro big-endian with the temperature between; magnetometer
    // little-endian, adjusted and re-mapped into the accelerometer's frame
    const int16_t acc[3] = {-8192, 123, 32767}, gyr[3] = {-32768, 0, 4000};
    gx_mpu9250_sim_set_sample(&g_f, acc, gyr, 777);  // temperature: not a sample value
    const int16_t mag[3] = {100, -200, 300};  // AK8963 axes
    gx_mpu9250_sim_set_mag(&g_f, mag, false);
    int16_t c[9];
    check(gx_mpu9250_read(&imu, c), "read OK");
    check(c[0] == -8192 && c[1] == 123 && c[2] == 32767, "accel counts");
    check(c[3] == -32768 && c[4] == 0 && c[5] == 4000, "gyro counts");
    // adjust: x 100*304/256 = 118.75 -> 119; y -200; z 300*228/256 = 267.19 -> 267
    // body = (y, x, -z) = (-200, 119, -267)
    check(c[6] == -200 && c[7] == 119 && c[8] == -267, "magnetometer adjusted and re-mapped");
    if (c[6] != -200 || c[7] != 119 || c[8] != -267) std::printf("mag got %d %d %d\n", c[6], c[7], c[8]);

    // no new magnetometer data: the previous values stay
    g_f.ak[kAkSt1] = 0x00;
    for (int k = 0; k < 3; ++k) gx_mpu9250_sim_put_le(&g_f.ak[kAkHxl + 2 * k], 5);
    check(gx_mpu9250_read(&imu, c) && c[6] == -200 && c[7] == 119 && c[8] == -267, "no DRDY: keep");
    // overflow (HOFL): the sample is dropped too
    g_f.ak[kAkSt1] = 0x01;
    g_f.ak[kAkHxl + 6] = 0x18;
    check(gx_mpu9250_read(&imu, c) && c[6] == -200, "HOFL: keep");

    // saturation and rounding of the helpers
    check(gx_ak8963_adjust(32767, 255) == 32767 && gx_ak8963_adjust(-32768, 255) == -32768, "adjust saturates");
    check(gx_ak8963_adjust(1, 255) == 1 && gx_ak8963_adjust(-1, 255) == -1 && gx_ak8963_adjust(3, 0) == 2 &&
              gx_ak8963_adjust(-3, 0) == -2, "adjust rounds half away from zero");
    const int16_t ak[3] = {1, 2, -32768};
    int16_t body[3];
    gx_ak8963_to_body(ak, body);
    check(body[0] == 2 && body[1] == 1 && body[2] == 32767, "re-map saturates -(-32768)");

    // MPU-9255 accepted; a wrong WHO_AM_I or a silent bus is an error, not a crash
    reset_fake(kMpuWhoAmI9255);
    check(gx_mpu9250_init(&imu, bus(), kMpuAddr) == GX_MPU_OK, "MPU-9255");
    reset_fake(0x70);  // MPU-6500 alone
    check(gx_mpu9250_init(&imu, bus(), kMpuAddr) == GX_MPU_ERR_WHOAMI, "wrong WHO_AM_I");
    reset_fake(kMpuWhoAmI9250);
    g_f.present = false;
    check(gx_mpu9250_init(&imu, bus(), kMpuAddr) == GX_MPU_ERR_BUS, "no device");
    check(!gx_mpu9250_read(&imu, c), "read fails without device");
    // AK8963 missing: 6-axis, magnetometer counts 0
    reset_fake(kMpuWhoAmI9250);
    g_f.ak_present = false;
    check(gx_mpu9250_init(&imu, bus(), kMpuAddr) == GX_MPU_NO_MAG, "no magnetometer");
    check(gx_mpu9250_read(&imu, c) && c[6] == 0 && c[7] == 0 && c[8] == 0, "6-axis sample");

    std::printf("%d checks, %d failed\n", g_checks, g_failed);
    return g_failed == 0 ? 0 : 1;
}
