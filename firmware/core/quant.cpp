#include "quant.h"

namespace gx {

// Arithmetic right shift and modular narrowing are implementation-defined in C++17; GCC and
// Clang do both the two's-complement way (C++20 mandates it). Refuse anything else.
static_assert((INT32_C(-5) >> 1) == -3, "arithmetic right shift required (int32)");
static_assert((INT64_C(-5) >> 1) == -3, "arithmetic right shift required (int64)");
static_assert(gx_wrap32(INT64_C(2147483648)) == INT32_MIN, "modular int32 narrowing required");
static_assert(gx_wrap16(32768) == -32768 && gx_wrap16(-32769) == 32767, "modular int16 narrowing");

// Hand cases of tests/test_golden_int8.py (golden/quant.py).
static_assert(gx_srdhm(INT32_MIN, INT32_MIN) == INT32_MAX, "srdhm overflow saturates");
static_assert(gx_srdhm(INT32_MIN, INT32_MAX) == INT32_MIN + 1, "srdhm truncation");
static_assert(gx_srdhm(3, 1 << 30) == 2 && gx_srdhm(-3, 1 << 30) == -1 && gx_srdhm(-5, 1 << 30) == -2, "srdhm ties");
static_assert(gx_srdhm(INT32_MAX, INT32_MAX) == INT32_MAX - 1, "srdhm");
static_assert(gx_rdbpot(5, 1) == 3 && gx_rdbpot(-5, 1) == -3 && gx_rdbpot(-6, 2) == -2, "rdbpot ties away");
static_assert(gx_rdbpot(-5, 2) == -1 && gx_rdbpot(-7, 2) == -2 && gx_rdbpot(123, 0) == 123, "rdbpot");
static_assert(gx_rdbpot(INT32_MIN, 31) == -1 && gx_rdbpot(INT32_MAX, 31) == 1, "rdbpot e = 31");
static_assert(gx_mbqm(100, 1 << 30, 0) == 50 && gx_mbqm(101, 1 << 30, -1) == 26, "mbqm double rounding");
static_assert(gx_mbqm(-101, 1 << 30, -1) == -25 && gx_mbqm(-3, 1 << 30, 0) == -1, "mbqm");
static_assert(gx_mbqm(3, 1 << 30, 2) == 6 && gx_mbqm(1 << 30, 1 << 30, 1) == -(1 << 30), "mbqm left shift wraps");
static_assert(gx_mbqm(INT32_MIN, INT32_MAX, 0) == INT32_MIN + 1, "mbqm");

}  // namespace gx
