// The letter calibration's core (calibrate.h) on hand-made features: the oldest sample of a
// letter goes at K_MAX, the scale and the bonus follow the numerical contract, a single
// letter has no effect, the bonus reaches 2 tau and the BiLSTM gets a quarter of the gain
// (spec v3), the leave-one-out judges only samples whose letter keeps another sample, counts
// every candidate gain and chooses the one of the most samples right (spec v4: ties to the
// larger; the smallest when nothing is judged), the chosen gain sets the bonus, and the stored
// record refuses every corrupted byte, a wrong size, another model, a gain that is not a
// candidate and a record of spec v1 to v4; continuous writing's calibrated outputs take
// the bonus of the shorter reach tau (spec v4); a letter of 3 samples is as far as the mean
// of its nearest sample's and its samples' mean's distance (spec v5); continuous
// writing's calibrated outputs follow their formula with the set's gain, up to the largest
// (4080). Driven by tests/test_calibrate_device.py;
// prints "ok N" on success.
#include <cstdio>
#include <cstring>

#include "calibrate.h"

using namespace gx;

namespace {
int g_checks = 0;
bool check(bool ok, const char* what) {
    ++g_checks;
    if (!ok) std::printf("FAIL %s\n", what);
    return ok;
}

// A sample whose every LSTM feature is a and every CNN feature is b.
void feat(int8_t* x, int a, int b) {
    for (int i = 0; i < kGxFeatLstm; ++i) x[i] = static_cast<int8_t>(a);
    for (int i = 0; i < kGxFeatCnn; ++i) x[kGxFeatLstm + i] = static_cast<int8_t>(b);
}

// The model's scores of a stored sample: 200 for its own letter.
bool own_letter_scores(void* ctx, int j, const int8_t*, uint16_t out[kGxClasses]) {
    const GxCalibSet* set = static_cast<const GxCalibSet*>(ctx);
    for (int c = 0; c < kGxClasses; ++c) out[c] = c == set->s[j].letter ? 200 : 0;
    return true;
}

// The model's scores of a stored sample: 100 for its own letter, 1500 for 'z' (no samples).
bool z_wins_scores(void* ctx, int j, const int8_t*, uint16_t out[kGxClasses]) {
    const GxCalibSet* set = static_cast<const GxCalibSet*>(ctx);
    for (int c = 0; c < kGxClasses; ++c) out[c] = c == set->s[j].letter ? 100 : (c == 25 ? 1500 : 0);
    return true;
}

GxCalibSet g_set;
GxCalibSet g_copy;
GxCalibLooScratch g_scratch;
}  // namespace

