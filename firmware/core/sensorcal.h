// Sensor calibration of the glove's IMU: gyroscope bias (the glove held still) and
// magnetometer hard iron + per-axis soft iron (the hand turned through many orientations),
// estimated on the device from raw counts and applied to every sample before the
// recogniser, in integer arithmetic. Twin of host/glovexfer/golden/sensorcal.py (bit for
// bit); docs/sensor-calibration.md explains the method and its limits.
//
// Applying (gx_sensorcal_apply), per sample, counts in the data format's order
// ax ay az gx gy gz mx my mz:
//   gyro  g'_k = sat16(g_k - gyro_bias_k)
//   mag   m'_k = sat16((mag_scale_q14_k * (m_k - mag_offset_k) + 2^13) >> 14)
//         (floor shift), except an all-zero magnetometer sample (a 6-axis glove), which
//         stays zero;
//   the accelerometer is not changed.
// Estimating:
//   gyro bias   = the mean of kGxCalGyroSamples still samples per axis, rounded half away
//                 from zero; refused when any gyro axis spans more than kGxCalStillRange
//                 counts (the glove moved);
//   mag offset  = (max + min) >> 1 per axis over kGxCalMagSamples samples, and with the
//                 diameters d_k = max_k - min_k and their mean D = (d_0 + d_1 + d_2) / 3,
//   mag scale   = (D * 2^14 + d_k / 2) / d_k (Q14), so every axis gets the mean diameter;
//                 refused when an axis' diameter is below kGxCalMagMinDiameter or below
//                 5/8 of the largest (the hand did not turn enough), or when samples have
//                 no magnetometer.
// No heap, no I/O; the collector is caller-owned.
#ifndef GX_SENSORCAL_H
#define GX_SENSORCAL_H

#include <cstdint>

namespace gx {

//! Still samples for the gyro bias: 2 s at 27 Hz.
constexpr int kGxCalGyroSamples = 54;
//! Samples of the magnetometer sweep: 12 s at 27 Hz.
constexpr int kGxCalMagSamples = 324;
//! Largest span (max - min) of a gyro axis over the still samples: 40 counts = 1.2 deg/s.
constexpr int32_t kGxCalStillRange = 40;
//! Smallest magnetometer diameter per axis: 200 counts = 30 uT (the Earth's field is
//! 25-65 uT, so a full turn spans 50-130 uT).
constexpr int32_t kGxCalMagMinDiameter = 200;
//! Largest |gyro bias| accepted (by estimation and by gx_sensorcal_valid): 4096 counts.
constexpr int32_t kGxCalMaxGyroBias = 4096;
//! Soft-iron scale range, Q14: [0.5, 2).
constexpr int32_t kGxCalScaleMin = 1 << 13, kGxCalScaleMax = (1 << 15) - 1;
constexpr int32_t kGxCalScaleOne = 1 << 14;

//! One glove's calibration. A part that was never estimated is the identity (bias 0,
//! offset 0, scale 1.0); `flags` says which parts were estimated.
struct GxSensorCal {
    int16_t gyro_bias[3];
    int16_t mag_offset[3];
    int32_t mag_scale_q14[3];
    uint32_t flags;  //!< kGxCalHasGyro | kGxCalHasMag
};
constexpr uint32_t kGxCalHasGyro = 1u, kGxCalHasMag = 2u;

enum GxCalStatus : int {
    GX_CAL_OK = 0,
    GX_CAL_MORE = 1,          //!< the collector wants more samples
    GX_CAL_ERR_MOVED = -1,    //!< gyro: the glove was not still
    GX_CAL_ERR_NO_MAG = -2,   //!< mag: a sample had no magnetometer (6-axis glove)
    GX_CAL_ERR_COVERAGE = -3, //!< mag: the hand did not turn through enough orientations
    GX_CAL_ERR_RANGE = -4,    //!< a result out of the accepted ranges
};

//! The identity calibration (nothing estimated).
void gx_sensorcal_identity(GxSensorCal* cal);
//! true when every field is within the accepted ranges (used on values loaded from flash).
bool gx_sensorcal_valid(const GxSensorCal* cal);
//! One calibrated sample (in and out may be the same array).
void gx_sensorcal_apply(const GxSensorCal* cal, const int16_t in[9], int16_t out[9]);

//! What a calibration run collects: running sums / extremes, no sample buffer.
struct GxCalCollector {
    int kind;  //!< 0 idle, 1 gyro, 2 mag
    int n;     //!< samples so far
    int32_t sum[3];
    int16_t lo[3], hi[3];
    bool no_mag;
};
constexpr int kGxCalIdle = 0, kGxCalGyro = 1, kGxCalMag = 2;

void gx_cal_begin(GxCalCollector* c, int kind);
//! One raw sample. Returns GX_CAL_MORE until the run has its samples, then the result:
//! GX_CAL_OK with *cal's part for this kind replaced (the other part kept), or an error
//! (the calibration untouched). The collector is idle afterwards.
int gx_cal_push(GxCalCollector* c, const int16_t sample[9], GxSensorCal* cal);

//! Serialised form (little-endian, 32 bytes: magic "GXC1", the fields, FNV-1a 32), for the
//! board's settings store.
constexpr int kGxCalBytes = 32;
void gx_sensorcal_pack(const GxSensorCal* cal, uint8_t out[kGxCalBytes]);
//! false (cal set to the identity) on a wrong magic, checksum or range.
bool gx_sensorcal_unpack(const uint8_t in[kGxCalBytes], GxSensorCal* cal);

}  // namespace gx

#endif  // GX_SENSORCAL_H
