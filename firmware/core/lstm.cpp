#include "lstm.h"

#include <cstring>


#include "dot.h"
#include "quant.h"

#if defined(__riscv) && __riscv_xlen == 32
// RV32IM: the recurrent sums of four units in one pass over the widened h (each h value
// loaded once for its 32 products): per (unit, gate, column) LH, MUL, ADD, the 16 sums in
// t2-t6 and s0-s10, so nothing spills (more sums than GCC keeps in registers around inline
// assembly). Four column pairs per loop pass, then the last 0..3 pairs one by one.
// a0: unit 0's first recurrent pair, a1: the unit stride in bytes, a2: the widened h,
// a3: pairs, a4: the 16 sums out (unit u, gate g at 4u + g). Standard calling convention.
extern "C" void gx_lstm_rv32_dot4(const int16_t* w, int32_t stride_bytes, const int16_t* c, int32_t pairs,
                                  int32_t* acc);
__asm__(
    ".pushsection .text.gx_lstm_rv32_dot4,\"ax\",@progbits\n"
    ".balign 4\n"
    ".globl gx_lstm_rv32_dot4\n"
    ".type gx_lstm_rv32_dot4, @function\n"
    ".macro gx_mac acc, ptr, off, x\n"
    "\tlh t1, \\off(\\ptr)\n"
    "\tmul t1, t1, \\x\n"
    "\tadd \\acc, \\acc, t1\n"
    ".endm\n"
    ".macro gx_unit g0, g1, g2, g3, ptr, o\n"  // one unit's 8 products of a column pair
    "\tgx_mac \\g0, \\ptr, \\o, a7\n"
    "\tgx_mac \\g0, \\ptr, \\o+2, t0\n"
    "\tgx_mac \\g1, \\ptr, \\o+4, a7\n"
    "\tgx_mac \\g1, \\ptr, \\o+6, t0\n"
    "\tgx_mac \\g2, \\ptr, \\o+8, a7\n"
    "\tgx_mac \\g2, \\ptr, \\o+10, t0\n"
    "\tgx_mac \\g3, \\ptr, \\o+12, a7\n"
    "\tgx_mac \\g3, \\ptr, \\o+14, t0\n"
    ".endm\n"
    ".macro gx_pair o, co\n"  // column pair at byte co of h, weights at byte o of each unit
    "\tlh a7, \\co(a5)\n"
    "\tlh t0, \\co+2(a5)\n"
    "\tgx_unit t2, t3, t4, t5, a0, \\o\n"
    "\tgx_unit t6, s0, s1, s2, a1, \\o\n"
    "\tgx_unit s3, s4, s5, s6, a2, \\o\n"
    "\tgx_unit s7, s8, s9, s10, a3, \\o\n"
    ".endm\n"
    "gx_lstm_rv32_dot4:\n"
    "\taddi sp, sp, -48\n"
    "\tsw s0, 0(sp)\n\tsw s1, 4(sp)\n\tsw s2, 8(sp)\n\tsw s3, 12(sp)\n\tsw s4, 16(sp)\n\tsw s5, 20(sp)\n"
    "\tsw s6, 24(sp)\n\tsw s7, 28(sp)\n\tsw s8, 32(sp)\n\tsw s9, 36(sp)\n\tsw s10, 40(sp)\n\tsw s11, 44(sp)\n"
    "\tandi a6, a3, -4\n"  // a6: the end of the four-pair passes, s11: the end
    "\tslli a6, a6, 2\n"
    "\tadd a6, a2, a6\n"
    "\tslli s11, a3, 2\n"
    "\tadd s11, a2, s11\n"
    "\tmv a5, a2\n"  // a5: the column, a0-a3: the four units
    "\tmv t1, a1\n"
    "\tadd a1, a0, t1\n"
    "\tadd a2, a1, t1\n"
    "\tadd a3, a2, t1\n"
    "\tli t2, 0\n\tli t3, 0\n\tli t4, 0\n\tli t5, 0\n\tli t6, 0\n\tli s0, 0\n\tli s1, 0\n\tli s2, 0\n"
    "\tli s3, 0\n\tli s4, 0\n\tli s5, 0\n\tli s6, 0\n\tli s7, 0\n\tli s8, 0\n\tli s9, 0\n\tli s10, 0\n"
    "\tbeq a5, a6, 2f\n"
    "1:\n"
    "\tgx_pair 0, 0\n"
    "\tgx_pair 16, 4\n"
    "\tgx_pair 32, 8\n"
    "\tgx_pair 48, 12\n"
    "\taddi a0, a0, 64\n\taddi a1, a1, 64\n\taddi a2, a2, 64\n\taddi a3, a3, 64\n"
    "\taddi a5, a5, 16\n"
    "\tbne a5, a6, 1b\n"
    "2:\n"
    "\tbeq a5, s11, 4f\n"
    "3:\n"
    "\tgx_pair 0, 0\n"
    "\taddi a0, a0, 16\n\taddi a1, a1, 16\n\taddi a2, a2, 16\n\taddi a3, a3, 16\n"
    "\taddi a5, a5, 4\n"
    "\tbne a5, s11, 3b\n"
    "4:\n"
    "\tsw t2, 0(a4)\n\tsw t3, 4(a4)\n\tsw t4, 8(a4)\n\tsw t5, 12(a4)\n\tsw t6, 16(a4)\n\tsw s0, 20(a4)\n"
    "\tsw s1, 24(a4)\n\tsw s2, 28(a4)\n\tsw s3, 32(a4)\n\tsw s4, 36(a4)\n\tsw s5, 40(a4)\n\tsw s6, 44(a4)\n"
    "\tsw s7, 48(a4)\n\tsw s8, 52(a4)\n\tsw s9, 56(a4)\n\tsw s10, 60(a4)\n"
    "\tlw s0, 0(sp)\n\tlw s1, 4(sp)\n\tlw s2, 8(sp)\n\tlw s3, 12(sp)\n\tlw s4, 16(sp)\n\tlw s5, 20(sp)\n"
    "\tlw s6, 24(sp)\n\tlw s7, 28(sp)\n\tlw s8, 32(sp)\n\tlw s9, 36(sp)\n\tlw s10, 40(sp)\n\tlw s11, 44(sp)\n"
    "\taddi sp, sp, 48\n"
    "\tret\n"
    ".size gx_lstm_rv32_dot4, .-gx_lstm_rv32_dot4\n"
    ".purgem gx_pair\n"
    ".purgem gx_unit\n"
    ".purgem gx_mac\n"
    ".popsection\n");
