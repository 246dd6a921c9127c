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

int gx_bit_length(uint64_t m) {
    int b = 0;
    while (m != 0) {
        ++b;
        m >>= 1;
    }
    return b;
}

uint64_t gx_isqrt_u64(uint64_t n) {
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

int64_t gx_isqrt_round(int64_t n) {
    if (n <= 0) return 0;  // golden: isqrt of a negative raises; callers never pass one
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

bool gx_normalise_vec(const int64_t* v, int n, int64_t* out) {
    uint64_t m = 0;
    for (int k = 0; k < n; ++k) {
        const uint64_t a = mag_u64(v[k]);
        if (a > m) m = a;
    }
    if (m == 0) return false;
    const int s = gx_bit_length(m) - 30;
    int64_t w[4];
    int64_t n2 = 0;  // max |w| <= 2^30, n <= 4: n2 <= 2^62
    for (int k = 0; k < n; ++k) {
        w[k] = gx_rshift_round(v[k], s);  // s <= 0: exact left shift
        n2 += w[k] * w[k];
    }
    const int64_t r = gx_isqrt_round(n2);  // >= 2^29
    for (int k = 0; k < n; ++k) out[k] = gx_div_round(gx_shl(w[k], 30), r);
    return true;
}

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
