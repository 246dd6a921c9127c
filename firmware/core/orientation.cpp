#include "orientation.h"

#include "fixed.h"
#include "params.h"

namespace gx {

namespace {

// Golden identity (1, 0, 0, 0) in Q30.
void set_identity(int64_t q[4]) {
    q[0] = kOneQ30;
    q[1] = q[2] = q[3] = 0;
}

// Exact Q60 cross product of two Q30 vectors (|.| <= 2^61).
void cross_q60(const int64_t a[3], const int64_t b[3], int64_t out[3]) {
    out[0] = a[1] * b[2] - a[2] * b[1];
    out[1] = a[2] * b[0] - a[0] * b[2];
    out[2] = a[0] * b[1] - a[1] * b[0];
}

// Shepperd: rows R[3][3] (Q30) -> Q30 unit quaternion with w >= 0.
void matrix_to_quat(const int64_t R[3][3], int64_t out[4]) {
    const int64_t r00 = R[0][0], r01 = R[0][1], r02 = R[0][2];
    const int64_t r10 = R[1][0], r11 = R[1][1], r12 = R[1][2];
    const int64_t r20 = R[2][0], r21 = R[2][1], r22 = R[2][2];
    const int64_t t = r00 + r11 + r22;
    const int64_t cand[4] = {t, r00, r11, r22};
    int k = 0;  // first maximum (list.index(max(...)))
    for (int i = 1; i < 4; ++i)
        if (cand[i] > cand[k]) k = i;
    const int64_t one = kOneQ30;
    int64_t rad;
    if (k == 0)
        rad = one + t;
    else if (k == 1)
        rad = one + r00 - r11 - r22;
    else if (k == 2)
        rad = one - r00 + r11 - r22;
    else
        rad = one - r00 - r11 + r22;
    const int64_t r = gx_isqrt_round(gx_shl(rad, 30));  // rad <= 2^32: rad << 30 <= 2^62
    const int64_t s = 2 * r;                            // >= 2^31: never zero
    const int64_t big = gx_rshift_round(r, 1);
    auto d = [s](int64_t a) { return gx_div_round(gx_shl(a, 30), s); };
    int64_t q[4];
    if (k == 0) {
        q[0] = big; q[1] = d(r21 - r12); q[2] = d(r02 - r20); q[3] = d(r10 - r01);
    } else if (k == 1) {
        q[0] = d(r21 - r12); q[1] = big; q[2] = d(r01 + r10); q[3] = d(r02 + r20);
    } else if (k == 2) {
        q[0] = d(r02 - r20); q[1] = d(r01 + r10); q[2] = big; q[3] = d(r12 + r21);
    } else {
        q[0] = d(r10 - r01); q[1] = d(r02 + r20); q[2] = d(r12 + r21); q[3] = big;
    }
    if (!gx_normalise_vec(q, 4, out)) {  // |big| >= 2^29: never zero
        set_identity(out);
        return;
    }
    if (out[0] < 0)
        for (int i = 0; i < 4; ++i) out[i] = -out[i];
}

// Quaternion of the rows x = y cross z, y = y60/|y60|, z (Q30 unit).
void frame_quaternion(const int64_t z[3], const int64_t y60[3], int64_t q[4]) {
    int64_t y[3], x60[3], x[3];
    if (!gx_normalise_vec(y60, 3, y)) {  // callers guarantee y60 != 0
        set_identity(q);
        return;
    }
    cross_q60(y, z, x60);
    if (!gx_normalise_vec(x60, 3, x)) {
        set_identity(q);
        return;
    }
    const int64_t R[3][3] = {{x[0], x[1], x[2]}, {y[0], y[1], y[2]}, {z[0], z[1], z[2]}};
    matrix_to_quat(R, q);
}

// The per-sample update works on int32 values: the quaternion, the normalised
// accelerometer and magnetometer, dtheta, the objective f and the Jacobian J all stay within
// +-2^31 (|q|, |a|, |m| <= 2^30 in Q30; |f| <= 1.5 * 2^30; |J| < 1.5 * 2^30, bounds in
// docs/fixed-point.md), so every product is one 32 x 32 -> 64-bit multiply (SMULL/SMLAL on
// the Cortex-M4) and the sums are the golden model's exact int64 sums.
inline int64_t mul(int32_t a, int32_t b) { return static_cast<int64_t>(a) * b; }
inline int32_t rr(int64_t x, int s) { return static_cast<int32_t>(gx_rshift_round(x, s)); }

// dq - beta dt grad/|grad| (grad exactly zero: dq unchanged).
void gradient_step(int32_t dq[4], const int64_t grad[4]) {
    int32_t gn[4];
    if (!gx_normalise_vec_to32(grad, 4, gn)) return;
    const int sh = 30 + static_cast<int>(kParams.beta_shift);
    const int32_t k = static_cast<int32_t>(kParams.beta_dt_k);
    for (int i = 0; i < 4; ++i) dq[i] -= rr(mul(k, gn[i]), sh);
}

// normalise(q + dq) into the filter state (|q + dq| < 2^31: |q| <= 2^30, |dq| << 2^30).
void finish(const int32_t q[4], const int32_t dq[4], int32_t out[4]) {
    int32_t s[4];
    for (int k = 0; k < 4; ++k) s[k] = q[k] + dq[k];
    if (!gx_normalise_vec32(s, 4, out)) {
        // golden would fail (None); |q + dq| ~ 1 so this is unreachable: keep q
        for (int k = 0; k < 4; ++k) out[k] = q[k];
    }
}

// rr(2 s - a 2^30, 31) of the golden objective, computed as rr(s - a 2^29, 30): with
// x = s - a 2^29, floor((2x + 2^30) / 2^31) = floor((x + 2^29) / 2^30) for every integer x,
// so the bits are the same and the doubling of the int64 sum is not needed.
inline int32_t f_row(int64_t s, int32_t a) { return rr(s - gx_shl(a, 29), 30); }

// Gravity rows of f from the sums s_b = qx qz - qw qy, s_d = qw qx + qy qz and
// s_f = 2^59 - qx^2 - qy^2 (the golden 2 (qx qz - qw qy), 2 (qw qx + qy qz) and
// 2^60 - 2 (qx^2 + qy^2) are their doubles).
void f_acc(int64_t s_b, int64_t s_d, int64_t s_f, const int32_t a[3], int32_t f[3]) {
    f[0] = f_row(s_b, a[0]);
    f[1] = f_row(s_d, a[1]);
    f[2] = f_row(s_f, a[2]);
}

// Golden j28(c, v) = rr(c v, 2) for c in {2, -2, -4} and |v| <= 2^30, in int32 without the
// int64 product: rr(2v, 2) = floor((2v + 2) / 4) = (v + 1) >> 1, rr(-2v, 2) = (1 - v) >> 1,
// rr(-4v, 2) = -v exactly (|v| <= 2^30: no overflow).
inline int32_t j2(int32_t v) { return (v + 1) >> 1; }
inline int32_t jm2(int32_t v) { return (1 - v) >> 1; }

void j_acc(const int32_t q[4], int32_t J[][4]) {
    const int32_t qw = q[0], qx = q[1], qy = q[2], qz = q[3];
    J[0][0] = jm2(qy); J[0][1] = j2(qz); J[0][2] = jm2(qw); J[0][3] = j2(qx);
    J[1][0] = j2(qx);  J[1][1] = j2(qw); J[1][2] = j2(qz);  J[1][3] = j2(qy);
    J[2][0] = 0;       J[2][1] = -qx;    J[2][2] = -qy;     J[2][3] = 0;
}

// J^T f (Q57): rows x 4 (the row loop unrolled: ROWS is 3 or 6).
template <int ROWS>
void jt_f(const int32_t J[][4], const int32_t* f, int64_t g[4]) {
    for (int k = 0; k < 4; ++k) {
        int64_t acc = mul(J[0][k], f[0]);
#pragma GCC unroll 6
        for (int r = 1; r < ROWS; ++r) acc += mul(J[r][k], f[r]);
        g[k] = acc;
    }
}

bool is_zero3(const int32_t v[3]) { return v[0] == 0 && v[1] == 0 && v[2] == 0; }

// q (x) (0, v): the Hamilton product with a pure quaternion (qmul with p's w = 0: the four
// products with that zero drop out of the same exact int64 sums).
void qmul_pure(const int32_t q[4], const int32_t v[3], int32_t out[4]) {
    const int32_t qw = q[0], qx = q[1], qy = q[2], qz = q[3];
    const int32_t vx = v[0], vy = v[1], vz = v[2];
    out[0] = rr(-mul(qx, vx) - mul(qy, vy) - mul(qz, vz), 30);
    out[1] = rr(mul(qw, vx) + mul(qy, vz) - mul(qz, vy), 30);
    out[2] = rr(mul(qw, vy) - mul(qx, vz) + mul(qz, vx), 30);
    out[3] = rr(mul(qw, vz) + mul(qx, vy) - mul(qy, vx), 30);
}

bool unit3(const int16_t v[3], int32_t out[3]) { return gx_normalise_vec16(v, out); }

void imu_update(const int32_t q[4], const int32_t dth[3], const int16_t acc[3], int32_t out[4]) {
    if (is_zero3(dth)) {
        for (int k = 0; k < 4; ++k) out[k] = q[k];
        return;
    }
    int32_t dq[4], a[3];
    qmul_pure(q, dth, dq);
    if (unit3(acc, a)) {
        const int32_t qw = q[0], qx = q[1], qy = q[2], qz = q[3];
        int32_t f[3];
        f_acc(mul(qx, qz) - mul(qw, qy), mul(qw, qx) + mul(qy, qz),
              (INT64_C(1) << 59) - mul(qx, qx) - mul(qy, qy), a, f);
        if (!is_zero3(f)) {
            int32_t J[3][4];
            int64_t g[4];
            j_acc(q, J);
            jt_f<3>(J, f, g);
            gradient_step(dq, g);
        }
    }
    finish(q, dq, out);
}

void marg_update(const int32_t q[4], const int32_t dth[3], const int16_t acc[3], const int16_t mag[3],
                 int32_t out[4]) {
    if (is_zero3(dth)) {
        for (int k = 0; k < 4; ++k) out[k] = q[k];
        return;
    }
    if (mag[0] == 0 && mag[1] == 0 && mag[2] == 0) {
        imu_update(q, dth, acc, out);
        return;
    }
    int32_t dq[4], a[3];
    qmul_pure(q, dth, dq);
    if (unit3(acc, a)) {
        int32_t m[3];
        unit3(mag, m);  // mag != 0 checked above
        const int32_t qw = q[0], qx = q[1], qy = q[2], qz = q[3];
        // h = q (0, m) q* (two rounded products as in the golden model); h's w is not used,
        // so only h1..h3 of the second product are formed (q* = (qw, -qx, -qy, -qz))
        int32_t t[4];
        qmul_pure(q, m, t);
        const int32_t h1 = rr(-mul(t[0], qx) + mul(t[1], qw) - mul(t[2], qz) + mul(t[3], qy), 30);
        const int32_t h2 = rr(-mul(t[0], qy) + mul(t[1], qz) + mul(t[2], qw) - mul(t[3], qx), 30);
        const int32_t bz = rr(-mul(t[0], qz) - mul(t[1], qy) + mul(t[2], qx) + mul(t[3], qw), 30);
        const int32_t bx = static_cast<int32_t>(gx_isqrt_round(mul(h1, h1) + mul(h2, h2)));
        // the helper sums (Q60) of c_a .. c_f; s_b, s_d, s_f also give the gravity rows of f
        const int64_t s_a = (INT64_C(1) << 59) - mul(qy, qy) - mul(qz, qz);
        const int64_t s_b = mul(qx, qz) - mul(qw, qy);
        const int64_t s_c = mul(qx, qy) - mul(qw, qz);
        const int64_t s_d = mul(qw, qx) + mul(qy, qz);
        const int64_t s_e = mul(qw, qy) + mul(qx, qz);
        const int64_t s_f = (INT64_C(1) << 59) - mul(qx, qx) - mul(qy, qy);
        const int32_t c_a = rr(s_a, 30), c_b = rr(s_b, 30), c_c = rr(s_c, 30);
        const int32_t c_d = rr(s_d, 30), c_e = rr(s_e, 30), c_f = rr(s_f, 30);
        int32_t f[6];
        f_acc(s_b, s_d, s_f, a, f);
        // golden rr(2 bx c_a + 2 bz c_b - m 2^30, 31) etc.: f_row's halving identity
        f[3] = f_row(mul(bx, c_a) + mul(bz, c_b), m[0]);
        f[4] = f_row(mul(bx, c_c) + mul(bz, c_d), m[1]);
        f[5] = f_row(mul(bx, c_e) + mul(bz, c_f), m[2]);
        if ((f[0] | f[1] | f[2] | f[3] | f[4] | f[5]) != 0) {
            // golden j(2x) = rr(2x, 32) for the Q60 expressions 2x below, computed as
            // rr(x, 31): floor((2x + 2^31) / 2^32) = floor((x + 2^30) / 2^31) for every x
            auto j = [](int64_t x) { return rr(x, 31); };
            // J^T f column by column (J's rows: j_acc's three, then the magnetic three), the
            // entries kept in registers instead of a J array; J[2][0] = J[2][3] = 0 add nothing
            const int64_t g[4] = {
                mul(jm2(qy), f[0]) + mul(j2(qx), f[1]) + mul(j(-mul(bz, qy)), f[3]) +
                    mul(j(-mul(bx, qz) + mul(bz, qx)), f[4]) + mul(j(mul(bx, qy)), f[5]),
                mul(j2(qz), f[0]) + mul(j2(qw), f[1]) - mul(qx, f[2]) + mul(j(mul(bz, qz)), f[3]) +
                    mul(j(mul(bx, qy) + mul(bz, qw)), f[4]) + mul(j(mul(bx, qz) - 2 * mul(bz, qx)), f[5]),
                mul(jm2(qw), f[0]) + mul(j2(qz), f[1]) - mul(qy, f[2]) + mul(j(-2 * mul(bx, qy) - mul(bz, qw)), f[3]) +
                    mul(j(mul(bx, qx) + mul(bz, qz)), f[4]) + mul(j(mul(bx, qw) - 2 * mul(bz, qy)), f[5]),
                mul(j2(qx), f[0]) + mul(j2(qy), f[1]) + mul(j(-2 * mul(bx, qz) + mul(bz, qx)), f[3]) +
                    mul(j(-mul(bx, qw) + mul(bz, qy)), f[4]) + mul(j(mul(bx, qx)), f[5]),
            };
            gradient_step(dq, g);
        }
    }
    finish(q, dq, out);
}

}  // namespace

int32_t gx_gyro_to_dtheta(int16_t count) {
    // |count * gyr_k| <= 2^15 * 2^31 = 2^46
    static_assert(kParams.gyr_k < (INT64_C(1) << 31) && kParams.beta_dt_k < (INT64_C(1) << 31), "int32 constants");
    // (an int32 x int32 product: one signed 32 x 32 -> 64-bit multiply)
    return static_cast<int32_t>(gx_rshift_round(mul(count, static_cast<int32_t>(kParams.gyr_k)),
                                                static_cast<int>(kParams.gyr_shift)));
}

void gx_quat_mul_q30(const int64_t p[4], const int64_t q[4], int64_t out[4]) {
    const int64_t pw = p[0], px = p[1], py = p[2], pz = p[3];
    const int64_t qw = q[0], qx = q[1], qy = q[2], qz = q[3];
    out[0] = gx_rshift_round(pw * qw - px * qx - py * qy - pz * qz, 30);
    out[1] = gx_rshift_round(pw * qx + px * qw + py * qz - pz * qy, 30);
    out[2] = gx_rshift_round(pw * qy - px * qz + py * qw + pz * qx, 30);
    out[3] = gx_rshift_round(pw * qz + px * qy - py * qx + pz * qw, 30);
}

void gx_tilt_quaternion(const int64_t acc[3], int64_t q[4]) {
    int64_t z[3];
    if (!gx_normalise_vec(acc, 3, z)) {
        set_identity(q);
        return;
    }
    int64_t y60[3];
    if (z[1] == 0 && z[2] == 0) {
        y60[0] = 0; y60[1] = 1; y60[2] = 0;
    } else {
        y60[0] = 0; y60[1] = z[2]; y60[2] = -z[1];
    }
    frame_quaternion(z, y60, q);
}

void gx_initial_quaternion(const int64_t acc[3], const int64_t mag[3], int64_t q[4]) {
    int64_t z[3], m[3];
    if (!gx_normalise_vec(acc, 3, z)) {
        set_identity(q);
        return;
    }
    if (!gx_normalise_vec(mag, 3, m)) {
        gx_tilt_quaternion(acc, q);
        return;
    }
    int64_t y60[3];
    cross_q60(z, m, y60);
    int64_t mx = 0;
    for (int k = 0; k < 3; ++k) {
        const int64_t a = y60[k] < 0 ? -y60[k] : y60[k];
        if (a > mx) mx = a;
    }
    if (mx < kOneQ30) {
        gx_tilt_quaternion(acc, q);
        return;
    }
    frame_quaternion(z, y60, q);
}

void gx_orientation_init(GxOrientation* o) {
    o->q[0] = static_cast<int32_t>(kOneQ30);
    o->q[1] = o->q[2] = o->q[3] = 0;
    o->started = false;
}

void gx_orientation_update(GxOrientation* o, const int16_t sample[9], bool use_mag,
                           int32_t dtheta_out[3]) {
    int32_t dth[3];
    for (int k = 0; k < 3; ++k) {
        dth[k] = gx_gyro_to_dtheta(sample[3 + k]);
        if (dtheta_out != nullptr) dtheta_out[k] = dth[k];
    }
    if (!o->started) {
        const int64_t acc[3] = {sample[0], sample[1], sample[2]};
        const int64_t mag[3] = {sample[6], sample[7], sample[8]};
        int64_t q[4];
        if (use_mag)
            gx_initial_quaternion(acc, mag, q);
        else
            gx_tilt_quaternion(acc, q);
        for (int k = 0; k < 4; ++k) o->q[k] = static_cast<int32_t>(q[k]);
        o->started = true;
        return;
    }
    const int32_t q[4] = {o->q[0], o->q[1], o->q[2], o->q[3]};
    if (use_mag)
        marg_update(q, dth, sample, sample + 6, o->q);
    else
        imu_update(q, dth, sample, o->q);
}

}  // namespace gx
