// Stage 2: Q30 quaternions -> Euler angles -> (x, y) points, 2^-24 turn.
// Twin of host/glovexfer/golden/points.py.
#ifndef GX_POINTS_H
#define GX_POINTS_H

#include <cstdint>

namespace gx {

//! (yaw, pitch, roll) in 2^-24 turn of one Q30 quaternion (|q_i| <= 2^30 + 4).
void gx_quat_to_euler(const int32_t q[4], int32_t euler[3]);

//! np.unwrap in angle units, n values (out may alias nothing); |out| < 2^31 for n <= 255.
void gx_unwrap_turns(const int32_t* a, int n, int stride, int64_t* out);

//! (n, 2) points from (n, 3) Euler angles: yaw unwrapped, rotated by (rot_cos, rot_sin).
void gx_points_from_euler(const int32_t (*euler)[3], int n, int32_t (*pts)[2]);

}  // namespace gx

#endif  // GX_POINTS_H
