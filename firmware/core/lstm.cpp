#include "lstm.h"

#include "quant.h"

namespace gx {

namespace {

// TFLite's sigmoid_table_uint16 (kernels/internal/common.h): sigmoid(i/24) in 0.16.
const uint16_t kSigmoidTable[256] = {
    32768, 33451, 34133, 34813, 35493, 36169, 36843, 37513, 38180, 38841, 39498, 40149,
    40794, 41432, 42064, 42688, 43304, 43912, 44511, 45102, 45683, 46255, 46817, 47369,
    47911, 48443, 48964, 49475, 49975, 50464, 50942, 51409, 51865, 52311, 52745, 53169,
    53581, 53983, 54374, 54755, 55125, 55485, 55834, 56174, 56503, 56823, 57133, 57433,
    57724, 58007, 58280, 58544, 58800, 59048, 59288, 59519, 59743, 59959, 60168, 60370,
    60565, 60753, 60935, 61110, 61279, 61441, 61599, 61750, 61896, 62036, 62172, 62302,
    62428, 62549, 62666, 62778, 62886, 62990, 63090, 63186, 63279, 63368, 63454, 63536,
    63615, 63691, 63765, 63835, 63903, 63968, 64030, 64090, 64148, 64204, 64257, 64308,
    64357, 64405, 64450, 64494, 64536, 64576, 64614, 64652, 64687, 64721, 64754, 64786,
    64816, 64845, 64873, 64900, 64926, 64950, 64974, 64997, 65019, 65039, 65060, 65079,
    65097, 65115, 65132, 65149, 65164, 65179, 65194, 65208, 65221, 65234, 65246, 65258,
    65269, 65280, 65291, 65301, 65310, 65319, 65328, 65337, 65345, 65352, 65360, 65367,
    65374, 65381, 65387, 65393, 65399, 65404, 65410, 65415, 65420, 65425, 65429, 65433,
    65438, 65442, 65445, 65449, 65453, 65456, 65459, 65462, 65465, 65468, 65471, 65474,
    65476, 65479, 65481, 65483, 65485, 65488, 65489, 65491, 65493, 65495, 65497, 65498,
    65500, 65501, 65503, 65504, 65505, 65507, 65508, 65509, 65510, 65511, 65512, 65513,
    65514, 65515, 65516, 65517, 65517, 65518, 65519, 65520, 65520, 65521, 65522, 65522,
    65523, 65523, 65524, 65524, 65525, 65525, 65526, 65526, 65526, 65527, 65527, 65528,
    65528, 65528, 65529, 65529, 65529, 65529, 65530, 65530, 65530, 65530, 65531, 65531,
    65531, 65531, 65531, 65532, 65532, 65532, 65532, 65532, 65532, 65533, 65533, 65533,
    65533, 65533, 65533, 65533, 65533, 65534, 65534, 65534, 65534, 65534, 65534, 65534,
    65534, 65534, 65534, 65535,
};

static_assert((INT64_C(-9) >> 8) == -1, "arithmetic right shift required");

int64_t abs64(int64_t v) { return v < 0 ? -v : v; }

// Scratch (static, no heap): gate activations and pre-activation halves.
int16_t g_fc_a[kGxLstmMaxUnits];
int16_t g_fc_r[kGxLstmMaxUnits];
int16_t g_act[kGxLstmGates][kGxLstmMaxUnits];
int16_t g_c[kGxLstmMaxUnits];
int8_t g_h[kGxLstmMaxUnits];

void gate(const GxLstmParams* p, int g, const int8_t* x_t, const int8_t* h, int16_t* act) {
    const GxLstmGateParams& q = p->gate[g];
    const int32_t n = p->units;
    gx_fully_connected_i16(x_t, p->in_dim, q.w_input, q.bias, n, &q.fc_input, g_fc_a);
    gx_fully_connected_i16(h, n, q.w_recurrent, nullptr, n, &q.fc_recurrent, g_fc_r);
    for (int32_t k = 0; k < n; ++k) {
        const int32_t pre = static_cast<int32_t>(
            gx_clamp64(static_cast<int64_t>(g_fc_a[k]) + g_fc_r[k], kInt16Min, kInt16Max));
        act[k] = (g == kGxGateCell) ? gx_lstm_tanh(pre, -12) : gx_sigmoid_int16(pre);
    }
}

int64_t mul_elementwise(int32_t a, int32_t b, int32_t m, int32_t s, int32_t offset, int32_t lo, int32_t hi) {
    return gx_clamp64(static_cast<int64_t>(offset) + gx_mbqm(a * b, m, s), lo, hi);
}

}  // namespace

int16_t gx_sigmoid_int16(int32_t x) {
    const int64_t v = static_cast<int64_t>(x) * 3;  // input_multiplier 3, left shift 0
    const int64_t a = abs64(v);
    const int64_t uh = a >> 9;
    int64_t res;
    if (uh >= 255) {
        res = INT64_C(0x7FFF) << 10;
    } else {
        const int64_t ua = kSigmoidTable[uh];
        const int64_t ub = kSigmoidTable[uh + 1];
        res = (ua << 9) + (a & 0x1FF) * (ub - ua);
    }
    res = (v >= 0) ? res + (1 << 9) : (INT64_C(1) << (16 + 9)) - res + (1 << 9) - 1;
    res = static_cast<int64_t>((static_cast<uint64_t>(res) & 0xFFFFFFFFu) >> 10);  // uint32 arithmetic
    return gx_wrap16(res);
}

int16_t gx_tanh_int16(int32_t x, int32_t input_multiplier, int32_t input_left_shift) {
    if (input_multiplier == 0) {
        input_multiplier = 3 << input_left_shift;
        input_left_shift = 0;
    }
    const int64_t rnd = input_left_shift > 0 ? (INT64_C(1) << (input_left_shift - 1)) : 0;
    const int64_t v = (static_cast<int64_t>(x) * input_multiplier + rnd) >> input_left_shift;
    const int64_t a = abs64(v);
    const int64_t uh = a >> 8;
    int64_t res;
    if (uh >= 255) {
        res = INT64_C(0xFFFF) << 8;
    } else {
        const int64_t ua = kSigmoidTable[uh];
        const int64_t ub = kSigmoidTable[uh + 1];
        res = (ua << 8) + (a & 0xFF) * (ub - ua);
    }
    res = (v >= 0) ? res - (INT64_C(1) << (14 + 9)) + (1 << (9 - 2))
                   : -res + (INT64_C(1) << (14 + 9)) + (1 << (9 - 2)) - 1;
    return gx_wrap16(res >> (9 - 1));
}

int16_t gx_lstm_tanh(int32_t x, int32_t cell_state_scale_power) {
    int32_t left_shift = (15 + cell_state_scale_power) - 3;
    int32_t multiplier = 0;
    if (left_shift < 0) {
        left_shift = -left_shift;
        multiplier = 3;
    }
    return gx_tanh_int16(x, multiplier, left_shift);
}

bool gx_lstm_int8(const int8_t* x, int32_t steps, const GxLstmParams* p, int8_t* out) {
    const int32_t n = p->units;
    if (n <= 0 || n > kGxLstmMaxUnits || p->in_dim <= 0) return false;
    for (int32_t k = 0; k < n; ++k) {
        g_h[k] = static_cast<int8_t>(p->hidden_zero_point);
        g_c[k] = 0;
    }
    for (int32_t t = 0; t < steps; ++t) {
        const int8_t* x_t = x + t * p->in_dim;
        gate(p, kGxGateForget, x_t, g_h, g_act[kGxGateForget]);
        gate(p, kGxGateInput, x_t, g_h, g_act[kGxGateInput]);
        gate(p, kGxGateCell, x_t, g_h, g_act[kGxGateCell]);
        for (int32_t k = 0; k < n; ++k) {
            const int64_t fc = mul_elementwise(g_act[kGxGateForget][k], g_c[k], p->forget_cell_mul,
                                               p->forget_cell_shift, 0, kInt16Min, kInt16Max);
            const int64_t ig = mul_elementwise(g_act[kGxGateInput][k], g_act[kGxGateCell][k], p->input_mul,
                                               p->input_shift, 0, kInt16Min, kInt16Max);
            int64_t c = gx_clamp64(fc + ig, kInt16Min, kInt16Max);
            if (p->use_cell_clip) c = gx_clamp64(c, -p->quantized_cell_clip, p->quantized_cell_clip);
            g_c[k] = static_cast<int16_t>(c);
        }
        // the output gate still sees the previous h
        gate(p, kGxGateOutput, x_t, g_h, g_act[kGxGateOutput]);
        for (int32_t k = 0; k < n; ++k) {
            const int16_t tc = gx_lstm_tanh(g_c[k], p->cell_state_scale_power);
            g_h[k] = static_cast<int8_t>(mul_elementwise(tc, g_act[kGxGateOutput][k], p->output_mul, p->output_shift,
                                                         p->hidden_zero_point, kInt8Min, kInt8Max));
            out[t * n + k] = g_h[k];
        }
    }
    return true;
}

}  // namespace gx
