// Inner loops of the int8 kernels (conv, fully connected, LSTM gates): int8 weight rows times
// int16 operand columns, accumulated in int32 with two's-complement wrap.
//
// Operands: the int8 inputs are widened once, with the layer's input offset added
// (x + input_offset lies in [-255, 255], an exact int16), so each inner-loop step is a pure
// dot product. The column layout suits the Cortex-M4's dual 16-bit MAC: in every group of
// four, the widened values are stored in the order x0, x2, x1, x3, because SXTB16 of a weight
// word w0 w1 w2 w3 gives the halfword pair (w0, w2) and SXTB16 of the word rotated by 8 gives
// (w1, w3); one SMLAD then adds w0*x0 + w2*x2 and a second one w1*x1 + w3*x3. The tail
// (n % 4 values) stays in natural order.
//
// Two forms behind one interface, selected at compile time:
//  * __ARM_FEATURE_DSP (Cortex-M4/M7): LDR of four weights, SXTB16 (twice), SMLAD;
//  * portable C++ (RV32IMC, Xtensa, host): the same sums with register blocking.
// Integer addition is exact modulo 2^32 in any order, so both equal the reference loop
// acc += (x + input_offset) * w bit for bit (SMLAD wraps like the int32 reference; its Q flag
// is ignored).
#ifndef GX_DOT_H
#define GX_DOT_H

#include <cstdint>
#include <cstring>

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#include <arm_acle.h>
#define GX_DOT_DSP 1
#else
#define GX_DOT_DSP 0
#endif

namespace gx {

// Widens x[0..n) to int16 with offset added, in the column layout above.
inline void gx_widen_offset(const int8_t* x, int32_t n, int32_t offset, int16_t* col) {
    int32_t i = 0;
    for (; i + 4 <= n; i += 4) {
        col[i + 0] = static_cast<int16_t>(x[i + 0] + offset);
        col[i + 1] = static_cast<int16_t>(x[i + 2] + offset);
        col[i + 2] = static_cast<int16_t>(x[i + 1] + offset);
        col[i + 3] = static_cast<int16_t>(x[i + 3] + offset);
    }
    for (; i < n; ++i) col[i] = static_cast<int16_t>(x[i] + offset);
}

// Weight index of column position i (the inverse of the permutation inside a group).
constexpr int32_t gx_col_w(int32_t i) { return (i & 3) == 1 ? i + 1 : ((i & 3) == 2 ? i - 1 : i); }

namespace dot_detail {

#if GX_DOT_DSP
// SXTB16 of the word rotated by 8: (w1, w3). GCC 12 does not fold a rotate into SXTB16's
// operand, so this one is written as the single instruction it is.
inline int32_t sxtb16_ror8(uint32_t w) {
    int32_t r;
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(w));
    return r;
}

inline uint32_t ld32(const void* p) {
    uint32_t v;
    std::memcpy(&v, p, 4);  // one LDR (unaligned access is allowed on ARMv7E-M)
    return v;
}
#endif

// Tail of a dot product: positions [from, n) in natural order.
inline uint32_t tail(const int8_t* w, const int16_t* c, int32_t from, int32_t n, uint32_t acc) {
    for (int32_t i = from; i < n; ++i) acc += static_cast<uint32_t>(static_cast<int32_t>(w[i]) * c[i]);
    return acc;
}

}  // namespace dot_detail