int main() {
    const int32_t dims[2] = {kGxFeatLstm, kGxFeatCnn};
    GxCalibSet* s = &g_set;
    gx_calib_init(s, 2, 0x1234u, 2, dims);
    int8_t x[kGxFeatMax];
    bool ok = true;
    // one letter: no scale, scores unchanged
    feat(x, 0, 0);
    gx_calib_add(s, 0, x);
    GxCalibScale sc;
    gx_calib_scale(s, &sc);
    ok &= check(!sc.active, "one letter has no effect");
    // K_MAX + 1 samples of 'a': the oldest (features 0) goes
    for (int v = 1; v <= kGxCalibKMax; ++v) {
        feat(x, v, v);
        gx_calib_add(s, 0, x);
    }
    ok &= check(gx_calib_count(s, 0) == kGxCalibKMax && s->n_samples == kGxCalibKMax, "K_MAX kept");
    ok &= check(s->s[0].feat[0] == 1 && s->s[2].feat[0] == 3, "the oldest dropped, order kept");
    // 'b' at features 10: nearest other letter of a's samples: 7, 8, 9 per value; of b: 7
    feat(x, 10, 10);
    gx_calib_add(s, 1, x);
    gx_calib_scale(s, &sc);
    // per network n with F features: sum = F (9 + 8 + 7 + 7), count 4 -> floor(31 F / 4)
    ok &= check(sc.active && sc.tau[0] == 31 * kGxFeatLstm / 4 && sc.tau[1] == 31 * kGxFeatCnn / 4, "tau");
    // x = b's sample: d_b = 0 (bonus g / 4 for the BiLSTM, g for the CNN, g the gain of a new
    // set: the smallest candidate); a's nearest sample is 7 F away and its mean (2) 8 F, so
    // (spec v5, 3 samples) d_a = floor((3 x 7 F + 3 x 8 F) / 6) = 45 F / 6 per network, within
    // the reach 2 tau
    const int32_t g = kGxCalibGains[0], g4 = g / 4;
    ok &= check(gx_calib_gain(s) == g && g == 1020, "a new set's gain: the smallest candidate");
    uint16_t base[kGxClasses] = {};
    base[0] = 100;
    GxCalibOut out;
    gx_calib_decide(s, &sc, x, base, &out);
    const int32_t r0 = 2 * sc.tau[0], r1 = 2 * sc.tau[1];
    const int32_t da0 = 45 * kGxFeatLstm / 6, da1 = 45 * kGxFeatCnn / 6;
    const int32_t ba = g4 * (r0 - da0) / r0 + g * (r1 - da1) / r1;
    ok &= check(out.scores[1] == g4 + g && out.scores[0] == 100 + ba && out.index == 1, "bonus");
    ok &= check(out.top3[0] == 1 && out.top3[1] == 0 && out.top3[2] == 2, "top-3 stable");
    // continuous writing: network 0's outputs with its output bonus mixed in (spec v4: reach
    // tau, not 2 tau, at the nearest sample's distance, not the letter's (spec v5): b_b = g / 4,
    // b_a = its share at 7 F of tau = 7.75 F)
    uint8_t p[kGxClasses] = {}, q[kGxClasses];
    p[0] = 200;
    p[2] = 56;
    gx_calib_outputs(&out, 0, p, q);
    const int32_t b0 = g4 * (sc.tau[0] - 7 * kGxFeatLstm) / sc.tau[0];
    ok &= check(out.bonus[0][1] == g4 && out.bonus[0][0] == b0 && b0 < g4 * (r0 - da0) / r0,
                "the outputs' bonus has the shorter reach");
    ok &= check(q[1] == g4 * 256 / (256 + g4 + b0) && q[0] == (200 + b0) * 256 / (256 + g4 + b0) &&
                    q[2] == 56 * 256 / (256 + g4 + b0) && q[3] == 0,
                "calibrated outputs");
    GxCalibScale off = sc;
    off.active = false;
    gx_calib_decide(s, &off, x, base, &out);
    gx_calib_outputs(&out, 0, p, q);
    ok &= check(std::memcmp(p, q, sizeof p) == 0, "no scale: the outputs as they are");
    gx_calib_decide(s, &sc, x, base, &out);
    gx_calib_outputs(&out, 2, p, q);
    ok &= check(std::memcmp(p, q, sizeof p) == 0, "a network the set does not have: the outputs as they are");
    // leave-one-out: b's only sample is not judged (spec v3); a's samples keep a's bonus
    GxCalibLoo loo;
    ok &= check(gx_calib_loo(s, own_letter_scores, s, &g_scratch, &loo), "leave-one-out runs");
    ok &= check(loo.n == 3 && loo.uncal_correct == 3 && loo.cal_correct == 3 &&
                    loo.gain == kGxCalibGains[kGxCalibNGains - 1] && loo.cal_by_gain[0] == 3,
                "leave-one-out: a letter's only sample not judged, every gain right, ties to the largest");
    // the record: round trip, every corrupted byte refused, another size / model refused
    gx_calib_seal(s);
    const int n = gx_calib_record_bytes(s);
    ok &= check(n == kGxCalibHeaderBytes + 4 * static_cast<int>(sizeof(GxCalibSample)), "record size");
    ok &= check(gx_calib_check(s, n, 2, 0x1234u, 2, dims) == GX_CALIB_OK, "round trip");
    ok &= check(gx_calib_check(s, n - 1, 2, 0x1234u, 2, dims) == GX_CALIB_ERR_SIZE, "short record");
    ok &= check(gx_calib_check(s, n, 2, 0x1235u, 2, dims) == GX_CALIB_ERR_MODEL, "another model");
    ok &= check(gx_calib_check(s, n, 3, 0x1234u, 2, dims) == GX_CALIB_ERR_MODEL, "another selection");
    int refused = 0;
    for (int i = 0; i < n; ++i) {
        std::memcpy(&g_copy, s, sizeof g_copy);
        reinterpret_cast<uint8_t*>(&g_copy)[i] ^= 0x5a;
        refused += gx_calib_check(&g_copy, n, 2, 0x1234u, 2, dims) != GX_CALIB_OK;
    }
    ok &= check(refused == n, "every corrupted byte refused");
    // a gain that is not a candidate: not set; in a record: refused
    ok &= check(!gx_calib_set_gain(s, 300) && !gx_calib_set_gain(s, 255) && gx_calib_gain(s) == g, "gain not a candidate");
    std::memcpy(&g_copy, s, sizeof g_copy);
    g_copy.gain[0] = 44;  // 300
    g_copy.gain[1] = 1;
    gx_calib_seal(&g_copy);
    ok &= check(gx_calib_check(&g_copy, n, 2, 0x1234u, 2, dims) == GX_CALIB_ERR_RANGE, "stored gain not a candidate");
    // a spec v1 (magic GXL1, fixed gain), v2 (GXL2, another bonus), v3 (GXL3, other gains) or
    // v4 record (GXL4, no letter mean) is refused as such
    const char earlier[4] = {'1', '2', '3', '4'};
    for (const char v : earlier) {
        std::memcpy(&g_copy, s, sizeof g_copy);
        g_copy.magic[3] = static_cast<uint8_t>(v);
        ok &= check(gx_calib_check(&g_copy, n, 2, 0x1234u, 2, dims) == GX_CALIB_ERR_VERSION, "earlier spec's record");
    }
    // a letter out of range is not added
    ok &= check(!gx_calib_add(s, 26, x) && s->n_samples == 4, "letter out of range");
    // nothing judged (one sample of each letter): the smallest gain, whatever the counts
    gx_calib_init(s, 2, 0x1234u, 2, dims);
    feat(x, 0, 0);
    gx_calib_add(s, 0, x);
    feat(x, 50, 50);
    gx_calib_add(s, 1, x);
    ok &= check(gx_calib_loo(s, own_letter_scores, s, &g_scratch, &loo) && loo.n == 0 && loo.uncal_correct == 0 &&
                    loo.cal_correct == 0 && loo.gain == kGxCalibGains[0],
                "leave-one-out: nothing judged, the smallest gain");
    // the gain: a at 0 and 2, b at 50 and 52 (every feature); the model puts z first by 1400.
    // Left out, a sample's own letter keeps a sample 2 F away, reach 2 tau about 96 F: gain 1020
    // adds about 0.98 x (255 + 1020) = 1248 < 1400 (wrong), 2040 and 4080 more than 1400
    // (right, and b's bonus at 48 F or more is about half of a's): 4080 chosen (ties to the larger).
    gx_calib_init(s, 2, 0x1234u, 2, dims);
    const int vals[4][2] = {{0, 0}, {0, 2}, {1, 50}, {1, 52}};
    for (const auto& v : vals) {
        feat(x, v[1], v[1]);
        gx_calib_add(s, v[0], x);
    }
    ok &= check(gx_calib_loo(s, z_wins_scores, s, &g_scratch, &loo) && loo.n == 4 && loo.uncal_correct == 0 &&
                    loo.cal_by_gain[0] == 0 && loo.cal_by_gain[1] == 4 && loo.cal_by_gain[2] == 4 &&
                    loo.gain == 4080 && loo.cal_correct == 4,
                "leave-one-out chooses the gain of the most samples right, ties to the larger");
    ok &= check(gx_calib_set_gain(s, loo.gain) && gx_calib_gain(s) == 4080, "gain set");
    // the chosen gain makes the bonus: x at 1 is F from both a's samples, 49 F from b's
    // (within the reach 2 tau = 98 F)
    gx_calib_scale(s, &sc);
    const int32_t q0 = 2 * sc.tau[0], q1 = 2 * sc.tau[1];
    feat(x, 1, 1);
    for (int c = 0; c < kGxClasses; ++c) base[c] = 0;
    gx_calib_decide(s, &sc, x, base, &out);
    const int32_t b0a = 1020 * (q0 - kGxFeatLstm) / q0, b0b = 1020 * (q0 - 49 * kGxFeatLstm) / q0;
    const int32_t ga = b0a + 4080 * (q1 - kGxFeatCnn) / q1;
    const int32_t gb = b0b + 4080 * (q1 - 49 * kGxFeatCnn) / q1;
    ok &= check(sc.tau[0] == 49 * kGxFeatLstm && out.scores[0] == ga && out.scores[1] == gb && out.index == 0,
                "bonus of the chosen gain");
    // ... and continuous writing's outputs (network 0: the BiLSTM's share of gain 4080, reach
    // tau = 49 F: b's samples at 49 F get no output bonus)
    gx_calib_outputs(&out, 0, p, q);
    const int32_t o0a = 1020 * (sc.tau[0] - kGxFeatLstm) / sc.tau[0];
    const int32_t t0 = 256 + o0a;
    ok &= check(out.bonus[0][1] == 0 && q[0] == (200 + o0a) * 256 / t0 && q[1] == 0 && q[2] == 56 * 256 / t0,
                "calibrated outputs with the chosen gain");
    // the largest products: gain 4080, an exact match (bonus 4080 on network 1), every output 255
    ok &= check(gx_calib_set_gain(s, 1020) && gx_calib_set_gain(s, 4080), "gain 4080 set");
    feat(x, 0, 0);
    for (int c = 0; c < kGxClasses; ++c) p[c] = 255;
    gx_calib_decide(s, &sc, x, base, &out);
    gx_calib_outputs(&out, 1, p, q);
    // (b's samples 50 F away: beyond the outputs' reach tau = 49 F, no bonus there)
    ok &= check(out.scores[1] > 0 && out.bonus[1][0] == 4080 && out.bonus[1][1] == 0 && q[0] == 255 &&  // 4335 x 6630
                    q[1] == 255 * 6630 / (6630 + 4080) && q[25] == 255 * 6630 / (6630 + 4080),
                "calibrated outputs of gain 4080");
    ok &= check(gx_calib_set_gain(s, loo.gain), "gain set back");
    gx_calib_seal(s);
    ok &= check(gx_calib_check(s, gx_calib_record_bytes(s), 2, 0x1234u, 2, dims) == GX_CALIB_OK, "round trip with gain 4080");
    // spec v5: a letter with 3 samples (0, 6, 12 in every feature) is as far from x = 1 as
    // floor((3 x 1 F + |3 - 18| F) / 6) = 3 F (its nearest sample: F); b's one sample at 60
    // stays at its nearest, 59 F. tau = F (60 + 54 + 48 + 48) / 4, reach 2 tau.
    gx_calib_init(s, 2, 0x1234u, 2, dims);
    const int vals3[4][2] = {{0, 0}, {0, 6}, {0, 12}, {1, 60}};
    for (const auto& v : vals3) {
        feat(x, v[1], v[1]);
        gx_calib_add(s, v[0], x);
    }
    gx_calib_scale(s, &sc);
    feat(x, 1, 1);
    gx_calib_decide(s, &sc, x, base, &out);
    const int32_t m0 = 2 * (210 * kGxFeatLstm / 4), m1 = 2 * (210 * kGxFeatCnn / 4);
    const int32_t mean_a = 255 * (m0 - 3 * kGxFeatLstm) / m0 + 1020 * (m1 - 3 * kGxFeatCnn) / m1;
    const int32_t mean_b = 255 * (m0 - 59 * kGxFeatLstm) / m0 + 1020 * (m1 - 59 * kGxFeatCnn) / m1;
    const int32_t nearest_a = 255 * (m0 - kGxFeatLstm) / m0 + 1020 * (m1 - kGxFeatCnn) / m1;
    ok &= check(sc.tau[0] == 210 * kGxFeatLstm / 4 && gx_calib_gain(s) == 1020 && out.scores[0] == mean_a &&
                    out.scores[1] == mean_b && mean_a < nearest_a,
                "a letter of 3 samples: the mean of its nearest sample's and its mean's distance");
    // left out, a sample's letter keeps 2 samples: their nearest only (0 right at 0 F)
    ok &= check(gx_calib_loo(s, own_letter_scores, s, &g_scratch, &loo) && loo.n == 3 && loo.uncal_correct == 3 &&
                    loo.cal_correct == 3,
                "leave-one-out of a letter of 3 samples");
    if (!ok) return 1;
    std::printf("ok %d\n", g_checks);
    return 0;
}
