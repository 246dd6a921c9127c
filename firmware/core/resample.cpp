#include "resample.h"

#include "fixed.h"

namespace gx {

namespace {

constexpr int kM = kMaxSplinePoints;  // knots (distinct points) at most

// The work arrays are int32 wherever the golden model's range checks (chk32) bound the
// values: chords h <= 2^30.5 < 2^31; slopes, cp, dp and w (|w| <=
// 12 (m - 2) in Q22 for m <= kM). Every product is formed in int64, as in the golden model,
// so the narrower storage changes no bit.

// alpha_i = h_{i-1} / (h_{i-2} + h_{i-1}) (2 <= i <= m-1, else 0) and beta_i = h_i / (h_i +
// h_{i+1}) (0 <= i <= m-3, else 0), Q30 in [0, 2^30]: formed where they are used.
int64_t spline_alpha(const int32_t* h, int m, int i) {
    return i >= 2 && i < m ? gx_div_round(gx_shl(h[i - 1], 30), static_cast<int64_t>(h[i - 2]) + h[i - 1]) : 0;
}
int64_t spline_beta(const int32_t* h, int m, int i) {
    return i >= 0 && i < m - 2 ? gx_div_round(gx_shl(h[i], 30), static_cast<int64_t>(h[i]) + h[i + 1]) : 0;
}

// Scaled moments w (Q22) of both coordinates; h: m-1 chords (> 0), p[keep[0..m-1]]: the m
// knots (Q30).
// Thomas algorithm in place: den_i and cp_i do not depend on the coordinate, so one sweep
// forms them once for both; it leaves dp_i in w[k][i] (only cp_i is kept apart), the back
// substitution turns it into w_i; the slopes are formed as they are used.
void spline_moments(const int32_t* h, const int32_t (*p)[2], const int32_t* keep, int m, int32_t (*w)[kM],
                    int32_t* cp) {
    int64_t s_prev[2];
    for (int k = 0; k < 2; ++k)
        s_prev[k] = gx_div_round(gx_shl(static_cast<int64_t>(p[keep[1]][k]) - p[keep[0]][k], 30), h[0]);
    for (int i = 1; i < m - 1; ++i) {
        const int64_t alpha = spline_alpha(h, m, i);
        const int64_t den = i == 1 ? INT64_C(1) << 31
                                   : (INT64_C(1) << 31) - gx_rshift_round(alpha * cp[i - 1], 30);  // in (2^30, 2^31]
        cp[i] = static_cast<int32_t>(gx_div_round(gx_shl(spline_beta(h, m, i), 30), den));
        for (int k = 0; k < 2; ++k) {
            const int64_t s = gx_div_round(gx_shl(static_cast<int64_t>(p[keep[i + 1]][k]) - p[keep[i]][k], 30), h[i]);
            const int64_t r = gx_rshift_round(6 * (s - s_prev[k]), 30 - kQW);
            s_prev[k] = s;
            const int64_t num = i == 1 ? r : r - gx_rshift_round(alpha * w[k][i - 1], 30);
            w[k][i] = static_cast<int32_t>(gx_div_round(gx_shl(num, 30), den));  // dp_i
        }
    }
    for (int k = 0; k < 2; ++k)
        for (int i = m - 3; i > 0; --i)
            w[k][i] = static_cast<int32_t>(w[k][i] - gx_rshift_round(static_cast<int64_t>(cp[i]) * w[k][i + 1], 30));
}

}  // namespace

bool gx_resample(const int32_t (*p)[2], int n, int32_t (*out)[2], GxSplineWork* work) {
    if (n < 1) return false;
    // drop_repeats: the distinct points are p[keep[0..m-1]] (indices, not copies)
    int32_t* const keep = work->keep;
    int m = 0;
    keep[m++] = 0;
    for (int i = 1; i < n; ++i) {
        const int64_t dx = static_cast<int64_t>(p[i][0]) - p[keep[m - 1]][0];
        const int64_t dy = static_cast<int64_t>(p[i][1]) - p[keep[m - 1]][1];
        if (dx * dx + dy * dy > kParams.min_step_sq) {
            if (m >= kM) return false;  // more distinct points than the proof covers
            keep[m++] = i;
        }
    }
    for (int j = 0; j < m; ++j)
        for (int k = 0; k < 2; ++k)
            if (p[keep[j]][k] < 0 || p[keep[j]][k] > kOneQ30) return false;
    const int n_out = kResamplePoints;
    if (m == 1) {
        for (int j = 0; j < n_out; ++j) {
            out[j][0] = p[0][0];
            out[j][1] = p[0][1];
        }
        return true;
    }
    int32_t* const h = work->h;
    int64_t U = 0;  // the cumulative chord length u_{m-1}
    for (int j = 0; j < m - 1; ++j) {
        const int64_t dx = static_cast<int64_t>(p[keep[j + 1]][0]) - p[keep[j]][0];
        const int64_t dy = static_cast<int64_t>(p[keep[j + 1]][1]) - p[keep[j]][1];
        h[j] = static_cast<int32_t>(gx_isqrt_round(dx * dx + dy * dy));  // in [1, 2^30.5]: repeats were dropped
        U += h[j];
    }
    int32_t (*const ws)[kM] = work->w;
    for (int k = 0; k < 2; ++k)
        for (int i = 0; i < m; ++i) ws[k][i] = 0;
    if (m >= kParams.min_spline_points) spline_moments(h, p, keep, m, ws, work->cp);
    // u_seg and u_{seg+1} advance with seg (t grows with j), so u is never stored; so do
    // alpha_{seg+1} and beta_seg
    int seg = 0;
    int64_t u_seg = 0, u_next = h[0];
    int64_t alpha = spline_alpha(h, m, 1), beta = spline_beta(h, m, 0);
    for (int j = 0; j < n_out; ++j) {
        const int64_t t = gx_div_round(j * U, n_out - 1);
        if (seg < m - 2 && u_next <= t) {
            while (seg < m - 2 && u_next <= t) {
                ++seg;
                u_seg = u_next;
                u_next += h[seg];
            }
            alpha = spline_alpha(h, m, seg + 1);
            beta = spline_beta(h, m, seg);
        }
        const int64_t hs = h[seg];
        const int64_t b = gx_div_round(gx_shl(t - u_seg, 30), hs);
        const int64_t a = kOneQ30 - b;
        const int64_t a3 = gx_rshift_round(gx_rshift_round(a * a, 30) * a, 30) - a;
        const int64_t b3 = gx_rshift_round(gx_rshift_round(b * b, 30) * b, 30) - b;
        for (int k = 0; k < 2; ++k) {
            const int32_t* w = ws[k];
            const int64_t y0 = p[keep[seg]][k], y1 = p[keep[seg + 1]][k];
            const int64_t val = gx_rshift_round(y0 * a + y1 * b, 30);
            const int64_t cl = gx_rshift_round(gx_rshift_round(alpha * w[seg], 30) * a3, 30);
            const int64_t cr = gx_rshift_round(gx_rshift_round(beta * w[seg + 1], 30) * b3, 30);
            const int64_t v = val + gx_div_round(hs * (cl + cr), INT64_C(6) << kQW);
            out[j][k] = static_cast<int32_t>(gx_sat(v, 0, kOneQ30));
        }
    }
    return true;
}

}  // namespace gx