// acc[r] += w_r . c for the 4 rows w_r = w + r * stride (length n each) and one column.
inline void gx_dot_4x1(const int8_t* w, int32_t stride, const int16_t* c, int32_t n, uint32_t acc[4]) {
    const int32_t n4 = n & ~3;
    uint32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
#if GX_DOT_DSP
    // two row pointers, the other two rows at +stride: fewer live registers, no spills
    const int8_t* pa = w;
    const int8_t* pb = w + 2 * stride;
    const int16_t* const end = c + n4;
    for (const int16_t* cp = c; cp != end; cp += 4, pa += 4, pb += 4) {
        const int32_t x02 = static_cast<int32_t>(dot_detail::ld32(cp));
        const int32_t x13 = static_cast<int32_t>(dot_detail::ld32(cp + 2));
        uint32_t v = dot_detail::ld32(pa);
        a0 = static_cast<uint32_t>(__smlad(__sxtb16(v), x02, static_cast<int32_t>(a0)));
        a0 = static_cast<uint32_t>(__smlad(dot_detail::sxtb16_ror8(v), x13, static_cast<int32_t>(a0)));
        v = dot_detail::ld32(pa + stride);
        a1 = static_cast<uint32_t>(__smlad(__sxtb16(v), x02, static_cast<int32_t>(a1)));
        a1 = static_cast<uint32_t>(__smlad(dot_detail::sxtb16_ror8(v), x13, static_cast<int32_t>(a1)));
        v = dot_detail::ld32(pb);
        a2 = static_cast<uint32_t>(__smlad(__sxtb16(v), x02, static_cast<int32_t>(a2)));
        a2 = static_cast<uint32_t>(__smlad(dot_detail::sxtb16_ror8(v), x13, static_cast<int32_t>(a2)));
        v = dot_detail::ld32(pb + stride);
        a3 = static_cast<uint32_t>(__smlad(__sxtb16(v), x02, static_cast<int32_t>(a3)));
        a3 = static_cast<uint32_t>(__smlad(dot_detail::sxtb16_ror8(v), x13, static_cast<int32_t>(a3)));
    }
#else
    const int8_t* w0 = w;
    const int8_t* w1 = w + stride;
    const int8_t* w2 = w + 2 * stride;
    const int8_t* w3 = w + 3 * stride;
    for (int32_t i = 0; i < n4; i += 4) {
        const int32_t x0 = c[i], x2 = c[i + 1], x1 = c[i + 2], x3 = c[i + 3];
        a0 += static_cast<uint32_t>(w0[i] * x0 + w0[i + 1] * x1 + w0[i + 2] * x2 + w0[i + 3] * x3);
        a1 += static_cast<uint32_t>(w1[i] * x0 + w1[i + 1] * x1 + w1[i + 2] * x2 + w1[i + 3] * x3);
        a2 += static_cast<uint32_t>(w2[i] * x0 + w2[i + 1] * x1 + w2[i + 2] * x2 + w2[i + 3] * x3);
        a3 += static_cast<uint32_t>(w3[i] * x0 + w3[i + 1] * x1 + w3[i + 2] * x2 + w3[i + 3] * x3);
    }
#endif
    for (int r = 0; r < 4; ++r) {
        uint32_t t = r == 0 ? a0 : (r == 1 ? a1 : (r == 2 ? a2 : a3));
        acc[r] = dot_detail::tail(w + r * stride, c, n4, n, t);
    }
}

// One row, one column.
inline uint32_t gx_dot_1x1(const int8_t* w, const int16_t* c, int32_t n, uint32_t acc) {
    const int32_t n4 = n & ~3;
#if GX_DOT_DSP
    for (int32_t i = 0; i < n4; i += 4) {
        const uint32_t wv = dot_detail::ld32(w + i);
        acc = static_cast<uint32_t>(
            __smlad(__sxtb16(wv), static_cast<int32_t>(dot_detail::ld32(c + i)), static_cast<int32_t>(acc)));
        acc = static_cast<uint32_t>(__smlad(dot_detail::sxtb16_ror8(wv), static_cast<int32_t>(dot_detail::ld32(c + i + 2)),
                                            static_cast<int32_t>(acc)));
    }
#else
    for (int32_t i = 0; i < n4; i += 4)
        acc += static_cast<uint32_t>(w[i] * c[i] + w[i + 1] * c[i + 2] + w[i + 2] * c[i + 1] + w[i + 3] * c[i + 3]);
#endif
    return dot_detail::tail(w, c, n4, n, acc);
}

