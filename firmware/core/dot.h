// Inner loops of the int8 kernels (conv, fully connected, LSTM gates): int8 weight rows times
// int16 operand columns, accumulated in int32 with two's-complement wrap.
//
// Operands: the int8 inputs are widened once, with the layer's input offset added
// (x + input_offset lies in [-255, 255], an exact int16), so each inner-loop step is a pure
// dot product. The column layout suits the Cortex-M4's dual 16-bit MAC: in every group of
// four, the widened values are stored in the order x0, x2, x1, x3, because SXTB16 of a weight
// word w0 w1 w2 w3 gives the halfword pair (w0, w2) and SXTB16 of the word rotated by 8 gives
// (w1, w3); one SMLAD then adds w0*x0 + w2*x2 and a second one w1*x1 + w3*x3. A last partial
// group (n % 4 values) is padded with zeros, and its weights are loaded as the n % 4 bytes
// they are (zero-extended), so no row is read past its end and the padding adds 0.
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

// int16 elements of a widened column of n values (whole groups of four).
constexpr int32_t gx_col_len(int32_t n) { return (n + 3) & ~3; }

// Position of natural index i in the group layout (x0, x2, x1, x3 per group).
constexpr int32_t gx_col_pos(int32_t i) { return (i & 3) == 1 ? i + 1 : ((i & 3) == 2 ? i - 1 : i); }

// Widens x[0..n) to int16 with offset added into gx_col_len(n) elements of col.
inline void gx_widen_offset(const int8_t* x, int32_t n, int32_t offset, int16_t* col) {
    int32_t i = 0;
    for (; i + 4 <= n; i += 4) {
        col[i + 0] = static_cast<int16_t>(x[i + 0] + offset);
        col[i + 1] = static_cast<int16_t>(x[i + 2] + offset);
        col[i + 2] = static_cast<int16_t>(x[i + 1] + offset);
        col[i + 3] = static_cast<int16_t>(x[i + 3] + offset);
    }
    if (i < n) {
        for (int32_t k = 0; k < 4; ++k) col[i + k] = 0;
        for (; i < n; ++i) col[gx_col_pos(i)] = static_cast<int16_t>(x[i] + offset);
    }
}

namespace dot_detail {

// The weights of the last partial group (nt = 1..3 bytes), zero-extended to a word.
inline uint32_t tail_word(const int8_t* w, int32_t nt) {
    const uint8_t* b = reinterpret_cast<const uint8_t*>(w);
    uint32_t v = b[0];
    if (nt > 1) v |= static_cast<uint32_t>(b[1]) << 8;
    if (nt > 2) v |= static_cast<uint32_t>(b[2]) << 16;
    return v;
}

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

// acc + the group's four products: weight word v, column pairs (x0, x2) and (x1, x3).
inline uint32_t mac4(uint32_t v, int32_t x02, int32_t x13, uint32_t acc) {
    acc = static_cast<uint32_t>(__smlad(__sxtb16(v), x02, static_cast<int32_t>(acc)));
    return static_cast<uint32_t>(__smlad(sxtb16_ror8(v), x13, static_cast<int32_t>(acc)));
}
#else
// acc + the group's four products: weights w0..w3 (int8 word, little-endian) and the
// group's column c (x0, x2, x1, x3).
inline uint32_t mac4(uint32_t v, const int16_t* c, uint32_t acc) {
    const int32_t w0 = static_cast<int8_t>(v), w1 = static_cast<int8_t>(v >> 8);
    const int32_t w2 = static_cast<int8_t>(v >> 16), w3 = static_cast<int8_t>(v >> 24);
    return acc + static_cast<uint32_t>(w0 * c[0] + w2 * c[1] + w1 * c[2] + w3 * c[3]);
}
#endif

}  // namespace dot_detail

