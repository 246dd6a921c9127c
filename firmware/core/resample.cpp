#include "resample.h"

#include "fixed.h"

namespace gx {

namespace {

constexpr int kM = kMaxSplinePoints;  // knots (distinct points) at most

// The work arrays are int32 wherever the golden model's range checks (chk32) bound the
// values: points and alpha, beta in [0, 2^30]; chords h <= 2^30.5 < 2^31; slopes, cp, dp and
// w (|w| <= 12 (m - 2) in Q22 for m <= kM). Every product is formed in int64, as in the
// golden model, so the narrower storage changes no bit.

// Scaled moments w (Q22) of one coordinate; h: m-1 chords (> 0), y: m values (Q30).
// Thomas algorithm in place: the forward sweep leaves dp_i in w[i] (only cp_i is kept
// apart), the back substitution turns it into w_i; the slopes are formed as they are used.
void spline_moments(const int32_t* h, const int32_t* y, const int32_t* alpha, const int32_t* beta, int m,
                    int32_t* w) {
    for (int i = 0; i < m; ++i) w[i] = 0;
    if (m < 3) return;
    int32_t cp[kM];
    int64_t s_prev = gx_div_round(gx_shl(static_cast<int64_t>(y[1]) - y[0], 30), h[0]);
    for (int i = 1; i < m - 1; ++i) {
        const int64_t s = gx_div_round(gx_shl(static_cast<int64_t>(y[i + 1]) - y[i], 30), h[i]);
        const int64_t r = gx_rshift_round(6 * (s - s_prev), 30 - kQW);
        s_prev = s;
        int64_t den, num;
        if (i == 1) {
            den = INT64_C(1) << 31;
            num = r;
        } else {
            den = (INT64_C(1) << 31) - gx_rshift_round(static_cast<int64_t>(alpha[i]) * cp[i - 1], 30);  // in (2^30, 2^31]
            num = r - gx_rshift_round(static_cast<int64_t>(alpha[i]) * w[i - 1], 30);
        }
        cp[i] = static_cast<int32_t>(gx_div_round(gx_shl(beta[i], 30), den));
        w[i] = static_cast<int32_t>(gx_div_round(gx_shl(num, 30), den));  // dp_i
    }
    for (int i = m - 3; i > 0; --i)
        w[i] = static_cast<int32_t>(w[i] - gx_rshift_round(static_cast<int64_t>(cp[i]) * w[i + 1], 30));
}

}  // namespace

bool gx_resample(const int32_t (*p)[2], int n, int32_t (*out)[2]) {
    if (n < 1) return false;
    // drop_repeats
    int32_t ys[2][kM];  // the distinct points' x and y (Q30)
    int m = 0;
    int32_t lx = p[0][0], ly = p[0][1];
    ys[0][m] = lx;
    ys[1][m] = ly;
    ++m;
    for (int i = 1; i < n; ++i) {
        const int64_t dx = static_cast<int64_t>(p[i][0]) - lx, dy = static_cast<int64_t>(p[i][1]) - ly;
        if (dx * dx + dy * dy > kParams.min_step_sq) {
            if (m >= kM) return false;  // more distinct points than the proof covers
            lx = p[i][0];
            ly = p[i][1];
            ys[0][m] = lx;
            ys[1][m] = ly;
            ++m;
        }
    }
    for (int j = 0; j < m; ++j)
        for (int k = 0; k < 2; ++k)
            if (ys[k][j] < 0 || ys[k][j] > kOneQ30) return false;
    const int n_out = kResamplePoints;
    if (m == 1) {
        for (int j = 0; j < n_out; ++j) {
            out[j][0] = ys[0][0];
            out[j][1] = ys[1][0];
        }
        return true;
    }
    int32_t h[kM];
    int64_t U = 0;  // the cumulative chord length u_{m-1}
    for (int j = 0; j < m - 1; ++j) {
        const int64_t dx = static_cast<int64_t>(ys[0][j + 1]) - ys[0][j], dy = static_cast<int64_t>(ys[1][j + 1]) - ys[1][j];
        h[j] = static_cast<int32_t>(gx_isqrt_round(dx * dx + dy * dy));  // in [1, 2^30.5]: repeats were dropped
        U += h[j];
    }
    int32_t alpha[kM] = {0}, beta[kM] = {0};
    for (int i = 2; i < m; ++i) alpha[i] = static_cast<int32_t>(gx_div_round(gx_shl(h[i - 1], 30), static_cast<int64_t>(h[i - 2]) + h[i - 1]));
    for (int i = 0; i < m - 2; ++i) beta[i] = static_cast<int32_t>(gx_div_round(gx_shl(h[i], 30), static_cast<int64_t>(h[i]) + h[i + 1]));
    int32_t ws[2][kM];
    for (int k = 0; k < 2; ++k) {
        if (m >= kParams.min_spline_points)
            spline_moments(h, ys[k], alpha, beta, m, ws[k]);
        else
            for (int i = 0; i < m; ++i) ws[k][i] = 0;
    }
    // u_seg and u_{seg+1} advance with seg (t grows with j), so u is never stored
    int seg = 0;
    int64_t u_seg = 0, u_next = h[0];
    for (int j = 0; j < n_out; ++j) {
        const int64_t t = gx_div_round(j * U, n_out - 1);
        while (seg < m - 2 && u_next <= t) {
            ++seg;
            u_seg = u_next;
            u_next += h[seg];
        }
        const int64_t hs = h[seg];
        const int64_t b = gx_div_round(gx_shl(t - u_seg, 30), hs);
        const int64_t a = kOneQ30 - b;
        const int64_t a3 = gx_rshift_round(gx_rshift_round(a * a, 30) * a, 30) - a;
        const int64_t b3 = gx_rshift_round(gx_rshift_round(b * b, 30) * b, 30) - b;
        for (int k = 0; k < 2; ++k) {
            const int32_t* y = ys[k];
            const int32_t* w = ws[k];
            const int64_t val = gx_rshift_round(static_cast<int64_t>(y[seg]) * a + static_cast<int64_t>(y[seg + 1]) * b, 30);
            const int64_t cl = gx_rshift_round(gx_rshift_round(static_cast<int64_t>(alpha[seg + 1]) * w[seg], 30) * a3, 30);
            const int64_t cr = gx_rshift_round(gx_rshift_round(static_cast<int64_t>(beta[seg]) * w[seg + 1], 30) * b3, 30);
            const int64_t v = val + gx_div_round(hs * (cl + cr), INT64_C(6) << kQW);
            out[j][k] = static_cast<int32_t>(gx_sat(v, 0, kOneQ30));
        }
    }
    return true;
}

}  // namespace gx