#endif

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
int64_t abs64(int64_t v) { return v < 0 ? -v : v; }

bool g_force_reference = false;  // gx_lstm_force_reference

#if GX_DOT_DSP
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

#endif  // GX_DOT_DSP

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

// Fills a call's requantisations (the gates' input and recurrent halves, the two cell
// products, h) with make(multiplier, shift).
template <class Args, class Make>
void fill_rqs(const GxLstmParams* p, Args& a, Make make) {
    for (int g = 0; g < kGxLstmGates; ++g) {
        const GxFcParams& fi = p->gate[g].fc_input;
        const GxFcParams& fr = p->gate[g].fc_recurrent;
        a.in[g] = make(fi.multiplier[0], fi.shift[0]);
        a.rec[g] = make(fr.multiplier[0], fr.shift[0]);
    }
    a.fc = make(p->forget_cell_mul, p->forget_cell_shift);
    a.ig = make(p->input_mul, p->input_shift);
    a.h = make(p->output_mul, p->output_shift);
}

#if GX_DOT_DSP
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
    int32_t r;
    if (kE0) {
        __asm__("smmulr %0, %1, %2" : "=r"(r) : "r"(x2), "r"(q.m));
        return r;
    }
    __asm__("smmlar %0, %1, %2, %3" : "=r"(r) : "r"(x2), "r"(q.m), "r"(q.round + ((x2 >> 31) & q.neg)));
    return r >> q.e;
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

#else  // !GX_DOT_DSP
// ---- the fast path on cores without the DSP extension (RV32IMC, Xtensa, host): one pass
// per pair of units with every intermediate in registers. The instruction counts it is
// shaped for: a multiply-high (RV32's MULHSU) instead of a 64-bit product, branches instead
// of masks (a taken branch is one instruction), signed-index activation tables without the
// absolute value and the sign select, and the recurrent dot of two units sharing each
// loaded h value.

// signed x times unsigned m, the high word: one MULHSU on RV32IM.
inline int32_t mulhsu(int32_t x, uint32_t m) {
    return static_cast<int32_t>((static_cast<int64_t>(x) * static_cast<int64_t>(m)) >> 32);
}

// gx_mbqm(x, m, -e) for |x| < 2^30, 0 <= m < 2^31, 0 <= e <= 30, from x2 = 2x. With
// w = floor(x m / 2^30) = mulhsu(2x, 2m) (2m < 2^32 is exact as an unsigned word):
//   srdhm(x, m) = floor((x m + 2^30) / 2^31) = (w + 1) >> 1   (floor(floor(y) / 2) = floor(y / 2));
//   e >= 1: rdbpot(v, e) = (v + 2^(e-1) - [v < 0]) >> e, so mbqm = (w + 1 + 2^e - 2 [v < 0]) >> (e + 1)
// (the two floors nest the same way). v < 0 means w <= -2; testing w < 0 instead changes
// only w = -1, where both give 0 ((2^e - 2) >> (e + 1) = 0). |w| < 2^31 - 2^16 (|x| <= 2^30 - 2^15),
// so for w >= 0 the sum is taken unsigned (below 2^32) and shifted logically; for w < 0 it
// cannot overflow. A branch per sign is one instruction on the common path.
struct PRq {
    uint32_t m2;  // 2m
    uint32_t c;   // 1 + 2^e (e >= 1), 1 (e = 0): the rounding term for w >= 0
    int32_t cn;   // the same for w < 0: c - 2 (e >= 1), 1 (e = 0: no sign term)
    int32_t sh;   // e + 1
};

