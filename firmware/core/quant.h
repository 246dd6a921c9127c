// TFLite-Micro fixed-point requantisation helpers (host/glovexfer/golden/quant.py), bit for bit.
//
//  * gx_srdhm(a, b): gemmlowp SaturatingRoundingDoublingHighMul: (a*b + nudge) / 2^31
//    truncating toward zero, nudge 2^30 (a*b >= 0) or 1 - 2^30; INT32_MIN*INT32_MIN saturates.
//  * gx_rdbpot(x, e): RoundingDivideByPOT, 0 <= e <= 31: round to nearest, ties away from 0.
//  * gx_mbqm(x, m, s): MultiplyByQuantizedMultiplier, double-rounding form (TFLM default):
//    rdbpot(srdhm(x * 2^max(s,0) (wrapping in int32), m), max(-s,0)).
#ifndef GX_QUANT_H
#define GX_QUANT_H

#include <cstdint>

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#include <arm_acle.h>
#endif

namespace gx {

constexpr int32_t kInt8Min = -128;
constexpr int32_t kInt8Max = 127;
constexpr int32_t kInt16Min = -32768;
constexpr int32_t kInt16Max = 32767;
constexpr int64_t kInt32Min = INT64_C(-2147483648);
constexpr int64_t kInt32Max = INT64_C(2147483647);

// Two's-complement wrap of an int64 to int32 (C++ int32 arithmetic on every target we use).
constexpr int32_t gx_wrap32(int64_t x) {
    return static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(x) & 0xFFFFFFFFu));
}
// Two's-complement truncation to int16 (static_cast<int16_t>).
constexpr int16_t gx_wrap16(int64_t x) {
    return static_cast<int16_t>(static_cast<uint16_t>(static_cast<uint64_t>(x) & 0xFFFFu));
}
constexpr int64_t gx_clamp64(int64_t x, int64_t lo, int64_t hi) { return x < lo ? lo : (x > hi ? hi : x); }

// (a*b + nudge) / 2^31 truncating equals floor((a*b + 2^30) / 2^31) for both signs of a*b
// (for a*b < 0 the truncation adds 2^31 - 1, which turns the nudge 1 - 2^30 into 2^30), so
// one arithmetic shift does it: a 64-bit multiply, an add and a shift on every target.
constexpr int32_t gx_srdhm(int32_t a, int32_t b) {
    return (a == b && a == INT32_MIN)
               ? INT32_MAX
               : static_cast<int32_t>((static_cast<int64_t>(a) * b + (INT64_C(1) << 30)) >> 31);
}

constexpr int32_t gx_rdbpot(int32_t x, int e) {
    return (x >> e) + (((x & static_cast<int32_t>((INT64_C(1) << e) - 1)) >
                        (static_cast<int32_t>(((INT64_C(1) << e) - 1) >> 1) + (x < 0 ? 1 : 0)))
                           ? 1
                           : 0);
}

constexpr int32_t gx_mbqm(int32_t x, int32_t m, int32_t shift) {
    return gx_rdbpot(gx_srdhm(gx_wrap32(static_cast<int64_t>(static_cast<uint32_t>(x)) << (shift > 0 ? shift : 0)), m),
                     shift > 0 ? 0 : -shift);
}

// Output stage of every int8 kernel: clamp(mbqm(acc, m, s) + offset, lo, hi) for a wrapped
// int32 accumulator, in the operations a 32-bit core does well: gx_srdhm as one 64-bit
// multiply-add and shift (its only overflow, INT32_MIN * INT32_MIN, gives 2^31 and is
// clamped to INT32_MAX), gx_rdbpot as shift + mask compare, and the clamp before the offset
// is added (same result: offset, lo and hi are small), so no int64 clamp. The parameters are
// resolved once per layer (GxRq) and applied per output.
struct GxRq {
    int32_t m, left, right, mask, half, offset, lo, hi;  // lo, hi: the clamp range minus offset
};

inline GxRq gx_rq_make(int32_t m, int32_t s, int32_t offset, int32_t lo, int32_t hi) {
    const int32_t right = s > 0 ? 0 : -s;
    const int32_t mask = static_cast<int32_t>((UINT32_C(1) << right) - 1u);
    return {m, s > 0 ? s : 0, right, mask, mask >> 1, offset, lo - offset, hi - offset};
}

