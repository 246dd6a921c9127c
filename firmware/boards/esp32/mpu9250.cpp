#include "mpu9250.h"

namespace gx {

namespace {

int16_t sat16(int32_t v) {
    return static_cast<int16_t>(v > 32767 ? 32767 : (v < -32768 ? -32768 : v));
}

int16_t be16(const uint8_t* p) { return static_cast<int16_t>(static_cast<uint16_t>((p[0] << 8) | p[1])); }
int16_t le16(const uint8_t* p) { return static_cast<int16_t>(static_cast<uint16_t>((p[1] << 8) | p[0])); }

bool wr(GxMpu9250* imu, uint8_t dev, uint8_t reg, uint8_t v) { return imu->bus.write_reg(imu->bus.ctx, dev, reg, v); }
bool rd(GxMpu9250* imu, uint8_t dev, uint8_t reg, uint8_t* buf, int n) {
    return imu->bus.read_regs(imu->bus.ctx, dev, reg, buf, n);
}
void delay(GxMpu9250* imu, uint32_t ms) {
    if (imu->bus.delay_ms) imu->bus.delay_ms(imu->bus.ctx, ms);
}

bool init_mag(GxMpu9250* imu) {
    uint8_t wia = 0;
    if (!rd(imu, kAkAddr, kAkWia, &wia, 1) || wia != kAkWiaValue) return false;
    if (!wr(imu, kAkAddr, kAkCntl1, kAkPowerDown)) return false;
    delay(imu, 10);
    if (!wr(imu, kAkAddr, kAkCntl1, kAkFuseRom)) return false;
    delay(imu, 10);
    if (!rd(imu, kAkAddr, kAkAsax, imu->asa, 3)) return false;
    if (!wr(imu, kAkAddr, kAkCntl1, kAkPowerDown)) return false;
    delay(imu, 10);
    if (!wr(imu, kAkAddr, kAkCntl1, kAkCont2_16bit)) return false;
    delay(imu, 10);
    return true;
}

}  // namespace

int16_t gx_ak8963_adjust(int16_t raw, uint8_t asa) {
    const int32_t p = static_cast<int32_t>(raw) * (static_cast<int32_t>(asa) + 128);  // |p| < 2^24
    const int32_t q = p >= 0 ? (p + 128) / 256 : -((-p + 128) / 256);
    return sat16(q);
}

void gx_ak8963_to_body(const int16_t ak[3], int16_t body[3]) {
    body[0] = ak[1];
    body[1] = ak[0];
    body[2] = sat16(-static_cast<int32_t>(ak[2]));
}

int gx_mpu9250_init(GxMpu9250* imu, const GxI2cBus& bus, uint8_t addr) {
    imu->bus = bus;
    imu->addr = addr;
    imu->has_mag = false;
    for (int k = 0; k < 3; ++k) {
        imu->asa[k] = 128;  // no adjustment until the fuse ROM is read
        imu->mag[k] = 0;
    }
    uint8_t who = 0;
    if (!rd(imu, addr, kMpuWhoAmI, &who, 1)) return GX_MPU_ERR_BUS;
    if (who != kMpuWhoAmI9250 && who != kMpuWhoAmI9255) return GX_MPU_ERR_WHOAMI;
    if (!wr(imu, addr, kMpuPwrMgmt1, 0x80)) return GX_MPU_ERR_BUS;  // device reset
    delay(imu, 100);
    const uint8_t cfg[][2] = {
        {kMpuPwrMgmt1, 0x01},  // clock: PLL with the gyro's reference when ready
        {kMpuPwrMgmt2, 0x00},  // every axis on
        {kMpuConfig, kDlpf10Hz},
        {kMpuSmplrtDiv, kSmplrtDiv100Hz},
        {kMpuGyroConfig, kGyroFs1000},
        {kMpuAccelConfig, kAccelFs4g},
        {kMpuAccelConfig2, kDlpf10Hz},
        {kMpuIntPinCfg, 0x02},  // BYPASS_EN: the AK8963 appears on the host's I2C bus
    };
    for (const auto& w : cfg)
        if (!wr(imu, addr, w[0], w[1])) return GX_MPU_ERR_BUS;
    delay(imu, 10);
    imu->has_mag = init_mag(imu);
    return imu->has_mag ? GX_MPU_OK : GX_MPU_NO_MAG;
}

bool gx_mpu9250_read(GxMpu9250* imu, int16_t counts[9]) {
    uint8_t b[14];  // ACCEL_XOUT_H .. GYRO_ZOUT_L (temperature in the middle), big-endian
    if (!rd(imu, imu->addr, kMpuAccelXoutH, b, 14)) return false;
    for (int k = 0; k < 3; ++k) {
        counts[k] = be16(b + 2 * k);
        counts[3 + k] = be16(b + 8 + 2 * k);
    }
    if (imu->has_mag) {
        uint8_t st1 = 0;
        uint8_t m[7];  // HXL .. HZH little-endian, then ST2 (reading it ends the measurement)
        if (rd(imu, kAkAddr, kAkSt1, &st1, 1) && (st1 & 0x01u) && rd(imu, kAkAddr, kAkHxl, m, 7)) {
            const bool overflow = (m[6] & 0x08u) != 0;  // ST2 HOFL: |field| beyond the range
            if (!overflow) {
                int16_t ak[3];
                for (int k = 0; k < 3; ++k) ak[k] = gx_ak8963_adjust(le16(m + 2 * k), imu->asa[k]);
                gx_ak8963_to_body(ak, imu->mag);
            }
        }
    }
    for (int k = 0; k < 3; ++k) counts[6 + k] = imu->mag[k];
    return true;
}

}  // namespace gx
