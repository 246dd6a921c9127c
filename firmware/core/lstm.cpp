#include "lstm.h"

#include "dot.h"
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

// Scratch (static, no heap): gate activations, the input halves of the gate sums, the
// widened hidden state.
int16_t g_fc_a[kGxLstmMaxUnits];
int16_t g_fc_r[kGxLstmMaxUnits];
int16_t g_act[kGxLstmGates][kGxLstmMaxUnits];
int16_t g_c[kGxLstmMaxUnits];
int8_t g_h[kGxLstmMaxUnits];
alignas(4) int16_t g_hcol[kGxLstmMaxUnits];

// gx_sigmoid_int16 for x in the int16 range: every intermediate then fits int32
// (|3x| < 2^17, the table interpolation < 2^25), so the same arithmetic runs without int64.
inline int16_t sigmoid16(int32_t x) {
    const int32_t v = x * 3;
    const int32_t a = v < 0 ? -v : v;
    const int32_t uh = a >> 9;
    int32_t res;
    if (uh >= 255) {
        res = 0x7FFF << 10;
    } else {
        const int32_t ua = kSigmoidTable[uh];
        res = (ua << 9) + (a & 0x1FF) * (static_cast<int32_t>(kSigmoidTable[uh + 1]) - ua);
    }
    res = (v >= 0) ? res + (1 << 9) : (1 << (16 + 9)) - res + (1 << 9) - 1;
    return static_cast<int16_t>(res >> 10);  // res >= 0: the uint32 shift of the reference
}

// gx_tanh_int16 for x in the int16 range with the resolved multiplier (1..3 * 2^12) and
// right shift (0..1) of gx_lstm_tanh: intermediates below 2^27, so int32 suffices.
inline int16_t tanh16(int32_t x, int32_t mult, int32_t rshift) {
    const int32_t rnd = rshift > 0 ? (1 << (rshift - 1)) : 0;
    const int32_t v = (x * mult + rnd) >> rshift;
    const int32_t a = v < 0 ? -v : v;
    const int32_t uh = a >> 8;
    int32_t res;
    if (uh >= 255) {
        res = 0xFFFF << 8;
    } else {
        const int32_t ua = kSigmoidTable[uh];
        res = (ua << 8) + (a & 0xFF) * (static_cast<int32_t>(kSigmoidTable[uh + 1]) - ua);
    }
    res = (v >= 0) ? res - (1 << (14 + 9)) + (1 << (9 - 2)) : -res + (1 << (14 + 9)) + (1 << (9 - 2)) - 1;
    return static_cast<int16_t>(res >> (9 - 1));
}

// gx_lstm_tanh's (multiplier, right shift) for gx_tanh_int16, resolved once per call; fast =
// the int32 form is exact (multiplier below 2^14).
struct TanhArgs {
    int32_t mult, rshift;
    bool fast;
};

TanhArgs tanh_args(int32_t cell_state_scale_power) {
    const int32_t left_shift = (15 + cell_state_scale_power) - 3;
    if (left_shift < 0) return {3, -left_shift, left_shift > -31};
    return {left_shift <= 12 ? 3 << left_shift : 0, 0, left_shift <= 12};
}

// The gate's requantisations, resolved once per call (per row when per-channel).
struct GateRq {
    GxRq in, rec;
    bool in_per_channel, rec_per_channel;
};

GateRq gate_rq(const GxLstmGateParams& q) {
    const GxFcParams& a = q.fc_input;
    const GxFcParams& r = q.fc_recurrent;
    return {gx_rq_make(a.multiplier[0], a.shift[0], a.output_offset, a.act_min, a.act_max),
            gx_rq_make(r.multiplier[0], r.shift[0], r.output_offset, r.act_min, r.act_max), a.n_mult > 1,
            r.n_mult > 1};
}

inline int32_t rq_row(const GxRq& base, bool per_channel, const GxFcParams& f, int32_t k, uint32_t acc) {
    if (!per_channel) return gx_rq_apply(base, acc);
    return gx_requant(acc, f.multiplier[k], f.shift[k], f.output_offset, f.act_min, f.act_max);
}

