#include "resample.h"

#include "fixed.h"

namespace gx {

namespace {

constexpr int kM = kMaxSplinePoints;  // knots (distinct points) at most

// Scaled moments w (Q22) of one coordinate; h: m-1 chords (> 0), y: m values (Q30).
void spline_moments(const int64_t* h, const int64_t* y, const int64_t* alpha,
                    const int64_t* beta, int m, int64_t* w) {
    for (int i = 0; i < m; ++i) w[i] = 0;
    if (m < 3) return;
    int64_t s[kM], cp[kM] = {0}, dp[kM] = {0};
    for (int j = 0; j < m - 1; ++j) s[j] = gx_div_round(gx_shl(y[j + 1] - y[j], 30), h[j]);
    for (int i = 1; i < m - 1; ++i) {
        const int64_t r = gx_rshift_round(6 * (s[i] - s[i - 1]), 30 - kQW);
        int64_t den, num;
        if (i == 1) {
            den = INT64_C(1) << 31;
            num = r;
        } else {
            den = (INT64_C(1) << 31) - gx_rshift_round(alpha[i] * cp[i - 1], 30);  // in (2^30, 2^31]
            num = r - gx_rshift_round(alpha[i] * dp[i - 1], 30);
        }
        cp[i] = gx_div_round(gx_shl(beta[i], 30), den);
        dp[i] = gx_div_round(gx_shl(num, 30), den);
    }
    w[m - 2] = dp[m - 2];
    for (int i = m - 3; i > 0; --i) w[i] = dp[i] - gx_rshift_round(cp[i] * w[i + 1], 30);
}

}  // namespace

bool gx_resample(const int32_t (*p)[2], int n, int32_t (*out)[2]) {
    if (n < 1) return false;
    // drop_repeats
    int64_t px[kM], py[kM];
    int m = 0;
    int64_t lx = p[0][0], ly = p[0][1];
    px[m] = lx;
    py[m] = ly;
    ++m;
    for (int i = 1; i < n; ++i) {
        const int64_t dx = p[i][0] - lx, dy = p[i][1] - ly;
        if (dx * dx + dy * dy > kParams.min_step_sq) {
            if (m >= kM) return false;  // more distinct points than the proof covers
            lx = p[i][0];
            ly = p[i][1];
            px[m] = lx;
            py[m] = ly;
            ++m;
        }
    }
    for (int j = 0; j < m; ++j)
        if (px[j] < 0 || px[j] > kOneQ30 || py[j] < 0 || py[j] > kOneQ30) return false;
    const int n_out = kResamplePoints;
    if (m == 1) {
        for (int j = 0; j < n_out; ++j) {
            out[j][0] = static_cast<int32_t>(px[0]);
            out[j][1] = static_cast<int32_t>(py[0]);
        }
        return true;
    }
    int64_t h[kM], u[kM];
    u[0] = 0;
    for (int j = 0; j < m - 1; ++j) {
        const int64_t dx = px[j + 1] - px[j], dy = py[j + 1] - py[j];
        h[j] = gx_isqrt_round(dx * dx + dy * dy);  // >= 1: repeats were dropped
        u[j + 1] = u[j] + h[j];
    }
    const int64_t U = u[m - 1];
    int64_t alpha[kM] = {0}, beta[kM] = {0};
    for (int i = 2; i < m; ++i) alpha[i] = gx_div_round(gx_shl(h[i - 1], 30), h[i - 2] + h[i - 1]);
    for (int i = 0; i < m - 2; ++i) beta[i] = gx_div_round(gx_shl(h[i], 30), h[i] + h[i + 1]);
    const int64_t* ys[2] = {px, py};
    int64_t ws[2][kM];
    for (int k = 0; k < 2; ++k) {
        if (m >= kParams.min_spline_points)
            spline_moments(h, ys[k], alpha, beta, m, ws[k]);
        else
            for (int i = 0; i < m; ++i) ws[k][i] = 0;
    }
    int seg = 0;
    for (int j = 0; j < n_out; ++j) {
        const int64_t t = gx_div_round(j * U, n_out - 1);
        while (seg < m - 2 && u[seg + 1] <= t) ++seg;
        const int64_t hs = h[seg];
        const int64_t b = gx_div_round(gx_shl(t - u[seg], 30), hs);
        const int64_t a = kOneQ30 - b;
        const int64_t a3 = gx_rshift_round(gx_rshift_round(a * a, 30) * a, 30) - a;
        const int64_t b3 = gx_rshift_round(gx_rshift_round(b * b, 30) * b, 30) - b;
        for (int k = 0; k < 2; ++k) {
            const int64_t* y = ys[k];
            const int64_t* w = ws[k];
            const int64_t val = gx_rshift_round(y[seg] * a + y[seg + 1] * b, 30);
            const int64_t cl = gx_rshift_round(gx_rshift_round(alpha[seg + 1] * w[seg], 30) * a3, 30);
            const int64_t cr = gx_rshift_round(gx_rshift_round(beta[seg] * w[seg + 1], 30) * b3, 30);
            const int64_t v = val + gx_div_round(hs * (cl + cr), INT64_C(6) << kQW);
            out[j][k] = static_cast<int32_t>(gx_sat(v, 0, kOneQ30));
        }
    }
    return true;
}

}  // namespace gx
