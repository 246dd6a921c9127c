// Host/QEMU test: the streaming letter spotter (core/spotter.h) against the golden model
// (host/glovexfer/golden/spotting.py) on whole writing sessions.
// Usage: gx_test_spotter <sessions.bin>
// File (written by tests/test_firmware_spotter.py): a text line "gxspot 1 <sessions>\n", then
// per session a text line "session <n> <windows> <letters>\n" and, little-endian binary:
//   counts[n][9] int16                 the raw stream
//   logits[windows][96] int8           every output of every window (Int8Network.run)
//   letters[letters][3] int32          start, end, word_start (letter_segments, word_groups)
//   normalised[letters][32][9] int16   time_normalise of each letter
// The stream is pushed sample by sample; every window the spotter runs, every letter it
// emits (normalised at once, as the device must before the next sample) and the flush are
// compared bit for bit. It also checks the start-up check and the refusals.
// Last line: "N passed, M failed" (sessions; a failed check counts as one failure). Exit 0 iff
// none failed.
#include <cstdio>
#include <cstring>

#include "gx_model_spotter.h"
#include "spotter.h"

namespace {

constexpr int kMaxN = 8192;
constexpr int kMaxWindows = kMaxN / gx::kGxSpotHop + 1;
constexpr int kMaxLetters = 1024;

int16_t g_counts[kMaxN][gx::kGxSpotChannels];
int8_t g_logits[kMaxWindows][gx::kGxSpotWindow];
int32_t g_letters[kMaxLetters][3];
int16_t g_norm_golden[gx::kMaxSamples][gx::kGxSpotChannels];
int16_t g_norm[gx::kMaxSamples][gx::kGxSpotChannels];
gx::GxSpotState g_state;
gx::GxSpotterCtx g_ctx;
gx::GxSpotterNetModel g_bad;

long g_windows = 0, g_logit_values = 0, g_logit_mismatches = 0;
long g_n_letters = 0, g_letter_mismatches = 0, g_norm_values = 0, g_norm_mismatches = 0;
bool g_reported = false;

void first(const char* what, int session, long index, long golden, long got) {
    if (g_reported) return;
    g_reported = true;
    std::printf("FIRST MISMATCH session %d %s %ld: golden %ld C++ %ld\n", session, what, index, golden, got);
}

bool read_line(FILE* f, char* buf, int size) { return std::fgets(buf, size, f) != nullptr; }

// One session: push every sample, compare what comes out; false on any mismatch.
bool run_session(FILE* f, int session, int n, int windows, int letters) {
    bool ok = true;
    int next_letter = 0, next_window = 0;
    gx::gx_spot_reset(&g_state);
    gx::GxSpotLetter out[gx::kGxSpotMaxOut];
    const gx::GxSpotterNetModel* m = gx::gx_model_spotter();
    for (int t = 0; t <= n; ++t) {
        const int32_t k = t < n ? gx::gx_spot_push(&g_state, &g_ctx, m, g_counts[t], out)
                                : gx::gx_spot_flush(&g_state, &g_ctx, m, out);
        if (k < 0) {
            std::printf("session %d: the spotter refused sample %d\n", session, t);
            return false;
        }
        for (int w = 0; w < g_ctx.n_windows; ++w, ++next_window) {
            const int j = g_ctx.first_window + w;
            if (j != next_window || j >= windows) {
                first("window index", session, next_window, j < windows ? next_window : windows, j);
                return false;
            }
            ++g_windows;
            for (int i = 0; i < gx::kGxSpotWindow; ++i, ++g_logit_values) {
                if (g_ctx.logits[w][i] != g_logits[j][i]) {
                    ++g_logit_mismatches;
                    first("window logit (window*96+i)", session, static_cast<long>(j) * gx::kGxSpotWindow + i,
                          g_logits[j][i], g_ctx.logits[w][i]);
                    ok = false;
                }
            }
        }
        for (int32_t e = 0; e < k; ++e, ++next_letter) {
            ++g_n_letters;
            if (next_letter >= letters) {
                first("extra letter start", session, next_letter, -1, out[e].start);
                ++g_letter_mismatches;
                return false;
            }
            const int32_t got[3] = {out[e].start, out[e].end, out[e].word_start};
            for (int i = 0; i < 3; ++i) {
                if (got[i] != g_letters[next_letter][i]) {
                    ++g_letter_mismatches;
                    first("letter (letter*3+field)", session, next_letter * 3L + i, g_letters[next_letter][i], got[i]);
                    ok = false;
                }
            }
            // normalised now, before the next sample (the ring moves on)
            if (std::fread(g_norm_golden, sizeof g_norm_golden, 1, f) != 1) {
                std::printf("session %d: truncated file (normalised letter %d)\n", session, next_letter);
                return false;
            }
            if (!gx::gx_spot_normalise(&g_state, out[e].start, out[e].end, g_norm)) {
                std::printf("session %d: letter %d [%d, %d) could not be normalised\n", session, next_letter,
                            static_cast<int>(out[e].start), static_cast<int>(out[e].end));
                ++g_norm_mismatches;
                ok = false;
                continue;
            }
            const int16_t* a = &g_norm_golden[0][0];
            const int16_t* b = &g_norm[0][0];
            for (int i = 0; i < gx::kMaxSamples * gx::kGxSpotChannels; ++i, ++g_norm_values) {
                if (a[i] != b[i]) {
                    ++g_norm_mismatches;
                    first("normalised value (letter*288+i)", session, next_letter * 288L + i, a[i], b[i]);
                    ok = false;
                }
            }
        }
    }
    if (next_window != windows || next_letter != letters) {
        std::printf("session %d: %d windows / %d letters, golden %d / %d\n", session, next_window, next_letter, windows,
                    letters);
        g_letter_mismatches += next_letter != letters ? 1 : 0;
        return false;
    }
    // after the flush: refused
    if (gx::gx_spot_push(&g_state, &g_ctx, m, g_counts[0], out) != -1 || gx::gx_spot_flush(&g_state, &g_ctx, m, out) != -1) {
        std::printf("session %d: a sample after the flush was accepted\n", session);
        return false;
    }
    return ok;
}

// The start-up check and the refusals of a model of another geometry.
bool check_model() {
    const gx::GxSpotterNetModel* m = gx::gx_model_spotter();
    bool ok = gx::gx_spotter_net_verify(m);
    if (!ok) std::printf("the shipped spotter fails its start-up check\n");
    struct Mutant {
        const char* what;
        void (*apply)(gx::GxSpotterNetModel*);
    };
    const Mutant mutants[] = {
        {"io_checksum", [](gx::GxSpotterNetModel* b) { b->info.io_checksum = 1; }},
        {"checksum", [](gx::GxSpotterNetModel* b) { b->info.checksum ^= 1u; }},
        {"input zero point", [](gx::GxSpotterNetModel* b) { b->info.input_zero_point = 1; }},
        {"output zero point", [](gx::GxSpotterNetModel* b) { b->info.output_zero_point += 1; }},
        {"dilation", [](gx::GxSpotterNetModel* b) { b->layer[2].conv.dilation_w = 2; }},
        {"padding", [](gx::GxSpotterNetModel* b) { b->layer[1].conv.pad_l = 4; }},
        {"channels", [](gx::GxSpotterNetModel* b) { b->layer[3].conv.out_c = 16; }},
        {"clamp range", [](gx::GxSpotterNetModel* b) { b->layer[0].conv.act_min = 200; }},
        {"weights", [](gx::GxSpotterNetModel* b) { b->layer[4].w = b->layer[3].w; }},
    };
    for (const Mutant& mu : mutants) {
        g_bad = *m;
        mu.apply(&g_bad);
        if (gx::gx_spotter_net_verify(&g_bad)) {
            std::printf("a spotter with a changed %s passed the start-up check\n", mu.what);
            ok = false;
        }
    }
    // a model of another geometry is refused by the run (nothing written) and the stream
    g_bad = *m;
    g_bad.layer[2].conv.dilation_w = 1;
    int8_t in[gx::kGxSpotWindow][gx::kGxSpotFeatures] = {};
    int8_t out[gx::kGxSpotWindow];
    std::memset(out, 0x55, sizeof out);
    if (gx::gx_spotter_net_run(&g_ctx, &g_bad, in, out) || out[0] != 0x55) {
        std::printf("a spotter of another geometry ran\n");
        ok = false;
    }
    gx::GxSpotLetter letters[gx::kGxSpotMaxOut];
    gx::gx_spot_reset(&g_state);
    const int16_t zero[gx::kGxSpotChannels] = {};
    int32_t r = 0;
    for (int t = 0; t < 2 * gx::kGxSpotHop - 1; ++t) r |= gx::gx_spot_push(&g_state, &g_ctx, &g_bad, zero, letters);
    if (r != 0 || gx::gx_spot_push(&g_state, &g_ctx, &g_bad, zero, letters) != -1 || g_state.n != 2 * gx::kGxSpotHop - 1) {
        std::printf("the stream ran a window with a spotter of another geometry\n");
        ok = false;
    }
    // normalisation outside the stream or the ring is refused
    gx::gx_spot_reset(&g_state);
    for (int t = 0; t < 3 * gx::kGxSpotHistory; ++t) gx::gx_spot_push(&g_state, &g_ctx, m, zero, letters);
    const int32_t n = g_state.n;
    if (gx::gx_spot_normalise(&g_state, n - 10, n + 1, g_norm) || gx::gx_spot_normalise(&g_state, 5, 5, g_norm) ||
        gx::gx_spot_normalise(&g_state, n - gx::kGxSpotHistory - 1, n - gx::kGxSpotHistory + 20, g_norm) ||
        gx::gx_spot_normalise(&g_state, n - 70, n, g_norm) || !gx::gx_spot_normalise(&g_state, n - 64, n, g_norm)) {
        std::printf("gx_spot_normalise accepted a segment it cannot read (or refused one it can)\n");
        ok = false;
    }
    return ok;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::printf("usage: gx_test_spotter <sessions.bin>\n");
        return 2;
    }
    FILE* f = std::fopen(argv[1], "rb");
    char line[128];
    int n_sessions = 0;
    if (f == nullptr || !read_line(f, line, sizeof line) || std::sscanf(line, "gxspot 1 %d", &n_sessions) != 1) {
        std::printf("%s: not a gxspot 1 file\n", argv[1]);
        return 2;
    }
    std::printf("spotter %s: scratch %d bytes, state %d bytes\n", gx::gx_model_spotter()->info.version,
                static_cast<int>(gx::gx_spotter_scratch_bytes()), static_cast<int>(gx::gx_spot_state_bytes()));
    int passed = 0, failed = 0;
    if (!check_model()) ++failed;
    for (int s = 0; s < n_sessions; ++s) {
        int n = 0, windows = 0, letters = 0;
        if (!read_line(f, line, sizeof line) || std::sscanf(line, "session %d %d %d", &n, &windows, &letters) != 3 ||
            n < 1 || n > kMaxN || windows < 1 || windows > kMaxWindows || letters < 0 || letters > kMaxLetters) {
            std::printf("session %d: bad header (or longer than %d samples)\n", s, kMaxN);
            ++failed;
            break;
        }
        const size_t nc = static_cast<size_t>(n) * gx::kGxSpotChannels, nl = static_cast<size_t>(windows) * gx::kGxSpotWindow;
        if (std::fread(g_counts, sizeof(int16_t), nc, f) != nc || std::fread(g_logits, 1, nl, f) != nl ||
            std::fread(g_letters, sizeof(int32_t), 3 * static_cast<size_t>(letters), f) != 3 * static_cast<size_t>(letters)) {
            std::printf("session %d: truncated file\n", s);
            ++failed;
            break;
        }
        if (run_session(f, s, n, windows, letters)) {
            ++passed;
        } else {
            ++failed;
            // skip what this session's comparison did not read
            break;
        }
    }
    std::fclose(f);
    std::printf("windows compared: %ld, logits compared: %ld, logit mismatches: %ld\n", g_windows, g_logit_values,
                g_logit_mismatches);
    std::printf("letters compared: %ld, letter mismatches: %ld\n", g_n_letters, g_letter_mismatches);
    std::printf("normalised values compared: %ld, normalised mismatches: %ld\n", g_norm_values, g_norm_mismatches);
    std::printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