inline PRq prq_of(int32_t m, int32_t shift) {
    const int32_t e = -shift;
    const uint32_t c = 1u + (e >= 1 ? (1u << e) : 0u);
    return {2u * static_cast<uint32_t>(m), c, static_cast<int32_t>(c) - (e >= 1 ? 2 : 0), e + 1};
}

// The rounding part from w (for m = 2^30, w = x itself: no multiply).
inline int32_t prq_w(int32_t w, const PRq& q) {
    if (w < 0) return (w + q.cn) >> q.sh;
    return static_cast<int32_t>((static_cast<uint32_t>(w) + q.c) >> q.sh);
}

template <bool kE0>
inline int32_t prq(int32_t x2, const PRq& q) {
    const int32_t w = mulhsu(x2, q.m2);
    if (kE0) return (w + 1) >> 1;
    return prq_w(w, q);
}

// The activation tables by signed interval j = v >> f (f fraction bits, v the scaled input,
// either sign), the fraction r = v & (2^f - 1) >= 0 for both signs: result = (base + r step) >> f
// with the reference's rounding, its sign cases and (tanh) its -2^15 folded into base.
// For v < 0 the reference interpolates |v| from the interval above; with |v| = 2^f (-j - 1) +
// (2^f - r) (r > 0) or 2^f (-j) (r = 0) both cases read T[-j] - r (T[-j] - T[-j-1]), so the
// entry for j < 0 holds -T[-j] 2^f (plus the constant terms) and the step T[-j] - T[-j-1].
// Past the last table interval the reference saturates: those entries have step 0.
template <int kLo, int kHi>
struct SLut {
    LutEntry e[kHi - kLo];
};

// sigmoid: v = 3x, f = 9; v >= 0: (T 2^9 + r d + 2^9) >> 10, v < 0: (2^25 - res + 2^9 - 1) >> 10.
// x in the int16 range: j in [-192, 191]. The table goes on to j in [-384, 383], x in
// [-2^16, 2^16), with constant entries: sigmoid(sat16(x)), the value at -2^15 for x < -2^15
// (j <= -193 exactly then) and at 2^15 - 1 for x > 2^15 - 1 (j >= 192), so a gate's sum of two
// int16 halves needs no saturation before the lookup.
constexpr int kSigJ = 384;
constexpr int32_t sig_entry_value(const LutEntry& e, int32_t r) { return (e.base + r * e.step) >> 10; }
constexpr SLut<-kSigJ, kSigJ> make_sig_lut() {
    SLut<-kSigJ, kSigJ> t{};
    for (int j = -192; j < 192; ++j) {
        const int32_t i = j < 0 ? -j : j;
        const int32_t ti = kSigmoidTable[i];
        if (j >= 0) t.e[j + kSigJ] = {(ti << 9) + (1 << 9), static_cast<int32_t>(kSigmoidTable[i + 1]) - ti};
        else t.e[j + kSigJ] = {(1 << 25) - (ti << 9) + (1 << 9) - 1, ti - static_cast<int32_t>(kSigmoidTable[i - 1])};
    }
    // 3 * 32767 = 512 * 191 + 509, 3 * -32768 = 512 * -192
    const int32_t hi = sig_entry_value(t.e[191 + kSigJ], 509), lo = sig_entry_value(t.e[-192 + kSigJ], 0);
    for (int j = 192; j < kSigJ; ++j) t.e[j + kSigJ] = {hi << 10, 0};
    for (int j = -kSigJ; j < -192; ++j) t.e[j + kSigJ] = {lo << 10, 0};
    return t;
}
constexpr SLut<-kSigJ, kSigJ> kSigS = make_sig_lut();
// The entry of interval v >> f as the byte offset (v >> (f - 3)) & ~7 from the middle entry:
// two instructions and an add.
template <int kF>
inline const LutEntry& lut_at(const LutEntry* mid, int32_t v) {
    return *reinterpret_cast<const LutEntry*>(reinterpret_cast<const char*>(mid) + ((v >> (kF - 3)) & ~7));
}
constexpr const LutEntry* kSigAt = kSigS.e + kSigJ;