// acc[r] += w_r . c for the 4 rows w_r = w + r * stride (length n each) and one column.
inline void gx_dot_4x1(const int8_t* w, int32_t stride, const int16_t* c, int32_t n, uint32_t acc[4]) {
    const int32_t n4 = n & ~3, nt = n - n4;
    uint32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
#if GX_DOT_DSP
    // per group of four: one LDRD of the column pairs, then per row one LDR of four weights,
    // two SXTB16 and two SMLAD (23 instructions for 16 MACs); two row pointers, the other
    // two rows at +stride. Written out because GCC 12 spills here. The column must be
    // 4-byte aligned (LDRD); the weight loads may be unaligned.
    const int8_t* pa = w;
    const int8_t* pb = w + 2 * stride;
    const int16_t* cp = c;
    const int16_t* const end = c + n4;
    if (cp != end) {
        uint32_t x02, x13, v, t;
        __asm__ volatile(
            "1:\n\t"
            "ldrd %[x02], %[x13], [%[cp]], #8\n\t"
            "ldr %[v], [%[pa], %[st]]\n\t"
            "sxtb16 %[t], %[v]\n\t"
            "smlad %[a1], %[t], %[x02], %[a1]\n\t"
            "sxtb16 %[t], %[v], ror #8\n\t"
            "smlad %[a1], %[t], %[x13], %[a1]\n\t"
            "ldr %[v], [%[pa]], #4\n\t"
            "sxtb16 %[t], %[v]\n\t"
            "smlad %[a0], %[t], %[x02], %[a0]\n\t"
            "sxtb16 %[t], %[v], ror #8\n\t"
            "smlad %[a0], %[t], %[x13], %[a0]\n\t"
            "ldr %[v], [%[pb], %[st]]\n\t"
            "sxtb16 %[t], %[v]\n\t"
            "smlad %[a3], %[t], %[x02], %[a3]\n\t"
            "sxtb16 %[t], %[v], ror #8\n\t"
            "smlad %[a3], %[t], %[x13], %[a3]\n\t"
            "ldr %[v], [%[pb]], #4\n\t"
            "sxtb16 %[t], %[v]\n\t"
            "smlad %[a2], %[t], %[x02], %[a2]\n\t"
            "sxtb16 %[t], %[v], ror #8\n\t"
            "smlad %[a2], %[t], %[x13], %[a2]\n\t"
            "cmp %[cp], %[end]\n\t"
            "bne 1b\n\t"
            : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [pa] "+r"(pa), [pb] "+r"(pb),
              [cp] "+r"(cp), [x02] "=&r"(x02), [x13] "=&r"(x13), [v] "=&r"(v), [t] "=&r"(t)
            : [st] "r"(stride), [end] "r"(end)
            : "cc", "memory");
    }
    if (nt != 0) {
        const int32_t x02 = static_cast<int32_t>(dot_detail::ld32(cp));
        const int32_t x13 = static_cast<int32_t>(dot_detail::ld32(cp + 2));
        a0 = dot_detail::mac4(dot_detail::tail_word(pa, nt), x02, x13, a0);
        a1 = dot_detail::mac4(dot_detail::tail_word(pa + stride, nt), x02, x13, a1);
        a2 = dot_detail::mac4(dot_detail::tail_word(pb, nt), x02, x13, a2);
        a3 = dot_detail::mac4(dot_detail::tail_word(pb + stride, nt), x02, x13, a3);
    }
#else
    const int8_t* w0 = w;
    const int8_t* w1 = w + stride;
    const int8_t* w2 = w + 2 * stride;
    const int8_t* w3 = w + 3 * stride;
    int32_t i = 0;
    for (; i < n4; i += 4) {
        const int32_t x0 = c[i], x2 = c[i + 1], x1 = c[i + 2], x3 = c[i + 3];
        a0 += static_cast<uint32_t>(w0[i] * x0 + w0[i + 1] * x1 + w0[i + 2] * x2 + w0[i + 3] * x3);
        a1 += static_cast<uint32_t>(w1[i] * x0 + w1[i + 1] * x1 + w1[i + 2] * x2 + w1[i + 3] * x3);
        a2 += static_cast<uint32_t>(w2[i] * x0 + w2[i + 1] * x1 + w2[i + 2] * x2 + w2[i + 3] * x3);
        a3 += static_cast<uint32_t>(w3[i] * x0 + w3[i + 1] * x1 + w3[i + 2] * x2 + w3[i + 3] * x3);
    }
    if (nt != 0) {
        a0 = dot_detail::mac4(dot_detail::tail_word(w0 + i, nt), c + i, a0);
        a1 = dot_detail::mac4(dot_detail::tail_word(w1 + i, nt), c + i, a1);
        a2 = dot_detail::mac4(dot_detail::tail_word(w2 + i, nt), c + i, a2);
        a3 = dot_detail::mac4(dot_detail::tail_word(w3 + i, nt), c + i, a3);
    }
#endif
    acc[0] = a0;
    acc[1] = a1;
    acc[2] = a2;
    acc[3] = a3;
}

