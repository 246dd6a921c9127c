#include "smooth.h"

#include "fixed.h"

namespace gx {

void gx_smooth(const int32_t (*p)[2], int n, int window, int32_t (*out)[2]) {
    for (int i = 0; i < n; ++i) {
        out[i][0] = p[i][0];
        out[i][1] = p[i][1];
    }
    if (window < 1 || n < window || window == 1) return;
    const int h = window / 2;
    for (int i = h; i < n - h; ++i)
        for (int k = 0; k < 2; ++k) {
            int64_t s = 0;  // <= window * 2^31
            for (int j = i - h; j <= i + h; ++j) s += p[j][k];
            out[i][k] = static_cast<int32_t>(gx_div_round(s, window));
        }
}

}  // namespace gx