// tanh: f = 8; v >= 0: (res - 2^23 + 2^7) >> 8, v < 0: (2^23 + 2^7 - 1 - res) >> 8, res the
// interpolation of |v| (0xFFFF 2^8 from interval 255 on: the value saturates for |v| >= 255 * 2^8).
// j in [-768, 767] covers v = 3x for x in [-2^16, 2^16) (the cell gate's unsaturated sum: past
// int16 the tanh is saturated already, so sat16 changes nothing) and v = 6x for x in the int16
// range (the cell state for power -11); other inputs clamp v.
constexpr int kTanhJ = 768;
constexpr SLut<-kTanhJ, kTanhJ> make_tanh_lut() {
    SLut<-kTanhJ, kTanhJ> t{};
    for (int j = -kTanhJ; j < kTanhJ; ++j) {
        const int32_t i = j < 0 ? -j : j;
        if (j >= 0) {
            const int32_t ti = i < 255 ? kSigmoidTable[i] : 0xFFFF;
            const int32_t d = i < 255 ? static_cast<int32_t>(kSigmoidTable[i + 1]) - ti : 0;
            t.e[j + kTanhJ] = {(ti << 8) - (1 << 23) + (1 << 7), d};
        } else {
            const int32_t ti = i <= 255 ? kSigmoidTable[i] : 0xFFFF;
            const int32_t d = i <= 255 ? ti - static_cast<int32_t>(kSigmoidTable[i - 1]) : 0;
            t.e[j + kTanhJ] = {(1 << 23) + (1 << 7) - 1 - (ti << 8), d};
        }
    }
    return t;
}
constexpr SLut<-kTanhJ, kTanhJ> kTanhS = make_tanh_lut();
constexpr const LutEntry* kTanhAt = kTanhS.e + kTanhJ;

// gx_sigmoid_int16(sat16(x)) for x in [-2^16, 2^16) (|3x| < 2^18, the interpolation < 2^25: int32).
// three: 3 (the kernel passes it in a register, so the scaling is one MUL, not a shift and
// an add).
inline int32_t sigmoid_s(int32_t x, int32_t three = 3) {
    const int32_t v = x * three;
    const LutEntry& e = lut_at<9>(kSigAt, v);
    return (e.base + (v & 0x1FF) * e.step) >> 10;
}

// gx_tanh_int16 for v = the scaled input x mult (gx_lstm_tanh with no right shift) in the
// table's range.
inline int32_t tanh_v(int32_t v) {
    const LutEntry& e = lut_at<8>(kTanhAt, v);
    return (e.base + (v & 0xFF) * e.step) >> 8;
}
// ... for any |v| < 2^27: v past the table is clamped to its end intervals, whose step 0
// ignores the fraction.
inline int32_t tanh_s(int32_t v) {
    constexpr int32_t kLo = -kTanhJ * 256, kHi = kTanhJ * 256 - 1;
    return tanh_v(v < kLo ? kLo : (v > kHi ? kHi : v));
}
// ... the cell gate's, gx_lstm_tanh(sat16(x), -12): v = 3x, inside the table for x in [-2^16, 2^16).
inline int32_t tanh_gate(int32_t x, int32_t three = 3) { return tanh_v(x * three); }

// The requantisations of one call, resolved once (fast_ok's bounds plus port_ok's).
struct PortArgs {
    PRq in[kGxLstmGates], rec[kGxLstmGates];
    PRq fc, ig, h;
    int32_t c_lo, c_hi;        // the cell state's range: int16, narrowed by the cell clip
    int32_t h_lo, h_hi, h_zp;  // clamp range of h minus its zero point; the zero point plus the recurrent offset
    int32_t t_mult;            // gx_lstm_tanh's scaling of the cell state (no right shift)
};

// The portable path's further conditions (beyond fast_ok): every requantisation a right shift
// of at most 30 (prq), the cell tanh's scaled input an int32 (tanh_args' fast form) with no
// right shift (cell-state powers -12..-1: the usual ones).
bool port_ok(const GxLstmParams* p, const TanhArgs& t) {
    for (int g = 0; g < kGxLstmGates; ++g)
        if (p->gate[g].fc_input.shift[0] < -30 || p->gate[g].fc_recurrent.shift[0] < -30) return false;
    return t.fast && t.rshift == 0 && p->forget_cell_shift >= -30 && p->input_shift >= -30 && p->output_shift >= -30 &&
           (!p->use_cell_clip || p->quantized_cell_clip >= 0);
}

// Whether gx_mbqm(x, m, shift) lies in the int16 range for every x in [lo, hi] (mbqm is
// monotone in x for m >= 0: both roundings are).
bool rq_in16(int32_t lo, int32_t hi, int32_t m, int32_t shift) {
    return gx_mbqm(lo, m, shift) >= kInt16Min && gx_mbqm(hi, m, shift) <= kInt16Max;
}

