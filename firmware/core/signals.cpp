#include "signals.h"

#include "fixed.h"
#include "quant.h"

namespace gx {

namespace {

// Sensor -> world rotation matrix, Q30, of a Q30 quaternion (golden rotation_q30).
void rotation_q30(const int32_t* q, int64_t R[3][3]) {
    const int64_t w = q[0], x = q[1], y = q[2], z = q[3];
    const int64_t one = INT64_C(1) << 60;
    R[0][0] = one - 2 * (y * y + z * z);
    R[0][1] = 2 * (x * y - w * z);
    R[0][2] = 2 * (x * z + w * y);
    R[1][0] = 2 * (x * y + w * z);
    R[1][1] = one - 2 * (x * x + z * z);
    R[1][2] = 2 * (y * z - w * x);
    R[2][0] = 2 * (x * z - w * y);
    R[2][1] = 2 * (y * z + w * x);
    R[2][2] = one - 2 * (x * x + y * y);
    for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j) R[i][j] = gx_rshift_round(R[i][j], kQ30);
}

}  // namespace

void gx_writer_up(const int32_t (*quaternions)[4], int n, int64_t up[2]) {
    int64_t sx = 0, sy = 0;
    int64_t R[3][3];
    for (int t = 0; t < n; ++t) {
        rotation_q30(quaternions[t], R);
        sx += R[0][0];
        sy += R[1][0];
    }
    const int64_t hx = gx_div_round(sx, n), hy = gx_div_round(sy, n);
    const int64_t r = gx_isqrt_round(hx * hx + hy * hy);
    if (r < kGxFrameMinNormQ30) {
        up[0] = kOneQ30;
        up[1] = 0;
        return;
    }
    up[0] = gx_div_round(gx_shl(-hx, kQ30), r);
    up[1] = gx_div_round(gx_shl(-hy, kQ30), r);
}

bool gx_signals(const int16_t (*counts)[9], const int32_t (*quaternions)[4], int n,
                int32_t (*out)[kGxSignalChannels]) {
    if (counts == nullptr || quaternions == nullptr || out == nullptr || n < 1 || n > kMaxSamples) return false;
    int64_t up[2];
    gx_writer_up(quaternions, n, up);
    const int shift = kQ30 - kGxSignalCountsQ;
    int64_t acc_sum[3] = {0, 0, 0};
    for (int t = 0; t < n; ++t) {
        int64_t R[3][3], M[3][3];
        rotation_q30(quaternions[t], R);
        for (int j = 0; j < 3; ++j) {
            M[0][j] = gx_rshift_round(up[1] * R[0][j] - up[0] * R[1][j], kQ30);
            M[1][j] = gx_rshift_round(up[0] * R[0][j] + up[1] * R[1][j], kQ30);
            M[2][j] = R[2][j];
        }
        for (int i = 0; i < 3; ++i) {
            int64_t g = 0, a = 0;
            for (int j = 0; j < 3; ++j) {
                g += M[i][j] * counts[t][3 + j];
                a += M[i][j] * counts[t][j];
            }
            out[t][i] = static_cast<int32_t>(gx_rshift_round(M[i][0], kQ30 - kGxSignalAxisQ));
            out[t][3 + i] = static_cast<int32_t>(gx_rshift_round(g, shift));
            out[t][6 + i] = static_cast<int32_t>(gx_rshift_round(a, shift));
            acc_sum[i] += out[t][6 + i];
        }
    }
    for (int i = 0; i < 3; ++i) {
        const int64_t mean = gx_div_round(acc_sum[i], n);
        for (int t = 0; t < n; ++t) out[t][6 + i] = static_cast<int32_t>(out[t][6 + i] - mean);
    }
    return true;
}

void gx_quantise_signals(const int32_t (*sig)[kGxSignalChannels], int n, const GxSignalQuantiser* q,
                         int8_t (*out)[kGxSignalChannels]) {
    for (int t = 0; t < n; ++t) {
        for (int c = 0; c < kGxSignalChannels; ++c) {
            const int32_t d = static_cast<int32_t>(static_cast<int64_t>(sig[t][c]) - q->offset[c]);
            const int64_t v = static_cast<int64_t>(gx_mbqm(d, q->mult[c], q->shift[c])) + q->zero_point;
            out[t][c] = static_cast<int8_t>(gx_clamp64(v, kInt8Min, kInt8Max));
        }
    }
}

}  // namespace gx
