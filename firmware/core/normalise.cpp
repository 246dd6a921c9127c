#include "normalise.h"

#include "fixed.h"

namespace gx {

bool gx_normalise(const int32_t (*p)[2], int n, int32_t (*out)[2]) {
    if (n < 1) return false;
    const int64_t lim = INT64_C(1) << 29;
    int64_t lo[2] = {p[0][0], p[0][1]}, hi[2] = {p[0][0], p[0][1]};
    for (int i = 0; i < n; ++i)
        for (int k = 0; k < 2; ++k) {
            const int64_t v = p[i][k];
            if (v > lim || v < -lim) return false;
            if (v < lo[k]) lo[k] = v;
            if (v > hi[k]) hi[k] = v;
        }
    const int64_t rng[2] = {hi[0] - lo[0], hi[1] - lo[1]};
    const int64_t r = rng[0] > rng[1] ? rng[0] : rng[1];
    if (r == 0) {  // stationary glove: every point (0.5, 0.5)
        for (int i = 0; i < n; ++i) out[i][0] = out[i][1] = static_cast<int32_t>(kOneQ30 >> 1);
        return true;
    }
    for (int i = 0; i < n; ++i)
        for (int k = 0; k < 2; ++k) {
            // numerator <= 2 r <= 2^31, shifted <= 2^61
            const int64_t num = gx_shl(2 * (p[i][k] - lo[k]) + r - rng[k], 30);
            out[i][k] = static_cast<int32_t>(gx_sat(gx_div_round(num, 2 * r), 0, kOneQ30));
        }
    return true;
}

}  // namespace gx
