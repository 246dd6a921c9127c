#include "sensorcal.h"

#include "fixed.h"

namespace gx {

namespace {

int16_t sat16(int64_t v) { return static_cast<int16_t>(v < -32768 ? -32768 : (v > 32767 ? 32767 : v)); }

void put_u16(uint8_t* p, uint32_t v) {
    p[0] = static_cast<uint8_t>(v);
    p[1] = static_cast<uint8_t>(v >> 8);
}
uint32_t get_u16(const uint8_t* p) { return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8); }

uint32_t fnv1a(const uint8_t* p, int n) {
    uint32_t h = 2166136261u;
    for (int i = 0; i < n; ++i) {
        h ^= p[i];
        h *= 16777619u;
    }
    return h;
}

const uint8_t kMagic[4] = {'G', 'X', 'C', '1'};
constexpr int kBodyBytes = kGxCalBytes - 4;  // everything before the checksum

int finish_gyro(const GxCalCollector* c, GxSensorCal* cal) {
    int16_t bias[3];
    for (int k = 0; k < 3; ++k) {
        if (static_cast<int32_t>(c->hi[k]) - c->lo[k] > kGxCalStillRange) return GX_CAL_ERR_MOVED;
        const int64_t b = gx_div_round(c->sum[k], c->n);  // the mean, half away from zero
        if (b > kGxCalMaxGyroBias || b < -kGxCalMaxGyroBias) return GX_CAL_ERR_RANGE;
        bias[k] = static_cast<int16_t>(b);
    }
    for (int k = 0; k < 3; ++k) cal->gyro_bias[k] = bias[k];
    cal->flags |= kGxCalHasGyro;
    return GX_CAL_OK;
}

int finish_mag(const GxCalCollector* c, GxSensorCal* cal) {
    if (c->no_mag) return GX_CAL_ERR_NO_MAG;
    int32_t d[3];
    int32_t dmax = 0;
    for (int k = 0; k < 3; ++k) {
        d[k] = static_cast<int32_t>(c->hi[k]) - c->lo[k];
        if (d[k] > dmax) dmax = d[k];
    }
    for (int k = 0; k < 3; ++k)
        if (d[k] < kGxCalMagMinDiameter || 4 * d[k] < 3 * dmax) return GX_CAL_ERR_COVERAGE;
    const int64_t mean_d = (static_cast<int64_t>(d[0]) + d[1] + d[2]) / 3;
    int32_t scale[3];
    for (int k = 0; k < 3; ++k) {
        const int64_t s = (mean_d * kGxCalScaleOne + d[k] / 2) / d[k];
        if (s < kGxCalScaleMin || s > kGxCalScaleMax) return GX_CAL_ERR_RANGE;
        scale[k] = static_cast<int32_t>(s);
    }
    for (int k = 0; k < 3; ++k) {
        cal->mag_offset[k] = static_cast<int16_t>((static_cast<int32_t>(c->hi[k]) + c->lo[k]) >> 1);
        cal->mag_scale_q14[k] = scale[k];
    }
    cal->flags |= kGxCalHasMag;
    return GX_CAL_OK;
}

}  // namespace

void gx_sensorcal_identity(GxSensorCal* cal) {
    for (int k = 0; k < 3; ++k) {
        cal->gyro_bias[k] = 0;
        cal->mag_offset[k] = 0;
        cal->mag_scale_q14[k] = kGxCalScaleOne;
    }
    cal->flags = 0;
}

bool gx_sensorcal_valid(const GxSensorCal* cal) {
    if ((cal->flags & ~(kGxCalHasGyro | kGxCalHasMag)) != 0) return false;
    for (int k = 0; k < 3; ++k) {
        if (cal->gyro_bias[k] > kGxCalMaxGyroBias || cal->gyro_bias[k] < -kGxCalMaxGyroBias) return false;
        if (cal->mag_scale_q14[k] < kGxCalScaleMin || cal->mag_scale_q14[k] > kGxCalScaleMax) return false;
    }
    return true;
}

