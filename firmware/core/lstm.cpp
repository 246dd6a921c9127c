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

// ---- the fast path: the paper's shape (two input features) and the usual TFLite int8 LSTM
// quantisation, checked once per call (fast_ok); anything else runs the reference loops.

bool fc_fast_ok(const GxFcParams& f) {
    return f.n_mult == 1 && f.shift[0] <= 0 && f.shift[0] >= -31 && f.weights_offset == 0 && f.output_offset == 0 &&
           f.act_min == kInt16Min && f.act_max == kInt16Max;
}

// Whether every accumulator of the fast path stays below 2^30 in magnitude and every
// requantisation is a plain right shift: recurrent sums of units x 255 x 128, input sums of
// bias + 2 x 255 x 128, elementwise products of a sigmoid output (0..32767) and an int16.
bool fast_ok(const GxLstmParams* p) {
    if (p->in_dim != 2) return false;
    for (int g = 0; g < kGxLstmGates; ++g) {
        const GxLstmGateParams& q = p->gate[g];
        if (!fc_fast_ok(q.fc_input) || !fc_fast_ok(q.fc_recurrent)) return false;
        if (q.fc_input.input_offset < -128 || q.fc_input.input_offset > 128 || q.fc_recurrent.input_offset < -128 ||
            q.fc_recurrent.input_offset > 128 || q.fc_recurrent.input_offset != p->gate[0].fc_recurrent.input_offset)
            return false;
        for (int32_t k = 0; q.bias != nullptr && k < p->units; ++k)
            if (q.bias[k] > (1 << 29) || q.bias[k] < -(1 << 29)) return false;
    }
    return p->forget_cell_shift <= 0 && p->input_shift <= 0 && p->output_shift <= 0 && p->forget_cell_shift >= -31 &&
           p->input_shift >= -31 && p->output_shift >= -31;
}

struct FastGate {
    GxSmallRq in, rec;
};

// Gate g's activations: pass 1 the recurrent products, four units at a time (dot.h), each
// requantised and saturated to int16; pass 2 per unit the two-feature input product,
// requantised and saturated to int16, the saturated sum of both, the activation.
void fast_gate(const GxLstmParams* p, GxLstmScratch& s, int g, const FastGate& fg, const int8_t* x_t, int16_t* act) {
    const GxLstmGateParams& q = p->gate[g];
    const int32_t n = p->units;
    const GxSmallRq rec = fg.rec;
    int32_t k = 0;
    for (; k + 4 <= n; k += 4) {
        uint32_t acc[4] = {0, 0, 0, 0};
        gx_dot_4x1(q.w_recurrent + k * n, n, s.hcol, n, acc);
        for (int32_t r = 0; r < 4; ++r) s.fc_r[k + r] = static_cast<int16_t>(gx_rq16(rec, static_cast<int32_t>(acc[r])));
    }
    for (; k < n; ++k)
        s.fc_r[k] = static_cast<int16_t>(gx_rq16(rec, static_cast<int32_t>(gx_dot_1x1(q.w_recurrent + k * n, s.hcol, n, 0u))));
    const GxSmallRq in = fg.in;
    const int32_t x0 = x_t[0] + q.fc_input.input_offset, x1 = x_t[1] + q.fc_input.input_offset;
    const int8_t* w = q.w_input;
    const int32_t* bias = q.bias;
    if (g == kGxGateCell) {
        for (int32_t u = 0; u < n; ++u, w += 2) {
            const int32_t ai = (bias != nullptr ? bias[u] : 0) + w[0] * x0 + w[1] * x1;
            act[u] = tanh16(gx_sat16(gx_rq16(in, ai) + s.fc_r[u]), 3, 0);  // gx_lstm_tanh(pre, -12)
        }
    } else {
        for (int32_t u = 0; u < n; ++u, w += 2) {
            const int32_t ai = (bias != nullptr ? bias[u] : 0) + w[0] * x0 + w[1] * x1;
            act[u] = sigmoid16(gx_sat16(gx_rq16(in, ai) + s.fc_r[u]));
        }
    }
}

