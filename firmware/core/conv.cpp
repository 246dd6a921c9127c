#include "conv.h"

#include <cstring>

#include "dot.h"
#include "quant.h"

namespace gx {

namespace {

// Writes the widened operands (x + input_offset; 0 for a padding tap, whose x equals the
// input zero point) of output pixel `pix` into column p of the interleaved 2-column layout.
void im2col(const int8_t* x, const GxConvParams* p, int32_t pix, int32_t col, int16_t* c) {
    const int32_t oy = pix / p->out_w, ox = pix - oy * p->out_w;
    const int32_t y0 = oy * p->stride_h - p->pad_t;
    const int32_t x0 = ox * p->stride_w - p->pad_l;
    const int32_t in_c = p->in_c, off = p->input_offset;
    int32_t i = 0;  // natural index (ky, kx, c) of the weight row
    for (int32_t ky = 0; ky < p->k_h; ++ky) {
        const int32_t iy = y0 + ky * p->dilation_h;
        for (int32_t kx = 0; kx < p->k_w; ++kx, i += in_c) {
            const int32_t ix = x0 + kx * p->dilation_w;
            const bool in = iy >= 0 && iy < p->in_h && ix >= 0 && ix < p->in_w;
            const int8_t* xi = in ? x + (iy * p->in_w + ix) * in_c : x;
            if ((in_c & 3) == 0) {
                // whole groups of four: one tap's channels map to consecutive groups
                int16_t* d = c + gx_col2_pos(i, col);
                for (int32_t g = 0; g < in_c; g += 4, d += 8) {
                    d[0] = static_cast<int16_t>(in ? xi[g + 0] + off : 0);
                    d[1] = static_cast<int16_t>(in ? xi[g + 2] + off : 0);
                    d[2] = static_cast<int16_t>(in ? xi[g + 1] + off : 0);
                    d[3] = static_cast<int16_t>(in ? xi[g + 3] + off : 0);
                }
            } else {
                for (int32_t ch = 0; ch < in_c; ++ch)
                    c[gx_col2_pos(i + ch, col)] = static_cast<int16_t>(in ? xi[ch] + off : 0);
            }
        }
    }
}

}  // namespace

int32_t gx_conv_col_elems(const GxConvParams* p) { return 2 * gx_col_len(p->k_h * p->k_w * p->in_c); }

void gx_conv2d_per_channel(const int8_t* x, const int8_t* w, const int32_t* bias, const GxConvParams* p, int8_t* out,
                           int16_t* col) {
    gx_conv2d_rows(x, w, bias, p, 0, p->out_h, out, col);
}

void gx_conv2d_rows(const int8_t* x, const int8_t* w, const int32_t* bias, const GxConvParams* p, int32_t oy0,
                    int32_t oy1, int8_t* out, int16_t* col) {
    const int32_t k = p->k_h * p->k_w * p->in_c;
    const int32_t pix0 = oy0 * p->out_w;
    const int32_t n_pix = oy1 * p->out_w;
    out -= pix0 * p->out_c;  // out holds row oy0 first
    const int32_t oc = p->out_c;
    for (int32_t i = k; i < gx_col_len(k); ++i) col[gx_col2_pos(i, 0)] = col[gx_col2_pos(i, 1)] = 0;  // padding
    const bool small = gx_small_ok(bias, p->shift, oc, oc, k);
    const int32_t zo = p->output_offset, lo = p->act_min, hi = p->act_max;
    for (int32_t pix = pix0; pix < n_pix; pix += 2) {
        // two output pixels per pass (the last one twice when their number is odd)
        const int32_t pix1 = pix + 1 < n_pix ? pix + 1 : pix;
        im2col(x, p, pix, 0, col);
        im2col(x, p, pix1, 1, col);
        int8_t* o0 = out + pix * oc;
        int8_t* o1 = out + pix1 * oc;
        for (int32_t o = 0; o < oc; o += 2) {
            // two output channels per pass (the last one twice when their number is odd)
            const int32_t ob = o + 1 < oc ? o + 1 : o;
            const uint32_t ba = bias != nullptr ? static_cast<uint32_t>(bias[o]) : 0u;
            const uint32_t bb = bias != nullptr ? static_cast<uint32_t>(bias[ob]) : 0u;
            uint32_t acc[4] = {ba, ba, bb, bb};
            gx_dot_2x2(w + o * k, w + ob * k, col, k, acc);
            const int32_t ma = p->multiplier[o], sa = p->shift[o], mb = p->multiplier[ob], sb = p->shift[ob];
            if (small) {
                o0[o] = static_cast<int8_t>(gx_rq_small(static_cast<int32_t>(acc[0]), ma, sa, zo, lo, hi));
                o1[o] = static_cast<int8_t>(gx_rq_small(static_cast<int32_t>(acc[1]), ma, sa, zo, lo, hi));
                o0[ob] = static_cast<int8_t>(gx_rq_small(static_cast<int32_t>(acc[2]), mb, sb, zo, lo, hi));
                o1[ob] = static_cast<int8_t>(gx_rq_small(static_cast<int32_t>(acc[3]), mb, sb, zo, lo, hi));
                continue;
            }
            o0[o] = static_cast<int8_t>(gx_requant(acc[0], ma, sa, zo, lo, hi));
            o1[o] = static_cast<int8_t>(gx_requant(acc[1], ma, sa, zo, lo, hi));
            o0[ob] = static_cast<int8_t>(gx_requant(acc[2], mb, sb, zo, lo, hi));
            o1[ob] = static_cast<int8_t>(gx_requant(acc[3], mb, sb, zo, lo, hi));
        }
    }
}

}  // namespace gx