void gx_sensorcal_apply(const GxSensorCal* cal, const int16_t in[9], int16_t out[9]) {
    const bool has_mag = in[6] != 0 || in[7] != 0 || in[8] != 0;
    for (int k = 0; k < 3; ++k) {
        out[k] = in[k];
        out[3 + k] = sat16(static_cast<int32_t>(in[3 + k]) - cal->gyro_bias[k]);
        const int64_t centred = static_cast<int64_t>(in[6 + k]) - cal->mag_offset[k];
        out[6 + k] = has_mag ? sat16((cal->mag_scale_q14[k] * centred + (1 << 13)) >> 14) : 0;
    }
}

void gx_cal_begin(GxCalCollector* c, int kind) {
    c->kind = kind;
    c->n = 0;
    c->no_mag = false;
    for (int k = 0; k < 3; ++k) {
        c->sum[k] = 0;
        c->lo[k] = 32767;
        c->hi[k] = -32768;
    }
}

int gx_cal_push(GxCalCollector* c, const int16_t sample[9], GxSensorCal* cal) {
    if (c->kind != kGxCalGyro && c->kind != kGxCalMag) return GX_CAL_ERR_RANGE;
    const int16_t* v = sample + (c->kind == kGxCalGyro ? 3 : 6);
    if (c->kind == kGxCalMag && v[0] == 0 && v[1] == 0 && v[2] == 0) c->no_mag = true;
    for (int k = 0; k < 3; ++k) {
        c->sum[k] += v[k];  // at most 324 x 32768 < 2^31
        if (v[k] < c->lo[k]) c->lo[k] = v[k];
        if (v[k] > c->hi[k]) c->hi[k] = v[k];
    }
    ++c->n;
    const int want = c->kind == kGxCalGyro ? kGxCalGyroSamples : kGxCalMagSamples;
    if (c->n < want) return GX_CAL_MORE;
    const int st = c->kind == kGxCalGyro ? finish_gyro(c, cal) : finish_mag(c, cal);
    c->kind = kGxCalIdle;
    return st;
}

void gx_sensorcal_pack(const GxSensorCal* cal, uint8_t out[kGxCalBytes]) {
    for (int i = 0; i < kGxCalBytes; ++i) out[i] = 0;
    for (int i = 0; i < 4; ++i) out[i] = kMagic[i];
    put_u16(out + 4, cal->flags);
    for (int k = 0; k < 3; ++k) {
        put_u16(out + 6 + 2 * k, static_cast<uint16_t>(cal->gyro_bias[k]));
        put_u16(out + 12 + 2 * k, static_cast<uint16_t>(cal->mag_offset[k]));
        put_u16(out + 18 + 2 * k, static_cast<uint32_t>(cal->mag_scale_q14[k]));
    }
    const uint32_t h = fnv1a(out, kBodyBytes);
    for (int i = 0; i < 4; ++i) out[kBodyBytes + i] = static_cast<uint8_t>(h >> (8 * i));
}

bool gx_sensorcal_unpack(const uint8_t in[kGxCalBytes], GxSensorCal* cal) {
    GxSensorCal c;
    bool ok = true;
    for (int i = 0; i < 4; ++i) ok = ok && in[i] == kMagic[i];
    uint32_t h = 0;
    for (int i = 0; i < 4; ++i) h |= static_cast<uint32_t>(in[kBodyBytes + i]) << (8 * i);
    ok = ok && h == fnv1a(in, kBodyBytes);
    c.flags = get_u16(in + 4);
    for (int k = 0; k < 3; ++k) {
        c.gyro_bias[k] = static_cast<int16_t>(get_u16(in + 6 + 2 * k));
        c.mag_offset[k] = static_cast<int16_t>(get_u16(in + 12 + 2 * k));
        c.mag_scale_q14[k] = static_cast<int32_t>(get_u16(in + 18 + 2 * k));
    }
    ok = ok && gx_sensorcal_valid(&c);
    if (ok) *cal = c;
    else gx_sensorcal_identity(cal);
    return ok;
}

}  // namespace gx
