#include "app.h"

#include "board.h"
#include "protocol.h"

namespace gx {

namespace {

// ---- output: lines are assembled in a small buffer and written in chunks -------------
constexpr int kOutChunk = 256;  // bytes per gx_board_serial_write (any size works)
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
char g_line[kGxMaxLine + 1];  // one host line without the newline, NUL terminated
int g_len = 0;
bool g_overflow = false;      // the current line exceeded kGxMaxLine: discard to newline
GxRecognizer g_rec;
int16_t g_replay[kMaxSamples][9];
bool g_lstm_ok = false, g_cnn_ok = false, g_signal_ok = false;
bool g_closed = false;

// indexed by GxModelSel
const char* const kModelNames[kGxModelSelCount] = {"lstm", "cnn", "fused", "signal", "fused_signal"};

const char* model_name(int m) { return (m >= 0 && m < kGxModelSelCount) ? kModelNames[m] : "none"; }

bool model_available(int m) {
    if (m == GX_MODEL_LSTM) return g_lstm_ok;
    if (m == GX_MODEL_CNN) return g_cnn_ok;
    if (m == GX_MODEL_FUSED) return g_lstm_ok && g_cnn_ok;
    if (m == GX_MODEL_SIGNAL) return g_signal_ok;
    if (m == GX_MODEL_SIGNAL_FUSED) return g_lstm_ok && g_signal_ok;
    return false;
}

const char* check_text(int c) {
    switch (c) {
        case GX_CHECK_MISSING: return "is not compiled in";
        case GX_CHECK_CORRUPT: return "failed its start-up check (checksum or dimensions)";
        case GX_CHECK_IO_MISMATCH: return "does not match gx_model_io.h (version)";
        default: return "ok";
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

void put_versions() {
    const GxModels* m = g_rec.models;
    puts_(" lstm=");
    put_quoted(m->lstm != nullptr ? m->lstm->info.version : "none");
    puts_(" cnn=");
    put_quoted(m->cnn != nullptr ? m->cnn->info.version : "none");
    if (m->signal != nullptr) {  // only firmware carrying a signal network reports it
        puts_(" signal=");
        put_quoted(m->signal->info.version);
    }
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

void letter_line(const GxDecision& d) {
    puts_("LETTER ");
    put_letter_fields(d.index, d.confidence_q8, d.top3, d.top3_q8);
    puts_(" model=");
    puts_(model_name(d.model));
    puts_(" n=");
    put_int(g_rec.letters_total);
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

void net_lines(const char* kind, const GxNetOut& o, const void* input, int in_count) {
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

void fused_lines(const char* kind, const GxFusedOut& f) {
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
    if (!gx_parse_hex_i16(hex, static_cast<int>(n) * 9, &g_replay[0][0])) {
        error_line("E_ARGS", "replay: invalid hex digit");
        return;
    }
    const GxRecognition* r = gx_recognise(g_rec.models, g_rec.model, g_replay, static_cast<int>(n), true);
    if (r->status != GX_OK && r->status != GX_REC_ERR_NO_MODEL) {
        error_line("E_PIPELINE", status_text(r->status));
        return;
    }
    const GxStages& s = *r->stages;
    const int ni = static_cast<int>(n);
    if (r->status == GX_OK) {
        stage_line("quaternions", kI32, s.quaternions, ni * 4);
        stage_line("euler", kI32, s.euler, ni * 3);
        stage_line("points", kI32, s.points, ni * 2);
        stage_line("normalised", kI32, s.normalised, ni * 2);
        stage_line("smoothed", kI32, s.smoothed, ni * 2);
        stage_line("thin_keep", kI32, s.thin_keep, s.n_keep);
        stage_line("thinned", kI32, s.thinned, s.n_keep * 2);
        stage_line("resampled", kI32, s.resampled, kResamplePoints * 2);
        if (r->ran_cnn) stage_line("image", kI32, s.image, kOutPx * kOutPx);
        if (r->ran_signals_stage) stage_line("signals", kI32, s.signals, ni * kGxSignalChannels);
        if (r->ran_lstm) net_lines("lstm", r->lstm, r->lstm_in, kGxLstmSteps * kGxLstmIn);
        if (r->ran_cnn) net_lines("cnn", r->cnn, r->cnn_in, kGxCnnIn * kGxCnnIn);
        if (r->ran_signal) net_lines("signal", r->signal, r->signal_in, kGxSignalSteps * kGxSignalIn);
        if (r->ran_fused) fused_lines("fused", r->fused);
        if (r->ran_fused_signal) fused_lines("fused_signal", r->fused_signal);
    } else {
        error_line("E_NO_MODEL", status_text(r->status));
        return;
    }
    puts_("END replay n=");
    put_int(n);
    end_line();
}

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
    put_versions();
    puts_(" ram_core=");
    put_int(static_cast<int64_t>(gx_recognizer_static_bytes()) + gx_net_scratch_bytes() + gx_app_static_bytes());
    puts_(" samples=");
    put_int(g_rec.samples_total);
    puts_(" letters=");
    put_int(g_rec.letters_total);
    puts_(" uptime_ms=");
    put_int(gx_board_millis());
    end_line();
}

void handle_sample(const int16_t s[9]) {
    GxDecision d;
    int status = 0;
    const int ev = gx_recognizer_push(&g_rec, s, &d, &status);
    if (ev == GX_EVENT_LETTER) letter_line(d);
    else if (ev == GX_EVENT_WORD_BREAK) {
        puts_("WORD");
        end_line();
    } else if (ev == GX_EVENT_ERROR) {
        error_line(status == GX_REC_ERR_NO_MOTION ? "E_NO_MOTION" : "E_RECOGNISE", status_text(status));
    }
}

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
        gx_recognizer_start(&g_rec);
    } else if (gx_streq(cmd, "replay")) {
        do_replay(t);
    } else if (gx_streq(cmd, "info") && t.n == 1) {
        info_line();
    } else if (gx_streq(cmd, "model")) {
        int m = -1;
        for (int i = 0; i < kGxModelSelCount && t.n == 2; ++i)
            if (gx_streq(t.tok[1], kModelNames[i])) m = i;
        if (m < 0) {
            error_line("E_ARGS", g_signal_ok ? "model: usage 'model lstm|cnn|fused|signal|fused_signal'"
                                             : "model: usage 'model lstm|cnn|fused'");
        } else if (!model_available(m)) {
            error_line("E_NO_MODEL", "model: not available on this device", kModelNames[m]);
        } else {
            g_rec.model = m;
            gx_recognizer_reset(&g_rec);
            puts_("OK model ");
            puts_(kModelNames[m]);
            end_line();
        }
    } else if (gx_streq(cmd, "auto") && t.n == 2 && (gx_streq(t.tok[1], "on") || gx_streq(t.tok[1], "off"))) {
        g_rec.auto_start = gx_streq(t.tok[1], "on");
        puts_("OK auto ");
        puts_(t.tok[1]);
        end_line();
    } else if (gx_streq(cmd, "reset") && t.n == 1) {
        gx_recognizer_reset(&g_rec);
        puts_("OK reset");
        end_line();
    } else {
        error_line("E_UNKNOWN", "unknown command or wrong number of fields", cmd);
    }
}

}  // namespace

void gx_app_init() {
    const GxModels* m = gx_app_models();
    const int cl = gx_check_lstm(m), cc = gx_check_cnn(m), cs = gx_check_signal(m);
    g_lstm_ok = cl == GX_CHECK_OK;
    g_cnn_ok = cc == GX_CHECK_OK;
    g_signal_ok = cs == GX_CHECK_OK;
    // default: the best model compiled in -- LSTM + signal network (the real-data build,
    // models/chen2021/firmware), else LSTM + CNN, else whichever network passed its check
    int model = model_available(GX_MODEL_SIGNAL_FUSED) ? GX_MODEL_SIGNAL_FUSED : GX_MODEL_FUSED;
    if (!model_available(model)) model = g_lstm_ok ? GX_MODEL_LSTM : GX_MODEL_CNN;
    gx_recognizer_init(&g_rec, m, model);
    g_len = 0;
    g_overflow = false;
    g_closed = false;
    if (!g_lstm_ok) error_line("E_MODEL", "lstm model", check_text(cl));
    if (!g_cnn_ok) error_line("E_MODEL", "cnn model", check_text(cc));
    // the signal network is optional: only a compiled-in one that fails its check is reported
    if (cs != GX_CHECK_OK && cs != GX_CHECK_MISSING) error_line("E_MODEL", "signal model", check_text(cs));
    puts_("READY proto=");
    put_int(kGxProtoVersion);
    puts_(" fw=");
    puts_(kGxFirmwareVersion);
    puts_(" board=");
    puts_(gx_board_name());
    puts_(" model=");
    puts_(model_available(model) ? model_name(model) : "none");
    put_versions();
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
    return static_cast<int32_t>(sizeof g_out + sizeof g_out_len + sizeof g_line + sizeof g_len + sizeof g_overflow +
                                sizeof g_rec + sizeof g_replay + 4 * sizeof(bool));
}

}  // namespace gx
