// The letter calibration's core (calibrate.h) on hand-made features: the oldest sample of a
// letter goes at K_MAX, the scale and the bonus follow the numerical contract, a single
// letter has no effect, the leave-one-out counts every candidate gain and chooses the one of
// the most samples right (ties to the smaller), the chosen gain sets the bonus, and the stored
// record refuses every corrupted byte, a wrong size, another model, a gain that is not a
// candidate and a spec v1 record; continuous writing's calibrated outputs follow their formula
// with the set's gain, up to the largest (2040). Driven by tests/test_calibrate_device.py;
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

// The model's scores of a stored sample: 100 for its own letter, 700 for 'z' (no samples).
bool z_wins_scores(void* ctx, int j, const int8_t*, uint16_t out[kGxClasses]) {
    const GxCalibSet* set = static_cast<const GxCalibSet*>(ctx);
    for (int c = 0; c < kGxClasses; ++c) out[c] = c == set->s[j].letter ? 100 : (c == 25 ? 700 : 0);
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
    // x = b's sample: d_b = 0 (bonus 255 per network), d_a = 7 F per network
    uint16_t base[kGxClasses] = {};
    base[0] = 100;
    GxCalibOut out;
    gx_calib_decide(s, &sc, x, base, &out);
    const int32_t ba = 255 * (sc.tau[0] - 7 * kGxFeatLstm) / sc.tau[0] + 255 * (sc.tau[1] - 7 * kGxFeatCnn) / sc.tau[1];
    ok &= check(out.scores[1] == 510 && out.scores[0] == 100 + ba && out.index == 1, "bonus");
    ok &= check(out.top3[0] == 1 && out.top3[1] == 0 && out.top3[2] == 2, "top-3 stable");
    // continuous writing: network 0's outputs with its bonus mixed in (b_b = 255, b_a = its share)
    uint8_t p[kGxClasses] = {}, q[kGxClasses];
    p[0] = 200;
    p[2] = 56;
    gx_calib_outputs(&out, 0, p, q);
    const int32_t b0 = 255 * (sc.tau[0] - 7 * kGxFeatLstm) / sc.tau[0];
    ok &= check(q[1] == 255 * 256 / (256 + 255 + b0) && q[0] == (200 + b0) * 256 / (256 + 255 + b0) &&
                    q[2] == 56 * 256 / (256 + 255 + b0) && q[3] == 0,
                "calibrated outputs");
    GxCalibScale off = sc;
    off.active = false;
    gx_calib_decide(s, &off, x, base, &out);
    gx_calib_outputs(&out, 0, p, q);
    ok &= check(std::memcmp(p, q, sizeof p) == 0, "no scale: the outputs as they are");
    gx_calib_decide(s, &sc, x, base, &out);
    gx_calib_outputs(&out, 2, p, q);
    ok &= check(std::memcmp(p, q, sizeof p) == 0, "a network the set does not have: the outputs as they are");
    // leave-one-out: b alone -> without it, one letter (no effect); a's samples keep a's bonus
    GxCalibLoo loo;
    ok &= check(gx_calib_loo(s, own_letter_scores, s, &g_scratch, &loo), "leave-one-out runs");
    ok &= check(loo.n == 4 && loo.uncal_correct == 4 && loo.cal_correct == 4 && loo.gain == kGxCalibGains[0] &&
                    loo.cal_by_gain[3] == 4,
                "leave-one-out: every gain right, ties to the smallest");
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
    ok &= check(!gx_calib_set_gain(s, 300) && gx_calib_gain(s) == 255, "gain not a candidate");
    std::memcpy(&g_copy, s, sizeof g_copy);
    g_copy.gain[0] = 44;  // 300
    g_copy.gain[1] = 1;
    gx_calib_seal(&g_copy);
    ok &= check(gx_calib_check(&g_copy, n, 2, 0x1234u, 2, dims) == GX_CALIB_ERR_RANGE, "stored gain not a candidate");
    // a spec v1 record (magic GXL1, fixed gain) is refused as such
    std::memcpy(&g_copy, s, sizeof g_copy);
    g_copy.magic[3] = '1';
    ok &= check(gx_calib_check(&g_copy, n, 2, 0x1234u, 2, dims) == GX_CALIB_ERR_VERSION, "spec v1 record");
    // a letter out of range is not added
    ok &= check(!gx_calib_add(s, 26, x) && s->n_samples == 4, "letter out of range");
    // the gain: a at 0 and 2, b at 50 and 52 (every feature); the model puts z first by 600.
    // Left out, a sample's own letter keeps a sample 2 F away, tau about 48 F: gain 255 adds
    // about 2 x 0.96 x 255 = 489 < 600 (wrong), 510 and up more than 600 (right): 510 chosen.
    gx_calib_init(s, 2, 0x1234u, 2, dims);
    const int vals[4][2] = {{0, 0}, {0, 2}, {1, 50}, {1, 52}};
    for (const auto& v : vals) {
        feat(x, v[1], v[1]);
        gx_calib_add(s, v[0], x);
    }
    ok &= check(gx_calib_loo(s, z_wins_scores, s, &g_scratch, &loo) && loo.uncal_correct == 0 &&
                    loo.cal_by_gain[0] == 0 && loo.cal_by_gain[1] == 4 && loo.cal_by_gain[2] == 4 &&
                    loo.cal_by_gain[3] == 4 && loo.gain == 510 && loo.cal_correct == 4,
                "leave-one-out chooses the smallest gain of the most samples right");
    ok &= check(gx_calib_set_gain(s, loo.gain) && gx_calib_gain(s) == 510, "gain set");
    // the chosen gain makes the bonus: x at 1 is F from both a's samples
    gx_calib_scale(s, &sc);
    feat(x, 1, 1);
    for (int c = 0; c < kGxClasses; ++c) base[c] = 0;
    gx_calib_decide(s, &sc, x, base, &out);
    const int32_t b510 = 510 * (sc.tau[0] - kGxFeatLstm) / sc.tau[0] + 510 * (sc.tau[1] - kGxFeatCnn) / sc.tau[1];
    ok &= check(out.scores[0] == b510 && out.scores[1] == 0 && out.index == 0, "bonus of the chosen gain");
    // ... and continuous writing's outputs (network 0: a's bonus of gain 510, b none)
    const int32_t b0_510 = 510 * (sc.tau[0] - kGxFeatLstm) / sc.tau[0];
    gx_calib_outputs(&out, 0, p, q);
    ok &= check(q[0] == (200 + b0_510) * 256 / (256 + b0_510) && q[1] == 0 && q[2] == 56 * 256 / (256 + b0_510),
                "calibrated outputs with the chosen gain");
    // the largest products: gain 2040, an exact match (bonus 2040), every output 255
    ok &= check(gx_calib_set_gain(s, 2040), "gain 2040 set");
    feat(x, 0, 0);
    for (int c = 0; c < kGxClasses; ++c) p[c] = 255;
    gx_calib_decide(s, &sc, x, base, &out);
    gx_calib_outputs(&out, 0, p, q);
    ok &= check(q[0] == 255 && q[1] == 255 * 6630 / (6630 + 2040) && q[25] == q[1], "calibrated outputs of gain 2040");
    ok &= check(gx_calib_set_gain(s, loo.gain), "gain set back");
    gx_calib_seal(s);
    ok &= check(gx_calib_check(s, gx_calib_record_bytes(s), 2, 0x1234u, 2, dims) == GX_CALIB_OK, "round trip with gain 510");
    if (!ok) return 1;
    std::printf("ok %d\n", g_checks);
    return 0;
}
