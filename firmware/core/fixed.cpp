#include "fixed.h"

#include "params.h"

namespace gx {

// C++17 [expr.shift]: right shift of a negative value is implementation-defined. Every
// formula here assumes the arithmetic shift GCC/Clang implement (C++20 mandates it).
static_assert((INT64_C(-1) >> 1) == -1, "arithmetic right shift required");
static_assert((INT64_C(-3) >> 1) == -2, "arithmetic right shift required (floor)");
static_assert((INT32_C(-5) >> 1) == -3, "arithmetic right shift required (int32)");
static_assert(gx_rshift_round(-3, 1) == -1 && gx_rshift_round(3, 1) == 2, "half up");
static_assert(gx_rshift_round(-5, 2) == -1 && gx_rshift_round(-6, 2) == -1, "half up");
static_assert(gx_div_round(-3, 2) == -2 && gx_div_round(3, 2) == 2, "half away from zero");
static_assert(gx_div_round(-5, 4) == -1 && gx_div_round(5, 4) == 1, "nearest");

static_assert(gx_udiv64_32(UINT64_C(0xFFFFFFFF00000000), 0xFFFFFFFFu) == 0xFFFFFFFFu, "64/32 divide");
static_assert(gx_udiv64_32(UINT64_C(0x7FFFFFFFFFFFFFFF), 0x80000000u) == 0xFFFFFFFFu, "64/32 divide");
static_assert(gx_udiv64_32(UINT64_C(0x123456789ABCDEF0), 0x87654321u) ==
                  UINT64_C(0x123456789ABCDEF0) / UINT64_C(0x87654321), "64/32 divide");
static_assert(gx_udiv_u64(UINT64_C(1) << 61, 3u) == UINT64_C(768614336404564650), "64-bit divide");
static_assert(gx_bit_length(0) == 0 && gx_bit_length(1) == 1 && gx_bit_length(UINT64_C(1) << 63) == 64, "bits");

namespace {

// floor(sqrt(n)), digit by digit (the golden model's isqrt_u64_bitwise).
constexpr uint64_t isqrt_bitwise(uint64_t n) {
    uint64_t res = 0;
    uint64_t bit = UINT64_C(1) << 62;
    while (bit > n) bit >>= 2;
    while (bit != 0) {
        if (n >= res + bit) {
            n -= res + bit;
            res = (res >> 1) + bit;
        } else {
            res >>= 1;
        }
        bit >>= 2;
    }
    return res;
}

// isqrt_round(n) from any estimate r near it: exact correction on the residual e = n - r^2;
// the loops stop at the one r with -r < e <= r, which is R ((r + 1)^2 = r^2 + 2r + 1),
// whatever the estimate (it only decides how often they run).
inline uint32_t round_root_fix(uint64_t n, uint32_t r) {
    int64_t e = static_cast<int64_t>(n - static_cast<uint64_t>(r) * r);
    while (e > static_cast<int64_t>(r)) {
        e -= 2 * static_cast<int64_t>(r) + 1;
        ++r;
    }
    while (e <= -static_cast<int64_t>(r)) {
        --r;
        e += 2 * static_cast<int64_t>(r) + 1;
    }
    return r;
}

#if defined(__ARM_FP) && (__ARM_FP & 4)
// sqrtf without the errno branch (the argument is never negative here): one VSQRT.
inline float sqrt_nonneg(float x) {
    float r;
    __asm__("vsqrt.f32 %0, %1" : "=t"(r) : "t"(x));
    return r;
}
#endif

#if defined(__ARM_FP) && (__ARM_FP & 4)
// isqrt_round(n) = round(sqrt(n)) (never a tie: n is an integer) for n in [2^40, 2^62]: R with
// R^2 - R < n <= R^2 + R. sqrtf of n as a float (hi 2^32 + lo, within 2^-23 relative:
// |r - sqrt(n)| < 2^8 + 2, r < 2^31 + 2^8), one Newton step in float on the exact int64
// residual (|e| < 2^41.1, so e >> 10 fits int32; the step leaves r within one of sqrt(n)),
// then exact correction on the residual e = n - r^2: the loops stop at the one r with
// -r < e <= r, which is R, whatever the estimates ((r + 1)^2 = r^2 + 2r + 1).
// For n >= 2^58 (norm = true) the top word alone gives the same accuracy: n >> 32 >= 2^26
// (2^-26 relative), and sqrt(n >> 32) 2^16 saves the conversion of the low word.
template <bool norm>
inline uint32_t isqrt_round_big(uint64_t n) {
    uint32_t r;
    if (norm) {
        r = static_cast<uint32_t>(sqrt_nonneg(static_cast<float>(static_cast<uint32_t>(n >> 32))) * 65536.0f);
    } else {
        const float nf = static_cast<float>(static_cast<uint32_t>(n >> 32)) * 4294967296.0f +
                         static_cast<float>(static_cast<uint32_t>(n));
        r = static_cast<uint32_t>(sqrt_nonneg(nf));
    }
    int64_t e = static_cast<int64_t>(n - static_cast<uint64_t>(r) * r);
    const float step = static_cast<float>(static_cast<int32_t>(e >> 10)) * (1024.0f / 2.0f) / static_cast<float>(r);
    r += static_cast<uint32_t>(static_cast<int32_t>(step + 1024.5f) - 1024);  // |step| < 2^9.1: rounded
    return round_root_fix(n, r);
}
#endif

#if !(defined(__ARM_FP) && (__ARM_FP & 4))
// floor(sqrt((2i + 1) 2^23)), i = 0..64: the midpoint root of each interval [i 2^24, (i + 1) 2^24)
// (i = 64: n = 2^62 exactly)
struct SqrtSeeds {
    uint16_t v[65];
};
constexpr SqrtSeeds make_sqrt_seeds() {
    SqrtSeeds t{};
    for (uint32_t i = 0; i <= 64; ++i) t.v[i] = static_cast<uint16_t>(isqrt_bitwise(static_cast<uint64_t>(2 * i + 1) << 23));
    return t;
}
constexpr SqrtSeeds kSqrtSeeds = make_sqrt_seeds();
static_assert(kSqrtSeeds.v[63] == 32639 && kSqrtSeeds.v[1] == 5016 && kSqrtSeeds.v[64] == 32895, "seed table");

// isqrt_round(n) for n in [2^56, 2^62] with 32-bit divides only (RV32IMC has DIVU but no FPU
// and no 64-bit divide; the bitwise loop costs 32 iterations of 64-bit steps):
//  1. s = floor(sqrt(nh)) of the top word nh = floor(n / 2^32) in [2^24, 2^30]: a seed from
//     the table above, two Newton steps s = (s + nh / s) / 2 (after the first, s >= floor(sqrt(nh))
//     for any seed: the integer Newton step never goes below the floor root), then the exact
//     downward correction;
//  2. a = s 2^16 <= sqrt(n); with d = nh - s^2 in [0, 2s] the residual is e = n - a^2 =
//     d 2^32 + lo, and r = a + e / (2a) - (e / (2a))^2 / (2a) (the series of sqrt(a^2 + e),
//     e / a^2 < 2^-10) from two DIVUs: dl = (d 2^15 + (lo >> 17)) / s (< 2^32 operands:
//     d 2^15 <= 2^31, s <= 2^15) and (dl / 2)^2 / (s 2^15);
//  3. exact correction on the residual n - r^2: the loops stop at the one r with
//     -r < e <= r, which is R, whatever the estimates (they only decide how often the loops run).
inline uint32_t isqrt_round_div(uint64_t n) {
    const uint32_t nh = static_cast<uint32_t>(n >> 32), lo = static_cast<uint32_t>(n);
    uint32_t s = kSqrtSeeds.v[nh >> 24];
    s = (s + nh / s) >> 1;
    s = (s + nh / s) >> 1;
    while (s * s > nh) --s;  // s < 2^16 (the seed is within 6% of sqrt(nh)): s^2 fits 32 bits
    const uint32_t d = nh - s * s;
    const uint32_t dl = ((d << 15) + (lo >> 17)) / s;
    const uint32_t h = dl >> 1;
    uint32_t r = (s << 16) + dl - (h * h) / (s << 15);
    return round_root_fix(n, r);
}
#endif

}  // namespace

uint64_t gx_isqrt_u64(uint64_t n) {
#if defined(__ARM_FP) && (__ARM_FP & 4)
    // With a single-precision FPU: an estimate r from sqrtf (within 2^-23 relative, so
    // |r - sqrt(n)| < 2^8 + 1 for n < 2^62), one Newton step r + (n - r^2) / (2r) in float
    // (the residual is exact in int64; the step is within +-1 of the true root), then exact
    // correction. The result is floor(sqrt(n)) whatever the estimate: the estimate only
    // decides how many correction steps run (at most two here).
    if (n >= 2 && n < (UINT64_C(1) << 62)) {
        const int sh = (gx_bit_length(n) - 31) & ~1;  // even, so that sqrt halves it exactly
        const int e = sh > 0 ? sh : 0;
        const float top = static_cast<float>(static_cast<uint32_t>(n >> e));
        const float scale = static_cast<float>(UINT32_C(1) << (e / 2));
        uint32_t r = static_cast<uint32_t>(__builtin_sqrtf(top) * scale);  // < 2^31 + 2^8
        if (r == 0) r = 1;
        const int64_t res = static_cast<int64_t>(n) - static_cast<int64_t>(static_cast<uint64_t>(r) * r);  // |res| < 2^41
        const float step = static_cast<float>(static_cast<int32_t>(res >> 10)) * 1024.0f / (2.0f * static_cast<float>(r));
        r = static_cast<uint32_t>(static_cast<int32_t>(r) + static_cast<int32_t>(step + (step >= 0 ? 0.5f : -0.5f)));
        while (static_cast<uint64_t>(r) * r > n) --r;
        while (static_cast<uint64_t>(r + 1) * (r + 1) <= n) ++r;
        return r;
    }
#endif
    return isqrt_bitwise(n);
}

int64_t gx_isqrt_round(int64_t n) {
    if (n <= 0) return 0;  // golden: isqrt of a negative raises; callers never pass one
#if defined(__ARM_FP) && (__ARM_FP & 4)
    if (n >= (INT64_C(1) << 40) && n <= (INT64_C(1) << 62)) return isqrt_round_big<false>(static_cast<uint64_t>(n));
#else
    if (n >= (INT64_C(1) << 56) && n <= (INT64_C(1) << 62)) return isqrt_round_div(static_cast<uint64_t>(n));
#endif
    const int64_t r = static_cast<int64_t>(gx_isqrt_u64(static_cast<uint64_t>(n)));
    return (n - r * r > r) ? r + 1 : r;
}

int64_t gx_isqrt_ceil(int64_t n) {
    if (n <= 0) return 0;
    const int64_t r = static_cast<int64_t>(gx_isqrt_u64(static_cast<uint64_t>(n)));
    return (r * r == n) ? r : r + 1;
}

static uint64_t mag_u64(int64_t x) {
    return x < 0 ? UINT64_C(0) - static_cast<uint64_t>(x) : static_cast<uint64_t>(x);
}

namespace {

// isqrt_round(n) for n in [2^58, 2^62], the range of a scaled vector's squared norm.
inline uint32_t isqrt_round_norm(uint64_t n) {
#if defined(__ARM_FP) && (__ARM_FP & 4)
    return isqrt_round_big<true>(n);
#else
    return isqrt_round_div(n);
#endif
}

// The rare case r = 2^29 (a vector along one axis with |w| = 2^29), where c would be 2^32.
__attribute__((noinline)) uint32_t div_round_slow(uint32_t a, uint32_t r) {
    return gx_udiv64_32((static_cast<uint64_t>(a) << 30) + (r >> 1), r);
}

// c = floor(2^61 / r) for 2^29 < r <= 2^31 (so c < 2^32).
inline uint32_t recip61(uint32_t r) {
#if defined(__ARM_FP) && (__ARM_FP & 4)
    // With the single-precision FPU: an estimate c, its exact int64 remainder e = 2^61 - c r,
    // one integer step c += floor(e / r) estimated as (e >> 10) (c >> 1) / 2^50, then exact
    // correction: the loops stop at 0 <= e < r, i.e. at floor(2^61 / r), whatever the
    // estimates (they only decide how often the loops run). 2^60 / rf < 2^31 converts to
    // uint32 without overflow; rf and the divide are each within 2^-24 relative, so the
    // first c is within 2^9 + 3 of the quotient, |e| < 2^40.1 (e >> 10 fits int32, the
    // product < 2^62) and the step leaves c within one of the quotient.
    uint32_t c = 2u * static_cast<uint32_t>(1152921504606846976.0f / static_cast<float>(r));  // 2^60 / rf
    int64_t e = static_cast<int64_t>((UINT64_C(1) << 61) - static_cast<uint64_t>(c) * r);
    const int32_t d = static_cast<int32_t>(
        gx_asr(static_cast<int64_t>(static_cast<int32_t>(e >> 10)) * static_cast<int32_t>(c >> 1), 50));
    c += static_cast<uint32_t>(d);
    e -= static_cast<int64_t>(d) * static_cast<int64_t>(r);
    while (e < 0) {
        --c;
        e += r;
    }
    while (e >= static_cast<int64_t>(r)) {
        ++c;
        e -= r;
    }
    return c;
#else
    return gx_udiv64_32(UINT64_C(1) << 61, r);
#endif
}

inline uint32_t abs_u32(int32_t x) { return x < 0 ? UINT32_C(0) - static_cast<uint32_t>(x) : static_cast<uint32_t>(x); }

// out[k] = div_round(w[k] 2^30, r) for the Q30 unit vector of w (|w| <= 2^30 with the
// largest >= 2^29, n2 = sum w^2, r = isqrt_round(n2) in [2^29, 2^31]): floor(num / r) with
// num = |w| 2^30 + floor(r / 2), then w's sign. All N quotients share the divisor: with
// c = floor(2^61 / r), q = floor(|w| c / 2^31) = floor(2|w| c / 2^32) (the high word of one
// 32 x 32 multiply: 2|w| <= 2^31) is below num / r by less than two, so q is the quotient or
// one below it and the remainder num - q r lies in [0, 2r), below 2^32: its low 32 bits are
// exact, and one compare finishes the division. The sign is applied without a branch
// (sm = 0 or -1: (x ^ sm) - sm is x or -x).
template <int N, typename Out>
inline void unit_from_scaled(const int32_t* w, int64_t n2, Out* out) {
    const uint32_t r = isqrt_round_norm(static_cast<uint64_t>(n2));
    const uint32_t half = r >> 1;
    if (r <= (UINT32_C(1) << 29)) {
        for (int k = 0; k < N; ++k) {
            const uint32_t q = div_round_slow(abs_u32(w[k]), r);
            out[k] = static_cast<Out>(w[k] < 0 ? -static_cast<int64_t>(q) : static_cast<int64_t>(q));
        }
        return;
    }
    const uint32_t c = recip61(r);
#pragma GCC unroll 4
    for (int k = 0; k < N; ++k) {
        const int32_t sm = w[k] >> 31;
        const uint32_t a = static_cast<uint32_t>((w[k] ^ sm) - sm);
        uint32_t q = static_cast<uint32_t>((static_cast<uint64_t>(a << 1) * c) >> 32);
        const uint32_t rem = ((a << 30) + half) - q * r;  // mod 2^32: exact, < 2r
        q += rem >= r ? 1u : 0u;
        out[k] = static_cast<Out>((static_cast<int32_t>(q) ^ sm) - sm);  // q <= 2^30
    }
}

// Q30 unit vector of an int64 vector of N components (gx_normalise_vec).
template <int N, typename Out>
bool normalise64(const int64_t* v, Out* out) {
    uint64_t m = 0;  // bit_length(OR of the |v|) = bit_length(max |v|)
#pragma GCC unroll 4
    for (int k = 0; k < N; ++k) m |= mag_u64(v[k]);
    if (m == 0) return false;
    const int s = gx_bit_length(m) - 30;
    // w = rshift_round(v, s): |w| <= 2^30, so int32; s <= 0 (|v| < 2^30) is an exact scaling
    int32_t w[N];
    int64_t n2 = 0;  // N <= 4: n2 <= 2^62
    if (s <= 0) {
#pragma GCC unroll 4
        for (int k = 0; k < N; ++k) {
            w[k] = static_cast<int32_t>(v[k]) * (INT32_C(1) << -s);
            n2 += static_cast<int64_t>(w[k]) * w[k];
        }
    } else if (s >= 2 && s <= 32) {
        // The same t from the two 32-bit words: floor(v / 2^h) for 1 <= h = s - 1 <= 31 has
        // lo >> h as its low 32 - h bits and hi's low h bits above them; t fits int32, so
        // these 32 bits are all of it (no 64-bit shift, whose amount the compiler cannot
        // bound). A gradient's s lies here (its bit length is far below 62).
        const int h = s - 1;
#pragma GCC unroll 4
        for (int k = 0; k < N; ++k) {
            const uint64_t u = static_cast<uint64_t>(v[k]);
            const int32_t t = static_cast<int32_t>((static_cast<uint32_t>(u) >> h) |
                                                   (static_cast<uint32_t>(u >> 32) << (32 - h)));
            w[k] = (t >> 1) + (t & 1);
            n2 += static_cast<int64_t>(w[k]) * w[k];
        }
    } else {
#pragma GCC unroll 4
        for (int k = 0; k < N; ++k) {
            // rshift_round(v, s) = floor(t / 2) + (t & 1) with t = floor(v / 2^(s-1)):
            // |v| < 2^(s+30), so t fits int32 and the rest is 32-bit
            const int32_t t = static_cast<int32_t>(gx_asr(v[k], s - 1));
            w[k] = (t >> 1) + (t & 1);
            n2 += static_cast<int64_t>(w[k]) * w[k];
        }
    }
    unit_from_scaled<N>(w, n2, out);
    return true;
}

// Q30 unit vector of an int32 vector of N components (gx_normalise_vec32).
template <int N>
bool normalise32(const int32_t* v, int32_t* out) {
    uint32_t m = 0;  // bit_length(OR of the |v|) = bit_length(max |v|)
#pragma GCC unroll 4
    for (int k = 0; k < N; ++k) m |= abs_u32(v[k]);
    if (m == 0) return false;
    const int s = 32 - __builtin_clz(m) - 30;  // <= 2: |v| <= 2^31
    int32_t w[N];
    int64_t n2 = 0;
    if (s <= 0) {
        const int32_t f = INT32_C(1) << -s;
#pragma GCC unroll 4
        for (int k = 0; k < N; ++k) {
            w[k] = v[k] * f;
            n2 += static_cast<int64_t>(w[k]) * w[k];
        }
    } else {
        // rshift_round(v, s) on int32: floor(v / 2^s) + bit (s - 1) of v, the golden
        // (v + 2^(s-1)) >> s without the addition (which could overflow int32)
#pragma GCC unroll 4
        for (int k = 0; k < N; ++k) {
            w[k] = (v[k] >> s) + ((v[k] >> (s - 1)) & 1);
            n2 += static_cast<int64_t>(w[k]) * w[k];
        }
    }
    unit_from_scaled<N>(w, n2, out);
    return true;
}

// Q30 unit vector of an int16 vector of 3 components (gx_normalise_vec16): |v| <= 2^15, so
// the golden scaling is always the exact left shift by k = 30 - bit_length(max |v|) >= 14,
// and n2 = sum (v 2^k)^2 = (sum v^2) 4^k with sum v^2 <= 3 2^30 < 2^32: three 32-bit
// multiplies instead of three 64-bit ones.
bool normalise16(const int16_t* v, int32_t* out) {
    const int32_t a = v[0], b = v[1], c = v[2];
    const uint32_t m = abs_u32(a) | abs_u32(b) | abs_u32(c);
    if (m == 0) return false;
    const int k = __builtin_clz(m) - 2;  // 30 - (32 - clz)
    const uint32_t n = static_cast<uint32_t>(a * a) + static_cast<uint32_t>(b * b) + static_cast<uint32_t>(c * c);
    const int32_t w[3] = {static_cast<int32_t>(static_cast<uint32_t>(a) << k),
                          static_cast<int32_t>(static_cast<uint32_t>(b) << k),
                          static_cast<int32_t>(static_cast<uint32_t>(c) << k)};
    unit_from_scaled<3>(w, static_cast<int64_t>(static_cast<uint64_t>(n) << (2 * k)), out);
    return true;
}

}  // namespace

namespace {

template <typename Out>
bool normalise64_n(const int64_t* v, int n, Out* out) {
    switch (n) {
        case 2: return normalise64<2>(v, out);
        case 3: return normalise64<3>(v, out);
        case 4: return normalise64<4>(v, out);
        default: return false;
    }
}

}  // namespace

bool gx_normalise_vec(const int64_t* v, int n, int64_t* out) { return normalise64_n(v, n, out); }

bool gx_normalise_vec_to32(const int64_t* v, int n, int32_t* out) { return normalise64_n(v, n, out); }

bool gx_normalise_vec32(const int32_t* v, int n, int32_t* out) {
    switch (n) {
        case 2: return normalise32<2>(v, out);
        case 3: return normalise32<3>(v, out);
        case 4: return normalise32<4>(v, out);
        default: return false;
    }
}

bool gx_normalise_vec16(const int16_t* v, int32_t* out) { return normalise16(v, out); }

int64_t gx_atan2_turns(int64_t y, int64_t x) {
    const int64_t y0 = y, x0 = x;
    // exact special cases (checked last in the golden code; same result)
    if (y0 == 0) return x0 >= 0 ? 0 : kHalfTurn;
    if (x0 == 0) return y0 > 0 ? kQuarterTurn : -kQuarterTurn;
    const uint64_t ax = mag_u64(x), ay = mag_u64(y);
    const uint64_t m = ax > ay ? ax : ay;
    const int s = gx_bit_length(m) - kCordicOperandBits;
    x = gx_rshift_round(x, s);
    y = gx_rshift_round(y, s);
    const int64_t half_c = INT64_C(1) << (kCordicAngleBits - 1);
    int64_t z = 0;
    if (x < 0) {
        z = y0 > 0 ? half_c : -half_c;
        x = -x;
        y = -y;
    }
    // |x|, |y| < 2^30.3 (CORDIC gain), |z| < 2^30: int64 holds them with room.
    for (int i = 0; i < kCordicIterations; ++i) {
        const int64_t t = kParams.atan_table[i];
        const int64_t xs = gx_asr(x, i), ys = gx_asr(y, i);
        if (y >= 0) {
            x += ys;
            y -= xs;
            z += t;
        } else {
            x -= ys;
            y += xs;
            z -= t;
        }
    }
    return gx_sat(gx_rshift_round(z, kCordicAngleBits - kAngleBits), -kHalfTurn, kHalfTurn);
}

int64_t gx_asin_turns(int64_t v) {
    v = gx_sat(v, -kOneQ30, kOneQ30);
    const int64_t c2 = (INT64_C(1) << 60) - v * v;
    return gx_atan2_turns(v, gx_isqrt_round(c2));
}

}  // namespace gx