inline int32_t gx_rq_apply(const GxRq& q, uint32_t acc) {
    const int32_t x = static_cast<int32_t>(acc << q.left);
    const int64_t r = (static_cast<int64_t>(x) * q.m + (INT64_C(1) << 30)) >> 31;
    // r lies in [-2^31, 2^31]: low word minus (high word + sign of the low word) is r, or
    // INT32_MAX for r = 2^31
    const uint32_t lo32 = static_cast<uint32_t>(r);
    int32_t v = static_cast<int32_t>(lo32 - (static_cast<uint32_t>(r >> 32) + (lo32 >> 31)));
    v = (v >> q.right) + ((v & q.mask) > q.half + static_cast<int32_t>(static_cast<uint32_t>(v) >> 31) ? 1 : 0);
    if (v < q.lo) v = q.lo;
    if (v > q.hi) v = q.hi;
    return v + q.offset;
}

inline int32_t gx_requant(uint32_t acc, int32_t m, int32_t s, int32_t offset, int32_t lo, int32_t hi) {
    return gx_rq_apply(gx_rq_make(m, s, offset, lo, hi), acc);
}

// ---- requantisation of accumulators known to be below 2^30 in magnitude (the kernels
// check their bound once per call: |bias| + taps x 256 x 128, or a product of int16 values
// of which one is a sigmoid output), with no left shift (s <= 0).

// gx_srdhm(x, m) for |x| < 2^30: then 2x is an int32 and (2x*m + 2^31) >> 32 equals
// (x*m + 2^30) >> 31, which is one SMMULR on the Cortex-M4 (no saturation case: x != INT32_MIN).
inline int32_t gx_srdhm_small(int32_t x, int32_t m) {
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
    int32_t r;
    __asm__("smmulr %0, %1, %2" : "=r"(r) : "r"(x * 2), "r"(m));
    return r;
#else
    return static_cast<int32_t>((static_cast<int64_t>(x) * m + (INT64_C(1) << 30)) >> 31);
#endif
}

inline int32_t gx_sat16(int32_t v) {
#if defined(__ARM_FEATURE_SAT) && __ARM_FEATURE_SAT
    return __ssat(v, 16);
#else
    return v < kInt16Min ? kInt16Min : (v > kInt16Max ? kInt16Max : v);
#endif
}

// gx_rdbpot for |v| < 2^30 and a right shift e in 0..31: round-half-away-from-zero is
// (v + 2^(e-1) - (v < 0)) >> e without overflow (for e = 0: v itself, hence the sign term
// masked by neg).
inline int32_t gx_rdbpot_small(int32_t v, int32_t e, int32_t round, int32_t neg) {
    return (v + round + ((v >> 31) & neg)) >> e;
}

// Per-channel form: clamp(mbqm(x, m, s) + offset, lo, hi) for |x| < 2^30, -31 <= s <= 0.
inline int32_t gx_rq_small(int32_t x, int32_t m, int32_t s, int32_t offset, int32_t lo, int32_t hi) {
    const int32_t e = -s;
    const int32_t round = static_cast<int32_t>((UINT32_C(1) << e) >> 1);
    const int32_t v = gx_rdbpot_small(gx_srdhm_small(x, m), e, round, -static_cast<int32_t>(e != 0)) + offset;
    return v < lo ? lo : (v > hi ? hi : v);  // |v| < 2^30 + |offset|: no overflow
}

// Whether a layer's accumulators (|bias| + taps x 256 x 128) stay below 2^30 and its shifts
// are right shifts, i.e. gx_rq_small applies to every output.
inline bool gx_small_ok(const int32_t* bias, const int32_t* shift, int32_t n, int32_t n_shift, int32_t taps) {
    if (taps > 16384) return false;
    const int32_t limit = (1 << 30) - taps * 256 * 128;
    for (int32_t k = 0; k < n; ++k)
        if (bias != nullptr && (bias[k] >= limit || bias[k] <= -limit)) return false;
    for (int32_t k = 0; k < n_shift; ++k)
        if (shift[k] > 0 || shift[k] < -31) return false;
    return true;
}

}  // namespace gx

#endif  // GX_QUANT_H