// Whether the usual quantisation holds, for which port_step<true> drops what cannot happen:
// recurrent requantisations without a right shift (srdhm alone), input sums with one shift
// for the four gates whose requantisation cannot leave int16 (bias + both weights times the largest |x + offset|),
// cell products f c and i g with multiplier 2^30 (a power-of-two cell scale over the gates'
// 2^-15) whose requantisations cannot leave int16 either (so only the clip remains), and a
// cell tanh whose scaled input stays inside the table (multiplier at most 6).
bool port_special(const GxLstmParams* p, const PortArgs& a) {
    if (p->forget_cell_mul != (1 << 30) || p->input_mul != (1 << 30) || a.t_mult > 6) return false;
    for (int g = 1; g < kGxLstmGates; ++g)
        if (a.in[g].sh != a.in[0].sh) return false;  // one input shift: one rounding
    const int32_t off = p->gate[0].fc_input.input_offset;
    const int32_t xlo = off + kInt8Min < 0 ? -(off + kInt8Min) : off + kInt8Min;
    const int32_t xhi = off + kInt8Max < 0 ? -(off + kInt8Max) : off + kInt8Max;
    const int32_t xmax = xlo > xhi ? xlo : xhi;  // the largest |x + offset|
    for (int g = 0; g < kGxLstmGates; ++g) {
        const GxLstmGateParams& q = p->gate[g];
        if (a.rec[g].sh != 1) return false;
        int32_t big = 0;
        for (int32_t k = 0; k < p->units; ++k) {
            const int32_t b = q.bias != nullptr ? q.bias[k] : 0;
            const int32_t w0 = q.w_input[2 * k], w1 = q.w_input[2 * k + 1];
            const int32_t v = (b < 0 ? -b : b) + ((w0 < 0 ? -w0 : w0) + (w1 < 0 ? -w1 : w1)) * xmax;
            big = v > big ? v : big;
        }
        if (!rq_in16(-big, big, q.fc_input.multiplier[0], q.fc_input.shift[0])) return false;
    }
    return rq_in16(kInt16Max * a.c_lo, kInt16Max * a.c_hi, p->forget_cell_mul, p->forget_cell_shift) &&
           rq_in16(kInt16Max * kInt16Min, kInt16Max * kInt16Max, p->input_mul, p->input_shift);
}

// The recurrent sums of two units (w, v: their first recurrent pair) over `pairs` column
// pairs: each h value is loaded once for the 8 products it enters. Exact int32 sums (wrapping
// adds in any order give the same sums).
#if defined(__riscv) && __riscv_xlen == 32
// RV32IM: per column one LH of h, then per (unit, gate) LH, MUL, ADD: 3 instructions per MAC
// plus the h loads and the loop (four column pairs per pass), written out because GCC's
// scheduler hoists all the weight loads of a pass and then spills the sums.
#define GX_RV_MAC(acc, ptr, off, x) "lh %[t], " #off "(%[" #ptr "])\n\tmul %[t], %[t], %[" #x "]\n\tadd %[" #acc "], %[" #acc "], %[t]\n\t"
#define GX_RV_PAIR(o, co)                                                                                         \
    "lh %[x0], " #co "(%[c])\n\t"                                                                               \
    "lh %[x1], " #co "+2(%[c])\n\t" GX_RV_MAC(a0, w, o, x0) GX_RV_MAC(a0, w, o + 2, x1) GX_RV_MAC(a1, w, o + 4, x0) \
        GX_RV_MAC(a1, w, o + 6, x1) GX_RV_MAC(a2, w, o + 8, x0) GX_RV_MAC(a2, w, o + 10, x1)                      \
            GX_RV_MAC(a3, w, o + 12, x0) GX_RV_MAC(a3, w, o + 14, x1) GX_RV_MAC(b0, v, o, x0)                     \
                GX_RV_MAC(b0, v, o + 2, x1) GX_RV_MAC(b1, v, o + 4, x0) GX_RV_MAC(b1, v, o + 6, x1)               \
                    GX_RV_MAC(b2, v, o + 8, x0) GX_RV_MAC(b2, v, o + 10, x1) GX_RV_MAC(b3, v, o + 12, x0)         \
                        GX_RV_MAC(b3, v, o + 14, x1)
