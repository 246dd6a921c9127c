// Benchmark program for the emulated boards: instruction counts of one recognition and of
// each stage, and the stack high-water mark, for one model selection (compile-time
// GX_BENCH_MODEL: 0 LSTM, 1 CNN, 2 fused, 3 signal, 4 fused_signal = LSTM + signal network;
// 3 and 4 need a model directory with the signal network; only that model's weights are
// linked in, so the ELF's sizes are the firmware's for that model).
//
// Run under QEMU with -icount shift=0 (one guest instruction = 1 ns of virtual time; see
// target.h for how each board counts). Protocol on the UART, one line each:
//   host:   rec <n> <hex>     n samples (1..32), 9 int16 each as 4 hex digits (as "replay")
//   target: BENCH <key>=<value> ...      (one line per recording, keys below)
//   host:   end               -> target: BENCH DONE, then it stops
// Any other line gets "BENCH ERR <reason>".
//
// Keys: model, n, letter (recognised, a..z), status, insn (gx_recognise total), stack
// (high-water mark in bytes of the whole main stack during gx_recognise), then per stage
// (each measured on its own by calling the stage functions in the pipeline's order; the
// sum is within a few instructions per stage of insn): check (the verified-models table
// gx_recognise reads; the start-up check itself, gx_models_verify, runs once before the bench),
// orientation (all n Madgwick updates), euler, points, normalise, smooth, thin, resample, raster (CNN/fused only),
// lstm_in, lstm, cnn_in, cnn, decide (softmax + top-3 of each net, fusion); stages_ok=1
// when the stage-by-stage letter equals gx_recognise's; res = counter resolution.
// The signal models (3, 4) add three keys, in gx_recognise's order: signals (gx_run_signals,
// after the pre-network stages), signal_in (gx_quantise_signals), signal (gx_signal_net_run);
// their decide includes the signal network's softmax + top-3 (and the fusion for 4). The
// lines of models 0..2 are unchanged (no such keys). The signal network needs n = 32.
// Then one key per network layer, layer_<net>_<layer> (e.g. layer_cnn_conv1), from one more
// run of each network with gx_net_set_layer_hook marking the layer boundaries.
#include <cstdint>

#include "gx_model_io.h"
#include "normalise.h"
#include "orientation.h"
#include "pipeline.h"
#include "points.h"
#include "protocol.h"
#include "recognizer.h"
#include "resample.h"
#include "smooth.h"
#include "target.h"
#include "thin.h"
#if GX_BENCH_MODEL == 0 || GX_BENCH_MODEL == 2 || GX_BENCH_MODEL == 4
#include "gx_model_lstm.h"
#endif
#if GX_BENCH_MODEL == 1 || GX_BENCH_MODEL == 2
#include "gx_model_cnn.h"
#endif
#if GX_BENCH_MODEL == 3 || GX_BENCH_MODEL == 4
#include "gx_model_signal.h"
#include "signals.h"
#endif

