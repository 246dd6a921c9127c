/* Integer helpers that Debian's xtensa-lx106 libgcc lacks (it has __mulsi3 and the shifts,
 * but not the 32-bit divisions, nor 64-bit multiply and divisions, which its own __moddi3
 * needs too): the LX106 has no integer divider and no 32x32->64 multiply, so gcc calls these.
 * Restoring shift-and-subtract division (one quotient bit per step, fast paths when the
 * operands fit in fewer bits) and schoolbook 16-bit partial products; C semantics: the
 * quotient truncates towards zero, the remainder has the dividend's sign. Division by
 * zero never happens in the firmware (callers check); it yields all-ones here. */
#include <stdint.h>

uint32_t __udivsi3(uint32_t n, uint32_t d);
uint32_t __umodsi3(uint32_t n, uint32_t d);
int32_t __divsi3(int32_t n, int32_t d);
int32_t __modsi3(int32_t n, int32_t d);
uint64_t __udivdi3(uint64_t n, uint64_t d);
uint64_t __umoddi3(uint64_t n, uint64_t d);
int64_t __divdi3(int64_t n, int64_t d);
int64_t __moddi3(int64_t n, int64_t d);
int64_t __muldi3(int64_t a, int64_t b);

static uint32_t udivmod32(uint32_t n, uint32_t d, uint32_t* rem) {
    if (d == 0) {
        *rem = n;
        return 0xFFFFFFFFu;
    }
    uint32_t q = 0, r = 0;
    int bits = 32 - __builtin_clz(n | 1u);  /* skip the dividend's leading zeros */
    for (int i = bits - 1; i >= 0; --i) {
        r = (r << 1) | ((n >> i) & 1u);
        if (r >= d) {
            r -= d;
            q |= 1u << i;
        }
    }
    *rem = r;
    return q;
}

static uint64_t udivmod64(uint64_t n, uint64_t d, uint64_t* rem) {
    if ((n >> 32) == 0 && (d >> 32) == 0) {
        uint32_t r32;
        uint64_t q = udivmod32((uint32_t)n, (uint32_t)d, &r32);
        *rem = r32;
        return d == 0 ? ~(uint64_t)0 : q;
    }
    if (d == 0) {
        *rem = n;
        return ~(uint64_t)0;
    }
    if (n < d) {  /* also n == 0, for which __builtin_clzll is undefined */
        *rem = n;
        return 0;
    }
    uint64_t q = 0, r = 0;
    int bits = 64 - __builtin_clzll(n);
    for (int i = bits - 1; i >= 0; --i) {
        r = (r << 1) | ((n >> i) & 1u);
        if (r >= d) {
            r -= d;
            q |= (uint64_t)1 << i;
        }
    }
    *rem = r;
    return q;
}

uint32_t __udivsi3(uint32_t n, uint32_t d) {
    uint32_t r;
    return udivmod32(n, d, &r);
}

uint32_t __umodsi3(uint32_t n, uint32_t d) {
    uint32_t r;
    udivmod32(n, d, &r);
    return r;
}

/* Magnitudes in unsigned arithmetic: INT_MIN has no positive int32. */
static uint32_t mag32(int32_t v) { return v < 0 ? 0u - (uint32_t)v : (uint32_t)v; }
static uint64_t mag64(int64_t v) { return v < 0 ? 0u - (uint64_t)v : (uint64_t)v; }

int32_t __divsi3(int32_t n, int32_t d) {
    uint32_t r;
    uint32_t q = udivmod32(mag32(n), mag32(d), &r);
    return (int32_t)(((n < 0) != (d < 0)) ? 0u - q : q);
}

int32_t __modsi3(int32_t n, int32_t d) {
    uint32_t r;
    udivmod32(mag32(n), mag32(d), &r);
    return (int32_t)(n < 0 ? 0u - r : r);
}

uint64_t __udivdi3(uint64_t n, uint64_t d) {
    uint64_t r;
    return udivmod64(n, d, &r);
}

uint64_t __umoddi3(uint64_t n, uint64_t d) {
    uint64_t r;
    udivmod64(n, d, &r);
    return r;
}

int64_t __divdi3(int64_t n, int64_t d) {
    uint64_t r;
    uint64_t q = udivmod64(mag64(n), mag64(d), &r);
    return (int64_t)(((n < 0) != (d < 0)) ? 0u - q : q);
}

int64_t __moddi3(int64_t n, int64_t d) {
    uint64_t r;
    udivmod64(mag64(n), mag64(d), &r);
    return (int64_t)(n < 0 ? 0u - r : r);
}

/* 32 x 32 -> 64 bits from four 16 x 16 -> 32 products (each fits a 32-bit multiply). */
static uint64_t umul32x32(uint32_t a, uint32_t b) {
    uint32_t al = a & 0xFFFFu, ah = a >> 16, bl = b & 0xFFFFu, bh = b >> 16;
    uint32_t ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
    uint32_t mid = (ll >> 16) + (lh & 0xFFFFu) + (hl & 0xFFFFu);
    uint32_t lo = (ll & 0xFFFFu) | (mid << 16);
    uint32_t hi = hh + (lh >> 16) + (hl >> 16) + (mid >> 16);
    return ((uint64_t)hi << 32) | lo;
}

int64_t __muldi3(int64_t a, int64_t b) {
    uint64_t ua = (uint64_t)a, ub = (uint64_t)b;
    uint32_t al = (uint32_t)ua, ah = (uint32_t)(ua >> 32), bl = (uint32_t)ub, bh = (uint32_t)(ub >> 32);
    uint64_t p = umul32x32(al, bl);
    uint32_t cross = al * bh + ah * bl;  /* only the low 32 bits reach the result */
    return (int64_t)(p + ((uint64_t)cross << 32));
}
