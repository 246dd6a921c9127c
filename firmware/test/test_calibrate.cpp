// The letter calibration's core (calibrate.h) on hand-made features: the oldest sample of a
// letter goes at K_MAX, the scale and the bonus follow the numerical contract, a single
// letter has no effect, and the stored record refuses every corrupted byte, a wrong size and
// another model. Driven by tests/test_calibrate_device.py; prints "ok N" on success.
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
    gx_calib_outputs(s, &sc, x, 0, p, q);
    const int32_t b0 = 255 * (sc.tau[0] - 7 * kGxFeatLstm) / sc.tau[0];
    ok &= check(q[1] == 255 * 256 / (256 + 255 + b0) && q[0] == (200 + b0) * 256 / (256 + 255 + b0) &&
                    q[2] == 56 * 256 / (256 + 255 + b0) && q[3] == 0,
                "calibrated outputs");
    GxCalibScale off = sc;
    off.active = false;
    gx_calib_outputs(s, &off, x, 0, p, q);
    ok &= check(std::memcmp(p, q, sizeof p) == 0, "no scale: the outputs as they are");
    // leave-one-out: b alone -> without it, one letter (no effect); a's samples keep a's bonus
    GxCalibLoo loo;
    ok &= check(gx_calib_loo(s, own_letter_scores, s, &g_scratch, &loo), "leave-one-out runs");
    ok &= check(loo.n == 4 && loo.uncal_correct == 4 && loo.cal_correct == 4, "leave-one-out");
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
    // a letter out of range is not added
    ok &= check(!gx_calib_add(s, 26, x) && s->n_samples == 4, "letter out of range");
    if (!ok) return 1;
    std::printf("ok %d\n", g_checks);
    return 0;
}
