// InvenSense MPU-9250 (MPU-6500 accelerometer + gyroscope, AK8963 magnetometer) over I2C:
// the glove's IMU driver, portable C++ over a three-function bus interface, so that it is
// compiled and tested everywhere (host, Cortex-M4F, RV32IMC under QEMU:
// test_mpu9250.cpp) and only the bus itself is ESP32 code (board_esp32.cpp, Arduino Wire).
//
// Settings = the data format's sensor (docs/data-format.md, glovexfer.params.MPU9250):
// accelerometer +-4 g, gyroscope +-1000 deg/s, AK8963 16-bit continuous mode 2 (100 Hz,
// 0.15 uT per count) with the fuse-ROM sensitivity adjustment applied. Output order ax ay az
// gx gy gz mx my mz in the accelerometer's body frame: the AK8963's axes are re-mapped
// (x <-> y, z negated) as docs/data-format.md requires. Integer only, no heap.
#ifndef GX_MPU9250_H
#define GX_MPU9250_H

#include <cstdint>

namespace gx {

//! The I2C bus: register write, burst register read (auto-increment), delay.
struct GxI2cBus {
    bool (*write_reg)(void* ctx, uint8_t dev, uint8_t reg, uint8_t value);
    bool (*read_regs)(void* ctx, uint8_t dev, uint8_t reg, uint8_t* buf, int n);
    void (*delay_ms)(void* ctx, uint32_t ms);
    void* ctx;
};

// Register map (MPU-9250 register map rev. 1.6; AK8963 datasheet).
constexpr uint8_t kMpuAddr = 0x68;         //!< AD0 low (0x69 with AD0 high)
constexpr uint8_t kAkAddr = 0x0C;          //!< AK8963 behind the I2C bypass
constexpr uint8_t kMpuSmplrtDiv = 0x19, kMpuConfig = 0x1A, kMpuGyroConfig = 0x1B, kMpuAccelConfig = 0x1C,
                  kMpuAccelConfig2 = 0x1D, kMpuIntPinCfg = 0x37, kMpuAccelXoutH = 0x3B, kMpuPwrMgmt1 = 0x6B,
                  kMpuPwrMgmt2 = 0x6C, kMpuWhoAmI = 0x75;
constexpr uint8_t kAkWia = 0x00, kAkSt1 = 0x02, kAkHxl = 0x03, kAkCntl1 = 0x0A, kAkAsax = 0x10;
constexpr uint8_t kMpuWhoAmI9250 = 0x71, kMpuWhoAmI9255 = 0x73, kAkWiaValue = 0x48;
//! GYRO_CONFIG FS_SEL = 2 (+-1000 deg/s), ACCEL_CONFIG AFS_SEL = 1 (+-4 g).
constexpr uint8_t kGyroFs1000 = 2u << 3, kAccelFs4g = 1u << 3;
//! DLPF 10 Hz for gyro (CONFIG) and accelerometer (ACCEL_CONFIG2): below the 13.5 Hz
//! Nyquist frequency of 27 Hz sampling.
constexpr uint8_t kDlpf10Hz = 5;
//! Internal sample rate 1 kHz / (1 + 9) = 100 Hz; the board reads the newest at 27 Hz.
constexpr uint8_t kSmplrtDiv100Hz = 9;
//! AK8963 CNTL1: power down, fuse ROM access, 16-bit continuous measurement mode 2.
constexpr uint8_t kAkPowerDown = 0x00, kAkFuseRom = 0x0F, kAkCont2_16bit = 0x16;

enum GxMpuStatus : int {
    GX_MPU_OK = 0,
    GX_MPU_ERR_BUS = -1,     //!< an I2C transfer failed (no device, wiring)
    GX_MPU_ERR_WHOAMI = -2,  //!< WHO_AM_I is not an MPU-9250/9255
    GX_MPU_NO_MAG = 1,       //!< accel/gyro fine, AK8963 absent: 6-axis (magnetometer counts 0)
};

struct GxMpu9250 {
    GxI2cBus bus;
    uint8_t addr;
    bool has_mag;
    uint8_t asa[3];       //!< AK8963 fuse-ROM sensitivity adjustment (raw x, y, z)
    int16_t mag[3];       //!< newest body-frame magnetometer counts (kept while no new data)
};

//! Resets and configures the IMU; returns a GxMpuStatus.
int gx_mpu9250_init(GxMpu9250* imu, const GxI2cBus& bus, uint8_t addr);

//! Reads one sample (the newest accel/gyro, the newest magnetometer) into counts[9];
//! false on a bus error.
bool gx_mpu9250_read(GxMpu9250* imu, int16_t counts[9]);

//! AK8963 raw axis value -> adjusted count: raw * (asa + 128) / 256, rounded half away from
//! zero, saturated to int16 (datasheet: Hadj = H ((ASA - 128) / 256 + 1)).
int16_t gx_ak8963_adjust(int16_t raw, uint8_t asa);

//! The AK8963's axes in the accelerometer's frame: (y, x, -z), saturated.
void gx_ak8963_to_body(const int16_t ak[3], int16_t body[3]);

}  // namespace gx

#endif  // GX_MPU9250_H
