// Integer helpers of the golden model (host/glovexfer/golden/fixed.py), bit for bit.
//
// Conventions (docs/fixed-point.md):
//  * gx_asr(x, s) is floor(x / 2^s). C++17 leaves `>>` on negative signed values
//    implementation-defined; GCC and Clang define it as an arithmetic shift on every
//    target (and C++20 requires it). The static_asserts in fixed.cpp refuse any other
//    compiler behaviour at build time.
//  * gx_rshift_round(x, s) = floor(x / 2^s + 1/2) (round half up), computed without the
//    intermediate x + 2^(s-1) so that it can never overflow: floor(x/2^s) + bit (s-1) of x.
//  * gx_div_round(a, b), b > 0: round half away from zero; b <= 0 returns 0 (the golden
//    model raises there; every caller guards, mirroring the golden guards).
#ifndef GX_FIXED_H
#define GX_FIXED_H

#include <cstdint>

namespace gx {

constexpr int kQ30 = 30;
constexpr int64_t kOneQ30 = INT64_C(1) << 30;
constexpr int kQF = 29;
constexpr int kQJ = 28;
constexpr int kAngleBits = 24;
constexpr int64_t kTurn = INT64_C(1) << kAngleBits;
constexpr int64_t kHalfTurn = kTurn >> 1;
constexpr int64_t kQuarterTurn = kTurn >> 2;
constexpr int kCordicAngleBits = 30;
constexpr int kCordicOperandBits = 29;
constexpr int kCordicIterations = 29;
constexpr int kQUnit = 30;
constexpr int kQW = 22;
constexpr int kQCanvas = 20;
constexpr int kQTaps = 16;
constexpr int kQImage = 15;

// Arithmetic shift right (floor division by 2^s), 0 <= s <= 63.
constexpr int64_t gx_asr(int64_t x, int s) { return x >> s; }

// x * 2^s without the UB of left-shifting a negative value (|x 2^s| < 2^63 required).
constexpr int64_t gx_shl(int64_t x, int s) { return x * (INT64_C(1) << s); }

// Round half up: floor(x / 2^s + 1/2) for s >= 1; exact left shift for s <= 0.
constexpr int64_t gx_rshift_round(int64_t x, int s) {
    return s <= 0 ? gx_shl(x, -s) : gx_asr(x, s) + (gx_asr(x, s - 1) & 1);
}

// floor(u / v) for (u >> 32) < v (the quotient fits 32 bits), v > 0, with 32-bit divisions
// only: v is shifted so that its top bit is set, then the quotient is found as two base-2^16
// digits, each estimated from the top digit of v and corrected downwards (at most twice:
// the estimate exceeds the true digit by at most 2 when v's top bit is set). Cortex-M4 and
// RV32IMC divide 32 by 32 bits in one instruction but have no 64 by 32 divide; the compiler's
// generic 64-bit division costs ten times more.
constexpr uint32_t gx_udiv64_32(uint64_t u, uint32_t v) {
    const int s = __builtin_clz(v);
    const uint32_t vn = v << s;
    const uint32_t vh = vn >> 16, vl = vn & 0xFFFFu;
    const uint32_t hi = static_cast<uint32_t>(u >> 32), lo = static_cast<uint32_t>(u);
    const uint32_t top = s == 0 ? hi : (hi << s) | (lo >> (32 - s));  // < vn: fits 32 bits
    const uint32_t lo_n = lo << s;
    const uint32_t d1 = lo_n >> 16, d0 = lo_n & 0xFFFFu;
    // first digit: (top : d1) / vn
    uint32_t q1 = top / vh, r = top - q1 * vh;
    while (q1 > 0xFFFFu || q1 * vl > ((r << 16) | d1)) {
        --q1;
        r += vh;
        if (r > 0xFFFFu) break;
    }
    const uint32_t rem = ((top << 16) | d1) - q1 * vn;  // < vn (mod 2^32 arithmetic is exact here)
    // second digit: (rem : d0) / vn
    uint32_t q0 = rem / vh;
    r = rem - q0 * vh;
    while (q0 > 0xFFFFu || q0 * vl > ((r << 16) | d0)) {
        --q0;
        r += vh;
        if (r > 0xFFFFu) break;
    }
    return (q1 << 16) | q0;
}

// floor(a / b), b > 0: 32-bit operands with one 32-bit divide, a quotient that fits 32 bits
// with gx_udiv64_32, anything else with the compiler's 64-bit division.
constexpr uint64_t gx_udiv_u64(uint64_t a, uint64_t b) {
    if ((b >> 32) == 0) {
        const uint32_t v = static_cast<uint32_t>(b);
        if ((a >> 32) == 0) return static_cast<uint32_t>(a) / v;
        if ((a >> 32) < v) return gx_udiv64_32(a, v);
    }
    return a / b;
}

// a / b rounded half away from zero, b > 0 (returns 0 for b <= 0: never reached). Callers
// keep |a| + b / 2 below 2^63, as the golden model's int64 range checks require.
constexpr int64_t gx_div_round(int64_t a, int64_t b) {
    if (b <= 0) return 0;
    const uint64_t half = static_cast<uint64_t>(b >> 1);
    return a >= 0 ? static_cast<int64_t>(gx_udiv_u64(static_cast<uint64_t>(a) + half, static_cast<uint64_t>(b)))
                  : -static_cast<int64_t>(
                        gx_udiv_u64((UINT64_C(0) - static_cast<uint64_t>(a)) + half, static_cast<uint64_t>(b)));
}

constexpr int64_t gx_sat(int64_t x, int64_t lo, int64_t hi) {
    return x < lo ? lo : (x > hi ? hi : x);
}

// Number of bits of m (0 for 0).
constexpr int gx_bit_length(uint64_t m) { return m == 0 ? 0 : 64 - __builtin_clzll(m); }

// floor(sqrt(n)): the digit-by-digit loop of golden isqrt_u64_bitwise.
uint64_t gx_isqrt_u64(uint64_t n);
// sqrt(n) rounded to nearest (r + 1 if n - r^2 > r); n >= 0.
int64_t gx_isqrt_round(int64_t n);
// ceil(sqrt(n)); n >= 0.
int64_t gx_isqrt_ceil(int64_t n);

// Q30 unit vector along v (n = 2..4 int64 components). Returns false (out untouched)
// for the zero vector (the golden model's None) and for n outside 2..4.
bool gx_normalise_vec(const int64_t* v, int n, int64_t* out);
// The same with int32 results (a unit vector's components are within +-2^30).
bool gx_normalise_vec_to32(const int64_t* v, int n, int32_t* out);
// The same for an int32 vector (the same result as gx_normalise_vec on its int64 copy).
bool gx_normalise_vec32(const int32_t* v, int n, int32_t* out);

// The same for an int16 vector of 3 components (a sensor reading).
bool gx_normalise_vec16(const int16_t* v, int32_t* out);

// CORDIC atan2 in 2^-24 turn, in [-2^23, 2^23]; |x|, |y| <= 2^62 + 2^40.
int64_t gx_atan2_turns(int64_t y, int64_t x);
// asin of a Q30 value (clamped to [-2^30, 2^30]) in 2^-24 turn.
int64_t gx_asin_turns(int64_t v);

}  // namespace gx

#endif  // GX_FIXED_H