inline void dot_gates2(const int16_t* w, const int16_t* v, const int16_t* c, int32_t pairs, int32_t acc[8]) {
    int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0, b0 = 0, b1 = 0, b2 = 0, b3 = 0, x0, x1, t;
    const int16_t* const end4 = c + 2 * (pairs & ~3);
    const int16_t* const end = c + 2 * pairs;
    if (c != end4) {
        __asm__ volatile("1:\n\t" GX_RV_PAIR(0, 0) GX_RV_PAIR(16, 4) GX_RV_PAIR(32, 8) GX_RV_PAIR(48, 12)
                         "addi %[w], %[w], 64\n\t"
                         "addi %[v], %[v], 64\n\t"
                         "addi %[c], %[c], 16\n\t"
                         "bne %[c], %[end], 1b\n\t"
                         : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [b0] "+r"(b0), [b1] "+r"(b1),
                           [b2] "+r"(b2), [b3] "+r"(b3), [w] "+r"(w), [v] "+r"(v), [c] "+r"(c), [x0] "=&r"(x0),
                           [x1] "=&r"(x1), [t] "=&r"(t)
                         : [end] "r"(end4)
                         : "memory");
    }
    if (c != end) {  // the last 1..3 pairs
        __asm__ volatile("1:\n\t" GX_RV_PAIR(0, 0)
                         "addi %[w], %[w], 16\n\t"
                         "addi %[v], %[v], 16\n\t"
                         "addi %[c], %[c], 4\n\t"
                         "bne %[c], %[end], 1b\n\t"
                         : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [b0] "+r"(b0), [b1] "+r"(b1),
                           [b2] "+r"(b2), [b3] "+r"(b3), [w] "+r"(w), [v] "+r"(v), [c] "+r"(c), [x0] "=&r"(x0),
                           [x1] "=&r"(x1), [t] "=&r"(t)
                         : [end] "r"(end)
                         : "memory");
    }
    acc[0] = a0;
    acc[1] = a1;
    acc[2] = a2;
    acc[3] = a3;
    acc[4] = b0;
    acc[5] = b1;
    acc[6] = b2;
    acc[7] = b3;
}
#undef GX_RV_PAIR
#undef GX_RV_MAC
#else
inline void dot_gates2(const int16_t* w, const int16_t* v, const int16_t* c, int32_t pairs, int32_t acc[8]) {
    int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0, b0 = 0, b1 = 0, b2 = 0, b3 = 0;
    for (const int16_t* const end = c + 2 * pairs; c != end; w += 8, v += 8, c += 2) {
        const int32_t x0 = c[0], x1 = c[1];
        a0 += w[0] * x0 + w[1] * x1;
        a1 += w[2] * x0 + w[3] * x1;
        a2 += w[4] * x0 + w[5] * x1;
        a3 += w[6] * x0 + w[7] * x1;
        b0 += v[0] * x0 + v[1] * x1;
        b1 += v[2] * x0 + v[3] * x1;
        b2 += v[4] * x0 + v[5] * x1;
        b3 += v[6] * x0 + v[7] * x1;
    }
    acc[0] = a0;
    acc[1] = a1;
    acc[2] = a2;
    acc[3] = a3;
    acc[4] = b0;
    acc[5] = b1;
    acc[6] = b2;
    acc[7] = b3;
}
#endif

