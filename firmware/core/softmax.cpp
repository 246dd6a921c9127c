#include "softmax.h"

#include "quant.h"

namespace gx {

namespace {

constexpr int kScaledDiffIntegerBits = 5;
constexpr int kAccumulationIntegerBits = 12;

// SaturatingRoundingMultiplyByPOT<e> on int32 raw values.
int32_t srmbp(int32_t x, int e) {
    if (e == 0) return x;
    if (e < 0) return gx_rdbpot(x, -e);
    const int32_t threshold = static_cast<int32_t>((INT64_C(1) << (31 - e)) - 1);
    if (x > threshold) return INT32_MAX;
    if (x < -threshold) return INT32_MIN;
    return static_cast<int32_t>(static_cast<int64_t>(x) * (INT64_C(1) << e));
}

int32_t exp_on_interval_between_negative_one_quarter_and_0_excl(int32_t a) {
    constexpr int32_t kConstantTerm = 1895147668;  // exp(-1/8)
    constexpr int32_t kOneThird = 715827883;
    const int32_t x = gx_wrap32(static_cast<int64_t>(a) + (INT64_C(1) << 28));
    const int32_t x2 = gx_srdhm(x, x);
    const int32_t x3 = gx_srdhm(x2, x);
    const int32_t x4 = gx_srdhm(x2, x2);
    const int32_t x4_over_4 = gx_rdbpot(x4, 2);
    const int32_t poly = gx_rdbpot(
        gx_wrap32(static_cast<int64_t>(gx_srdhm(gx_wrap32(static_cast<int64_t>(x4_over_4) + x3), kOneThird)) + x2), 1);
    return gx_wrap32(static_cast<int64_t>(kConstantTerm) +
                     gx_srdhm(kConstantTerm, gx_wrap32(static_cast<int64_t>(x) + poly)));
}

struct Barrel {
    int exponent;
    int32_t multiplier;
};
constexpr Barrel kBarrel[] = {{-2, 1672461947}, {-1, 1302514674}, {0, 790015084}, {1, 290630308},
                              {2, 39332535},    {3, 720401},      {4, 242}};

}  // namespace

int gx_clz32(uint32_t x) {
    int n = 0;
    for (uint32_t bit = UINT32_C(1) << 31; bit != 0 && (x & bit) == 0; bit >>= 1) ++n;
    return n;
}

int32_t gx_exp_on_negative_values_5(int32_t a) {
    constexpr int kFracBits = 31 - kScaledDiffIntegerBits;
    constexpr int32_t kOneQuarter = INT32_C(1) << (kFracBits - 2);
    constexpr int32_t kMask = kOneQuarter - 1;
    const int32_t a_mod = gx_wrap32(static_cast<int64_t>(a & kMask) - kOneQuarter);
    int32_t result = exp_on_interval_between_negative_one_quarter_and_0_excl(srmbp(a_mod, kScaledDiffIntegerBits));
    const int32_t remainder = gx_wrap32(static_cast<int64_t>(a_mod) - a);
    for (const Barrel& b : kBarrel) {
        if (kScaledDiffIntegerBits > b.exponent) {
            const int32_t bit = static_cast<int32_t>(INT64_C(1) << (kFracBits + b.exponent));
            if ((remainder & bit) != 0) result = gx_srdhm(result, b.multiplier);
        }
    }
    // integer_bits == 5: no clamp (gemmlowp clamps only for integer_bits > 5)
    return a == 0 ? INT32_MAX : result;
}

int32_t gx_one_over_one_plus_x(int32_t a) {
    const int64_t s = static_cast<int64_t>(a) + INT32_MAX;  // RoundingHalfSum(a, One)
    const int64_t half_den64 = s >= 0 ? (s + 1) / 2 : -((1 - s) / 2);
    const int32_t half_den = static_cast<int32_t>(half_den64);  // in [-1, 2^31 - 1]
    constexpr int32_t kC48Over17 = 1515870810;  // Q2.29
    constexpr int32_t kCNeg32Over17 = -1010580540;
    constexpr int32_t kOneF2 = INT32_C(1) << 29;
    int32_t x = gx_wrap32(static_cast<int64_t>(kC48Over17) + gx_srdhm(half_den, kCNeg32Over17));
    for (int i = 0; i < 3; ++i) {
        const int32_t hx = gx_srdhm(half_den, x);
        const int32_t one_minus = gx_wrap32(static_cast<int64_t>(kOneF2) - hx);
        x = gx_wrap32(static_cast<int64_t>(x) + srmbp(gx_srdhm(x, one_minus), 2));
    }
    return srmbp(x, 1);
}

bool gx_softmax_int8(const int8_t* x, int depth, const GxSoftmaxParams& p, int8_t* out) {
    if (x == nullptr || out == nullptr || depth < 1) return false;
    for (int i = 0; i < depth; ++i) out[i] = -128;
    if (p.input_left_shift < 0 || p.input_left_shift > 31 || p.input_multiplier <= 0) return false;
    int32_t mx = x[0];
    for (int i = 1; i < depth; ++i)
        if (x[i] > mx) mx = x[i];
    int64_t sum = 0;
    for (int i = 0; i < depth; ++i) {
        const int32_t diff = x[i] - mx;  // -255..0
        if (diff < p.diff_min) continue;
        const int32_t rescaled =
            gx_srdhm(gx_wrap32(static_cast<int64_t>(diff) * (INT64_C(1) << p.input_left_shift)), p.input_multiplier);
        sum += srmbp(gx_exp_on_negative_values_5(rescaled), -kAccumulationIntegerBits);  // Rescale<12>
    }
    const int32_t sum_of_exps = gx_wrap32(sum);
    // GetReciprocal(sum_of_exps, 12)
    const int headroom_plus_one = gx_clz32(static_cast<uint32_t>(sum_of_exps));
    const int bits_over_unit = kAccumulationIntegerBits - headroom_plus_one;
    const uint64_t shifted =
        ((static_cast<uint64_t>(static_cast<uint32_t>(sum_of_exps)) << headroom_plus_one) - (UINT64_C(1) << 31)) &
        UINT64_C(0xFFFFFFFF);
    const int32_t shifted_scale = gx_one_over_one_plus_x(gx_wrap32(static_cast<int64_t>(shifted)));
    const int exponent = bits_over_unit + 31 - 8;
    if (exponent < 0 || exponent > 31) return false;  // TFLITE_CHECK in the reference
    for (int i = 0; i < depth; ++i) {
        const int32_t diff = x[i] - mx;
        if (diff < p.diff_min) continue;  // stays -128
        const int32_t rescaled =
            gx_srdhm(gx_wrap32(static_cast<int64_t>(diff) * (INT64_C(1) << p.input_left_shift)), p.input_multiplier);
        const int32_t e = gx_exp_on_negative_values_5(rescaled);
        const int32_t unsat = gx_rdbpot(gx_srdhm(shifted_scale, e), exponent);
        out[i] = static_cast<int8_t>(gx_clamp64(static_cast<int64_t>(unsat) - 128, kInt8Min, kInt8Max));
    }
    return true;
}

}  // namespace gx