namespace {

using namespace gx;

constexpr int kBenchModel = GX_BENCH_MODEL;
static_assert(kBenchModel >= GX_MODEL_LSTM && kBenchModel <= GX_MODEL_SIGNAL_FUSED, "GX_BENCH_MODEL: 0..4");
constexpr bool kLstm = kBenchModel == GX_MODEL_LSTM || kBenchModel == GX_MODEL_FUSED || kBenchModel == GX_MODEL_SIGNAL_FUSED;
constexpr bool kCnn = kBenchModel == GX_MODEL_CNN || kBenchModel == GX_MODEL_FUSED;
constexpr bool kSignal = kBenchModel == GX_MODEL_SIGNAL || kBenchModel == GX_MODEL_SIGNAL_FUSED;
// the core is built with the model's networks only (select.h, cross_targets.cmake)
static_assert(kLstm == kGxWithLstm && kCnn == kGxWithCnn && kSignal == kGxWithSignal, "GX_WITH_* match the model");

char g_line[kGxMaxLine + 1];
int16_t g_counts[kMaxSamples][9];
GxStages g_st;  // the stage-by-stage run's intermediates (static: ~8 kB)
GxNetCtx g_net;  // the stage-by-stage run's network scratch
#if GX_WITH_LSTM
int8_t g_lstm_in[kGxLstmSteps][kGxLstmIn];
#endif
#if GX_WITH_CNN
int8_t g_cnn_in[kGxCnnIn][kGxCnnIn];
#endif
#if GX_WITH_SIGNAL
int8_t g_signal_in[kGxSignalSteps][kGxSignalIn];
#endif

void out(const char* s) {
    int n = 0;
    while (s[n] != '\0') ++n;
    gx_target_uart_write(s, n);
}

void out_u64(uint64_t v) {
    char tmp[21];
    int n = 0;
    do {
        tmp[n++] = static_cast<char>('0' + v % 10);
        v /= 10;
    } while (v != 0);
    char s[21];
    for (int i = 0; i < n; ++i) s[i] = tmp[n - 1 - i];
    gx_target_uart_write(s, n);
}

void kv(const char* key, uint64_t v) {
    out(" ");
    out(key);
    out("=");
    out_u64(v);
}

// Reads one line (blocking, polled); returns false if it was longer than kGxMaxLine.
bool read_line() {
    int n = 0;
    bool overflow = false;
    for (;;) {
        uint8_t c;
        if (gx_target_uart_read(&c, 1) != 1) continue;
        if (c == '\n') break;
        if (c == '\r') continue;
        if (n < kGxMaxLine) g_line[n++] = static_cast<char>(c);
        else overflow = true;
    }
    g_line[n] = '\0';
    return !overflow;
}

// Instructions spent in f(), the counter read's own cost subtracted.
uint64_t g_read_cost = 0;
template <typename F>
uint64_t count(F f) {
    const uint64_t t0 = gx_target_instructions();
    f();
    const uint64_t t1 = gx_target_instructions();
    const uint64_t d = t1 - t0;
    return d > g_read_cost ? d - g_read_cost : 0;
}

// Layer boundaries of one network run (gx_net_set_layer_hook).
uint64_t g_marks[kGxLayerCount];
void mark_layer(int id) { g_marks[id] = gx_target_instructions(); }

const char* const kLayerKeys[kGxLayerCount] = {
    "layer_lstm_reverse", "layer_lstm_bwd", "layer_lstm_fwd", "layer_lstm_fc",
    "layer_cnn_conv1_pool1", "layer_cnn_pool1", "layer_cnn_conv2_pool2", "layer_cnn_pool2", "layer_cnn_fc1", "layer_cnn_fc2",
    "layer_signal_conv1", "layer_signal_conv2", "layer_signal_pool1", "layer_signal_conv3", "layer_signal_conv4",
    "layer_signal_pool2", "layer_signal_fc",
};

// Runs net() with the layer hook set and prints the instructions of layers first..last
// (those reported: a layer fused with its predecessor has no key of its own).
template <typename F>
void layer_counts(int first, int last, F net) {
    for (int id = first; id <= last; ++id) g_marks[id] = 0;
    gx_net_set_layer_hook(mark_layer);
    const uint64_t t0 = gx_target_instructions();
    net();
    gx_net_set_layer_hook(nullptr);
    uint64_t prev = t0;
    for (int id = first; id <= last; ++id) {
        if (g_marks[id] == 0) continue;
        const uint64_t d = g_marks[id] - prev;
        kv(kLayerKeys[id], d > g_read_cost ? d - g_read_cost : 0);
        prev = g_marks[id];
    }
}

void bench_one(const GxModels* models, int n) {
    // 1. the whole recognition, with the stack painted first
    gx_target_stack_paint();
    const GxRecognition* r = nullptr;
    const uint64_t insn = count([&] { r = gx_recognise(models, kBenchModel, g_counts, n, false); });
    const uint32_t stack = gx_target_stack_high_water();
    const int status = r->status;
    const int letter = status == GX_OK ? r->decision.index : -1;

    // 2. stage by stage (gx_recognise's order: model checks, gx_run_pipeline_opts' stages,
    //    then the networks)
    int checks = 0;
    const uint64_t c_check = count([&] {
        if (kLstm) checks += models->lstm_check;
        if (kCnn) checks += models->cnn_check;
        if (kSignal) checks += models->signal_check;
    });
    GxOrientation o;
    g_st.n = n;
    GxEarlyStages& e = g_st.work.early;  // orientation .. thin (the raster later reuses it)
    const uint64_t c_orient = count([&] {
        gx_orientation_init(&o);
        for (int t = 0; t < n; ++t) {
            gx_orientation_update(&o, g_counts[t], true, e.dtheta[t]);
            for (int k = 0; k < 4; ++k) g_st.quaternions[t][k] = o.q[k];
        }
    });
    const uint64_t c_euler = count([&] {
        for (int t = 0; t < n; ++t) gx_quat_to_euler(g_st.quaternions[t], e.euler[t]);
    });
    const uint64_t c_points = count([&] { gx_points_from_euler(e.euler, n, e.points); });
    bool ok = true;
    const uint64_t c_norm = count([&] { ok = gx_normalise(e.points, n, e.normalised); });
    const uint64_t c_smooth = count([&] { gx_smooth(e.normalised, n, kSmoothWindow, e.smoothed); });
    const uint64_t c_thin = count([&] {
        g_st.n_keep = gx_thin_indices(e.smoothed, n, e.thin_keep);
        for (int i = 0; i < g_st.n_keep; ++i) {
            e.thinned[i][0] = e.smoothed[e.thin_keep[i]][0];
            e.thinned[i][1] = e.smoothed[e.thin_keep[i]][1];
        }
    });
    const uint64_t c_resample = count([&] { ok = gx_resample(e.thinned, g_st.n_keep, g_st.resampled, &e.spline) && ok; });
    uint64_t c_raster = 0, c_lstm_in = 0, c_lstm = 0, c_cnn_in = 0, c_cnn = 0, c_decide = 0;
    uint64_t c_signals = 0, c_signal_in = 0, c_signal = 0;
    GxNetOut lo{}, co{}, so{};
    GxFusedOut fo{};
    int8_t logits[kGxClasses];
#if GX_WITH_CNN
    c_raster = count([&] { gx_raster(g_st.resampled, kResamplePoints, &g_st.work.raster, g_st.image); });
#endif
#if GX_WITH_SIGNAL
    c_signals = count([&] { ok = gx_run_signals(g_counts, &g_st) == GX_OK && ok; });
#endif
#if GX_WITH_LSTM
    c_lstm_in = count([&] { gx_points_to_int8(g_st.resampled, *models->lstm_io, g_lstm_in); });
    c_lstm = count([&] { ok = gx_lstm_net_run(&g_net, models->lstm, g_lstm_in, logits, nullptr) && ok; });
    c_decide += count([&] { ok = gx_decide(logits, *models->lstm_io, &lo) && ok; });
#endif
#if GX_WITH_CNN
    c_cnn_in = count([&] { gx_image_to_int8(g_st.image, *models->cnn_io, g_cnn_in); });
    c_cnn = count([&] { ok = gx_cnn_net_run(&g_net, models->cnn, g_cnn_in, logits, nullptr) && ok; });
    c_decide += count([&] { ok = gx_decide(logits, *models->cnn_io, &co) && ok; });
#endif
#if GX_WITH_SIGNAL
    if (n == kMaxSamples) {
        c_signal_in = count([&] { gx_quantise_signals(g_st.work.signals, kGxSignalSteps, &models->signal_io->quant, g_signal_in); });
        c_signal = count([&] { ok = gx_signal_net_run(&g_net, models->signal, g_signal_in, logits, nullptr) && ok; });
        c_decide += count([&] { ok = gx_decide(logits, *models->signal_io, &so) && ok; });
    } else {
        ok = false;  // gx_recognise refuses the signal network with n < 32 (status reports it)
    }
#endif
    if (kLstm && kCnn) c_decide += count([&] { gx_fuse(lo, co, &fo); });
    if (kLstm && kSignal) c_decide += count([&] { gx_fuse(lo, so, &fo); });
    int stage_letter = lo.index;
    switch (kBenchModel) {
        case GX_MODEL_CNN: stage_letter = co.index; break;
        case GX_MODEL_FUSED: stage_letter = fo.index; break;
        case GX_MODEL_SIGNAL: stage_letter = so.index; break;
        case GX_MODEL_SIGNAL_FUSED: stage_letter = fo.index; break;
        default: break;
    }

    out("BENCH");
    switch (kBenchModel) {
        case GX_MODEL_LSTM: out(" model=lstm"); break;
        case GX_MODEL_CNN: out(" model=cnn"); break;
        case GX_MODEL_FUSED: out(" model=fused"); break;
        case GX_MODEL_SIGNAL: out(" model=signal"); break;
        default: out(" model=fused_signal"); break;
    }
    kv("n", static_cast<uint64_t>(n));
    if (letter >= 0) {
        const char l[] = {' ', 'l', 'e', 't', 't', 'e', 'r', '=', static_cast<char>('a' + letter), '\0'};
        out(l);
    } else {
        out(" letter=-");
    }
    kv("status", static_cast<uint64_t>(status < 0 ? -status : status));
    kv("insn", insn);
    kv("stack", stack);
    kv("check", c_check);
    kv("orientation", c_orient);
    kv("euler", c_euler);
    kv("points", c_points);
    kv("normalise", c_norm);
    kv("smooth", c_smooth);
    kv("thin", c_thin);
    kv("resample", c_resample);
    kv("raster", c_raster);
    if (kSignal) kv("signals", c_signals);
    kv("lstm_in", c_lstm_in);
    kv("lstm", c_lstm);
    kv("cnn_in", c_cnn_in);
    kv("cnn", c_cnn);
    if (kSignal) {
        kv("signal_in", c_signal_in);
        kv("signal", c_signal);
    }
    kv("decide", c_decide);
    kv("stages_ok", ok && checks == GX_CHECK_OK && status == GX_OK && stage_letter == letter ? 1u : 0u);
    kv("res", gx_target_instruction_resolution());
#if GX_WITH_LSTM
    layer_counts(kGxLayerLstmReverse, kGxLayerLstmFc, [&] { gx_lstm_net_run(&g_net, models->lstm, g_lstm_in, logits, nullptr); });
#endif
#if GX_WITH_CNN
    layer_counts(kGxLayerCnnConv1, kGxLayerCnnFc2, [&] { gx_cnn_net_run(&g_net, models->cnn, g_cnn_in, logits, nullptr); });
#endif
#if GX_WITH_SIGNAL
    if (n == kMaxSamples)
        layer_counts(kGxLayerSigConv1, kGxLayerSigFc, [&] { gx_signal_net_run(&g_net, models->signal, g_signal_in, logits, nullptr); });
#endif
    out("\n");
}

int bench_main() {
    gx_target_uart_init();
    static GxModels models = {nullptr, nullptr, nullptr, nullptr, nullptr, nullptr};
#if GX_BENCH_MODEL == 0 || GX_BENCH_MODEL == 2 || GX_BENCH_MODEL == 4
    models.lstm = gx_model_lstm();
    models.lstm_io = &kLstmIo;
#endif
#if GX_BENCH_MODEL == 1 || GX_BENCH_MODEL == 2
    models.cnn = gx_model_cnn();
    models.cnn_io = &kCnnIo;
#endif
#if GX_BENCH_MODEL == 3 || GX_BENCH_MODEL == 4
    models.signal = gx_model_signal();
    models.signal_io = &kSignalIo;
#endif
    gx_models_verify(&models);  // once, at start-up
    // cost of one counter read (averaged over kReads: below the ARM counter's resolution),
    // subtracted from every measurement
    constexpr int kReads = 1000;
    const uint64_t a = gx_target_instructions();
    for (int i = 0; i < kReads; ++i) (void)gx_target_instructions();
    g_read_cost = (gx_target_instructions() - a) / (kReads + 1);
    out("BENCH READY");
    kv("stack_size", gx_target_stack_size());
    kv("read_cost", g_read_cost);
    out("\n");
    for (;;) {
        if (!read_line()) {
            out("BENCH ERR line too long\n");
            continue;
        }
        GxTokens t;
        gx_tokenise(g_line, &t);
        if (t.n == 1 && gx_streq(t.tok[0], "end")) break;
        int64_t n = 0;
        if (t.n != 3 || !gx_streq(t.tok[0], "rec") || !gx_parse_int(t.tok[1], 1, kMaxSamples, &n) ||
            !gx_parse_hex_i16(t.tok[2], static_cast<int>(n) * 9, &g_counts[0][0])) {
            out("BENCH ERR expected: rec <n 1..32> <n*9 int16 as 4 hex digits each>\n");
            continue;
        }
        bench_one(&models, static_cast<int>(n));
    }
    out("BENCH DONE\n");
    return 0;
}

}  // namespace

int main() { gx::gx_target_exit(gx::gx_target_run(bench_main)); }
