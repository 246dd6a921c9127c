#include "app.h"

#include <cstring>
#include <new>  // placement new: scratch in the recogniser's work area

#include "board.h"
#include "calibrate.h"
#include "protocol.h"
#include "select.h"
#include "sensorcal.h"
#if GX_WITH_SPOTTER
#include "gx_model_spotter.h"
#include "spotter.h"
#endif
#if GX_WITH_LEXICON
#include "decode.h"
#include "gx_lexicon.h"
#endif

namespace gx {

namespace {

// ---- output: lines are assembled in a small buffer and written in chunks -------------
constexpr int kOutChunk = 64;  // bytes per gx_board_serial_write (any size works)
char g_out[kOutChunk];
int g_out_len = 0;

void flush() {
    if (g_out_len > 0) gx_board_serial_write(g_out, g_out_len);
    g_out_len = 0;
}
void put(char c) {
    if (g_out_len >= kOutChunk) flush();
    g_out[g_out_len++] = c;
}
void puts_(const char* s) {
    if (s == nullptr) return;
    while (*s != '\0') put(*s++);
}
void put_int(int64_t v) {
    char tmp[24];
    int n = 0;
    const bool neg = v < 0;
    uint64_t u = neg ? static_cast<uint64_t>(-(v + 1)) + 1 : static_cast<uint64_t>(v);
    do {
        tmp[n++] = static_cast<char>('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (neg) put('-');
    while (n > 0) put(tmp[--n]);
}
void end_line() {
    put('\n');
    flush();
}
// A quoted value: printable ASCII only, '"' and '\\' replaced by '\''.
void put_quoted(const char* s) {
    put('"');
    for (int i = 0; s != nullptr && s[i] != '\0' && i < 200; ++i) {
        const char c = s[i];
        put((c < 0x20 || c > 0x7e || c == '"' || c == '\\') ? '\'' : c);
    }
    put('"');
}

void error_line(const char* code, const char* msg, const char* detail = nullptr) {
    puts_("ERR ");
    puts_(code);
    put(' ');
    puts_(msg);
    if (detail != nullptr) {
        put(' ');
        put_quoted(detail);
    }
    end_line();
}

// ---- state ----------------------------------------------------------------------------
// One host line without the newline, NUL terminated; a replay command's samples are parsed
// into the same storage (each sample's 36 hex digits lie beyond the 18 bytes it becomes, so
// the line is consumed front to back in place).
union LineBuffer {
    char line[kGxMaxLine + 1];
    int16_t samples[kMaxSamples][9];
};
static_assert(sizeof(int16_t[kMaxSamples][9]) <= kGxMaxLine, "the replay samples fit the line buffer");
LineBuffer g_buf;
char* const g_line = g_buf.line;
int g_len = 0;
bool g_overflow = false;      // the current line exceeded kGxMaxLine: discard to newline
GxRecognizer g_rec;
bool g_closed = false;
GxSensorCal g_cal;           // applied to every sample and replay before the recogniser
GxCalCollector g_cal_run;    // a calibration run in progress (kind != kGxCalIdle)

#if GX_WITH_CALIB
// ---- letter calibration (calibrate.h; docs/serial-protocol.md, "Letter calibration") -----
// The set is made with the default model and applies while that model is selected, to the
// windows and (continuous mode) to the spotted letters and the word decoder's inputs.
struct LetterCal {
    GxCalibSet set;              // its prefix is the stored record
    GxCalibScale scale;          // of the set as it is
    GxCalibLoo loo;              // leave-one-out of the set as it is
    int model;                   // the GxModelSel the set belongs to (the default model)
    uint32_t model_sum;          // gx_model_checksum of it
    int n_nets;
    int32_t dims[kGxCalibMaxNets];
    int armed;                   // 'calib add X': the letter the next window is a sample of, or -1
    int suspect;                 // a sample that does not look like its letter waits: its letter, or -1
    int8_t feat[kGxFeatMax];     // the features of the last recognition
    GxCalibOut out;              // its calibrated decision (lcal_apply), each network's bonus with it
    int8_t pending[kGxFeatMax];  // the suspect sample's features
};
LetterCal g_lcal;
// The leave-one-out's scratch lives in the recogniser's work area (it never runs during a
// recognition): the stored samples' nearest other letters.
static_assert(sizeof(GxCalibLooScratch) <= sizeof(GxRecWork) && alignof(GxCalibLooScratch) <= alignof(GxRecWork),
              "the leave-one-out's scratch fits the recogniser's work area");
static_assert(static_cast<int>(sizeof(GxCalibSet)) <= kGxBoardSettingsMax[kGxSettingsLetterCal],
              "the letter calibration's record fits the board's store");
#endif

#if GX_WITH_SPOTTER
// ---- continuous writing (docs/serial-protocol.md, "Continuous mode") --------------------
// Letters a word keeps (raw letters and network outputs): one more than the longest lexicon word the
// decoder can return; a longer word's WORD line has its first kWordLetters letters and no
// decoded word (the golden decoder has no candidate for it either).
constexpr int kWordLetters = 25;
// Networks whose outputs a letter keeps: a fused model's two.
constexpr int kWordNets = 2;
struct Continuous {
    bool on;              // mode continuous
    bool spotter_ok;      // the spotter passed its start-up check
    bool lexicon_ok;      // the lexicon passed its start-up check (false: not compiled in)
    int32_t word_n;       // letters of the open word (0: none open)
    int32_t word_nets;    // the open word's networks: 2 a fused model (LSTM first), 1 one network
    char raw[kWordLetters + 1];
    // each letter's networks' outputs, letter k at k * word_nets * 26 (the decoder's layout)
    uint8_t probs[kWordLetters * kWordNets * kGxClasses];
    int16_t letter[kMaxSamples][9];  // a spotted letter, time-normalised
    GxSpotState stream;
};
Continuous g_cont;
#if GX_WITH_CALIB && GX_WITH_LEXICON
// Learning from the decoded words ('calib learn on'; docs/writing.md, "Self-calibration"): the
// open word's letters' features (the letter calibration's input), its first kLearnLetters;
// a word the lexicon decodes to a word of as many letters teaches the set its letters.
// Words of at most kLearnLetters letters teach (golden nets.writing.LEARN_LETTERS; the
// shipped lexicon's longest word has 12).
constexpr int kLearnLetters = 12;
struct Learn {
    bool on;       // 'calib learn on' (RAM only: off after a restart)
    bool dirty;    // the set learnt since it was last stored (stored at the stream's end)
    int32_t kept;  // the open word's letters whose features are kept, from its first (a word
                   // opened before 'calib learn on' keeps none of its first: it does not teach)
    int8_t feat[kLearnLetters][kGxFeatMax];
};
Learn g_learn;
#endif
// The spotter's network scratch and the decoder's scratch live in the recogniser's work
// area: neither runs during a recognition, and nothing in the area outlives one.
static_assert(sizeof(GxSpotterCtx) <= sizeof(GxRecWork) && alignof(GxSpotterCtx) <= alignof(GxRecWork),
              "the spotter's scratch fits the recogniser's work area");
GxSpotterCtx* spot_ctx() { return new (gx_recognizer_work()) GxSpotterCtx; }
#if GX_WITH_LEXICON
static_assert(sizeof(GxDecodeScratch) <= sizeof(GxRecWork) && alignof(GxDecodeScratch) <= alignof(GxRecWork),
              "the decoder's scratch fits the recogniser's work area");
static_assert(kWordLetters == kGxDecodeMaxLetters, "a word keeps every letter the decoder can use");
#endif
#endif

// indexed by GxModelSel
const char* const kModelNames[kGxModelSelCount] = {"lstm", "cnn", "fused", "signal", "fused_signal"};

const char* model_name(int m) { return (m >= 0 && m < kGxModelSelCount) ? kModelNames[m] : "none"; }

// The verified-models table (gx_models_verify at start-up) decides what is usable.
bool net_ok(int check) { return check == GX_CHECK_OK; }

bool model_available(int m) {
    const GxModels* ms = g_rec.models;
    if (ms == nullptr) return false;
    if (m == GX_MODEL_LSTM) return net_ok(ms->lstm_check);
    if (m == GX_MODEL_CNN) return net_ok(ms->cnn_check);
    if (m == GX_MODEL_FUSED) return net_ok(ms->lstm_check) && net_ok(ms->cnn_check);
    if (m == GX_MODEL_SIGNAL) return net_ok(ms->signal_check);
    if (m == GX_MODEL_SIGNAL_FUSED) return net_ok(ms->lstm_check) && net_ok(ms->signal_check);
    return false;
}

// The networks (0 lstm, 1 cnn, 2 signal) and their start-up checks.
constexpr int kNets = 3;
const char* const kNetNames[kNets] = {"lstm", "cnn", "signal"};
int net_check(int net) {
    const GxModels* ms = g_rec.models;
    if (ms == nullptr) return GX_CHECK_MISSING;
    return net == 0 ? ms->lstm_check : (net == 1 ? ms->cnn_check : ms->signal_check);
}
// Compiled in but refused at start-up (not merely absent).
bool net_refused(int net) {
    const int c = net_check(net);
    return c != GX_CHECK_OK && c != GX_CHECK_MISSING;
}
// The first network a model selection needs that was refused at start-up, or -1.
int refused_net_of(int m) {
    const bool uses[kNets] = {m == GX_MODEL_LSTM || m == GX_MODEL_FUSED || m == GX_MODEL_SIGNAL_FUSED,
                              m == GX_MODEL_CNN || m == GX_MODEL_FUSED,
                              m == GX_MODEL_SIGNAL || m == GX_MODEL_SIGNAL_FUSED};
    for (int n = 0; n < kNets; ++n)
        if (uses[n] && net_refused(n)) return n;
    return -1;
}

const char* check_text(int c) {
    switch (c) {
        case GX_CHECK_MISSING: return "is not compiled in";
        case GX_CHECK_CORRUPT: return "failed its start-up check (a parameter out of range or checksum mismatch)";
        case GX_CHECK_IO_MISMATCH: return "does not match gx_model_io.h (version)";
        case GX_CHECK_IO_CORRUPT: return "gx_model_io.h constants out of range or not the model's (io checksum)";
        case GX_CHECK_UNVERIFIED: return "was not verified";
        default: return "ok";
    }
}

// Short reason codes of the INFO/READY refused= field (docs/serial-protocol.md).
const char* check_code(int c) {
    switch (c) {
        case GX_CHECK_CORRUPT: return "corrupt";
        case GX_CHECK_IO_MISMATCH: return "io_mismatch";
        case GX_CHECK_IO_CORRUPT: return "io_corrupt";
        default: return "unverified";
    }
}

const char* status_text(int s) {
    switch (s) {
        case GX_ERR_ARGS: return "pipeline: bad sample count";
        case GX_ERR_NORMALISE: return "normalise: points out of range";
        case GX_ERR_RESAMPLE: return "resample: invalid input";
        case GX_REC_ERR_NO_MODEL: return "network: the selected model is not available";
        case GX_REC_ERR_NETWORK: return "network: the model's dimensions are not the compiled-in ones";
        case GX_REC_ERR_SOFTMAX: return "softmax: parameters out of range";
        case GX_REC_ERR_NO_MOTION: return "recognizer: no motion in the window (glove held still), no letter";
        case GX_REC_ERR_SIGNAL_SAMPLES: return "signal network: needs a whole recording of 32 samples";
        default: return "recognition failed";
    }
}

// Per network: its version when usable, "refused" when it failed its start-up check, "none"
// when not compiled in (the signal network, optional, only when compiled in); then the
// usable model selections and the refused networks with their reason.
void put_models() {
    const GxModels* m = g_rec.models;
    const char* const versions[kNets] = {m->lstm != nullptr ? m->lstm->info.version : nullptr,
                                         m->cnn != nullptr ? m->cnn->info.version : nullptr,
                                         m->signal != nullptr ? m->signal->info.version : nullptr};
    for (int n = 0; n < kNets; ++n) {
        if (n == 2 && net_check(n) == GX_CHECK_MISSING) continue;
        put(' ');
        puts_(kNetNames[n]);
        put('=');
        put_quoted(net_ok(net_check(n)) ? versions[n] : (net_refused(n) ? "refused" : "none"));
    }
    puts_(" usable=");
    bool any = false;
    for (int s = 0; s < kGxModelSelCount; ++s) {
        if (!model_available(s)) continue;
        if (any) put(',');
        puts_(kModelNames[s]);
        any = true;
    }
    if (!any) puts_("none");
    puts_(" refused=");
    any = false;
    for (int n = 0; n < kNets; ++n) {
        if (!net_refused(n)) continue;
        if (any) put(',');
        puts_(kNetNames[n]);
        put(':');
        puts_(check_code(net_check(n)));
        any = true;
    }
    if (!any) puts_("none");
}

void put_letter_fields(int index, int q8, const int top3[3], const int top3_q8[3]) {
    put(static_cast<char>('a' + index));
    puts_(" q8=");
    put_int(q8);
    puts_(" top3=");
    for (int k = 0; k < 3; ++k) {
        if (k) put(',');
        put(static_cast<char>('a' + top3[k]));
        put(':');
        put_int(top3_q8[k]);
    }
}

// start/end: a spotted letter's samples [start, end) of the stream (continuous mode), else -1;
// probs (continuous mode): the outputs the word decoder reads, 26 per network (n_nets: 2 a
// fused model, the LSTM's first), 2 hex digits each, so that a host can decode words itself;
// calibrated: the decision is the letter calibration's, "cal=on" (continuous mode: probs are
// then the calibrated outputs, gx_calib_outputs).
void letter_line(const GxDecision& d, int32_t start = -1, int32_t end = -1, const uint8_t* probs = nullptr,
                 int32_t n_nets = 0, bool calibrated = false) {
    puts_("LETTER ");
    put_letter_fields(d.index, d.confidence_q8, d.top3, d.top3_q8);
    puts_(" model=");
    puts_(model_name(d.model));
    if (calibrated) puts_(" cal=on");
    puts_(" n=");
    put_int(g_rec.letters_total);
    if (start >= 0) {
        puts_(" start=");
        put_int(start);
        puts_(" end=");
        put_int(end);
    }
    if (probs != nullptr) {
        puts_(" probs=");
        char hx[2];
        for (int i = 0; i < n_nets * kGxClasses; ++i) {
            gx_hex(probs[i], 2, hx);
            for (char c : hx) put(c);
        }
    }
    end_line();
}

// ---- replay: every intermediate as "STAGE <name> <type> <count> <hex>" ----------------
enum ValType { kI32, kI8, kU8, kU16 };

void stage_line(const char* name, ValType t, const void* data, int count) {
    static const char* const kTypeNames[] = {"i32", "i8", "u8", "u16"};
    static const int kDigits[] = {8, 2, 2, 4};
    puts_("STAGE ");
    puts_(name);
    put(' ');
    puts_(kTypeNames[t]);
    put(' ');
    put_int(count);
    put(' ');
    char hx[8];
    for (int i = 0; i < count; ++i) {
        uint32_t v = 0;
        switch (t) {
            case kI32: v = static_cast<uint32_t>(static_cast<const int32_t*>(data)[i]); break;
            case kI8: v = static_cast<uint8_t>(static_cast<const int8_t*>(data)[i]); break;
            case kU8: v = static_cast<const uint8_t*>(data)[i]; break;
            case kU16: v = static_cast<const uint16_t*>(data)[i]; break;
        }
        gx_hex(v, kDigits[t], hx);
        for (int k = 0; k < kDigits[t]; ++k) put(hx[k]);
    }
    end_line();
}

void result_line(const char* model, int index, int q8, const int top3[3], const int top3_q8[3], int margin,
                 bool with_margin) {
    puts_("RESULT ");
    puts_(model);
    put(' ');
    put_letter_fields(index, q8, top3, top3_q8);
    if (with_margin) {
        puts_(" margin=");
        put_int(margin);
    }
    end_line();
}

[[maybe_unused]] void net_lines(const char* kind, const GxNetOut& o, const void* input, int in_count) {
    char name[24];
    const char* parts[] = {"input", "logits", "probs"};
    for (int p = 0; p < 3; ++p) {
        int n = 0;
        for (const char* s = kind; *s != '\0' && n < 10; ++s) name[n++] = *s;
        name[n++] = '.';
        for (const char* s = parts[p]; *s != '\0' && n < 22; ++s) name[n++] = *s;
        name[n] = '\0';
        if (p == 0) stage_line(name, kI8, input, in_count);
        if (p == 1) stage_line(name, kI8, o.logits, kGxClasses);
        if (p == 2) stage_line(name, kU8, o.probs_q8, kGxClasses);
    }
    int q8[3];
    for (int k = 0; k < 3; ++k) q8[k] = o.probs_q8[o.top3[k]];
    result_line(kind, o.index, o.confidence_q8, o.top3, q8, o.margin, true);
}

[[maybe_unused]] void fused_lines(const char* kind, const GxFusedOut& f) {
    char name[24];
    int n = 0;
    for (const char* s = kind; *s != '\0' && n < 16; ++s) name[n++] = *s;
    for (const char* s = ".scores"; *s != '\0' && n < 23; ++s) name[n++] = *s;
    name[n] = '\0';
    stage_line(name, kU16, f.scores, kGxClasses);
    int q8[3];
    for (int k = 0; k < 3; ++k) q8[k] = f.scores[f.top3[k]] >> 1;
    result_line(kind, f.index, f.confidence_q8, f.top3, q8, 0, false);
}

// The replay's GxStageSink: each intermediate's STAGE line as soon as its stage completes
// (the stages share one work area, so an intermediate does not outlive the next stage).
void replay_stage(void*, int stage, const GxStages* s) {
    const int n = s->n;
    const GxEarlyStages& e = s->work.early;
    switch (stage) {
        case GX_STAGE_ORIENTATION: stage_line("quaternions", kI32, s->quaternions, n * 4); break;
        case GX_STAGE_EULER: stage_line("euler", kI32, e.euler, n * 3); break;
        case GX_STAGE_POINTS: stage_line("points", kI32, e.points, n * 2); break;
        case GX_STAGE_NORMALISED: stage_line("normalised", kI32, e.normalised, n * 2); break;
        case GX_STAGE_SMOOTHED: stage_line("smoothed", kI32, e.smoothed, n * 2); break;
        case GX_STAGE_THINNED:
            stage_line("thin_keep", kI32, e.thin_keep, s->n_keep);
            stage_line("thinned", kI32, e.thinned, s->n_keep * 2);
            break;
        case GX_STAGE_RESAMPLED: stage_line("resampled", kI32, s->resampled, kResamplePoints * 2); break;
#if GX_WITH_CNN
        case GX_STAGE_IMAGE: stage_line("image", kI32, s->image, kOutPx * kOutPx); break;
#endif
#if GX_WITH_SIGNAL
        case GX_STAGE_SIGNALS: stage_line("signals", kI32, s->work.signals, n * kGxSignalChannels); break;
#endif
        default: break;
    }
}

bool lcal_apply(const GxRecognition* r, uint16_t scores[kGxClasses], GxDecision* d);
#if GX_WITH_SPOTTER
void lcal_outputs(uint8_t* probs, int32_t n_nets);
#endif
void lcal_replay_lines(const GxRecognition* r);
int8_t* lcal_features();
bool lcal_armed();

void do_replay(const GxTokens& t) {
    int64_t n = 0;
    if (t.n < 2 || !gx_parse_int(t.tok[1], 1, kMaxSamples, &n)) {
        error_line("E_ARGS", "replay: usage 'replay N HEX' with 1 <= N <= 32 samples");
        return;
    }
    if (t.n < 3) {
        error_line("E_TRUNCATED", "replay: no sample data");
        return;
    }
    if (t.n > 3) {
        error_line("E_ARGS", "replay: too many fields");
        return;
    }
    const char* hex = t.tok[2];
    int len = 0;
    while (hex[len] != '\0') ++len;
    const int want = static_cast<int>(n) * 9 * 4;
    if (len < want) {
        error_line("E_TRUNCATED", "replay: recording truncated (hex digits missing)");
        return;
    }
    if (len > want) {
        error_line("E_ARGS", "replay: more hex digits than N samples");
        return;
    }
    // sample i's hex digits start at or beyond byte 36 i of the line: parsed into the line's
    // own storage at byte 18 i, before any later sample's digits are read
    int16_t (*const samples)[9] = g_buf.samples;
    for (int i = 0; i < n; ++i) {
        int16_t v[9];
        if (!gx_parse_hex_i16_prefix(hex + i * 9 * 4, 9, v)) {
            error_line("E_ARGS", "replay: invalid hex digit");
            return;
        }
        gx_sensorcal_apply(&g_cal, v, v);
        std::memcpy(samples[i], v, sizeof v);
    }
    // the STAGE lines are written by replay_stage while the recognition runs; a selection
    // that cannot run (no model, too few samples for the signal network) fails before any
    const GxStageSink sink = {replay_stage, nullptr};
    const GxRecognition* r =
        gx_recognise(g_rec.models, g_rec.model, samples, static_cast<int>(n), true, &sink, lcal_features());
    if (r->status != GX_OK && r->status != GX_REC_ERR_NO_MODEL) {
        error_line("E_PIPELINE", status_text(r->status));
        return;
    }
    if (r->status == GX_OK) {
#if GX_WITH_LSTM
        if (r->ran_lstm) net_lines("lstm", r->lstm, r->lstm_in, kGxLstmSteps * kGxLstmIn);
#endif
#if GX_WITH_CNN
        if (r->ran_cnn) net_lines("cnn", r->cnn, r->cnn_in, kGxCnnIn * kGxCnnIn);
#endif
#if GX_WITH_SIGNAL
        if (r->ran_signal) net_lines("signal", r->signal, r->signal_in, kGxSignalSteps * kGxSignalIn);
#endif
#if GX_WITH_LSTM && GX_WITH_CNN
        if (r->ran_fused) fused_lines("fused", r->fused);
#endif
#if GX_WITH_LSTM && GX_WITH_SIGNAL
        if (r->ran_fused_signal) fused_lines("fused_signal", r->fused_signal);
#endif
        lcal_replay_lines(r);
    } else {
        error_line("E_NO_MODEL", status_text(r->status));
        return;
    }
    puts_("END replay n=");
    put_int(n);
    end_line();
}

// ---- continuous mode ------------------------------------------------------------------
// The spotter's and the lexicon's fields of READY and INFO: the version, "refused" (failed its
// start-up check) or "none" (not compiled in).
void put_continuous_fields() {
    puts_(" spotter=");
#if GX_WITH_SPOTTER
    put_quoted(g_cont.spotter_ok ? gx_model_spotter()->info.version : "refused");
#else
    put_quoted("none");
#endif
    puts_(" lexicon=");
#if GX_WITH_SPOTTER && GX_WITH_LEXICON
    put_quoted(g_cont.lexicon_ok ? gx_lexicon()->version : "refused");
#else
    put_quoted("none");
#endif
}

#if GX_WITH_SPOTTER
bool continuous_on() { return g_cont.on; }

// A new stream: no samples, no open word.
void cont_reset() {
    gx_spot_reset(&g_cont.stream);
    g_cont.word_n = 0;
}

void lcal_learn(const char* w, int32_t len, int32_t n);
void lcal_learn_keep(int32_t k);
void lcal_learn_save();

// The open word ends: its raw letters and the lexicon's word (golden decode_word); with
// 'calib learn on', a decoded word of the spotted length then teaches the set (lcal_learn).
void word_end() {
    const int32_t n = g_cont.word_n;
    if (n == 0) return;
    g_cont.word_n = 0;
    g_cont.raw[n < kWordLetters ? n : kWordLetters] = '\0';
    puts_("WORD raw=");
    puts_(g_cont.raw);
    puts_(" word=");
    int32_t cost = 0;
    bool found = false;
    char w[kGxLexMaxLen + 1];
    int32_t len = 0;
#if GX_WITH_LEXICON
    if (g_cont.lexicon_ok && n <= kWordLetters) {
        GxDecodeScratch* scratch = new (gx_recognizer_work()) GxDecodeScratch;
        GxDecodeResult r;
        const GxDecodeStatus st = g_cont.word_nets == 2
                                      ? gx_letter_costs_fused(g_cont.probs, n, gx_lexicon(), scratch)
                                      : gx_letter_costs_single(g_cont.probs, n, gx_lexicon(), scratch);
        if (st == GX_DECODE_OK && gx_decode_word(n, gx_lexicon(), scratch, &r) == GX_DECODE_OK &&
            (len = gx_lexicon_word(gx_lexicon(), r.entry, w, sizeof w)) > 0) {
            puts_(w);
            cost = r.cost;
            found = true;
        }
    }
#endif
    if (!found) put('?');
    puts_(" cost=");
    put_int(cost);
    puts_(" letters=");
    put_int(n);
    end_line();
    if (found) lcal_learn(w, len, n);
}

// The network outputs the word decoder reads for the selected model (golden nets/writing.py):
// a fused model's two networks' (the LSTM's first, then the CNN's or the signal network's),
// else the one network's; their count in *n_nets.
bool decision_probs(const GxRecognition* r, uint8_t out[kWordNets * kGxClasses], int32_t* n_nets) {
    const uint8_t* first = nullptr;
    const uint8_t* second = nullptr;
    switch (r->decision.model) {
#if GX_WITH_LSTM && GX_WITH_CNN
        case GX_MODEL_FUSED: first = r->lstm.probs_q8; second = r->cnn.probs_q8; break;
#endif
#if GX_WITH_LSTM && GX_WITH_SIGNAL
        case GX_MODEL_SIGNAL_FUSED: first = r->lstm.probs_q8; second = r->signal.probs_q8; break;
#endif
#if GX_WITH_LSTM
        case GX_MODEL_LSTM: first = r->lstm.probs_q8; break;
#endif
#if GX_WITH_CNN
        case GX_MODEL_CNN: first = r->cnn.probs_q8; break;
#endif
#if GX_WITH_SIGNAL
        case GX_MODEL_SIGNAL: first = r->signal.probs_q8; break;
#endif
        default: return false;
    }
    std::memcpy(out, first, kGxClasses);
    if (second != nullptr) std::memcpy(out + kGxClasses, second, kGxClasses);
    *n_nets = second != nullptr ? 2 : 1;
    return true;
}

// A letter the spotter made final: the word before it ends when it starts a word; it is
// time-normalised (before the next sample: the spotter's history moves on) and recognised.
void cont_letter(const GxSpotLetter& sp) {
    if (sp.word_start != 0) word_end();
    if (!gx_spot_normalise(&g_cont.stream, sp.start, sp.end, g_cont.letter)) {
        error_line("E_PIPELINE", "spotter: the letter is no longer in the sample history, dropped");
        return;
    }
    const GxRecognition* r =
        gx_recognise(g_rec.models, g_rec.model, g_cont.letter, kMaxSamples, false, nullptr, lcal_features());
    uint8_t probs[kWordNets * kGxClasses];
    int32_t n_nets = 0;
    if (r->status != GX_OK || !decision_probs(r, probs, &n_nets)) {
        const int st = r->status != GX_OK ? r->status : GX_REC_ERR_NO_MODEL;
        error_line(st == GX_REC_ERR_NO_MODEL ? "E_NO_MODEL" : "E_RECOGNISE", status_text(st));
        return;
    }
    // the wearer's letter calibration, when it applies: the calibrated decision, and each
    // network's calibrated outputs for the word decoder (golden nets/writing.py)
    uint16_t scores[kGxClasses];
    GxDecision d = r->decision;
    const bool calibrated = lcal_apply(r, scores, &d);
    if (calibrated) lcal_outputs(probs, n_nets);
    ++g_rec.letters_total;
    const int32_t k = g_cont.word_n;
    lcal_learn_keep(k);
    if (k == 0) g_cont.word_nets = n_nets;  // a word's letters share one model ('model' ends the stream)
    if (k < kWordLetters) {
        g_cont.raw[k] = static_cast<char>('a' + d.index);
        const int32_t row = g_cont.word_nets * kGxClasses;
        std::memcpy(g_cont.probs + k * row, probs, static_cast<size_t>(row));
    }
    g_cont.word_n = k + 1;
    letter_line(d, sp.start, sp.end, probs, n_nets, calibrated);
}

void cont_sample(const int16_t s[9]) {
    GxSpotLetter out[kGxSpotMaxOut];
    const int32_t k = gx_spot_push(&g_cont.stream, spot_ctx(), gx_model_spotter(), s, out);
    if (k < 0) {
        error_line("E_STREAM", "continuous: the stream is at its longest (2^30 samples); send 'end'");
        return;
    }
    ++g_rec.samples_total;
    for (int32_t i = 0; i < k; ++i) cont_letter(out[i]);
}

// 'end': the stream's end (golden spotting's flush, the last sample repeated): its last
// letters and word, then "OK end samples=N"; a new stream starts.
void cont_end() {
    GxSpotLetter out[kGxSpotMaxOut];
    const int32_t n = g_cont.stream.n;
    const int32_t k = gx_spot_flush(&g_cont.stream, spot_ctx(), gx_model_spotter(), out);
    for (int32_t i = 0; i < k; ++i) cont_letter(out[i]);
    word_end();
    cont_reset();
    lcal_learn_save();
    puts_("OK end samples=");
    put_int(n);
    end_line();
}
#else
constexpr bool continuous_on() { return false; }
void cont_reset() {}
#endif

void do_mode(const char* m) {
    if (gx_streq(m, "window")) {
#if GX_WITH_SPOTTER
        g_cont.on = false;
#endif
        cont_reset();
        gx_recognizer_reset(&g_rec);
        puts_("OK mode window");
        end_line();
        return;
    }
#if GX_WITH_SPOTTER
    if (!g_cont.spotter_ok) {
        error_line("E_MODEL", "mode: continuous unavailable: the spotter model was refused at start-up");
        return;
    }
    g_cont.on = true;
    cont_reset();
    gx_recognizer_reset(&g_rec);
    puts_("OK mode continuous");
    end_line();
#else
    error_line("E_NO_SPOTTER", "mode: this firmware has no letter spotter (continuous mode)");
#endif
}

#if GX_WITH_CALIB
// ---- letter calibration: applying it ----------------------------------------------------
// Whether the set changes the selected model's letters now: enabled, two letters or more,
// the model it was made with (window and continuous mode).
bool lcal_applies() {
    return g_lcal.set.enabled != 0 && g_lcal.scale.active && g_rec.model == g_lcal.model;
}

// The calibrated decision of a recognition whose features are in g_lcal.feat; false (d
// untouched) when the calibration does not apply. q8: the score over the largest possible
// (the model's scale plus the set's gain per network).
bool lcal_apply(const GxRecognition* r, uint16_t scores[kGxClasses], GxDecision* d) {
    uint16_t base[kGxClasses];
    int32_t max_score = 0;
    if (!lcal_applies() || r->status != GX_OK || !gx_recognition_scores(r, base, &max_score)) return false;
    GxCalibOut& out = g_lcal.out;
    gx_calib_decide(&g_lcal.set, &g_lcal.scale, g_lcal.feat, base, &out);
    const int32_t top = max_score + gx_calib_gain(&g_lcal.set) * g_lcal.n_nets;
    *d = r->decision;
    d->index = out.index;
    d->confidence_q8 = out.scores[out.index] * 255 / top;
    for (int k = 0; k < 3; ++k) {
        d->top3[k] = out.top3[k];
        d->top3_q8[k] = out.scores[out.top3[k]] * 255 / top;
    }
    for (int c = 0; c < kGxClasses; ++c) scores[c] = out.scores[c];
    return true;
}

// The replay's calibrated lines, when the calibration applies (the features of r are in
// g_lcal.feat).
void lcal_replay_lines(const GxRecognition* r) {
    uint16_t scores[kGxClasses];
    GxDecision cal;
    if (!lcal_apply(r, scores, &cal)) return;
    stage_line("calib.features", kI8, g_lcal.feat, gx_calib_feat_len(&g_lcal.set));
    stage_line("calib.scores", kU16, scores, kGxClasses);
    result_line("calibrated", cal.index, cal.confidence_q8, cal.top3, cal.top3_q8, 0, false);
}

#if GX_WITH_SPOTTER
// Continuous mode, after lcal_apply said it applies: each network's outputs (26 per network,
// the LSTM's first) replaced by its calibrated outputs, what the word decoder reads (the
// bonuses of lcal_apply's decision: the nearest distances are not computed again).
void lcal_outputs(uint8_t* probs, int32_t n_nets) {
    for (int32_t k = 0; k < n_nets; ++k) {
        uint8_t q[kGxClasses];
        gx_calib_outputs(&g_lcal.out, k, probs + k * kGxClasses, q);
        std::memcpy(probs + k * kGxClasses, q, sizeof q);
    }
}
#endif

int8_t* lcal_features() { return g_lcal.feat; }
bool lcal_armed() { return g_lcal.armed >= 0; }
#else
bool lcal_apply(const GxRecognition*, uint16_t*, GxDecision*) { return false; }
#if GX_WITH_SPOTTER
void lcal_outputs(uint8_t*, int32_t) {}
#endif
void lcal_replay_lines(const GxRecognition*) {}
int8_t* lcal_features() { return nullptr; }
bool lcal_armed() { return false; }
#endif

void info_line() {
    puts_("INFO proto=");
    put_int(kGxProtoVersion);
    puts_(" fw=");
    puts_(kGxFirmwareVersion);
    puts_(" board=");
    puts_(gx_board_name());
    puts_(" model=");
    puts_(model_available(g_rec.model) ? model_name(g_rec.model) : "none");
    puts_(" auto=");
    puts_(g_rec.auto_start ? "on" : "off");
    puts_(" mode=");
    puts_(continuous_on() ? "continuous" : "window");
    put_models();
    put_continuous_fields();
    puts_(" ram_core=");
    put_int(static_cast<int64_t>(gx_recognizer_static_bytes()) + gx_app_static_bytes());
    puts_(" samples=");
    put_int(g_rec.samples_total);
    puts_(" letters=");
    put_int(g_rec.letters_total);
    puts_(" uptime_ms=");
    put_int(gx_board_millis());
    end_line();
}


void cal_finished(int st);
void lcal_take(const GxRecognition* r);

void handle_sample(const int16_t raw[9]) {
    if (g_cal_run.kind != kGxCalIdle) {  // a calibration run takes the samples
        const int st = gx_cal_push(&g_cal_run, raw, &g_cal);
        if (st != GX_CAL_MORE) cal_finished(st);
        return;
    }
    int16_t s[9];
    gx_sensorcal_apply(&g_cal, raw, s);
#if GX_WITH_SPOTTER
    if (g_cont.on) {
        cont_sample(s);
        return;
    }
#endif
    GxDecision d;
    int status = 0;
    const int ev = gx_recognizer_push(&g_rec, s, &d, &status);
    if (ev == GX_EVENT_LETTER && lcal_armed()) {
        lcal_take(g_rec.last);
    } else if (ev == GX_EVENT_LETTER) {
        uint16_t scores[kGxClasses];
        GxDecision cal;
        const bool calibrated = lcal_apply(g_rec.last, scores, &cal);
        letter_line(calibrated ? cal : d, -1, -1, nullptr, 0, calibrated);
    } else if (ev == GX_EVENT_WORD_BREAK) {
        puts_("WORD");
        end_line();
    } else if (ev == GX_EVENT_ERROR) {
        error_line(status == GX_REC_ERR_NO_MOTION ? "E_NO_MOTION" : "E_RECOGNISE", status_text(status));
    }
}

// ---- sensor calibration (docs/sensor-calibration.md) -------------------------------------
void put_triple(const char* key, const int32_t v[3]) {
    puts_(key);
    for (int k = 0; k < 3; ++k) {
        if (k) put(',');
        put_int(v[k]);
    }
}

void cal_line() {
    int32_t bias[3], off[3];
    for (int k = 0; k < 3; ++k) {
        bias[k] = g_cal.gyro_bias[k];
        off[k] = g_cal.mag_offset[k];
    }
    puts_("CAL gyro=");
    puts_((g_cal.flags & kGxCalHasGyro) ? "on" : "off");
    put_triple(" bias=", bias);
    puts_(" mag=");
    puts_((g_cal.flags & kGxCalHasMag) ? "on" : "off");
    put_triple(" offset=", off);
    put_triple(" scale_q14=", g_cal.mag_scale_q14);
    end_line();
}

void cal_save() {
    uint8_t rec[kGxCalBytes];
    gx_sensorcal_pack(&g_cal, rec);
    const bool identity = g_cal.flags == 0;
    if (!gx_board_settings_save(kGxSettingsSensorCal, rec, identity ? 0 : kGxCalBytes))
        error_line("E_CAL", "calibration: the board could not store it (kept until restart)");
}

void cal_finished(int st) {
    switch (st) {
        case GX_CAL_OK:
            cal_save();
            cal_line();
            return;
        case GX_CAL_ERR_MOVED:
            error_line("E_CAL", "cal gyro: the glove moved; hold it still and run 'cal gyro' again");
            return;
        case GX_CAL_ERR_NO_MAG:
            error_line("E_CAL", "cal mag: no magnetometer (6-axis glove)");
            return;
        case GX_CAL_ERR_COVERAGE:
            error_line("E_CAL", "cal mag: turn the hand through more orientations and run 'cal mag' again");
            return;
        default:
            error_line("E_CAL", "calibration: result out of range, not used");
            return;
    }
}

void do_cal(const GxTokens& t) {
    const char* sub = t.n >= 2 ? t.tok[1] : "";
    if ((gx_streq(sub, "gyro") || gx_streq(sub, "mag")) && t.n == 2) {
        const bool gyro = gx_streq(sub, "gyro");
        gx_recognizer_reset(&g_rec);  // the run's samples are not a letter
        cont_reset();                 // nor part of a continuous stream
        gx_cal_begin(&g_cal_run, gyro ? kGxCalGyro : kGxCalMag);
        puts_(gyro ? "OK cal gyro samples=" : "OK cal mag samples=");
        put_int(gyro ? kGxCalGyroSamples : kGxCalMagSamples);
        end_line();
    } else if (gx_streq(sub, "show") && t.n == 2) {
        cal_line();
    } else if (gx_streq(sub, "clear") && t.n == 2) {
        gx_sensorcal_identity(&g_cal);
        g_cal_run.kind = kGxCalIdle;
        cal_save();
        puts_("OK cal clear");
        end_line();
    } else if (gx_streq(sub, "set") && t.n == 11) {
        GxSensorCal c;
        int64_t v[9];
        for (int k = 0; k < 9; ++k) {
            if (!gx_parse_int(t.tok[2 + k], -32768, 32767, &v[k])) {
                error_line("E_ARGS", "cal set: 9 integers expected (gyro bias x3, mag offset x3, scale_q14 x3)",
                           t.tok[2 + k]);
                return;
            }
        }
        for (int k = 0; k < 3; ++k) {
            c.gyro_bias[k] = static_cast<int16_t>(v[k]);
            c.mag_offset[k] = static_cast<int16_t>(v[3 + k]);
            c.mag_scale_q14[k] = static_cast<int32_t>(v[6 + k]);
        }
        c.flags = kGxCalHasGyro | kGxCalHasMag;
        if (!gx_sensorcal_valid(&c)) {
            error_line("E_ARGS", "cal set: |bias| <= 4096 and scale_q14 in 8192..32767 required");
            return;
        }
        g_cal = c;
        cal_save();
        cal_line();
    } else {
        error_line("E_ARGS", "cal: usage 'cal gyro|mag|show|clear' or 'cal set BX BY BZ OX OY OZ SX SY SZ'");
    }
}

#if GX_WITH_CALIB
// ---- letter calibration: the commands --------------------------------------------------
void put_loo(const GxCalibLoo& l) {
    puts_(" loo=");
    put_int(l.uncal_correct);
    put('/');
    put_int(l.n);
    puts_("->");
    put_int(l.cal_correct);
    put('/');
    put_int(l.n);
}

bool lcal_scores(void*, int, const int8_t* features, uint16_t out[kGxClasses]) {
    return gx_scores_of_features(g_rec.models, g_lcal.model, features, out);
}

bool lcal_lowers(const GxCalibLoo& l) { return l.cal_correct < l.uncal_correct; }

// The set changed (or was loaded): its scale and leave-one-out under every candidate gain,
// which chooses the set's gain (spec v4; stored when the set is next saved), then the guard:
// a set that lowers accuracy on the wearer's own samples is not applied.
void lcal_update() {
    gx_calib_scale(&g_lcal.set, &g_lcal.scale);
    GxCalibLooScratch* scratch = new (gx_recognizer_work()) GxCalibLooScratch;
    if (!gx_calib_loo(&g_lcal.set, lcal_scores, nullptr, scratch, &g_lcal.loo))  // the model is not usable: nothing is applied anyway
        g_lcal.loo = GxCalibLoo{g_lcal.set.n_samples, 0, 0, kGxCalibGains[0], {}};
    gx_calib_set_gain(&g_lcal.set, g_lcal.loo.gain);
}

void lcal_worse_line(const char* kind, const char* code, const char* what) {
    puts_(kind);
    put(' ');
    puts_(code);
    put(' ');
    puts_(what);
    puts_(": the calibration lowers accuracy on your own samples");
    put_loo(g_lcal.loo);
    puts_(" (add samples or 'calib clear')");
    end_line();
}

void lcal_save() {
    gx_calib_seal(&g_lcal.set);
    const int n = g_lcal.set.n_samples == 0 ? 0 : gx_calib_record_bytes(&g_lcal.set);
    if (!gx_board_settings_save(kGxSettingsLetterCal, reinterpret_cast<const uint8_t*>(&g_lcal.set), n))
        error_line("E_CALIB", "calib: the board could not store the letter calibration (kept until restart)");
}

const char* lcal_state() {
    if (g_lcal.set.enabled == 0) return "off";
    return lcal_applies() ? "on" : "inactive";
}

// CALIB <what> state=on|off|inactive model=M letters=L samples=S k=3 tau=T0[,T1] gain=G
//   counts=<26 digits> loo=U/N->C/N [extra fields before]
void lcal_status(const char* what) {
    puts_(" state=");
    puts_(lcal_state());
    puts_(" model=");
    puts_(model_name(g_lcal.model));
    puts_(" letters=");
    put_int(gx_calib_letters(&g_lcal.set));
    puts_(" samples=");
    put_int(g_lcal.set.n_samples);
    puts_(" k=");
    put_int(kGxCalibKMax);
    puts_(" tau=");
    for (int k = 0; k < g_lcal.n_nets; ++k) {
        if (k) put(',');
        put_int(g_lcal.scale.active ? g_lcal.scale.tau[k] : 0);
    }
    puts_(" gain=");
    put_int(gx_calib_gain(&g_lcal.set));
    puts_(" counts=");
    for (int c = 0; c < kGxClasses; ++c) put(static_cast<char>('0' + gx_calib_count(&g_lcal.set, c)));
    put_loo(g_lcal.loo);
    (void)what;
    end_line();
}

// A sample of `letter` with these features joins the set (the oldest of the letter goes at
// K_MAX); a set that now lowers accuracy is switched off, with a WARN line.
void lcal_store(int letter, const int8_t* x) {
    gx_calib_add(&g_lcal.set, letter, x);
    lcal_update();
    const bool worse = g_lcal.set.enabled != 0 && lcal_lowers(g_lcal.loo);
    if (worse) g_lcal.set.enabled = 0;
    lcal_save();
    puts_("CALIB sample letter=");
    put(static_cast<char>('a' + letter));
    puts_(" count=");
    put_int(gx_calib_count(&g_lcal.set, letter));
    lcal_status("sample");
    if (worse) lcal_worse_line("WARN", "W_CALIB_WORSE", "calib: switched off");
}

// "calib <what>" while another model than the set's is selected (or the set's is not usable).
void lcal_wrong_model(const char* what) {
    puts_("ERR E_CALIB calib ");
    puts_(what);
    puts_(": the calibration uses the model ");
    puts_(model_name(g_lcal.model));
    puts_(" ('model ");
    puts_(model_name(g_lcal.model));
    puts_("' first)");
    end_line();
}

#if GX_WITH_SPOTTER && GX_WITH_LEXICON
// ---- letter calibration: learning from the decoded words ('calib learn on') -------------
// Continuous mode keeps each letter's features (the letter calibration's input) while its
// word is open.
void lcal_learn_keep(int32_t k) {
    if (k == 0) g_learn.kept = 0;
    if (!g_learn.on || k != g_learn.kept || k >= kLearnLetters) return;
    std::memcpy(g_learn.feat[k], g_lcal.feat, sizeof g_learn.feat[k]);
    g_learn.kept = k + 1;
}

// The lexicon decoded the open word of n spotted letters to w (len letters): when they are as
// many (and at most kLearnLetters), letter i of w labels spotted letter i, each a sample of
// the set (every one kept: the lexicon is the label's source); the set is then sealed (its
// gain chosen) and switched on exactly when guard 2 passes and it has two letters or more
// (golden nets.writing.learn_word). "CALIB learn word=W samples=S state=on|off gain=G loo=...".
void lcal_learn(const char* w, int32_t len, int32_t n) {
    if (!g_learn.on || len != n || n > kLearnLetters || g_learn.kept != n || g_rec.model != g_lcal.model) return;
    for (int32_t i = 0; i < n; ++i) gx_calib_add(&g_lcal.set, w[i] - 'a', g_learn.feat[i]);
    lcal_update();
    g_lcal.set.enabled = (g_lcal.scale.active && !lcal_lowers(g_lcal.loo)) ? 1 : 0;
    g_learn.dirty = true;
    puts_("CALIB learn word=");
    puts_(w);
    puts_(" samples=");
    put_int(g_lcal.set.n_samples);
    puts_(" state=");
    puts_(g_lcal.set.enabled != 0 ? "on" : "off");
    puts_(" gain=");
    put_int(gx_calib_gain(&g_lcal.set));
    put_loo(g_lcal.loo);
    end_line();
}

// The set learnt since it was stored: stored now (at a stream's end and 'calib learn off', not
// after every word: a record is up to 17.9 kB of the board's flash).
void lcal_learn_save() {
    if (!g_learn.dirty) return;
    g_learn.dirty = false;
    lcal_save();
}

// 'calib learn on|off'.
void lcal_learn_command(bool on) {
    if (on && (!g_cont.lexicon_ok || !g_cont.spotter_ok)) {
        error_line("E_CALIB", "calib learn: needs continuous writing with the lexicon (refused at start-up)");
        return;
    }
    if (on && (g_rec.model != g_lcal.model || !model_available(g_lcal.model))) {
        lcal_wrong_model("learn");
        return;
    }
    if (!on) lcal_learn_save();
    g_learn.on = on;
    puts_(on ? "OK calib learn on" : "OK calib learn off");
    end_line();
}
#elif GX_WITH_SPOTTER
void lcal_learn_keep(int32_t) {}
void lcal_learn(const char*, int32_t, int32_t) {}
void lcal_learn_save() {}
#endif

// The window after 'calib add X': a sample of X, unless X is not among the uncalibrated
// top-3 (a wrong letter written?): then it waits for 'calib confirm' or 'calib drop'.
void lcal_take(const GxRecognition* r) {
    const int letter = g_lcal.armed;
    g_lcal.armed = -1;
    if (g_rec.model != g_lcal.model) {  // the model changed after 'calib add': other features
        error_line("E_CALIB", "calib add: the model changed before the sample was written; 'calib add' again");
        return;
    }
    const GxDecision& d = r->decision;
    const bool looks_like = d.top3[0] == letter || d.top3[1] == letter || d.top3[2] == letter;
    if (looks_like) {
        lcal_store(letter, g_lcal.feat);
        return;
    }
    std::memcpy(g_lcal.pending, g_lcal.feat, sizeof g_lcal.pending);
    g_lcal.suspect = letter;
    puts_("CALIB suspect letter=");
    put(static_cast<char>('a' + letter));
    puts_(" got=");
    put_letter_fields(d.index, d.confidence_q8, d.top3, d.top3_q8);
    puts_(" msg=\"does not look like ");
    put(static_cast<char>('a' + letter));
    puts_(": 'calib confirm' stores it, 'calib drop' drops it\"");
    end_line();
}

void lcal_reset_pending() {
    g_lcal.armed = -1;
    g_lcal.suspect = -1;
}

void do_calib(const GxTokens& t) {
    const char* sub = t.n >= 2 ? t.tok[1] : "";
    const bool add = gx_streq(sub, "add") && t.n == 3 && t.tok[2][0] >= 'a' && t.tok[2][0] <= 'z' && t.tok[2][1] == '\0';
    if (add) {
        if (continuous_on()) {
            error_line("E_MODE", "calib add: samples are windows ('mode window' first)");
        } else if (g_rec.model != g_lcal.model || !model_available(g_lcal.model)) {
            lcal_wrong_model("add");
        } else {
            g_lcal.armed = t.tok[2][0] - 'a';
            g_lcal.suspect = -1;
            gx_recognizer_reset(&g_rec);  // the next whole window is the sample
            puts_("OK calib add ");
            put(t.tok[2][0]);
            end_line();
        }
    } else if (gx_streq(sub, "show") && t.n == 2) {
        puts_("CALIB show");
        lcal_status("show");
    } else if ((gx_streq(sub, "confirm") || gx_streq(sub, "drop")) && t.n == 2) {
        if (g_lcal.suspect < 0) {
            error_line("E_CALIB", "calib: no sample waits for 'calib confirm' or 'calib drop'");
            return;
        }
        const int letter = g_lcal.suspect;
        g_lcal.suspect = -1;
        if (gx_streq(sub, "confirm")) {
            lcal_store(letter, g_lcal.pending);
        } else {
            puts_("OK calib drop");
            end_line();
        }
    } else if (gx_streq(sub, "clear") && t.n == 2) {
        gx_calib_clear(&g_lcal.set);
        lcal_reset_pending();
        lcal_update();
        lcal_save();
        puts_("OK calib clear");
        end_line();
    } else if (gx_streq(sub, "off") && t.n == 2) {
        g_lcal.set.enabled = 0;
        lcal_save();
        puts_("OK calib off");
        end_line();
    } else if (gx_streq(sub, "on") && t.n == 2) {
        if (!g_lcal.scale.active) {
            error_line("E_CALIB", "calib on: needs samples of at least 2 letters ('calib add X')");
        } else if (lcal_lowers(g_lcal.loo)) {
            lcal_worse_line("ERR", "E_CALIB_WORSE", "calib on: not switched on");
        } else {
            g_lcal.set.enabled = 1;
            lcal_save();
            puts_("OK calib on");
            put_loo(g_lcal.loo);
            end_line();
        }
    } else if (gx_streq(sub, "learn") && t.n == 3 && (gx_streq(t.tok[2], "on") || gx_streq(t.tok[2], "off"))) {
#if GX_WITH_SPOTTER && GX_WITH_LEXICON
        lcal_learn_command(gx_streq(t.tok[2], "on"));
#else
        error_line("E_CALIB", "calib learn: this firmware has no continuous writing with a lexicon");
#endif
    } else {
        error_line("E_ARGS", "calib: usage 'calib add X' (X = a..z), 'calib confirm|drop|show|on|off|clear', 'calib learn on|off'");
    }
}

// Start-up: an empty set for the default model, or the stored one when it passes its check
// (a record that fails it is refused with an error line and never used).
void lcal_init(int model) {
    g_lcal.model = model;
    g_lcal.n_nets = gx_model_features(model, g_lcal.dims);
    g_lcal.model_sum = model_available(model) ? gx_model_checksum(g_rec.models, model) : 0;
    lcal_reset_pending();
    gx_calib_init(&g_lcal.set, model, g_lcal.model_sum, g_lcal.n_nets, g_lcal.dims);
    const int n = gx_board_settings_load(kGxSettingsLetterCal, reinterpret_cast<uint8_t*>(&g_lcal.set),
                                         static_cast<int>(sizeof g_lcal.set));
    const int st = n == 0 ? GX_CALIB_OK
                          : gx_calib_check(&g_lcal.set, n, model, g_lcal.model_sum, g_lcal.n_nets, g_lcal.dims);
    if (n == 0 || st != GX_CALIB_OK || !model_available(model))
        gx_calib_init(&g_lcal.set, model, g_lcal.model_sum, g_lcal.n_nets, g_lcal.dims);
    if (st != GX_CALIB_OK) {
        const char* why = st == GX_CALIB_ERR_MODEL    ? "made with another model"
                          : st == GX_CALIB_ERR_DIGEST   ? "digest mismatch (corrupted)"
                          : st == GX_CALIB_ERR_RANGE    ? "a field out of range"
                          : st == GX_CALIB_ERR_VERSION  ? "a record of an earlier calibration spec (another bonus, gain or distance rule): calibrate again"
                                                        : "wrong size or magic";
        error_line("E_CALIB", "the stored letter calibration is refused, not used (run 'calib clear')", why);
    }
    lcal_update();
    g_rec.features = g_lcal.feat;
}

int32_t lcal_static_bytes() { return static_cast<int32_t>(sizeof g_lcal); }
#else
void lcal_take(const GxRecognition*) {}
void lcal_reset_pending() {}
void lcal_init(int) {}
int32_t lcal_static_bytes() { return 0; }
#if GX_WITH_SPOTTER
void lcal_learn_keep(int32_t) {}
void lcal_learn(const char*, int32_t, int32_t) {}
void lcal_learn_save() {}
#endif
void do_calib(const GxTokens&) {
    error_line("E_NO_CALIB", "calib: this firmware was built without the letter calibration (GX_WITH_CALIB=0)");
}
#endif

void handle_line(char* line, int len) {
    if (!gx_line_printable(line, len)) {
        error_line("E_GARBAGE", "line has bytes that are not printable ASCII");
        return;
    }
    GxTokens t;
    gx_tokenise(line, &t);
    if (t.too_many) {
        error_line("E_ARGS", "too many fields");
        return;
    }
    if (t.n == 0 || t.tok[0][0] == '#') return;  // empty line or comment
    const char* cmd = t.tok[0];
    if (gx_streq(cmd, "s")) {
        if (t.n != 10) {
            error_line("E_ARGS", "s: 9 integer counts expected (ax ay az gx gy gz mx my mz)");
            return;
        }
        int16_t s[9];
        for (int k = 0; k < 9; ++k) {
            int64_t v = 0;
            if (!gx_parse_int(t.tok[1 + k], -32768, 32767, &v)) {
                error_line("E_ARGS", "s: count is not an int16", t.tok[1 + k]);
                return;
            }
            s[k] = static_cast<int16_t>(v);
        }
        handle_sample(s);
    } else if (gx_streq(cmd, "start") && t.n == 1) {
        if (continuous_on()) {
            error_line("E_MODE", "start: no pen-down in continuous mode ('mode window' first)");
            return;
        }
        gx_recognizer_start(&g_rec);
    } else if (gx_streq(cmd, "end") && t.n == 1) {
#if GX_WITH_SPOTTER
        if (continuous_on()) {
            cont_end();
            return;
        }
#endif
        error_line("E_MODE", "end: ends a continuous stream ('mode continuous' first)");
    } else if (gx_streq(cmd, "mode")) {
        if (t.n == 2 && (gx_streq(t.tok[1], "window") || gx_streq(t.tok[1], "continuous")))
            do_mode(t.tok[1]);
        else
            error_line("E_ARGS", "mode: usage 'mode window|continuous'");
    } else if (gx_streq(cmd, "replay")) {
        do_replay(t);
    } else if (gx_streq(cmd, "info") && t.n == 1) {
        info_line();
    } else if (gx_streq(cmd, "model")) {
        int m = -1;
        for (int i = 0; i < kGxModelSelCount && t.n == 2; ++i)
            if (gx_streq(t.tok[1], kModelNames[i])) m = i;
        const bool signal = g_rec.models->signal_check != GX_CHECK_MISSING;
        if (m < 0) {
            error_line("E_ARGS", signal ? "model: usage 'model lstm|cnn|fused|signal|fused_signal'"
                                        : "model: usage 'model lstm|cnn|fused'");
        } else if (refused_net_of(m) >= 0) {
            const int n = refused_net_of(m);
            puts_("ERR E_MODEL model: ");
            puts_(kModelNames[m]);
            puts_(" unavailable: ");
            puts_(kNetNames[n]);
            puts_(" model refused at start-up ");
            put_quoted(check_text(net_check(n)));
            end_line();
        } else if (!model_available(m)) {
            error_line("E_NO_MODEL", "model: not available on this device", kModelNames[m]);
        } else {
            g_rec.model = m;
            gx_recognizer_reset(&g_rec);
            cont_reset();  // a word's letters share one model's scores
            puts_("OK model ");
            puts_(kModelNames[m]);
            end_line();
        }
    } else if (gx_streq(cmd, "auto") && t.n == 2 && (gx_streq(t.tok[1], "on") || gx_streq(t.tok[1], "off"))) {
        g_rec.auto_start = gx_streq(t.tok[1], "on");
        puts_("OK auto ");
        puts_(t.tok[1]);
        end_line();
    } else if (gx_streq(cmd, "cal")) {
        do_cal(t);
    } else if (gx_streq(cmd, "calib")) {
        do_calib(t);
    } else if (gx_streq(cmd, "reset") && t.n == 1) {
        gx_recognizer_reset(&g_rec);
        cont_reset();
        g_cal_run.kind = kGxCalIdle;  // abandons a calibration run
        lcal_reset_pending();         // and a letter calibration's pending sample
        puts_("OK reset");
        end_line();
    } else {
        error_line("E_UNKNOWN", "unknown command or wrong number of fields", cmd);
    }
}

}  // namespace

void gx_app_init() {
    const GxModels* m = gx_app_models();  // verified once per boot (models.cpp)
    gx_recognizer_init(&g_rec, m, GX_MODEL_LSTM);
    // default: the best model that passed its checks -- LSTM + signal network (the real-data
    // build, models/chen2021/firmware), else LSTM + CNN, else whichever network passed
    int model = model_available(GX_MODEL_SIGNAL_FUSED) ? GX_MODEL_SIGNAL_FUSED : GX_MODEL_FUSED;
    if (!model_available(model)) model = model_available(GX_MODEL_LSTM) ? GX_MODEL_LSTM : GX_MODEL_CNN;
    g_rec.model = model;
    gx_sensorcal_identity(&g_cal);
    g_cal_run.kind = kGxCalIdle;
    uint8_t rec[kGxCalBytes];
    const int stored = gx_board_settings_load(kGxSettingsSensorCal, rec, kGxCalBytes);
    if (stored != 0 && (stored != kGxCalBytes || !gx_sensorcal_unpack(rec, &g_cal)))
        error_line("E_CAL", "the stored sensor calibration is corrupt: not used (run 'cal clear')");
    lcal_init(model);
    g_len = 0;
    g_overflow = false;
    g_closed = false;
#if GX_WITH_SPOTTER
    g_cont.on = false;
    g_cont.spotter_ok = gx_spotter_net_verify(gx_model_spotter());
#if GX_WITH_LEXICON
    g_cont.lexicon_ok = gx_lexicon_verify(gx_lexicon());
#else
    g_cont.lexicon_ok = false;
#endif
    cont_reset();
    if (!g_cont.spotter_ok)
        error_line("E_MODEL", "spotter model", "failed its start-up check (a parameter out of range or checksum mismatch)");
#if GX_WITH_LEXICON
    if (!g_cont.lexicon_ok)
        error_line("E_MODEL", "lexicon",
                   gx_lexicon_format_ok(gx_lexicon())
                       ? "failed its start-up check (a field out of range or checksum mismatch)"
                       : "is not of format gxlex/2 (letter costs per network): re-export it (glovexfer export --lexicon)");
#endif
#endif
    // the signal network is optional: only a compiled-in one that fails its check is reported;
    // nor is a network this firmware was built without (select.h)
    const bool selected[kNets] = {kGxWithLstm, kGxWithCnn, kGxWithSignal};
    for (int n = 0; n < kNets; ++n) {
        const bool missing = net_check(n) == GX_CHECK_MISSING;
        if (net_ok(net_check(n)) || (missing && (n == 2 || !selected[n]))) continue;
        puts_("ERR E_MODEL ");
        puts_(kNetNames[n]);
        puts_(" model ");
        put_quoted(check_text(net_check(n)));
        end_line();
    }
    puts_("READY proto=");
    put_int(kGxProtoVersion);
    puts_(" fw=");
    puts_(kGxFirmwareVersion);
    puts_(" board=");
    puts_(gx_board_name());
    puts_(" model=");
    puts_(model_available(model) ? model_name(model) : "none");
    put_models();
    put_continuous_fields();
    end_line();
}

int gx_app_poll() {
    if (g_closed) return -1;
    int handled = 0;
    uint8_t buf[kGxReadChunk];
    const int n = gx_board_serial_read(buf, kGxReadChunk);
    if (n < 0) {
        g_closed = true;
        return -1;
    }
    for (int i = 0; i < n && i < kGxReadChunk; ++i) {
        const char c = static_cast<char>(buf[i]);
        if (c == '\n') {
            if (g_overflow) {
                error_line("E_TOO_LONG", "line longer than 1200 bytes discarded");
            } else {
                int len = g_len;
                if (len > 0 && g_line[len - 1] == '\r') --len;
                g_line[len] = '\0';
                handle_line(g_line, len);
            }
            g_len = 0;
            g_overflow = false;
        } else if (g_overflow) {
            // discard until the newline
        } else if (g_len < kGxMaxLine) {
            g_line[g_len++] = c;
        } else {
            g_overflow = true;
        }
    }
    handled += n;
    int16_t s[9];
    if (gx_board_imu_read(s)) {
        handle_sample(s);
        ++handled;
    }
    return handled;
}

int32_t gx_app_static_bytes() {
    return static_cast<int32_t>(sizeof g_out + sizeof g_out_len + sizeof g_buf + sizeof g_len + sizeof g_overflow +
                                sizeof g_rec + sizeof(bool) + sizeof g_cal + sizeof g_cal_run + lcal_static_bytes()
#if GX_WITH_SPOTTER
                                + sizeof g_cont
#endif
#if GX_WITH_SPOTTER && GX_WITH_CALIB && GX_WITH_LEXICON
                                + sizeof g_learn
#endif
                                );
}

}  // namespace gx