// ---- convolution fused with a 2 x 2 max pool (gx_conv2d_maxpool2x2) ----------------------
//
// One pool window at a time: the four conv pixels of the window (q = 2 * dy + dx) share
// every weight load. Per output channel the four raw sums (no bias) are formed, their
// maximum taken, then bias and one requantisation: exact, since the requantisation
// (multiplier >= 0, right shift only, |acc| < 2^30: gx_rq_small) and the clamps are
// non-decreasing functions of the sum, and the bias is the same at the four pixels.

namespace gx {

namespace {

// Whether the fused path applies; the clamp range of the conv and the pool combined.
bool fused_ok(const int32_t* bias, const GxConvParams* p, const GxPoolParams* q, int32_t* lo, int32_t* hi) {
    const bool conv = p->stride_h == 1 && p->stride_w == 1 && p->dilation_h == 1 && p->dilation_w == 1 &&
                      p->pad_t == 0 && p->pad_l == 0 && p->in_h == p->out_h + p->k_h - 1 &&
                      p->in_w == p->out_w + p->k_w - 1 && p->out_c >= 1 &&
                      ((p->in_c == 1 && p->k_h == 3 && p->k_w == 3) || (p->in_c > 0 && (p->in_c & 3) == 0));
    const bool pool = q->f_h == 2 && q->f_w == 2 && q->stride_h == 2 && q->stride_w == 2 && q->pad_t == 0 &&
                      q->pad_l == 0 && q->in_h == p->out_h && q->in_w == p->out_w && q->c == p->out_c &&
                      q->out_h == q->in_h / 2 && q->out_w == q->in_w / 2;
    if (!conv || !pool) return false;
    const int32_t oc = p->out_c;
    if (!gx_small_ok(bias, p->shift, oc, oc, p->k_h * p->k_w * p->in_c)) return false;
    for (int32_t o = 0; o < oc; ++o)
        if (p->multiplier[o] < 0) return false;
    *lo = p->act_min > q->act_min ? p->act_min : q->act_min;
    *hi = p->act_max < q->act_max ? p->act_max : q->act_max;
    return *lo <= *hi;
}

inline int32_t max4(int32_t a, int32_t b, int32_t c, int32_t d) {
    const int32_t ab = a > b ? a : b, cd = c > d ? c : d;
    return ab > cd ? ab : cd;
}

// Channel o's bias and requantisation (gx_rq_small's m, right shift e, rounding term and sign
// mask for gx_rdbpot_small): conv_pool_1ch
// resolves them once per call into a table (32 channels x 169 windows), conv_pool_groups per
// output (its outputs are few next to its MACs, and it leaves the scratch to the windows).
struct ChanRq {
    int32_t bias, m, e, round, neg;
};
constexpr int32_t kChanRqWords = 5;
static_assert(sizeof(ChanRq) == 4 * kChanRqWords, "ChanRq is five words");

// The layer's output offset and combined clamp range (minus the offset).
struct OutRq {
    int32_t offset, lo, hi;
};

inline ChanRq chan_rq(const int32_t* bias, const GxConvParams* p, int32_t o) {
    const int32_t e = -p->shift[o];
    return {bias != nullptr ? bias[o] : 0, p->multiplier[o], e, e >= 1 ? 1 << (e - 1) : 0, e >= 1 ? -1 : 0};
}

inline OutRq out_rq(const GxConvParams* p, int32_t lo, int32_t hi) {
    return {p->output_offset, lo - p->output_offset, hi - p->output_offset};
}

// The table of every channel's ChanRq (t: out_c entries).
OutRq make_rq(const int32_t* bias, const GxConvParams* p, int32_t lo, int32_t hi, ChanRq* t) {
    for (int32_t o = 0; o < p->out_c; ++o) t[o] = chan_rq(bias, p, o);
    return out_rq(p, lo, hi);
}

// The pooled output of a channel from the largest raw sum of its window: gx_rq_small of
// best + bias, with the clamp before the offset (|v| < 2^30: the same result).
inline int8_t pooled(const ChanRq& c, const OutRq& r, int32_t best) {
    int32_t v = gx_rdbpot_small(gx_srdhm_small(best + c.bias, c.m), c.e, c.round, c.neg);
    v = v < r.lo ? r.lo : (v > r.hi ? r.hi : v);
    return static_cast<int8_t>(v + r.offset);
}

#if GX_DOT_DSP
// The same when the clamp range is the whole int8 range: one SSAT after the offset.
inline int8_t pooled_full(const ChanRq& c, const OutRq& r, int32_t best) {
    const int32_t v = gx_rdbpot_small(gx_srdhm_small(best + c.bias, c.m), c.e, c.round, c.neg);
    return static_cast<int8_t>(__ssat(v + r.offset, 8));
}
#endif

// Widens one group of four int8 inputs (four consecutive taps) with the offset added into the
// group layout x0, x2, x1, x3 at d. off2: the offset in both halfwords.
inline void widen_group(const int8_t* s, int32_t off, uint32_t off2, int16_t* d) {
#if GX_DOT_DSP
    (void)off;
    const uint32_t v = dot_detail::ld32(s);
    // x + offset lies in [-255, 255]: no halfword carries
    const uint32_t x02 = static_cast<uint32_t>(__sadd16(__sxtb16(v), static_cast<int32_t>(off2)));
    const uint32_t x13 = static_cast<uint32_t>(__sadd16(dot_detail::sxtb16_ror8(v), static_cast<int32_t>(off2)));
    std::memcpy(d, &x02, 4);
    std::memcpy(d + 2, &x13, 4);
#else
    (void)off2;
    d[0] = static_cast<int16_t>(s[0] + off);
    d[1] = static_cast<int16_t>(s[2] + off);
    d[2] = static_cast<int16_t>(s[1] + off);
    d[3] = static_cast<int16_t>(s[3] + off);
#endif
}

// The widened windows of the four pixels of the pool window whose top-left conv pixel is
// (oy, ox), interleaved by group: group g (taps 4g .. 4g+3 in (ky, kx, c) order) of pixel q at
// col[16 * g + 4 * q], so one pass over col meets the four pixels' operands side by side.
void im2col_window(const int8_t* x, const GxConvParams* p, int32_t oy, int32_t ox, int16_t* col) {
    const int32_t in_c = p->in_c, row = p->in_w * in_c, span = p->k_w * in_c;
    const int32_t off = p->input_offset;
    const uint32_t off2 = (static_cast<uint32_t>(off) & 0xFFFFu) * 0x10001u;
    for (int32_t q = 0; q < 4; ++q) {
        const int8_t* s = x + (oy + (q >> 1)) * row + (ox + (q & 1)) * in_c;
        int16_t* d = col + 4 * q;
        for (int32_t ky = 0; ky < p->k_h; ++ky, s += row)
            for (int32_t i = 0; i < span; i += 4, d += 16) widen_group(s + i, off, off2, d);
    }
}

#if GX_DOT_DSP
// The four pixels' sums of one output channel (no bias) over `groups` groups of col
// (im2col_window's layout), and their maximum (the sums stay below 2^30 in magnitude, so
// the signed compare is exact).
extern "C" int32_t gx_conv_dot4px_max(const int8_t* w, const int16_t* col, int32_t groups);

// Per group of four taps: one LDM of pixels 0 and 1's column pairs (x0, x2), (x1, x3), one
// of pixels 2 and 3's, two SXTB16 of the channel's weight word (w0, w2) and (w1, w3), eight
// SMLAD: 12 instructions for 16 MACs, plus one LDRD of the weights per two groups. Written
// as a whole function: the loop needs every register (accumulators r3-r6, operands r7-r10,
// weights r11, r12, lr), and LDM needs its registers in ascending order. SMLAD wraps like
// the int32 reference sum (the Q flag is ignored).
__asm__(R"(
    .pushsection .text.gx_conv_dot4px_max, "ax", %progbits
    .syntax unified
    .thumb
    .p2align 2
    .global gx_conv_dot4px_max
    .hidden gx_conv_dot4px_max
    .type gx_conv_dot4px_max, %function
    .thumb_func
    .macro GX_GROUP4 wr
    ldmia r1!, {r7-r10}
    sxtb16 lr, \wr
    sxtb16 \wr, \wr, ror #8
    smlad r3, lr, r7, r3
    smlad r3, \wr, r8, r3
    smlad r4, lr, r9, r4
    smlad r4, \wr, r10, r4
    ldmia r1!, {r7-r10}
    smlad r5, lr, r7, r5
    smlad r5, \wr, r8, r5
    smlad r6, lr, r9, r6
    smlad r6, \wr, r10, r6
    .endm
    .macro GX_PAIR4
    ldrd r11, r12, [r0], #8
    GX_GROUP4 r11
    GX_GROUP4 r12
    .endm
gx_conv_dot4px_max:
    push {r4-r11, lr}
    movs r3, #0
    movs r4, #0
    movs r5, #0
    movs r6, #0
    subs r2, r2, #8
    blt 2f
1:  GX_PAIR4
    GX_PAIR4
    GX_PAIR4
    GX_PAIR4
    subs r2, r2, #8
    bge 1b
2:  adds r2, r2, #6
    blt 4f
3:  GX_PAIR4
    subs r2, r2, #2
    bge 3b
4:  adds r2, r2, #2
    beq 5f
    ldr r11, [r0]
    GX_GROUP4 r11
5:  cmp r3, r4
    it lt
    movlt r3, r4
    cmp r3, r5
    it lt
    movlt r3, r5
    cmp r3, r6
    it lt
    movlt r3, r6
    mov r0, r3
    pop {r4-r11, pc}
    .size gx_conv_dot4px_max, . - gx_conv_dot4px_max
    .purgem GX_GROUP4
    .purgem GX_PAIR4
    .popsection
)");
#else
// GCC's expansion (temporary expression replacement) and first scheduling pass move every
// load of an unrolled loop body above the multiplies, which spills the 16 accumulators on
// RV32; the loop below is written in the order it should run.
#if defined(__GNUC__) && !defined(__clang__)
#define GX_NO_PRESCHED __attribute__((optimize("no-tree-ter", "no-schedule-insns")))
#else
#define GX_NO_PRESCHED
#endif

// The four pixels' accumulators of one output channel (int32: the fused path's sums stay
// below 2^30 in magnitude, no overflow).
struct Px4 {
    int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    void mac(int32_t wv, int32_t x0, int32_t x1, int32_t x2, int32_t x3) {
        a0 += wv * x0;
        a1 += wv * x1;
        a2 += wv * x2;
        a3 += wv * x3;
    }
    int32_t max() const { return max4(a0, a1, a2, a3); }
};

// One tap of four rows at w, w + ks, w + 2 ks, w + 3 ks: the four pixels' operands at x[0],
// x[4], x[8], x[12].
inline void tap_4ch(Px4& r0, Px4& r1, Px4& r2, Px4& r3, const int8_t* w, int32_t ks, const int16_t* x) {
    const int32_t x0 = x[0], x1 = x[4], x2 = x[8], x3 = x[12];
    r0.mac(w[0], x0, x1, x2, x3);
    r1.mac(w[ks], x0, x1, x2, x3);
    r2.mac(w[2 * ks], x0, x1, x2, x3);
    r3.mac(w[3 * ks], x0, x1, x2, x3);
}

// best[r] = the largest of the four pixels' sums (no bias) of weight row r of the four rows
// at w (stride K, or k when K is 0) over the n taps of col (im2col_window's layout, n a
// multiple of 4). Per tap: four operand loads, four weight loads, 16 multiply-adds. With the
// stride a constant (kTaps3x3x32, the CNN's second convolution) one pointer reaches the four
// rows by immediate offsets, which leaves registers for the 16 accumulators (RV32: 28
// allocatable); not inlined, for the same reason. Named accumulators: GCC keeps an array of
// them in memory.
template <int32_t K>
__attribute__((noinline)) GX_NO_PRESCHED void dot_4px_4ch(const int8_t* w, int32_t k, const int16_t* col, int32_t n,
                                           int32_t best[4]) {
    const int32_t ks = K > 0 ? K : k;
    Px4 r0, r1, r2, r3;
    const int8_t* const end = w + n;
    for (; w != end; w += 4, col += 16) {
        // the group layout: natural taps 0, 1, 2, 3 at positions 0, 2, 1, 3
        tap_4ch(r0, r1, r2, r3, w + 0, ks, col + 0);
        tap_4ch(r0, r1, r2, r3, w + 1, ks, col + 2);
        tap_4ch(r0, r1, r2, r3, w + 2, ks, col + 1);
        tap_4ch(r0, r1, r2, r3, w + 3, ks, col + 3);
    }
    best[0] = r0.max();
    best[1] = r1.max();
    best[2] = r2.max();
    best[3] = r3.max();
}

// The same for one row.
int32_t dot_4px_1ch(const int8_t* w, const int16_t* col, int32_t n) {
    Px4 r0;
    for (int32_t i = 0; i < n; ++i) {
        const int16_t* c = col + 16 * (i >> 2) + gx_col_pos(i & 3);
        r0.mac(w[i], c[0], c[4], c[8], c[12]);
    }
    return r0.max();
}
#endif

#if !GX_DOT_DSP
constexpr int kRows = 4;                   // output channels per pass of the portable kernel
constexpr int32_t kTaps3x3x32 = 3 * 3 * 32;  // the weight-row length dot_4px_4ch is specialised for
#endif

// in_c a multiple of 4: per pool window the four pixels' windows are widened (im2col_window),
// then every output channel's weight row runs over them once.
void conv_pool_groups(const int8_t* x, const int8_t* w, const int32_t* bias, const GxConvParams* p,
                      const GxPoolParams* q, int32_t lo, int32_t hi, int8_t* out, int16_t* scratch) {
    const int32_t k = p->k_h * p->k_w * p->in_c, oc = p->out_c;
    // 4 * k: the window's operands; the channels' requantisation is resolved per output
    // (per pooled output ~1/300 of the channel's work here: no table, less RAM)
    int16_t* col = scratch;
    const OutRq r = out_rq(p, lo, hi);
#if GX_DOT_DSP
    const bool full = lo == kInt8Min && hi == kInt8Max;
#endif
    for (int32_t py = 0; py < q->out_h; ++py)
        for (int32_t px = 0; px < q->out_w; ++px, out += oc) {
            im2col_window(x, p, 2 * py, 2 * px, col);
            int32_t o = 0;
#if GX_DOT_DSP
            for (; o < oc; ++o) {
                const int32_t best = gx_conv_dot4px_max(w + o * k, col, k / 4);
                const ChanRq c = chan_rq(bias, p, o);
                out[o] = full ? pooled_full(c, r, best) : pooled(c, r, best);
            }
#else
            for (; o + kRows <= oc; o += kRows) {
                int32_t best[kRows];
                if (k == kTaps3x3x32)
                    dot_4px_4ch<kTaps3x3x32>(w + o * k, k, col, k, best);
                else
                    dot_4px_4ch<0>(w + o * k, k, col, k, best);
                for (int i = 0; i < kRows; ++i) out[o + i] = pooled(chan_rq(bias, p, o + i), r, best[i]);
            }
            for (; o < oc; ++o) out[o] = pooled(chan_rq(bias, p, o), r, dot_4px_1ch(w + o * k, col, k));
#endif
        }
}

// One input channel, 3 x 3 kernel: the pool window's four pixels read a 4 x 4 input patch,
// widened once (v); pixel q = (dy, dx) uses v[dy + ky][dx + kx].
#if GX_DOT_DSP
constexpr int32_t kTab1 = 6;  // words per channel of conv_pool_1ch's table

// For each channel o of tab[o * 6 .. o * 6 + 4] (the nine weights in natural tap order as
// halfword pairs, the last padded with 0) until tab_end: the four pixels' sums over xs
// ([4][5] operand pairs in the same order), their maximum stored in tab[o * 6 + 5].
extern "C" void gx_conv_3x3x1_max(uint32_t* tab, const uint32_t* xs, const uint32_t* tab_end);

// Per channel: one LDM of its five weight pairs, per pixel one LDM of five operand pairs,
// SMUAD + four SMLAD (nine MACs, the padding lane adds 0 * 0) and a compare-select into the
// maximum: 39 instructions for 36 MACs. r0-r4 weights, r5-r9 operands, r10/r11 sums, r12 the
// operand pointer, lr the table pointer, the end on the stack.
__asm__(R"(
    .pushsection .text.gx_conv_3x3x1_max, "ax", %progbits
    .syntax unified
    .thumb
    .p2align 2
    .global gx_conv_3x3x1_max
    .hidden gx_conv_3x3x1_max
    .type gx_conv_3x3x1_max, %function
    .thumb_func
    .macro GX_PIXEL5 acc
    ldmia r12!, {r5-r9}
    smuad \acc, r0, r5
    smlad \acc, r1, r6, \acc
    smlad \acc, r2, r7, \acc
    smlad \acc, r3, r8, \acc
    smlad \acc, r4, r9, \acc
    .endm
gx_conv_3x3x1_max:
    push {r2, r4-r11, lr}
    mov lr, r0
    mov r12, r1
1:  ldmia lr!, {r0-r4}
    GX_PIXEL5 r11
    .rept 3
    GX_PIXEL5 r10
    cmp r11, r10
    it lt
    movlt r11, r10
    .endr
    str r11, [lr], #4
    sub r12, r12, #80
    ldr r10, [sp]
    cmp lr, r10
    bne 1b
    pop {r2, r4-r11, pc}
    .size gx_conv_3x3x1_max, . - gx_conv_3x3x1_max
    .purgem GX_PIXEL5
    .popsection
)");

inline uint32_t pack16(int32_t lo, int32_t hi) {
    return (static_cast<uint32_t>(lo) & 0xFFFFu) | (static_cast<uint32_t>(hi) << 16);
}

// Pixel (dy, dx)'s nine operands v[dy + ky][dx + kx] in natural tap order as five pairs.
inline void pixel_pairs(const int32_t (*v)[4], int32_t dy, int32_t dx, uint32_t* xk) {
    xk[0] = pack16(v[dy][dx], v[dy][dx + 1]);
    xk[1] = pack16(v[dy][dx + 2], v[dy + 1][dx]);
    xk[2] = pack16(v[dy + 1][dx + 1], v[dy + 1][dx + 2]);
    xk[3] = pack16(v[dy + 2][dx], v[dy + 2][dx + 1]);
    xk[4] = pack16(v[dy + 2][dx + 2], 0);
}
#else
// Kernel row ky's three taps (weights w0..w2) for the four pixels: input rows a = v[ky] and
// b = v[ky + 1].
inline void row_3(Px4& r, int32_t w0, int32_t w1, int32_t w2, const int32_t* a, const int32_t* b) {
    r.a0 += w0 * a[0] + w1 * a[1] + w2 * a[2];
    r.a1 += w0 * a[1] + w1 * a[2] + w2 * a[3];
    r.a2 += w0 * b[0] + w1 * b[1] + w2 * b[2];
    r.a3 += w0 * b[1] + w1 * b[2] + w2 * b[3];
}
#endif

void conv_pool_1ch(const int8_t* x, const int8_t* w, const int32_t* bias, const GxConvParams* p, const GxPoolParams* q,
                   int32_t lo, int32_t hi, int8_t* out, int16_t* scratch) {
    const int32_t oc = p->out_c, in_w = p->in_w, off = p->input_offset;
#if GX_DOT_DSP
    uint32_t* tab = reinterpret_cast<uint32_t*>(scratch);  // [oc][kTab1], built once per call
    uint32_t* xs = tab + kTab1 * oc;                        // [4][5]: the window's operand pairs
    ChanRq* rq = reinterpret_cast<ChanRq*>(xs + 4 * 5);
    for (int32_t o = 0; o < oc; ++o) {
        const int8_t* wo = w + 9 * o;
        for (int32_t j = 0; j < 4; ++j) tab[kTab1 * o + j] = pack16(wo[2 * j], wo[2 * j + 1]);
        tab[kTab1 * o + 4] = pack16(wo[8], 0);
    }
#else
    ChanRq* rq = reinterpret_cast<ChanRq*>(scratch);
#endif
    const OutRq rr = make_rq(bias, p, lo, hi, rq);
#if GX_DOT_DSP
    const bool full = lo == kInt8Min && hi == kInt8Max;
#endif
    for (int32_t py = 0; py < q->out_h; ++py)
        for (int32_t px = 0; px < q->out_w; ++px, out += oc) {
            int32_t v[4][4];
            const int8_t* s = x + 2 * py * in_w + 2 * px;
            for (int32_t r = 0; r < 4; ++r, s += in_w) {
                v[r][0] = s[0] + off;
                v[r][1] = s[1] + off;
                v[r][2] = s[2] + off;
                v[r][3] = s[3] + off;
            }
#if GX_DOT_DSP
            pixel_pairs(v, 0, 0, xs);
            pixel_pairs(v, 0, 1, xs + 5);
            pixel_pairs(v, 1, 0, xs + 10);
            pixel_pairs(v, 1, 1, xs + 15);
            gx_conv_3x3x1_max(tab, xs, tab + kTab1 * oc);
            if (full)
                for (int32_t o = 0; o < oc; ++o)
                    out[o] = pooled_full(rq[o], rr, static_cast<int32_t>(tab[kTab1 * o + 5]));
            else
                for (int32_t o = 0; o < oc; ++o)
                    out[o] = pooled(rq[o], rr, static_cast<int32_t>(tab[kTab1 * o + 5]));
#else
            for (int32_t o = 0; o < oc; ++o) {
                const int8_t* wo = w + 9 * o;
                Px4 r;
                row_3(r, wo[0], wo[1], wo[2], v[0], v[1]);
                row_3(r, wo[3], wo[4], wo[5], v[1], v[2]);
                row_3(r, wo[6], wo[7], wo[8], v[2], v[3]);
                out[o] = pooled(rq[o], rr, r.max());
            }
#endif
        }
}

}  // namespace

int32_t gx_conv_pool_scratch_elems(const GxConvParams* p) {
    if (p->in_c != 1) return 4 * gx_col_len(p->k_h * p->k_w * p->in_c);  // conv_pool_groups
    const int32_t rq = 2 * kChanRqWords * p->out_c;                      // conv_pool_1ch
#if GX_DOT_DSP
    return 2 * (kTab1 * p->out_c + 4 * 5) + rq;  // + weight and operand pairs
#else
    return rq;
#endif
}

bool gx_conv2d_maxpool2x2(const int8_t* x, const int8_t* w, const int32_t* bias, const GxConvParams* p,
                          const GxPoolParams* pool, int8_t* out, int16_t* scratch) {
    int32_t lo = 0, hi = 0;
    if (!fused_ok(bias, p, pool, &lo, &hi)) return false;
    if (p->in_c == 1)
        conv_pool_1ch(x, w, bias, p, pool, lo, hi, out, scratch);
    else
        conv_pool_groups(x, w, bias, p, pool, lo, hi, out, scratch);
    return true;
}

}  // namespace gx
