// Stage 1: int16 counts -> Q30 orientation quaternions (fixed-point Madgwick MARG/IMU).
// Twin of host/glovexfer/golden/orientation.py.
#ifndef GX_ORIENTATION_H
#define GX_ORIENTATION_H

#include <cstdint>

namespace gx {

//! One filter instance (Fusion-style: a small struct, no allocation).
struct GxOrientation {
    int32_t q[4];  //!< Q30 unit quaternion (w, x, y, z), sensor -> world (NWU)
    bool started;  //!< false until the first sample set the initial quaternion
};

//! Q30 half-angle step of one gyro count: rshift_round(count * gyr_k, gyr_shift).
int32_t gx_gyro_to_dtheta(int16_t count);

//! Reset (the next sample gives the initial quaternion, no update).
void gx_orientation_init(GxOrientation* o);

//! Feed one sample (acc[3], gyr[3], mag[3] counts); use_mag false = 6-axis. Writes the
//! sample's dtheta (Q30) to dtheta_out if not null.
void gx_orientation_update(GxOrientation* o, const int16_t sample[9], bool use_mag,
                           int32_t dtheta_out[3]);

// Building blocks (exposed for tests).
void gx_quat_mul_q30(const int64_t p[4], const int64_t q[4], int64_t out[4]);
void gx_tilt_quaternion(const int64_t acc[3], int64_t q[4]);
void gx_initial_quaternion(const int64_t acc[3], const int64_t mag[3], int64_t q[4]);

}  // namespace gx

#endif  // GX_ORIENTATION_H