// Gate g's activations for step input x_t, the hidden state widened in g_hcol. The fast
// form (two input features, weights offset 0) computes, four units at a time, the recurrent
// dot products (dot.h), then per unit the two-feature input product, both requantised and
// saturated to int16 separately, their saturated sum and the activation.
void gate(const GxLstmParams* p, int g, const GateRq& rq, const int8_t* x_t, int16_t* act) {
    const GxLstmGateParams& q = p->gate[g];
    const int32_t n = p->units;
    const bool cell = g == kGxGateCell;
    const TanhArgs gate_tanh = tanh_args(-12);
    if (p->in_dim == 2 && q.fc_input.weights_offset == 0 && q.fc_recurrent.weights_offset == 0) {
        // pass 1: the recurrent products, requantised and saturated to int16
        const GxRq rec = rq.rec;
        int32_t k = 0;
        for (; k + 4 <= n; k += 4) {
            uint32_t acc[4] = {0, 0, 0, 0};
            gx_dot_4x1(q.w_recurrent + k * n, n, g_hcol, n, acc);
            for (int32_t r = 0; r < 4; ++r)
                g_fc_r[k + r] = static_cast<int16_t>(rq_row(rec, rq.rec_per_channel, q.fc_recurrent, k + r, acc[r]));
        }
        for (; k < n; ++k)
            g_fc_r[k] = static_cast<int16_t>(rq_row(rec, rq.rec_per_channel, q.fc_recurrent, k,
                                                    gx_dot_1x1(q.w_recurrent + k * n, g_hcol, n, 0u)));
        // pass 2: the two-feature input product, requantised and saturated to int16, the
        // saturated sum, the activation
        const GxRq in = rq.in;
        const int32_t x0 = x_t[0] + q.fc_input.input_offset, x1 = x_t[1] + q.fc_input.input_offset;
        for (int32_t u = 0; u < n; ++u) {
            const int8_t* w = q.w_input + 2 * u;
            uint32_t ai = q.bias != nullptr ? static_cast<uint32_t>(q.bias[u]) : 0u;
            ai += static_cast<uint32_t>(w[0] * x0 + w[1] * x1);
            int32_t pre = rq_row(in, rq.in_per_channel, q.fc_input, u, ai) + g_fc_r[u];
            pre = pre < kInt16Min ? kInt16Min : (pre > kInt16Max ? kInt16Max : pre);
            act[u] = cell ? tanh16(pre, gate_tanh.mult, gate_tanh.rshift) : sigmoid16(pre);
        }
        return;
    }
    // any other shape: the reference order, layer by layer
    gx_fully_connected_i16(x_t, p->in_dim, q.w_input, q.bias, n, &q.fc_input, g_fc_a, nullptr);
    gx_fully_connected_i16(g_h, n, q.w_recurrent, nullptr, n, &q.fc_recurrent, g_fc_r, nullptr);
    for (int32_t k = 0; k < n; ++k) {
        int32_t pre = static_cast<int32_t>(g_fc_a[k]) + g_fc_r[k];
        pre = pre < kInt16Min ? kInt16Min : (pre > kInt16Max ? kInt16Max : pre);
        act[k] = cell ? tanh16(pre, gate_tanh.mult, gate_tanh.rshift) : sigmoid16(pre);
    }
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
    const TanhArgs cell_tanh = tanh_args(p->cell_state_scale_power);
    GateRq rq[kGxLstmGates];
    for (int g = 0; g < kGxLstmGates; ++g) rq[g] = gate_rq(p->gate[g]);
    const GxRq rq_fc = gx_rq_make(p->forget_cell_mul, p->forget_cell_shift, 0, kInt16Min, kInt16Max);
    const GxRq rq_ig = gx_rq_make(p->input_mul, p->input_shift, 0, kInt16Min, kInt16Max);
    const GxRq rq_h = gx_rq_make(p->output_mul, p->output_shift, p->hidden_zero_point, kInt8Min, kInt8Max);
    for (int32_t t = 0; t < steps; ++t) {
        const int8_t* x_t = x + t * p->in_dim;
        // every gate reads the previous h: widen it once per step (one recurrent input offset)
        int32_t widened_offset = p->gate[kGxGateForget].fc_recurrent.input_offset;
        gx_widen_offset(g_h, n, widened_offset, g_hcol);
        static constexpr int kGateOrder[kGxLstmGates] = {kGxGateForget, kGxGateInput, kGxGateCell, kGxGateOutput};
        for (int g : kGateOrder) {
            const int32_t off = p->gate[g].fc_recurrent.input_offset;
            if (off != widened_offset) {
                widened_offset = off;
                gx_widen_offset(g_h, n, off, g_hcol);
            }
            gate(p, g, rq[g], x_t, g_act[g]);
        }
        const int16_t* f = g_act[kGxGateForget];
        const int16_t* i = g_act[kGxGateInput];
        const int16_t* gc = g_act[kGxGateCell];
        const int16_t* o = g_act[kGxGateOutput];
        for (int32_t k = 0; k < n; ++k) {
            // each product saturated to int16 before the sum, as TFLM does
            const int32_t fc = gx_rq_apply(rq_fc, static_cast<uint32_t>(f[k] * g_c[k]));
            const int32_t ig = gx_rq_apply(rq_ig, static_cast<uint32_t>(i[k] * gc[k]));
            int32_t c = fc + ig;
            c = c < kInt16Min ? kInt16Min : (c > kInt16Max ? kInt16Max : c);
            if (p->use_cell_clip) {
                const int32_t clip = p->quantized_cell_clip;
                c = c < -clip ? -clip : (c > clip ? clip : c);
            }
            g_c[k] = static_cast<int16_t>(c);
            const int16_t tc = cell_tanh.fast ? tanh16(c, cell_tanh.mult, cell_tanh.rshift)
                                              : gx_lstm_tanh(c, p->cell_state_scale_power);
            g_h[k] = static_cast<int8_t>(gx_rq_apply(rq_h, static_cast<uint32_t>(tc * o[k])));
            out[t * n + k] = g_h[k];
        }
    }
    return true;
}

}  // namespace gx