// One row, one column.
inline uint32_t gx_dot_1x1(const int8_t* w, const int16_t* c, int32_t n, uint32_t acc) {
    const int32_t n4 = n & ~3, nt = n - n4;
    int32_t i = 0;
#if GX_DOT_DSP
    for (; i < n4; i += 4)
        acc = dot_detail::mac4(dot_detail::ld32(w + i), static_cast<int32_t>(dot_detail::ld32(c + i)),
                               static_cast<int32_t>(dot_detail::ld32(c + i + 2)), acc);
    if (nt != 0)
        acc = dot_detail::mac4(dot_detail::tail_word(w + i, nt), static_cast<int32_t>(dot_detail::ld32(c + i)),
                               static_cast<int32_t>(dot_detail::ld32(c + i + 2)), acc);
#else
    for (; i < n4; i += 4)
        acc += static_cast<uint32_t>(w[i] * c[i] + w[i + 1] * c[i + 2] + w[i + 2] * c[i + 1] + w[i + 3] * c[i + 3]);
    if (nt != 0) acc = dot_detail::mac4(dot_detail::tail_word(w + i, nt), c + i, acc);
#endif
    return acc;
}

// Position of natural index i of column p (0 or 1) in the interleaved 2-column layout of
// gx_dot_2x2: the groups of four alternate, p0 group 0, p1 group 0, p0 group 1, ...
constexpr int32_t gx_col2_pos(int32_t i, int32_t p) { return (i >> 2) * 8 + 4 * p + (gx_col_pos(i) & 3); }

// acc[2*r + p] += w_r . c_p for 2 rows w0, w1 (length n) and 2 interleaved columns
// (2 * gx_col_len(n) elements, gx_col2_pos).
inline void gx_dot_2x2(const int8_t* w0, const int8_t* w1, const int16_t* c, int32_t n, uint32_t acc[4]) {
    const int32_t n4 = n & ~3, nt = n - n4;
    uint32_t a00 = acc[0], a01 = acc[1], a10 = acc[2], a11 = acc[3];
    const int16_t* cp = c;
    int32_t i = 0;
#if GX_DOT_DSP
    for (; i < n4; i += 4, cp += 8) {
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
    if (nt != 0) {
        const int32_t p02 = static_cast<int32_t>(dot_detail::ld32(cp));
        const int32_t p13 = static_cast<int32_t>(dot_detail::ld32(cp + 2));
        const int32_t q02 = static_cast<int32_t>(dot_detail::ld32(cp + 4));
        const int32_t q13 = static_cast<int32_t>(dot_detail::ld32(cp + 6));
        const uint32_t u = dot_detail::tail_word(w0 + i, nt), v = dot_detail::tail_word(w1 + i, nt);
        a00 = dot_detail::mac4(u, p02, p13, a00);
        a01 = dot_detail::mac4(u, q02, q13, a01);
        a10 = dot_detail::mac4(v, p02, p13, a10);
        a11 = dot_detail::mac4(v, q02, q13, a11);
    }
#else
    for (; i < n4; i += 4, cp += 8) {
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
    if (nt != 0) {
        const uint32_t u = dot_detail::tail_word(w0 + i, nt), v = dot_detail::tail_word(w1 + i, nt);
        a00 = dot_detail::mac4(u, cp, a00);
        a01 = dot_detail::mac4(u, cp + 4, a01);
        a10 = dot_detail::mac4(v, cp, a10);
        a11 = dot_detail::mac4(v, cp + 4, a11);
    }
#endif
    acc[0] = a00;
    acc[1] = a01;
    acc[2] = a10;
    acc[3] = a11;
}

}  // namespace gx

#endif  // GX_DOT_H