// ---- the reference path (any other shape or quantisation): layer by layer
void ref_gate(const GxLstmParams* p, GxLstmScratch& s, int g, const int8_t* x_t, int16_t* act) {
    const GxLstmGateParams& q = p->gate[g];
    const int32_t n = p->units;
    gx_fully_connected_i16(x_t, p->in_dim, q.w_input, q.bias, n, &q.fc_input, s.fc_a, nullptr);
    gx_fully_connected_i16(s.h, n, q.w_recurrent, nullptr, n, &q.fc_recurrent, s.fc_r, nullptr);
    for (int32_t k = 0; k < n; ++k) {
        const int32_t pre = gx_sat16(static_cast<int32_t>(s.fc_a[k]) + s.fc_r[k]);
        act[k] = g == kGxGateCell ? gx_lstm_tanh(pre, -12) : gx_sigmoid_int16(pre);
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

bool gx_lstm_int8(const int8_t* x, int32_t steps, const GxLstmParams* p, GxLstmScratch* scratch, int8_t* out,
                  int32_t keep_step) {
    GxLstmScratch& s = *scratch;
    const int32_t n = p->units;
    if (n <= 0 || n > kGxLstmMaxUnits || p->in_dim <= 0) return false;
    for (int32_t k = 0; k < n; ++k) {
        s.h[k] = static_cast<int8_t>(p->hidden_zero_point);
        s.c[k] = 0;
    }
    const bool fast = fast_ok(p);
    const TanhArgs cell_tanh = tanh_args(p->cell_state_scale_power);
    FastGate fg[kGxLstmGates];
    for (int g = 0; g < kGxLstmGates; ++g) {
        const GxFcParams& a = p->gate[g].fc_input;
        const GxFcParams& r = p->gate[g].fc_recurrent;
        fg[g] = {gx_small_rq(a.multiplier[0], a.shift[0], 0, kInt16Min, kInt16Max),
                 gx_small_rq(r.multiplier[0], r.shift[0], 0, kInt16Min, kInt16Max)};
    }
    const GxSmallRq rq_fc = gx_small_rq(p->forget_cell_mul, p->forget_cell_shift, 0, kInt16Min, kInt16Max);
    const GxSmallRq rq_ig = gx_small_rq(p->input_mul, p->input_shift, 0, kInt16Min, kInt16Max);
    const GxSmallRq rq_h = gx_small_rq(p->output_mul, p->output_shift, p->hidden_zero_point, kInt8Min, kInt8Max);
    static constexpr int kGateOrder[kGxLstmGates] = {kGxGateForget, kGxGateInput, kGxGateCell, kGxGateOutput};
    // steps after the kept one cannot change it
    const int32_t last = keep_step >= 0 && keep_step < steps ? keep_step + 1 : steps;
    for (int32_t t = 0; t < last; ++t) {
        const int8_t* x_t = x + t * p->in_dim;
        if (fast) {
            // every gate reads the previous h: widened once per step (one recurrent input offset)
            gx_widen_offset(s.h, n, p->gate[0].fc_recurrent.input_offset, s.hcol);
            for (int g : kGateOrder) fast_gate(p, s, g, fg[g], x_t, s.act[g]);
        } else {
            for (int g : kGateOrder) ref_gate(p, s, g, x_t, s.act[g]);
        }
        const int16_t* f = s.act[kGxGateForget];
        const int16_t* i = s.act[kGxGateInput];
        const int16_t* gc = s.act[kGxGateCell];
        const int16_t* o = s.act[kGxGateOutput];
        for (int32_t k = 0; k < n; ++k) {
            // each product saturated to int16 before the sum, as TFLM does
            int32_t c, h;
            if (fast) {
                c = gx_sat16(gx_rq16(rq_fc, f[k] * s.c[k]) + gx_rq16(rq_ig, i[k] * gc[k]));
            } else {
                c = gx_sat16(gx_requant(static_cast<uint32_t>(f[k] * s.c[k]), p->forget_cell_mul, p->forget_cell_shift, 0,
                                     kInt16Min, kInt16Max) +
                          gx_requant(static_cast<uint32_t>(i[k] * gc[k]), p->input_mul, p->input_shift, 0, kInt16Min,
                                     kInt16Max));
            }
            if (p->use_cell_clip) {
                const int32_t clip = p->quantized_cell_clip;
                c = c < -clip ? -clip : (c > clip ? clip : c);
            }
            s.c[k] = static_cast<int16_t>(c);
            const int32_t tc = cell_tanh.fast ? tanh16(c, cell_tanh.mult, cell_tanh.rshift)
                                              : gx_lstm_tanh(c, p->cell_state_scale_power);
            if (fast) {
                h = gx_rq_small_clamped(rq_h, tc * o[k]);
            } else {
                h = gx_requant(static_cast<uint32_t>(tc * o[k]), p->output_mul, p->output_shift, p->hidden_zero_point,
                               kInt8Min, kInt8Max);
            }
            s.h[k] = static_cast<int8_t>(h);
            if (keep_step < 0) out[t * n + k] = s.h[k];
            else if (t == keep_step) out[k] = s.h[k];
        }
    }
    return true;
}

}  // namespace gx
