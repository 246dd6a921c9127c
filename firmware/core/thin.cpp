#include "thin.h"

#include "params.h"

namespace gx {

int gx_thin_end_start_index(int n) {
    const int64_t den = kParams.end_den;  // > 0 (static_assert in params.h)
    return static_cast<int>((n * (den - kParams.end_num) + den - 1) / den);
}

int gx_thin_indices(const int32_t (*p)[2], int n, int32_t* keep) {
    if (n < 1) return 0;
    const int i_end = gx_thin_end_start_index(n);
    int m = 0;
    keep[m++] = 0;
    int64_t lx = p[0][0], ly = p[0][1];
    for (int i = 1; i < n; ++i) {
        const int64_t thr2 = i >= i_end ? kParams.thin_end_min_sq : kParams.thin_min_sq;
        const int64_t dx = p[i][0] - lx, dy = p[i][1] - ly;  // Q30 points in [0, 2^30]: d2 <= 2^61
        if (dx * dx + dy * dy >= thr2) {
            keep[m++] = i;
            lx = p[i][0];
            ly = p[i][1];
        }
    }
    return m;
}

}  // namespace gx
