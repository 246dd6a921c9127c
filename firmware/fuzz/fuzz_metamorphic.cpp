// libFuzzer target (metamorphic): the same 32 samples as one replayed recording
// (gx_recognise, the replay command's path) and streamed sample by sample into the
// Recognizer (the `start` + `s ...` path) must give the same decision -- or, streamed, the
// no-motion refusal for a glove held still. The first byte picks the model; built with the
// signal network (models/chen2021/firmware) this is the target that runs it.
#include "app.h"
#include "fuzz_input.h"

namespace {
int16_t g_counts[gx::kMaxSamples][9];
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const gx::GxModels* m = gx::gx_app_models();  // verified once
    gx::FuzzInput in(data, size);
    const int sel = in.u8() % gx::kGxModelSelCount;
    const int mode = in.u8();
    for (int t = 0; t < gx::kMaxSamples; ++t)
        for (int k = 0; k < 9; ++k) {
            // small steps around a resting glove, or raw int16
            g_counts[t][k] = (mode & 1) ? in.i16()
                                        : static_cast<int16_t>((k == 2 ? 2048 : 0) + static_cast<int8_t>(in.u8()) * 40);
        }
    const gx::GxRecognition* r = gx::gx_recognise(m, sel, g_counts, gx::kMaxSamples, false);
    const int replay_status = r->status;
    const gx::GxDecision replay = r->decision;
    gx::GxRecognizer rec;
    gx::gx_recognizer_init(&rec, m, sel);
    gx::gx_recognizer_start(&rec);
    gx::GxDecision d{};
    int status = 0, ev = gx::GX_EVENT_NONE;
    for (int t = 0; t < gx::kMaxSamples; ++t) {
        ev = gx::gx_recognizer_push(&rec, g_counts[t], &d, &status);
        if (t < gx::kMaxSamples - 1 && ev != gx::GX_EVENT_NONE) __builtin_trap();
    }
    if (ev == gx::GX_EVENT_LETTER) {
        if (replay_status != gx::GX_OK || d.model != replay.model || d.index != replay.index ||
            d.confidence_q8 != replay.confidence_q8)
            __builtin_trap();
        for (int k = 0; k < 3; ++k)
            if (d.top3[k] != replay.top3[k] || d.top3_q8[k] != replay.top3_q8[k]) __builtin_trap();
    } else if (ev == gx::GX_EVENT_ERROR) {
        if (status != gx::GX_REC_ERR_NO_MOTION && status != replay_status) __builtin_trap();
        if (status == gx::GX_REC_ERR_NO_MOTION && replay_status != gx::GX_OK) __builtin_trap();
    } else {
        __builtin_trap();  // a completed window always answers
    }
    return 0;
}
