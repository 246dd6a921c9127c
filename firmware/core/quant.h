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

}  // namespace gx

#endif  // GX_QUANT_H
