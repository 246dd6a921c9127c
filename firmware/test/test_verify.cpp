// Mutation test of the start-up model check (model_check.cpp) on writable copies of the
// compiled-in models (fuzz/model_mutants.cpp): every scalar field, sample elements of every
// array and the io constants, each changed on its own, must make gx_check_* refuse the model;
// restored, the model passes again. Then the range checks alone: the hostile values of the
// classes used as an index, a shift, a dimension or a clamp range are refused even after the
// checksums are recomputed ("re-signed"), so the kernels never see them.
// Output: one line per field class, then "mutants N refused R; resigned M refused Q".
// Exit status 0 iff every mutant is refused and the originals pass.
#include <cstdio>
#include <cstring>

#include "model_mutants.h"

namespace {

int check(const gx::GxModels* m, int net) {
    return net == 0 ? gx::gx_check_lstm(m) : (net == 1 ? gx::gx_check_cnn(m) : gx::gx_check_signal(m));
}

const char* const kClasses[] = {"dim", "index", "flag", "n_mult", "shift", "multiplier", "offset", "act", "weight", "bias",
                                "lstm", "io", "info"};
constexpr int kNClasses = sizeof kClasses / sizeof kClasses[0];
int class_of(const char* c) {
    for (int i = 0; i < kNClasses; ++i)
        if (std::strcmp(kClasses[i], c) == 0) return i;
    return 0;
}

}  // namespace

int main() {
    gx::GxModels* m = gx::mutants_models();
    if (m == nullptr) {
        std::printf("no models compiled in\n");
        return 2;
    }
    const int n_nets = m->signal != nullptr ? 3 : 2;
    for (int net = 0; net < n_nets; ++net)
        if (check(m, net) != gx::GX_CHECK_OK) {
            std::printf("original model %d refused (%d)\n", net, check(m, net));
            return 1;
        }
    long tried[kNClasses] = {}, refused[kNClasses] = {};
    long mutants = 0, mutants_refused = 0, resigned = 0, resigned_refused = 0;
    const int n = gx::mutants_slot_count();
    for (int i = 0; i < n; ++i) {
        const gx::MutSlot& s = gx::mutants_slot(i);
        const int32_t v = gx::mutants_get(s);
        const int32_t vals[] = {v + 1, v - 1, 50, -1, INT32_C(1) << 30};
        for (int32_t w : vals) {
            if (s.bytes == 1 && (w < -128 || w > 127)) continue;
            if (w == v) continue;
            gx::mutants_set(s, w);
            const bool ok = check(m, s.net) == gx::GX_CHECK_OK;
            gx::mutants_set(s, v);
            ++mutants;
            ++tried[class_of(s.cls)];
            if (!ok) {
                ++mutants_refused;
                ++refused[class_of(s.cls)];
            } else {
                std::printf("ACCEPTED net %d slot %d (%s) %d -> %d\n", s.net, i, s.cls, v, w);
            }
            if (check(m, s.net) != gx::GX_CHECK_OK) {
                std::printf("restored model %d refused after slot %d\n", s.net, i);
                return 1;
            }
        }
        // range checks alone: hostile values, checksums recomputed
        const char* c = s.cls;
        int32_t hostile[3];
        int nh = 0;
        if (std::strcmp(c, "n_mult") == 0) hostile[nh++] = 2;
        if (std::strcmp(c, "shift") == 0) { hostile[nh++] = 32; hostile[nh++] = -32; }
        if (std::strcmp(c, "dim") == 0) hostile[nh++] = v + 1;
        if (std::strcmp(c, "index") == 0) { hostile[nh++] = -1; hostile[nh++] = gx::kGxLstmSteps; }
        if (std::strcmp(c, "flag") == 0) hostile[nh++] = 2;
        if (std::strcmp(c, "act") == 0) { hostile[nh++] = 40000; hostile[nh++] = -40000; }
        if (std::strcmp(c, "multiplier") == 0) hostile[nh++] = -1;
        for (int k = 0; k < nh; ++k) {
            gx::mutants_set(s, hostile[k]);
            gx::mutants_resign();
            const bool ok = check(m, s.net) == gx::GX_CHECK_OK;
            gx::mutants_set(s, v);
            gx::mutants_resign();
            ++resigned;
            if (!ok) ++resigned_refused;
            else std::printf("RANGE ACCEPTED net %d slot %d (%s) %d -> %d\n", s.net, i, c, v, hostile[k]);
        }
    }
    // the verified-models table: gx_recognise trusts it and checks nothing per call
    int16_t counts[gx::kMaxSamples][9];
    for (int t = 0; t < gx::kMaxSamples; ++t)
        for (int k = 0; k < 9; ++k) counts[t][k] = static_cast<int16_t>(k == 2 ? 2048 : (k == 3 ? 200 * t - 3000 : 40 * t));
    gx::GxModels unverified = *m;
    unverified.lstm_check = unverified.cnn_check = unverified.signal_check = gx::GX_CHECK_UNVERIFIED;
    const int st_unverified = gx::gx_recognise(&unverified, gx::GX_MODEL_LSTM, counts, gx::kMaxSamples, false)->status;
    const gx::MutSlot& w = gx::mutants_slot(0);  // changed after verification: not re-checked per call
    const int32_t w0 = gx::mutants_get(w);
    gx::mutants_set(w, w0 + 1);
    const int st_trusted = gx::gx_recognise(m, gx::GX_MODEL_LSTM, counts, gx::kMaxSamples, false)->status;
    gx::mutants_set(w, w0);
    std::printf("table: unverified status %d, verified status %d\n", st_unverified, st_trusted);
    const bool table_ok = st_unverified == gx::GX_REC_ERR_NO_MODEL && st_trusted == gx::GX_OK;
    for (int k = 0; k < kNClasses; ++k)
        std::printf("class %-10s mutants %6ld refused %6ld\n", kClasses[k], tried[k], refused[k]);
    std::printf("mutants %ld refused %ld; resigned %ld refused %ld\n", mutants, mutants_refused, resigned,
                resigned_refused);
    return (mutants_refused == mutants && resigned_refused == resigned && table_ok) ? 0 : 1;
}