// One unit alone (the last of an odd count).
inline void dot_gates1(const int16_t* w, const int16_t* c, int32_t pairs, int32_t acc[4]) {
    int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    for (const int16_t* const end = c + 2 * pairs; c != end; w += 8, c += 2) {
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

// The word at p, p 4-byte aligned (the packed layout's biases): one LW.
inline int32_t word_aligned(const int16_t* p) {
    return static_cast<int32_t>(word_at(static_cast<const int16_t*>(__builtin_assume_aligned(p, 4))));
}

// A gate's pre-activation (Q3.12) for one unit (u: its packed block, acc2: its doubled
// recurrent sum): the two-feature input sum and the recurrent sum, each requantised and
// saturated to int16, and their sum, in [-2^16, 2^16) (sigmoid_s and tanh_gate apply the
// reference's saturation of it). kSpec (port_special): the input side's
// saturation cannot act and the recurrent requantisation is srdhm alone.
template <bool kSpec>
__attribute__((always_inline)) inline int32_t gate_pre(const int16_t* u, int g, int32_t acc2, const PRq& qi,
                                                       const PRq& qr, int32_t x0, int32_t x1) {
    const int32_t in2 = word_aligned(u + 4 * g) + u[4 * g + 2] * x0 + u[4 * g + 3] * x1;
    const int32_t in = kSpec ? prq<false>(in2, qi) : gx_sat16(prq<false>(in2, qi));
    return in + gx_sat16(prq<kSpec>(acc2, qr));  // the sum's sat16: in the activation tables
}

// The cell update and h of one unit from its gates: both products saturated before their sum
// (TFLM's order; kSpec: they cannot saturate), the sum saturated and clipped (one clamp to the
// clip range within int16), then h = clamp8(zp + mbqm(tanh(c) o)), returned widened: h + the
// recurrent offset (a.h_zp holds both).
template <bool kSpec>
__attribute__((always_inline)) inline int32_t cell_h(int32_t ig, int32_t fg, int32_t cg, int32_t og, int16_t* c_state,
                                                     const PortArgs& a) {
    int32_t c;
    if (kSpec) {  // multipliers 2^30: w = the product
        c = prq_w(fg * *c_state, a.fc) + prq_w(ig * cg, a.ig);
    } else {
        c = gx_sat16(prq<false>(2 * (fg * *c_state), a.fc)) + gx_sat16(prq<false>(2 * (ig * cg), a.ig));
    }
    c = c < a.c_lo ? a.c_lo : (c > a.c_hi ? a.c_hi : c);
    *c_state = static_cast<int16_t>(c);
    const int32_t tc = kSpec ? tanh_v(c * a.t_mult) : tanh_s(c * a.t_mult);
    int32_t h = prq<false>(2 * (tc * og), a.h);
    h = h < a.h_lo ? a.h_lo : (h > a.h_hi ? a.h_hi : h);
    return h + a.h_zp;
}

// Two units' step (u0, u1: their packed blocks; acc: their 4 + 4 doubled recurrent sums),
// gate by gate for both, so each gate's parameters are loaded once for the two; their new h,
// widened, into hn.
template <bool kSpec>
__attribute__((always_inline)) inline void units2(const int16_t* u0, const int16_t* u1, const int32_t* acc,
                                                  int16_t* c, int16_t* hn, const PortArgs& a, const PRq& in_round,
                                                  int32_t x0, int32_t x1) {
    int32_t act[2][kGxLstmGates];
    int32_t three = 3;
    __asm__("" : "+r"(three));  // opaque: see sigmoid_s
#pragma GCC unroll 4
    for (int g = 0; g < kGxLstmGates; ++g) {
        // kSpec: one rounding for the four input halves (port_special), kept out of the loads
        const PRq qi = kSpec ? PRq{a.in[g].m2, in_round.c, in_round.cn, in_round.sh} : a.in[g];
        const PRq qr = a.rec[g];
        const int32_t p0 = gate_pre<kSpec>(u0, g, acc[g], qi, qr, x0, x1);
        const int32_t p1 = gate_pre<kSpec>(u1, g, acc[4 + g], qi, qr, x0, x1);
        act[0][g] = g == kGxGateCell ? tanh_gate(p0, three) : sigmoid_s(p0, three);  // cell gate: gx_lstm_tanh(pre, -12)
        act[1][g] = g == kGxGateCell ? tanh_gate(p1, three) : sigmoid_s(p1, three);
    }
    const int32_t h0 = cell_h<kSpec>(act[0][kGxGateInput], act[0][kGxGateForget], act[0][kGxGateCell],
                                     act[0][kGxGateOutput], c, a);
    const int32_t h1 = cell_h<kSpec>(act[1][kGxGateInput], act[1][kGxGateForget], act[1][kGxGateCell],
                                     act[1][kGxGateOutput], c + 1, a);
    hn[0] = static_cast<int16_t>(h0);
    hn[1] = static_cast<int16_t>(h1);
}

// units2 as a call: for the last units of a step (outside the four-unit blocks) and the
// general quantisation, where its code once is worth more than the call.
template <bool kSpec>
__attribute__((noinline)) void units2_call(const int16_t* u0, const int16_t* u1, const int32_t* acc, int16_t* c,
                                           int16_t* hn, const PortArgs& a, const PRq& in_round, int32_t x0,
                                           int32_t x1) {
    units2<kSpec>(u0, u1, acc, c, hn, a, in_round, x0, x1);
}

// One time step: units in blocks of four (RV32, the usual quantisation), then in pairs (the
// last one alone for odd units). The previous h comes
// widened in hc, the new one goes widened to hn (zero past the units in both), and to dst
// as int8 where dst is not null.
template <bool kSpec>
void port_step(const GxLstmParams* p, GxLstmScratch& s, const PortArgs& a, const int8_t* x_t, const int16_t* hc,
               int16_t* hn, int8_t* dst) {
    const int32_t n = p->units, pairs = gx_lstm_pairs(n), stride = gx_lstm_unit_elems(n);
    const int32_t in_off = p->gate[0].fc_input.input_offset;
    const int32_t x0 = x_t[0] + in_off, x1 = x_t[1] + in_off;
    const PRq in_round = a.in[0];
    const int16_t* u = p->packed;
    int32_t k = 0;
#if defined(__riscv) && __riscv_xlen == 32
    for (; kSpec && k + 4 <= n; k += 4, u += 4 * stride) {
        int32_t acc[16];
        gx_lstm_rv32_dot4(u + 16, 2 * stride, hc, pairs, acc);
        units2<kSpec>(u, u + stride, acc, &s.c[k], &hn[k], a, in_round, x0, x1);
        units2<kSpec>(u + 2 * stride, u + 3 * stride, acc + 8, &s.c[k + 2], &hn[k + 2], a, in_round, x0, x1);
    }
#endif
    for (; k + 2 <= n; k += 2, u += 2 * stride) {
        int32_t acc[8];
        dot_gates2(u + 16, u + stride + 16, hc, pairs, acc);
        units2_call<kSpec>(u, u + stride, acc, &s.c[k], &hn[k], a, in_round, x0, x1);
    }
    if (k < n) {  // the odd unit: its sums twice (the second copy unused)
        int32_t acc[8];
        dot_gates1(u + 16, hc, pairs, acc);
        for (int g = 0; g < kGxLstmGates; ++g) acc[4 + g] = acc[g];
        int16_t c2[2] = {s.c[k], s.c[k]}, h2[2];
        units2_call<kSpec>(u, u, acc, c2, h2, a, in_round, x0, x1);
        s.c[k] = c2[0];
        hn[k] = h2[0];
    }
    const int32_t rec_off = p->gate[0].fc_recurrent.input_offset;
    for (k = 0; dst != nullptr && k < n; ++k) dst[k] = static_cast<int8_t>(hn[k] - rec_off);
}

// The packed fast path without the DSP: false (nothing done) where port_ok fails.
bool port_run(const GxLstmParams* p, GxLstmScratch& s, const int8_t* x, int32_t last, int32_t keep_step, int8_t* out) {
    const TanhArgs t = tanh_args(p->cell_state_scale_power);
    if (!port_ok(p, t)) return false;
    PortArgs a;
    fill_rqs(p, a, prq_of);
    a.c_lo = kInt16Min;
    a.c_hi = kInt16Max;
    if (p->use_cell_clip) {
        a.c_lo = -p->quantized_cell_clip > kInt16Min ? -p->quantized_cell_clip : kInt16Min;
        a.c_hi = p->quantized_cell_clip < kInt16Max ? p->quantized_cell_clip : kInt16Max;
    }
    const int32_t rec_off = p->gate[0].fc_recurrent.input_offset;
    a.h_lo = kInt8Min - p->hidden_zero_point;
    a.h_hi = kInt8Max - p->hidden_zero_point;
    a.h_zp = p->hidden_zero_point + rec_off;  // h comes out widened for the next step
    a.t_mult = t.mult;
    int16_t* hc = s.hcol;
    int16_t* hn = s.fc_a;
    for (int32_t k = 0; k < 2 * gx_lstm_pairs(p->units); ++k) {
        hc[k] = static_cast<int16_t>(k < p->units ? p->hidden_zero_point + rec_off : 0);
        hn[k] = 0;
    }
    const bool special = port_special(p, a);
    for (int32_t t_ = 0; t_ < last; ++t_) {
        int8_t* dst = keep_step < 0 ? out + t_ * p->units : (t_ == keep_step ? out : nullptr);
        if (special) port_step<true>(p, s, a, x + t_ * p->in_dim, hc, hn, dst);
        else port_step<false>(p, s, a, x + t_ * p->in_dim, hc, hn, dst);
        int16_t* const t2 = hc;
        hc = hn;
        hn = t2;
    }
    return true;
}
#endif  // GX_DOT_DSP

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
#if GX_DOT_DSP
    if (fast_ok(p)) {
        FastArgs a;
        fill_rqs(p, a, rq_of);
        a.h_zp = p->hidden_zero_point;
        a.h_lo = kInt8Min - a.h_zp;
        a.h_hi = kInt8Max - a.h_zp;
        a.cell_tanh = tanh_args(p->cell_state_scale_power);
        for (int32_t k = n; k < 2 * gx_lstm_pairs(n); ++k) s.hcol[k] = 0;
        for (int32_t t = 0; t < last; ++t) fast_step(p, s, a, x + t * p->in_dim, t, keep_step, out);
        return true;
    }
#else
    if (fast_ok(p) && port_run(p, s, x, last, keep_step, out)) return true;
#endif
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
#if GX_DOT_DSP
        bad += sigmoid16(x) != gx_sigmoid_int16(x);
        for (int32_t p = -15; p <= 0; ++p) {  // the cell-state powers with the int32 form
            const TanhArgs a = tanh_args(p);
            bad += a.fast && tanh16(x, a.mult, a.rshift) != gx_lstm_tanh(x, p);
        }
#else
        bad += sigmoid_s(x) != gx_sigmoid_int16(x);
        bad += tanh_gate(x) != gx_lstm_tanh(x, -12);
        for (int32_t p = -12; p <= 0; ++p) {  // the cell-state powers port_ok accepts
            const TanhArgs a = tanh_args(p);
            bad += a.fast && tanh_s(x * a.mult) != gx_lstm_tanh(x, p);
        }
#endif
    }
    return bad;
}

}  // namespace gx
