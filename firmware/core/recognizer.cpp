#include "recognizer.h"

#include "dot.h"
#include "fixed.h"
#include "fnv.h"
#include "quant.h"

namespace gx {

namespace {

// Static storage of one recognition (no heap; not reentrant):
//  * g_work: the pre-network stages (GxStages: what the network inputs are quantised from,
//    plus one work area the stages take in turn; the replay command reports each
//    intermediate through a GxStageSink as its stage completes), then, once every input is
//    quantised, the networks' scratch (GxNetCtx), which runs one network after the other;
//  * g_rec: network inputs (LSTM 200, CNN 784, signal network 288 B) and decisions.
GxRecWork g_work;
GxRecognition g_rec;

}  // namespace

void gx_points_to_int8(const int32_t (*resampled)[2], const GxNetIo& io, int8_t out[kGxLstmSteps][kGxLstmIn]) {
    static_assert(kGxLstmSteps == kResamplePoints && kGxLstmIn == 2, "LSTM input = resampled points");
    for (int t = 0; t < kGxLstmSteps; ++t)
        for (int k = 0; k < kGxLstmIn; ++k) {
            const int64_t y = static_cast<int64_t>(gx_mbqm(resampled[t][k], io.in_mult, io.in_shift)) + io.in_zero_point;
            out[t][k] = static_cast<int8_t>(gx_clamp64(y, kInt8Min, kInt8Max));
        }
}

void gx_image_to_int8(const int32_t (*image)[kOutPx], const GxNetIo& io, int8_t out[kGxCnnIn][kGxCnnIn]) {
    static_assert(kGxCnnIn == kOutPx, "CNN input = image");
    for (int r = 0; r < kGxCnnIn; ++r)
        for (int c = 0; c < kGxCnnIn; ++c) {
            // v in [0, 2^15] (the image stage), mult < 2^31: v * mult < 2^47 fits int64
            const int64_t v = gx_sat(image[r][c], 0, INT64_C(1) << kQImage);
            const int64_t y = gx_rshift_round(v * io.in_mult, io.in_shift) + io.in_zero_point;
            out[r][c] = static_cast<int8_t>(gx_clamp64(y, kInt8Min, kInt8Max));
        }
}

namespace {

bool decide(const int8_t logits[kGxClasses], const GxSoftmaxParams& softmax, int32_t has_softmax, GxNetOut* out) {
    for (int i = 0; i < kGxClasses; ++i) out->logits[i] = logits[i];
    int8_t p[kGxClasses];
    bool ok = true;
    if (has_softmax) {
        for (int i = 0; i < kGxClasses; ++i) p[i] = logits[i];
    } else {
        ok = gx_softmax_int8(logits, kGxClasses, softmax, p);
    }
    for (int i = 0; i < kGxClasses; ++i) out->probs_q8[i] = static_cast<uint8_t>(static_cast<int32_t>(p[i]) + 128);
    gx_top3(logits, kGxClasses, out->top3);
    out->index = out->top3[0];
    out->confidence_q8 = out->probs_q8[out->index];
    out->margin = static_cast<int>(logits[out->top3[0]]) - static_cast<int>(logits[out->top3[1]]);
    return ok;
}

[[maybe_unused]] void set_decision(GxDecision* d, const GxNetOut& o) {
    d->index = o.index;
    d->confidence_q8 = o.confidence_q8;
    for (int k = 0; k < 3; ++k) {
        d->top3[k] = o.top3[k];
        d->top3_q8[k] = o.probs_q8[o.top3[k]];
    }
}

[[maybe_unused]] void set_decision(GxDecision* d, const GxFusedOut& f) {
    d->index = f.index;
    d->confidence_q8 = f.confidence_q8;
    for (int k = 0; k < 3; ++k) {
        d->top3[k] = f.top3[k];
        d->top3_q8[k] = f.scores[f.top3[k]] >> 1;
    }
}

}  // namespace

bool gx_decide(const int8_t logits[kGxClasses], const GxNetIo& io, GxNetOut* out) {
    return decide(logits, io.softmax, io.has_softmax, out);
}

bool gx_decide(const int8_t logits[kGxClasses], const GxSignalIo& io, GxNetOut* out) {
    return decide(logits, io.softmax, io.has_softmax, out);
}

namespace {

// Status after one network: ran = its gx_*_net_run result; then softmax + decision.
template <typename Io>
int net_status(bool ran, const int8_t logits[kGxClasses], const Io& io, GxNetOut* out) {
    if (!ran) return GX_REC_ERR_NETWORK;
    if (!gx_decide(logits, io, out)) return GX_REC_ERR_SOFTMAX;
    return GX_OK;
}

}  // namespace

void gx_fuse(const GxNetOut& lstm, const GxNetOut& cnn, GxFusedOut* out) {
    for (int i = 0; i < kGxClasses; ++i)
        out->scores[i] = static_cast<uint16_t>(static_cast<uint16_t>(lstm.probs_q8[i]) + cnn.probs_q8[i]);
    gx_top3(out->scores, kGxClasses, out->top3);
    out->index = out->top3[0];
    out->confidence_q8 = out->scores[out->index] >> 1;
}

const GxRecognition* gx_recognise(const GxModels* models, int sel, const int16_t (*counts)[9], int n,
                                  bool all_models, const GxStageSink* sink, int8_t* features) {
    static_assert(kGxSignalSteps == kMaxSamples && kGxSignalIn == kGxSignalChannels, "signal input = signals stage");
    GxRecognition* r = &g_rec;
    GxStages* st = &g_work.stages;
    r->ran_lstm = r->ran_cnn = r->ran_fused = false;
    r->ran_signals_stage = r->ran_signal = r->ran_fused_signal = false;
    r->decision = GxDecision{};
    r->decision.model = sel;
    // the verified-models table (gx_models_verify at start-up): no checksum per recognition;
    // a network not selected at build time is GX_CHECK_MISSING there
    const bool have_lstm = models != nullptr && models->lstm_check == GX_CHECK_OK;
    const bool have_cnn = models != nullptr && models->cnn_check == GX_CHECK_OK;
    const bool have_signal = models != nullptr && models->signal_check == GX_CHECK_OK;
    const bool want_lstm = sel == GX_MODEL_LSTM || sel == GX_MODEL_FUSED || sel == GX_MODEL_SIGNAL_FUSED;
    const bool want_cnn = sel == GX_MODEL_CNN || sel == GX_MODEL_FUSED;
    const bool want_signal = sel == GX_MODEL_SIGNAL || sel == GX_MODEL_SIGNAL_FUSED;
    if (sel < 0 || sel >= kGxModelSelCount || (want_lstm && !have_lstm) || (want_cnn && !have_cnn) ||
        (want_signal && !have_signal)) {
        r->status = GX_REC_ERR_NO_MODEL;
        return r;
    }
    if (want_signal && n != kMaxSamples) {
        r->status = GX_REC_ERR_SIGNAL_SAMPLES;
        return r;
    }
    [[maybe_unused]] const bool run_lstm = kGxWithLstm && have_lstm && (want_lstm || all_models);
    const bool run_cnn = kGxWithCnn && have_cnn && (want_cnn || all_models);
    const bool run_signals = kGxWithSignal && have_signal && (want_signal || all_models);
    r->status = gx_run_pipeline_opts(counts, n, run_cnn, st, sink);
    if (r->status != GX_OK) return r;
    for (int k = 0; k < 2; ++k) {
        r->points_lo[k] = st->points_lo[k];
        r->points_hi[k] = st->points_hi[k];
    }
#if GX_WITH_SIGNAL
    if (run_signals) {
        r->status = gx_run_signals(counts, st, sink);
        if (r->status != GX_OK) return r;
        r->ran_signals_stage = true;
    }
#endif
    // every network input first: the networks' scratch then takes the stages' storage
#if GX_WITH_LSTM
    if (run_lstm) gx_points_to_int8(st->resampled, *models->lstm_io, r->lstm_in);
#endif
#if GX_WITH_CNN
    if (run_cnn) gx_image_to_int8(st->image, *models->cnn_io, r->cnn_in);
#endif
    const bool run_signal = run_signals && n == kMaxSamples;
#if GX_WITH_SIGNAL
    if (run_signal) gx_quantise_signals(st->work.signals, kGxSignalSteps, &models->signal_io->quant, r->signal_in);
#endif
    (void)run_signal;
    int8_t logits[kGxClasses];
    (void)logits;
    // the features go where the selection puts them: the LSTM first, the other network after it
    int8_t* const lstm_feat = features != nullptr && want_lstm ? features : nullptr;
    int8_t* const other_feat = features == nullptr ? nullptr : (want_lstm ? features + kGxFeatLstm : features);
    (void)lstm_feat;
    (void)other_feat;
#if GX_WITH_LSTM
    if (run_lstm) {
        r->status = net_status(gx_lstm_net_run(&g_work.net, models->lstm, r->lstm_in, logits, nullptr, lstm_feat), logits,
                               *models->lstm_io, &r->lstm);
        if (r->status != GX_OK) return r;
        r->ran_lstm = true;
    }
#endif
#if GX_WITH_CNN
    if (run_cnn) {
        r->status = net_status(gx_cnn_net_run(&g_work.net, models->cnn, r->cnn_in, logits, nullptr, want_cnn ? other_feat : nullptr), logits,
                               *models->cnn_io, &r->cnn);
        if (r->status != GX_OK) return r;
        r->ran_cnn = true;
    }
#endif
#if GX_WITH_SIGNAL
    if (run_signal) {
        r->status = net_status(gx_signal_net_run(&g_work.net, models->signal, r->signal_in, logits, nullptr,
                                                 want_signal ? other_feat : nullptr), logits,
                               *models->signal_io, &r->signal);
        if (r->status != GX_OK) return r;
        r->ran_signal = true;
    }
#endif
    [[maybe_unused]] GxDecision* d = &r->decision;
    switch (sel) {
#if GX_WITH_LSTM
        case GX_MODEL_LSTM: set_decision(d, r->lstm); break;
#endif
#if GX_WITH_CNN
        case GX_MODEL_CNN: set_decision(d, r->cnn); break;
#endif
#if GX_WITH_SIGNAL
        case GX_MODEL_SIGNAL: set_decision(d, r->signal); break;
#endif
        default: break;
    }
#if GX_WITH_LSTM && GX_WITH_CNN
    if (r->ran_lstm && r->ran_cnn) {
        gx_fuse(r->lstm, r->cnn, &r->fused);
        r->ran_fused = true;
    }
    if (sel == GX_MODEL_FUSED) set_decision(d, r->fused);
#endif
#if GX_WITH_LSTM && GX_WITH_SIGNAL
    if (r->ran_lstm && r->ran_signal) {
        gx_fuse(r->lstm, r->signal, &r->fused_signal);
        r->ran_fused_signal = true;
    }
    if (sel == GX_MODEL_SIGNAL_FUSED) set_decision(d, r->fused_signal);
#endif
    return r;
}

int gx_model_features(int sel, int32_t dims[kGxCalibMaxNets]) {
    switch (sel) {
        case GX_MODEL_LSTM: dims[0] = kGxFeatLstm; return 1;
        case GX_MODEL_CNN: dims[0] = kGxFeatCnn; return 1;
        case GX_MODEL_SIGNAL: dims[0] = kGxFeatSignal; return 1;
        case GX_MODEL_FUSED: dims[0] = kGxFeatLstm; dims[1] = kGxFeatCnn; return 2;
        case GX_MODEL_SIGNAL_FUSED: dims[0] = kGxFeatLstm; dims[1] = kGxFeatSignal; return 2;
        default: return 0;
    }
}

uint32_t gx_model_checksum(const GxModels* models, int sel) {
    GxFnv1a h;
    h.i32(sel);
    const bool lstm = sel == GX_MODEL_LSTM || sel == GX_MODEL_FUSED || sel == GX_MODEL_SIGNAL_FUSED;
    const bool cnn = sel == GX_MODEL_CNN || sel == GX_MODEL_FUSED;
    const bool signal = sel == GX_MODEL_SIGNAL || sel == GX_MODEL_SIGNAL_FUSED;
    if (lstm && models->lstm != nullptr) h.i32(static_cast<int32_t>(models->lstm->info.checksum));
    if (cnn && models->cnn != nullptr) h.i32(static_cast<int32_t>(models->cnn->info.checksum));
    if (signal && models->signal != nullptr) h.i32(static_cast<int32_t>(models->signal->info.checksum));
    return h.sum();
}

bool gx_recognition_scores(const GxRecognition* r, uint16_t out[kGxClasses], int32_t* max_score) {
    const uint8_t* probs = nullptr;
    const uint16_t* fused = nullptr;
    switch (r->decision.model) {
#if GX_WITH_LSTM && GX_WITH_CNN
        case GX_MODEL_FUSED: fused = r->ran_fused ? r->fused.scores : nullptr; break;
#endif
#if GX_WITH_LSTM && GX_WITH_SIGNAL
        case GX_MODEL_SIGNAL_FUSED: fused = r->ran_fused_signal ? r->fused_signal.scores : nullptr; break;
#endif
#if GX_WITH_LSTM
        case GX_MODEL_LSTM: probs = r->ran_lstm ? r->lstm.probs_q8 : nullptr; break;
#endif
#if GX_WITH_CNN
        case GX_MODEL_CNN: probs = r->ran_cnn ? r->cnn.probs_q8 : nullptr; break;
#endif
#if GX_WITH_SIGNAL
        case GX_MODEL_SIGNAL: probs = r->ran_signal ? r->signal.probs_q8 : nullptr; break;
#endif
        default: break;
    }
    if (fused == nullptr && probs == nullptr) return false;
    for (int i = 0; i < kGxClasses; ++i) out[i] = fused != nullptr ? fused[i] : probs[i];
    *max_score = fused != nullptr ? 2 * 255 : 255;
    return true;
}

namespace {

// One network's probabilities (0..255) from its features: its last FULLY_CONNECTED, then
// the softmax (gx_decide).
template <typename Io>
bool probs_of(const int8_t* x, int32_t in_dim, const int8_t* w, const int32_t* b, const GxFcParams* fc, const Io& io,
              uint8_t out[kGxClasses]) {
    alignas(4) int16_t col[gx_col_len(kGxFeatMax)];
    int8_t logits[kGxClasses];
    gx_fully_connected_i8(x, in_dim, w, b, kGxClasses, fc, logits, col);
    GxNetOut o;
    if (!gx_decide(logits, io, &o)) return false;
    for (int c = 0; c < kGxClasses; ++c) out[c] = o.probs_q8[c];
    return true;
}

}  // namespace

bool gx_scores_of_features(const GxModels* models, int sel, const int8_t* features, uint16_t out[kGxClasses]) {
    int32_t dims[kGxCalibMaxNets];
    const int n_nets = gx_model_features(sel, dims);
    if (n_nets == 0 || models == nullptr) return false;
    for (int c = 0; c < kGxClasses; ++c) out[c] = 0;
    const int8_t* x = features;
    for (int k = 0; k < n_nets; ++k) {
        const bool lstm = k == 0 && (sel == GX_MODEL_LSTM || n_nets == 2);
        const bool cnn = !lstm && (sel == GX_MODEL_CNN || sel == GX_MODEL_FUSED);
        uint8_t p[kGxClasses];
        bool ok = false;
        if (lstm) {
#if GX_WITH_LSTM
            const GxLstmNetModel* m = models->lstm;
            ok = models->lstm_check == GX_CHECK_OK &&
                 probs_of(x, kGxFeatLstm, m->fc_w, m->fc_b, &m->fc, *models->lstm_io, p);
#endif
        } else if (cnn) {
#if GX_WITH_CNN
            const GxCnnNetModel* m = models->cnn;
            ok = models->cnn_check == GX_CHECK_OK &&
                 probs_of(x, kGxFeatCnn, m->fc2_w, m->fc2_b, &m->fc2, *models->cnn_io, p);
#endif
        } else {
#if GX_WITH_SIGNAL
            const GxSignalNetModel* m = models->signal;
            ok = models->signal_check == GX_CHECK_OK &&
                 probs_of(x, kGxFeatSignal, m->fc_w, m->fc_b, &m->fc, *models->signal_io, p);
#endif
        }
        if (!ok) return false;
        for (int c = 0; c < kGxClasses; ++c) out[c] = static_cast<uint16_t>(out[c] + p[c]);
        x += dims[k];
    }
    return true;
}

void gx_recognizer_init(GxRecognizer* r, const GxModels* models, int model) {
    r->models = models;
    r->model = model;
    r->auto_start = false;
    r->samples_total = 0;
    r->letters_total = 0;
    r->features = nullptr;
    r->last = nullptr;
    gx_recognizer_reset(r);
}

void gx_recognizer_reset(GxRecognizer* r) {
    r->window_open = false;
    r->filled = 0;
    r->idle_samples = 0;
    r->word_pending = false;
}

void gx_recognizer_start(GxRecognizer* r) {
    r->window_open = true;
    r->filled = 0;
}

int gx_recognizer_push(GxRecognizer* r, const int16_t sample[9], GxDecision* decision, int* status) {
    ++r->samples_total;
    if (!r->window_open && r->auto_start) {
        for (int k = 3; k < 6; ++k) {
            const int32_t g = sample[k];
            if (g > kGxAutoStartGyro || g < -kGxAutoStartGyro) r->window_open = true;
        }
        if (r->window_open) r->filled = 0;
    }
    if (!r->window_open) {
        if (r->idle_samples < kGxWordGapSamples) ++r->idle_samples;
        if (r->word_pending && r->idle_samples >= kGxWordGapSamples) {
            r->word_pending = false;
            return GX_EVENT_WORD_BREAK;
        }
        return GX_EVENT_NONE;
    }
    for (int k = 0; k < 9; ++k) r->window[r->filled][k] = sample[k];
    ++r->filled;
    if (r->filled < kMaxSamples) return GX_EVENT_NONE;
    r->window_open = false;
    r->filled = 0;
    r->idle_samples = 0;
    const GxRecognition* rec = gx_recognise(r->models, r->model, r->window, kMaxSamples, false, nullptr, r->features);
    r->last = rec;
    if (rec->status != GX_OK) {
        if (status) *status = rec->status;
        return GX_EVENT_ERROR;
    }
    const int32_t* lo = rec->points_lo;
    const int32_t* hi = rec->points_hi;
    // points are within +-2^29 (normalise's range proof), so the differences fit int64 easily
    if (static_cast<int64_t>(hi[0]) - lo[0] < kGxMinMotionSpan && static_cast<int64_t>(hi[1]) - lo[1] < kGxMinMotionSpan) {
        if (status) *status = GX_REC_ERR_NO_MOTION;
        return GX_EVENT_ERROR;
    }
    ++r->letters_total;
    r->word_pending = true;
    if (decision) *decision = rec->decision;
    return GX_EVENT_LETTER;
}

GxRecWork* gx_recognizer_work() { return &g_work; }

int32_t gx_recognizer_static_bytes() { return static_cast<int32_t>(sizeof g_work + sizeof g_rec); }

}  // namespace gx
