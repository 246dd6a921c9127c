// libFuzzer target: the start-up model check on mutated model data, and every kernel with
// arbitrary but verified parameters. Writable copies of the compiled-in models
// (model_mutants.cpp); the input is a mode byte, then (slot u16, value i32) mutations.
//  * mode even: the mutated models go to gx_check_*: any change must be refused (a model
//    that still passes with a changed field is a finding: the checksum misses that field);
//  * mode odd: the checksums are recomputed after the mutations ("re-signed": only the
//    range checks stand), the verified-models table is rebuilt, and one recording runs
//    through every usable network, softmax and fusion: no out-of-bounds read, no UB.
#include "fuzz_input.h"
#include "model_mutants.h"

namespace {

constexpr int kMaxMutations = 8;
int16_t g_counts[gx::kMaxSamples][9];

void make_recording() {  // a smooth stroke: enough motion for every stage
    for (int t = 0; t < gx::kMaxSamples; ++t) {
        const int16_t s[9] = {static_cast<int16_t>(100 * t), 2048, static_cast<int16_t>(-50 * t),
                              static_cast<int16_t>(400 * (t % 8) - 1400), static_cast<int16_t>(3000 - 150 * t), 30,
                              300, -200, static_cast<int16_t>(100 + t)};
        for (int k = 0; k < 9; ++k) g_counts[t][k] = s[k];
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    gx::GxModels* m = gx::mutants_models();
    if (m == nullptr) return 0;
    if (g_counts[0][1] == 0) make_recording();
    gx::FuzzInput in(data, size);
    const int mode = in.u8();
    const int n_slots = gx::mutants_slot_count();
    int idx[kMaxMutations];
    int32_t old[kMaxMutations];
    int n = 0;
    bool changed = false;
    bool nets_changed[3] = {false, false, false};
    while (n < kMaxMutations && in.left() >= 6) {
        const int i = in.u16() % n_slots;
        bool dup = false;  // one change per slot, so that old[] holds the original
        for (int k = 0; k < n; ++k) dup = dup || idx[k] == i;
        if (dup) continue;
        const gx::MutSlot& s = gx::mutants_slot(i);
        idx[n] = i;
        old[n] = gx::mutants_get(s);
        gx::mutants_set(s, in.i32());
        if (gx::mutants_get(s) != old[n]) {
            changed = true;
            nets_changed[s.net] = true;
        }
        ++n;
    }
    if ((mode & 1) == 0) {
        const int checks[3] = {gx::gx_check_lstm(m), gx::gx_check_cnn(m), gx::gx_check_signal(m)};
        for (int k = 0; k < 3; ++k)
            if (nets_changed[k] && checks[k] == gx::GX_CHECK_OK) __builtin_trap();  // a change went unnoticed
    } else if (changed) {
        gx::mutants_resign();
        gx::gx_models_verify(m);
        const int sel = (mode >> 1) % gx::kGxModelSelCount;
        (void)gx::gx_recognise(m, sel, g_counts, gx::kMaxSamples, true);
    }
    for (int k = n - 1; k >= 0; --k) gx::mutants_set(gx::mutants_slot(idx[k]), old[k]);
    if ((mode & 1) != 0 && changed) {
        gx::mutants_resign();
        gx::gx_models_verify(m);
    }
    return 0;
}
