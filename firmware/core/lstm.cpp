#include "lstm.h"

#include <cstring>


#include "dot.h"
#include "quant.h"

namespace gx {

namespace {

// TFLite's sigmoid_table_uint16 (kernels/internal/common.h): sigmoid(i/24) in 0.16.
constexpr uint16_t kSigmoidTable[256] = {
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

// The table per interval for the int32 forms below: {base, step} with base the interval's
// start scaled to the interpolation's fixed point plus the final rounding term, and step the
// difference to the next entry (entry 255: the saturated value, step 0, so indices past the
// table clamp to it instead of branching).
struct LutEntry {
    int32_t base, step;
};
struct Lut {
    LutEntry e[256];
};
constexpr Lut make_lut(int frac_bits, int32_t rounding, int32_t saturated) {
    Lut t{};
    for (int i = 0; i < 255; ++i)
        t.e[i] = {(static_cast<int32_t>(kSigmoidTable[i]) << frac_bits) + rounding,
                  static_cast<int32_t>(kSigmoidTable[i + 1]) - static_cast<int32_t>(kSigmoidTable[i])};
    t.e[255] = {saturated + rounding, 0};
    return t;
}
constexpr Lut kSigLut = make_lut(9, 1 << 9, 0x7FFF << 10);  // sigmoid: 9 fraction bits, + 2^9
constexpr Lut kTanhLut = make_lut(8, 1 << 7, 0xFFFF << 8);  // tanh: 8 fraction bits, + 2^7

inline int32_t clamp_index(int32_t uh) {  // uh >= 0
#if defined(__ARM_FEATURE_SAT) && __ARM_FEATURE_SAT
    return __usat(uh, 8);
#else
    return uh > 255 ? 255 : uh;
#endif
}

int64_t abs64(int64_t v) { return v < 0 ? -v : v; }

bool g_force_reference = false;  // gx_lstm_force_reference

// gx_sigmoid_int16 for x in the int16 range: every intermediate then fits int32
// (|3x| < 2^17, the table interpolation < 2^25), so the same arithmetic runs without int64.
// The reference's v >= 0: (res + 2^9) >> 10, v < 0: (2^25 - res + 2^9 - 1) >> 10; with
// r = res + 2^9 = 1024 q + s the latter is 2^15 - q, so one shift serves both signs.
inline int16_t sigmoid16(int32_t x) {
    const int32_t v = x * 3;
    const int32_t a = v < 0 ? -v : v;
    const LutEntry& e = kSigLut.e[clamp_index(a >> 9)];
    const int32_t q = (e.base + (a & 0x1FF) * e.step) >> 10;
    return static_cast<int16_t>(v < 0 ? 32768 - q : q);
}

// gx_tanh_int16 for x in the int16 range with the resolved multiplier (1..3 * 2^12) and
// right shift (0..1) of gx_lstm_tanh: intermediates below 2^27, so int32 suffices. The
// reference's v >= 0: (res - 2^23 + 2^7) >> 8, v < 0: (2^23 + 2^7 - 1 - res) >> 8; with
// q = (res + 2^7) >> 8 these are q - 2^15 and 2^15 - q.
inline int16_t tanh16(int32_t x, int32_t mult, int32_t rshift) {
    const int32_t rnd = rshift > 0 ? (1 << (rshift - 1)) : 0;
    const int32_t v = (x * mult + rnd) >> rshift;
    const int32_t a = v < 0 ? -v : v;
    const LutEntry& e = kTanhLut.e[clamp_index(a >> 8)];
    const int32_t t = ((e.base + (a & 0xFF) * e.step) >> 8) - 32768;
    return static_cast<int16_t>(v < 0 ? -t : t);
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

// ---- the fast path: the paper's shape (two input features), the packed weights and the
// usual TFLite int8 LSTM quantisation, checked once per call (fast_ok); anything else runs
// the reference loops.

bool fc_fast_ok(const GxFcParams& f) {
    return f.n_mult == 1 && f.multiplier[0] >= 0 && f.shift[0] <= 0 && f.shift[0] >= -31 && f.weights_offset == 0 && f.output_offset == 0 &&
           f.act_min == kInt16Min && f.act_max == kInt16Max;
}

// Whether every accumulator of the fast path stays below 2^30 in magnitude and every
// requantisation is a plain right shift: recurrent sums of units x 255 x 128, input sums of
// bias + 2 x 255 x 128, elementwise products of a sigmoid output (0..32767) and an int16.
// One input offset for the four gates (the input tensor's zero point) and one recurrent
// offset (the hidden state's).
bool fast_ok(const GxLstmParams* p) {
    if (g_force_reference || p->in_dim != 2 || p->packed == nullptr) return false;
    const int32_t in_off = p->gate[0].fc_input.input_offset, rec_off = p->gate[0].fc_recurrent.input_offset;
    if (in_off < -128 || in_off > 128 || rec_off < -128 || rec_off > 128) return false;
    for (int g = 0; g < kGxLstmGates; ++g) {
        const GxLstmGateParams& q = p->gate[g];
        if (!fc_fast_ok(q.fc_input) || !fc_fast_ok(q.fc_recurrent)) return false;
        if (q.fc_input.input_offset != in_off || q.fc_recurrent.input_offset != rec_off) return false;
        for (int32_t k = 0; q.bias != nullptr && k < p->units; ++k)
            if (q.bias[k] > (1 << 29) || q.bias[k] < -(1 << 29)) return false;
    }
    return p->forget_cell_mul >= 0 && p->input_mul >= 0 && p->output_mul >= 0 && p->forget_cell_shift <= 0 &&
           p->input_shift <= 0 && p->output_shift <= 0 && p->forget_cell_shift >= -31 &&
           p->input_shift >= -31 && p->output_shift >= -31;
}

// The word at p (two int16, little-endian): one LDR on a 32-bit core.
inline uint32_t word_at(const int16_t* p) {
    uint32_t v;
    std::memcpy(&v, p, 4);
    return v;
}

// One requantisation of the fast path: gx_rq16's mbqm for |x| < 2^30, m >= 0, a right shift
// e, given x2 = 2x (the packed weights are doubled, so the sums arrive doubled). The rounding
// term of RoundingDivideByPOT takes the sign of x instead of the sign of v = srdhm(x, m):
// equal, since m >= 0 makes v <= 0 for x < 0, and for v = 0 both give 0 ((round - 1) >> e =
// 0). So the sum is known before the multiply: on the Cortex-M4 one SMMLAR (acc + (2x * m +
// 2^31) >> 32) does the high multiply, its rounding and the addition; for e = 0 (no rounding
// division) one SMMULR.
struct Rq {
    int32_t m, round, neg, e;
};

inline Rq rq_of(int32_t m, int32_t shift) {
    const int32_t e = -shift;
    return {m, e >= 1 ? 1 << (e - 1) : 0, e >= 1 ? -1 : 0, e};
}

template <bool kE0>
inline int32_t rq_shifted(int32_t x2, const Rq& q) {
#if GX_DOT_DSP
    int32_t r;
    if (kE0) {
        __asm__("smmulr %0, %1, %2" : "=r"(r) : "r"(x2), "r"(q.m));
        return r;
    }
    __asm__("smmlar %0, %1, %2, %3" : "=r"(r) : "r"(x2), "r"(q.m), "r"(q.round + ((x2 >> 31) & q.neg)));
    return r >> q.e;
#else
    const int32_t v = static_cast<int32_t>((static_cast<int64_t>(x2) * q.m + (INT64_C(1) << 31)) >> 32);
    if (kE0) return v;
    return (v + q.round + ((x2 >> 31) & q.neg)) >> q.e;
#endif
}

// The requantisations of one call, resolved once.
struct FastArgs {
    Rq in[kGxLstmGates], rec[kGxLstmGates];
    Rq fc, ig, h;
    int32_t h_lo, h_hi, h_zp;  // clamp range of h minus its zero point, the zero point
    TanhArgs cell_tanh;
};

// acc[g] = sum over the `pairs` column pairs j of unit k's recurrent pair (g, j) . column
// pair j (w: the unit's first recurrent pair). Exact int32 sums (|.| < 2^30).
#if GX_DOT_DSP
// Per two column pairs: one LDRD of the column (h[2j], h[2j+1], h[2j+2], h[2j+3] as two
// int16 pairs), two LDM of the four gates' weight pairs, eight SMLAD (each w_lo * h_lo +
// w_hi * h_hi): 13 instructions for 16 MACs; an odd last pair: one LDR, one LDM, four SMLAD.
// The weights live in r8-r11 because LDM's register list must be ascending.
inline void dot_gates(const int16_t* w, const int16_t* c, int32_t pairs, int32_t acc[4]) {
    uint32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    const int16_t* const end = c + 2 * (pairs & ~1);
    uint32_t x01, x23;
    if (c != end) {
        __asm__ volatile(
            "1:\n\t"
            "ldrd %[x01], %[x23], [%[cp]], #8\n\t"
            "ldmia %[wp]!, {r8, r9, r10, r11}\n\t"
            "smlad %[a0], r8, %[x01], %[a0]\n\t"
            "smlad %[a1], r9, %[x01], %[a1]\n\t"
            "smlad %[a2], r10, %[x01], %[a2]\n\t"
            "smlad %[a3], r11, %[x01], %[a3]\n\t"
            "ldmia %[wp]!, {r8, r9, r10, r11}\n\t"
            "smlad %[a0], r8, %[x23], %[a0]\n\t"
            "smlad %[a1], r9, %[x23], %[a1]\n\t"
            "smlad %[a2], r10, %[x23], %[a2]\n\t"
            "smlad %[a3], r11, %[x23], %[a3]\n\t"
            "cmp %[cp], %[end]\n\t"
            "bne 1b\n\t"
            : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [wp] "+r"(w), [cp] "+r"(c),
              [x01] "=&r"(x01), [x23] "=&r"(x23)
            : [end] "r"(end)
            : "r8", "r9", "r10", "r11", "cc", "memory");
    }
    if (pairs & 1) {
        __asm__ volatile(
            "ldr %[x01], [%[cp]]\n\t"
            "ldmia %[wp], {r8, r9, r10, r11}\n\t"
            "smlad %[a0], r8, %[x01], %[a0]\n\t"
            "smlad %[a1], r9, %[x01], %[a1]\n\t"
            "smlad %[a2], r10, %[x01], %[a2]\n\t"
            "smlad %[a3], r11, %[x01], %[a3]\n\t"
            : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [x01] "=&r"(x01)
            : [wp] "r"(w), [cp] "r"(c)
            : "r8", "r9", "r10", "r11", "memory");
    }
    acc[0] = static_cast<int32_t>(a0);
    acc[1] = static_cast<int32_t>(a1);
    acc[2] = static_cast<int32_t>(a2);
    acc[3] = static_cast<int32_t>(a3);
}

// bias + w0 * x0 + w1 * x1 from the gate's (bias, weight pair) words: one LDRD, one SMLAD.
inline int32_t input_sum(const int16_t* u, int g, int32_t, int32_t, uint32_t xw) {
    return __smlad(static_cast<int32_t>(word_at(u + 4 * g + 2)), static_cast<int32_t>(xw),
                   static_cast<int32_t>(word_at(u + 4 * g)));
}
#else
// The same sums in C++, four gates per column pair.
inline void dot_gates(const int16_t* w, const int16_t* c, int32_t pairs, int32_t acc[4]) {
    int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    for (int32_t j = 0; j < pairs; ++j, w += 8, c += 2) {
        const int32_t x0 = c[0], x1 = c[1];
        a0 += w[0] * x0 + w[1] * x1;
        a1 += w[2] * x0 + w[3] * x1;
        a2 += w[4] * x0 + w[5] * x1;
        a3 += w[6] * x0 + w[7] * x1;
    }
    acc[0] = a0;
    acc[1] = a1;
    acc[2] = a2;
    acc[3] = a3;
}

inline int32_t input_sum(const int16_t* u, int g, int32_t x0, int32_t x1, uint32_t) {
    return static_cast<int32_t>(word_at(u + 4 * g)) + u[4 * g + 2] * x0 + u[4 * g + 3] * x1;
}
#endif

// Units per block of fast_step: the block's accumulators and activations live on the stack.
constexpr int32_t kBlock = 10;

// Pass 2 of a block for gate g: per unit the two-feature input sum, requantised and
// saturated to int16, plus the recurrent sum, requantised and saturated to int16, saturated,
// then the activation (TFLite's LUT). One gate per pass keeps its parameters in registers.
template <bool kTanh, bool kInE0, bool kRecE0>
void gate_pass(const int16_t* u, int32_t stride, int g, const int32_t* acc, int16_t* act, int32_t nb, const Rq in,
               const Rq rec, int32_t x0, int32_t x1, uint32_t xw) {
    for (int32_t b = 0; b < nb; ++b, u += stride) {
        const int32_t pre = gx_sat16(gx_sat16(rq_shifted<kInE0>(input_sum(u, g, x0, x1, xw), in)) +
                                     gx_sat16(rq_shifted<kRecE0>(acc[b], rec)));
        act[b] = kTanh ? tanh16(pre, 3, 0) : sigmoid16(pre);  // cell gate: gx_lstm_tanh(pre, -12)
    }
}

// gate_pass with the requantisations' shift cases resolved.
template <bool kTanh>
void gate_pass_any(const int16_t* u, int32_t stride, int g, const int32_t* acc, int16_t* act, int32_t nb, const Rq& in,
                   const Rq& rec, int32_t x0, int32_t x1, uint32_t xw) {
    if (in.e == 0 && rec.e == 0) gate_pass<kTanh, true, true>(u, stride, g, acc, act, nb, in, rec, x0, x1, xw);
    else if (in.e == 0) gate_pass<kTanh, true, false>(u, stride, g, acc, act, nb, in, rec, x0, x1, xw);
    else if (rec.e == 0) gate_pass<kTanh, false, true>(u, stride, g, acc, act, nb, in, rec, x0, x1, xw);
    else gate_pass<kTanh, false, false>(u, stride, g, acc, act, nb, in, rec, x0, x1, xw);
}

// One time step, in blocks of kBlock units: pass 1 the four gates' recurrent sums of each
// unit (dot_gates), pass 2 gate by gate the gate activations (gate_pass), pass 3 unit by unit
// the cell update with both products saturated before their sum (TFLM's order) and the new
// h. The previous h is read only from s.hcol (widened before the step), so the new h
// overwrites s.h in place.
void fast_step(const GxLstmParams* p, GxLstmScratch& s, const FastArgs& a, const int8_t* x_t, int32_t t, int32_t keep_step, int8_t* out) {
    const int32_t n = p->units, pairs = gx_lstm_pairs(n), stride = gx_lstm_unit_elems(n);
    const int32_t rec_off = p->gate[0].fc_recurrent.input_offset, in_off = p->gate[0].fc_input.input_offset;
    for (int32_t k = 0; k < n; ++k) s.hcol[k] = static_cast<int16_t>(s.h[k] + rec_off);
    const int32_t x0 = x_t[0] + in_off, x1 = x_t[1] + in_off;
    const uint32_t xw = (static_cast<uint32_t>(x0) & 0xFFFFu) | (static_cast<uint32_t>(x1) << 16);
    int8_t* dst = keep_step < 0 ? out + t * n : (t == keep_step ? out : nullptr);
    const Rq fc = a.fc, ig = a.ig, hq = a.h;
    for (int32_t k0 = 0; k0 < n; k0 += kBlock) {
        const int32_t nb = n - k0 < kBlock ? n - k0 : kBlock;
        const int16_t* u = p->packed + k0 * stride;
        int32_t acc[kGxLstmGates][kBlock];
        int16_t act[kGxLstmGates][kBlock];
        for (int32_t b = 0; b < nb; ++b) {
            int32_t sums[kGxLstmGates];
            dot_gates(u + b * stride + 16, s.hcol, pairs, sums);
            for (int g = 0; g < kGxLstmGates; ++g) acc[g][b] = sums[g];
        }
        gate_pass_any<false>(u, stride, kGxGateInput, acc[kGxGateInput], act[kGxGateInput], nb, a.in[kGxGateInput],
                         a.rec[kGxGateInput], x0, x1, xw);
        gate_pass_any<false>(u, stride, kGxGateForget, acc[kGxGateForget], act[kGxGateForget], nb, a.in[kGxGateForget],
                         a.rec[kGxGateForget], x0, x1, xw);
        gate_pass_any<true>(u, stride, kGxGateCell, acc[kGxGateCell], act[kGxGateCell], nb, a.in[kGxGateCell],
                        a.rec[kGxGateCell], x0, x1, xw);
        gate_pass_any<false>(u, stride, kGxGateOutput, acc[kGxGateOutput], act[kGxGateOutput], nb, a.in[kGxGateOutput],
                         a.rec[kGxGateOutput], x0, x1, xw);
        for (int32_t b = 0; b < nb; ++b) {
            const int32_t k = k0 + b;
            int32_t c = gx_sat16(gx_sat16(rq_shifted<false>(2 * (act[kGxGateForget][b] * s.c[k]), fc)) +
                                 gx_sat16(rq_shifted<false>(2 * (act[kGxGateInput][b] * act[kGxGateCell][b]), ig)));
            if (p->use_cell_clip) {
                const int32_t clip = p->quantized_cell_clip;
                c = c < -clip ? -clip : (c > clip ? clip : c);
            }
            s.c[k] = static_cast<int16_t>(c);
            const int32_t tc = a.cell_tanh.fast ? tanh16(c, a.cell_tanh.mult, a.cell_tanh.rshift)
                                                : gx_lstm_tanh(c, p->cell_state_scale_power);
            int32_t h = rq_shifted<false>(2 * (tc * act[kGxGateOutput][b]), hq);
            h = h < a.h_lo ? a.h_lo : (h > a.h_hi ? a.h_hi : h);
            s.h[k] = static_cast<int8_t>(h + a.h_zp);
            if (dst != nullptr) dst[k] = s.h[k];
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
    // steps after the kept one cannot change it
    const int32_t last = keep_step >= 0 && keep_step < steps ? keep_step + 1 : steps;
    if (fast_ok(p)) {
        FastArgs a;
        for (int g = 0; g < kGxLstmGates; ++g) {
            const GxFcParams& fi = p->gate[g].fc_input;
            const GxFcParams& fr = p->gate[g].fc_recurrent;
            a.in[g] = rq_of(fi.multiplier[0], fi.shift[0]);
            a.rec[g] = rq_of(fr.multiplier[0], fr.shift[0]);
        }
        a.fc = rq_of(p->forget_cell_mul, p->forget_cell_shift);
        a.ig = rq_of(p->input_mul, p->input_shift);
        a.h = rq_of(p->output_mul, p->output_shift);
        a.h_zp = p->hidden_zero_point;
        a.h_lo = kInt8Min - a.h_zp;
        a.h_hi = kInt8Max - a.h_zp;
        a.cell_tanh = tanh_args(p->cell_state_scale_power);
        for (int32_t k = n; k < 2 * gx_lstm_pairs(n); ++k) s.hcol[k] = 0;
        for (int32_t t = 0; t < last; ++t) fast_step(p, s, a, x + t * p->in_dim, t, keep_step, out);
        return true;
    }
    static constexpr int kGateOrder[kGxLstmGates] = {kGxGateForget, kGxGateInput, kGxGateCell, kGxGateOutput};
    for (int32_t t = 0; t < last; ++t) {
        const int8_t* x_t = x + t * p->in_dim;
        for (int g : kGateOrder) ref_gate(p, s, g, x_t, s.act[g]);
        const int16_t* f = s.act[kGxGateForget];
        const int16_t* i = s.act[kGxGateInput];
        const int16_t* gc = s.act[kGxGateCell];
        const int16_t* o = s.act[kGxGateOutput];
        for (int32_t k = 0; k < n; ++k) {
            // each product saturated to int16 before the sum, as TFLM does
            int32_t c = gx_sat16(gx_requant(static_cast<uint32_t>(f[k] * s.c[k]), p->forget_cell_mul,
                                            p->forget_cell_shift, 0, kInt16Min, kInt16Max) +
                                 gx_requant(static_cast<uint32_t>(i[k] * gc[k]), p->input_mul, p->input_shift, 0,
                                            kInt16Min, kInt16Max));
            if (p->use_cell_clip) {
                const int32_t clip = p->quantized_cell_clip;
                c = c < -clip ? -clip : (c > clip ? clip : c);
            }
            s.c[k] = static_cast<int16_t>(c);
            const int32_t tc = gx_lstm_tanh(c, p->cell_state_scale_power);
            const int32_t h = gx_requant(static_cast<uint32_t>(tc * o[k]), p->output_mul, p->output_shift,
                                         p->hidden_zero_point, kInt8Min, kInt8Max);
            s.h[k] = static_cast<int8_t>(h);
            if (keep_step < 0) out[t * n + k] = s.h[k];
            else if (t == keep_step) out[k] = s.h[k];
        }
    }
    return true;
}

bool gx_lstm_packed_ok(const GxLstmParams* p) {
    if (p->packed == nullptr) return true;  // the reference path reads the int8 arrays
    const int32_t n = p->units, pairs = gx_lstm_pairs(n);
    if (n <= 0 || n > kGxLstmMaxUnits || p->in_dim != 2) return false;
    const int16_t* u = p->packed;
    for (int32_t k = 0; k < n; ++k, u += gx_lstm_unit_elems(n)) {
        for (int g = 0; g < kGxLstmGates; ++g) {
            const GxLstmGateParams& q = p->gate[g];
            const uint32_t bias = q.bias != nullptr ? static_cast<uint32_t>(q.bias[k]) : 0u;
            if (word_at(u + 4 * g) != 2u * bias) return false;
            if (u[4 * g + 2] != 2 * q.w_input[2 * k] || u[4 * g + 3] != 2 * q.w_input[2 * k + 1]) return false;
            for (int32_t j = 0; j < 2 * pairs; ++j) {
                const int32_t w = j < n ? 2 * q.w_recurrent[k * n + j] : 0;
                if (u[16 + 8 * (j >> 1) + 2 * g + (j & 1)] != w) return false;
            }
        }
    }
    return true;
}

void gx_lstm_force_reference(bool on) { g_force_reference = on; }

int32_t gx_lstm_activation_mismatches() {
    int32_t bad = 0;
    for (int32_t x = kInt16Min; x <= kInt16Max; ++x) {
        bad += sigmoid16(x) != gx_sigmoid_int16(x);
        for (int32_t p = -15; p <= 0; ++p) {  // the cell-state powers with the int32 form
            const TanhArgs a = tanh_args(p);
            bad += a.fast && tanh16(x, a.mult, a.rshift) != gx_lstm_tanh(x, p);
        }
    }
    return bad;
}

}  // namespace gx