// acc[2*r + p] += w_r . c_p for 2 rows w0, w1 and 2 columns: the columns interleaved in
// groups of four (c = p0[0..4), p1[0..4), p0[4..8), p1[4..8), ...; a tail of n % 4 values
// per column follows as p0 tail then p1 tail).
inline void gx_dot_2x2(const int8_t* w0, const int8_t* w1, const int16_t* c, int32_t n, uint32_t acc[4]) {
    const int32_t n4 = n & ~3;
    uint32_t a00 = acc[0], a01 = acc[1], a10 = acc[2], a11 = acc[3];
    const int16_t* cp = c;
#if GX_DOT_DSP
    for (int32_t i = 0; i < n4; i += 4, cp += 8) {
        const int32_t p02 = static_cast<int32_t>(dot_detail::ld32(cp));
        const int32_t p13 = static_cast<int32_t>(dot_detail::ld32(cp + 2));
        const int32_t q02 = static_cast<int32_t>(dot_detail::ld32(cp + 4));
        const int32_t q13 = static_cast<int32_t>(dot_detail::ld32(cp + 6));
        uint32_t w = dot_detail::ld32(w0 + i);
        int32_t s = __sxtb16(w);
        a00 = static_cast<uint32_t>(__smlad(s, p02, static_cast<int32_t>(a00)));
        a01 = static_cast<uint32_t>(__smlad(s, q02, static_cast<int32_t>(a01)));
        s = dot_detail::sxtb16_ror8(w);
        a00 = static_cast<uint32_t>(__smlad(s, p13, static_cast<int32_t>(a00)));
        a01 = static_cast<uint32_t>(__smlad(s, q13, static_cast<int32_t>(a01)));
        w = dot_detail::ld32(w1 + i);
        s = __sxtb16(w);
        a10 = static_cast<uint32_t>(__smlad(s, p02, static_cast<int32_t>(a10)));
        a11 = static_cast<uint32_t>(__smlad(s, q02, static_cast<int32_t>(a11)));
        s = dot_detail::sxtb16_ror8(w);
        a10 = static_cast<uint32_t>(__smlad(s, p13, static_cast<int32_t>(a10)));
        a11 = static_cast<uint32_t>(__smlad(s, q13, static_cast<int32_t>(a11)));
    }
#else
    for (int32_t i = 0; i < n4; i += 4, cp += 8) {
        const int32_t u0 = w0[i], u1 = w0[i + 1], u2 = w0[i + 2], u3 = w0[i + 3];
        const int32_t v0 = w1[i], v1 = w1[i + 1], v2 = w1[i + 2], v3 = w1[i + 3];
        int32_t x = cp[0];
        int32_t y = cp[4];
        a00 += static_cast<uint32_t>(u0 * x);
        a10 += static_cast<uint32_t>(v0 * x);
        a01 += static_cast<uint32_t>(u0 * y);
        a11 += static_cast<uint32_t>(v0 * y);
        x = cp[1];
        y = cp[5];
        a00 += static_cast<uint32_t>(u2 * x);
        a10 += static_cast<uint32_t>(v2 * x);
        a01 += static_cast<uint32_t>(u2 * y);
        a11 += static_cast<uint32_t>(v2 * y);
        x = cp[2];
        y = cp[6];
        a00 += static_cast<uint32_t>(u1 * x);
        a10 += static_cast<uint32_t>(v1 * x);
        a01 += static_cast<uint32_t>(u1 * y);
        a11 += static_cast<uint32_t>(v1 * y);
        x = cp[3];
        y = cp[7];
        a00 += static_cast<uint32_t>(u3 * x);
        a10 += static_cast<uint32_t>(v3 * x);
        a01 += static_cast<uint32_t>(u3 * y);
        a11 += static_cast<uint32_t>(v3 * y);
    }
#endif
    const int32_t nt = n - n4;
    const int16_t* q = cp + nt;  // p1's tail
    for (int32_t i = 0; i < nt; ++i) {
        const int32_t u = w0[n4 + i], v = w1[n4 + i];
        a00 += static_cast<uint32_t>(u * cp[i]);
        a10 += static_cast<uint32_t>(v * cp[i]);
        a01 += static_cast<uint32_t>(u * q[i]);
        a11 += static_cast<uint32_t>(v * q[i]);
    }
    acc[0] = a00;
    acc[1] = a01;
    acc[2] = a10;
    acc[3] = a11;
}

// Stores the widened column of one output pixel into the interleaved 2-column layout of
// gx_dot_2x2 (p = 0 or 1): value i of a column in the gx_widen_offset layout goes to
// position (i / 4) * 8 + 4 * p + i % 4 for i < n4, and to 2 * n4 + p * (n - n4) + (i - n4)
// for the tail.
constexpr int32_t gx_col2_pos(int32_t i, int32_t n, int32_t p) {
    return i < (n & ~3) ? (i >> 2) * 8 + 4 * p + (i & 3) : 2 * (n & ~3) + p * (n - (n & ~3)) + (i - (n & ~3));
}

}  // namespace gx

#endif  // GX_DOT_H
