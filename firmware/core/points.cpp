#include "points.h"

#include "fixed.h"
#include "params.h"

namespace gx {

void gx_quat_to_euler(const int32_t q[4], int32_t euler[3]) {
    const int64_t w = q[0], x = q[1], y = q[2], z = q[3];
    const int64_t one60 = INT64_C(1) << 60;
    // every argument below 2^62 + 2^36 for |q_i| <= 2^30 + 4 (golden range proof)
    euler[0] = static_cast<int32_t>(gx_atan2_turns(2 * (w * z + x * y), one60 - 2 * (y * y + z * z)));
    euler[1] = static_cast<int32_t>(gx_asin_turns(gx_rshift_round(2 * (w * y - z * x), 30)));
    euler[2] = static_cast<int32_t>(gx_atan2_turns(2 * (w * x + y * z), one60 - 2 * (x * x + y * y)));
}

void gx_unwrap_turns(const int32_t* a, int n, int stride, int64_t* out) {
    if (n <= 0) return;
    int64_t u = a[0];
    out[0] = u;
    for (int i = 1; i < n; ++i) {
        const int64_t dd = static_cast<int64_t>(a[i * stride]) - a[(i - 1) * stride];
        int64_t step;
        if (-kHalfTurn < dd && dd < kHalfTurn) {
            step = dd;
        } else {
            // (dd + 2^23) mod 2^24, non-negative: mask in uint64 (two's complement)
            const uint64_t m = (static_cast<uint64_t>(dd + kHalfTurn)) & static_cast<uint64_t>(kTurn - 1);
            step = static_cast<int64_t>(m) - kHalfTurn;
            if (step == -kHalfTurn && dd > 0) step = kHalfTurn;
        }
        u += step;
        out[i] = u;
    }
}

void gx_points_from_euler(const int32_t (*euler)[3], int n, int32_t (*pts)[2]) {
    int64_t yaw[kMaxSamples];
    if (n > kMaxSamples) n = kMaxSamples;
    gx_unwrap_turns(&euler[0][0], n, 3, yaw);
    const int64_t c = kParams.rot_cos, s = kParams.rot_sin;
    for (int i = 0; i < n; ++i) {
        const int64_t yv = yaw[i], pv = euler[i][1];  // |yv| <= 2^28: |c yv| <= 2^58
        pts[i][0] = static_cast<int32_t>(gx_rshift_round(c * yv - s * pv, 30));
        pts[i][1] = static_cast<int32_t>(gx_rshift_round(s * yv + c * pv, 30));
    }
}

}  // namespace gx
