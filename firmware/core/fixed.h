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

// a / b rounded half away from zero, b > 0 (returns 0 for b <= 0: never reached).
constexpr int64_t gx_div_round(int64_t a, int64_t b) {
    return b <= 0 ? 0 : (a >= 0 ? (a + (b >> 1)) / b : -((-a + (b >> 1)) / b));
}

constexpr int64_t gx_sat(int64_t x, int64_t lo, int64_t hi) {
    return x < lo ? lo : (x > hi ? hi : x);
}

// Number of bits of m (0 for 0).
int gx_bit_length(uint64_t m);

// floor(sqrt(n)): the digit-by-digit loop of golden isqrt_u64_bitwise.
uint64_t gx_isqrt_u64(uint64_t n);
// sqrt(n) rounded to nearest (r + 1 if n - r^2 > r); n >= 0.
int64_t gx_isqrt_round(int64_t n);
// ceil(sqrt(n)); n >= 0.
int64_t gx_isqrt_ceil(int64_t n);

// Q30 unit vector along v (n = 2..4 int64 components). Returns false (out untouched)
// for the zero vector (the golden model's None).
bool gx_normalise_vec(const int64_t* v, int n, int64_t* out);

// CORDIC atan2 in 2^-24 turn, in [-2^23, 2^23]; |x|, |y| <= 2^62 + 2^40.
int64_t gx_atan2_turns(int64_t y, int64_t x);
// asin of a Q30 value (clamped to [-2^30, 2^30]) in 2^-24 turn.
int64_t gx_asin_turns(int64_t v);

}  // namespace gx

#endif  // GX_FIXED_H
