// Hostile input for the firmware's input path: bytes on the serial line go through the app
// (line assembly, parsing, Recognizer, replay, every stage and network, and the continuous
// mode's spotter and word decoder when compiled in) over the in-memory
// board of board_fuzz.cpp. Build with sanitizers (GX_EXTRA_FLAGS=-fsanitize=address,undefined).
//
//  * GX_LIBFUZZER: a libFuzzer target (clang -fsanitize=fuzzer): LLVMFuzzerTestOneInput.
//  * otherwise a standalone driver: gx_fuzz_app [RUNS [SEED [SESSION [continuous]]]] generates
//    RUNS inputs from a deterministic PRNG -- random bytes, random printable lines, and
//    structured hostile sessions: int16 extremes on every axis, saturated sensors, a stationary
//    glove, all-zero input, random replays (valid, truncated, over-long, bad hex), unknown
//    commands -- and, given SESSION (a file of one writing session's 's' lines) on firmware
//    with the spotter, continuous-mode streams (one input in five; every input with
//    'continuous'): SESSION's lines sliced, repeated (words longer than the app keeps) and
//    damaged, synthetic and non-writing motion, long streams, bad lines, 'end', mode and model
//    switches mid-stream. It prints "executions N bytes B lines L err_lines E letter_lines K
//    word_lines W end_lines D".
// Any crash, sanitizer report or hang is a failure; unusable input must give ERR lines.
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "app.h"
#include "board_fuzz.h"

namespace {

// Feeds one input through a freshly initialised app until the input is consumed (the models
// are verified once, by the first gx_app_init: models.cpp).
void run_one(const uint8_t* data, int len) {
    gx::fuzz_set_input(data, len);
    gx::gx_app_init();
    for (int guard = 0; guard < len + 4; ++guard)
        if (gx::gx_app_poll() < 0) break;
}

}  // namespace

#ifdef GX_LIBFUZZER
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size > (1u << 16)) return 0;
    run_one(data, static_cast<int>(size));
    return 0;
}
#else

namespace {

uint64_t g_rng = 1;
uint32_t rnd() {  // xorshift64*
    g_rng ^= g_rng >> 12;
    g_rng ^= g_rng << 25;
    g_rng ^= g_rng >> 27;
    return static_cast<uint32_t>((g_rng * UINT64_C(2685821657736338717)) >> 32);
}

constexpr int kMaxInput = 1 << 19;  // bytes of one generated input (long continuous streams)
uint8_t g_buf[kMaxInput];
int g_len = 0;

void add(const char* s) {
    while (*s != '\0' && g_len < kMaxInput) g_buf[g_len++] = static_cast<uint8_t>(*s++);
}
void add_int(long v) {
    char t[24];
    std::snprintf(t, sizeof t, "%ld", v);
    add(t);
}

int16_t extreme() {
    static const int16_t kVals[] = {-32768, -32767, -1, 0, 1, 32766, 32767, 16384, -16384};
    return kVals[rnd() % (sizeof kVals / sizeof kVals[0])];
}

// One sample of the chosen style into s.
void sample(int style, int t, int16_t s[9]) {
    for (int k = 0; k < 9; ++k) {
        switch (style) {
            case 0: s[k] = static_cast<int16_t>(rnd()); break;                      // uniform int16
            case 1: s[k] = extreme(); break;                                        // extremes
            case 2: s[k] = (rnd() & 1) ? 32767 : -32768; break;                     // saturated
            case 3: s[k] = static_cast<int16_t>(k == 2 ? 2048 : (k >= 6 ? 300 : 0)); break;  // stationary
            case 4: s[k] = 0; break;                                                // all zero
            case 6: {  // letter-like strokes: gyro sweeps for 28 samples, then a pause
                const int ph = t % 40;
                const int tri = (ph % 14) < 7 ? (ph % 14) * 900 - 3150 : (14 - ph % 14) * 900 - 3150;
                s[k] = static_cast<int16_t>(ph >= 28 ? (k == 2 ? 2048 : 0)
                                                     : (k >= 3 && k < 6 ? tri * (k - 2) / 2 : (k == 2 ? 2048 + tri / 8 : tri / 16)));
                break;
            }
            default: s[k] = static_cast<int16_t>((k < 3 ? 2048 : 0) + static_cast<int>(rnd() % 201) - 100 + t); break;
        }
    }
}

void add_sample_line(const int16_t s[9]) {
    add("s");
    for (int k = 0; k < 9; ++k) {
        add(" ");
        add_int(s[k]);
    }
    add("\n");
}

void add_replay(int style, int n, int damage) {
    add("replay ");
    add_int(n);
    add(" ");
    static const char kHex[] = "0123456789abcdef";
    int16_t s[9];
    int digits = 0;
    for (int t = 0; t < n; ++t) {
        sample(style, t, s);
        for (int k = 0; k < 9; ++k)
            for (int d = 3; d >= 0; --d) {
                if (g_len < kMaxInput) g_buf[g_len++] = static_cast<uint8_t>(kHex[(static_cast<uint16_t>(s[k]) >> (4 * d)) & 15]);
                ++digits;
            }
    }
    if (damage == 1 && g_len > 10) g_len -= 1 + static_cast<int>(rnd() % 40);          // truncated
    if (damage == 2 && g_len > 10) g_buf[g_len - 1 - rnd() % 8] = 'g';               // bad hex digit
    if (damage == 3) add("00");                                                      // too long
    add("\n");
}

// SESSION's sample lines (argv[3]): offsets of each line in g_session.
constexpr int kSessionBytes = 1 << 18, kSessionLines = 1 << 13;
char g_session[kSessionBytes];
int g_line_at[kSessionLines + 1];
int g_session_lines = 0;

void load_session(const char* path) {
    std::FILE* f = std::fopen(path, "rb");
    if (f == nullptr) {
        std::fprintf(stderr, "error: cannot open %s\n", path);
        std::exit(2);
    }
    const int n = static_cast<int>(std::fread(g_session, 1, kSessionBytes, f));
    std::fclose(f);
    g_line_at[0] = 0;
    for (int i = 0; i < n && g_session_lines < kSessionLines; ++i)
        if (g_session[i] == '\n') g_line_at[++g_session_lines] = i + 1;
}

// Session lines [a, a + n) (clipped), optionally with one field of one line damaged.
void add_session_slice(int a, int n, bool damage) {
    const int bad = damage && n > 0 ? a + static_cast<int>(rnd() % static_cast<uint32_t>(n)) : -1;
    for (int i = a; i < a + n && i < g_session_lines && g_len < kMaxInput; ++i) {
        if (i != bad) {
            for (int j = g_line_at[i]; j < g_line_at[i + 1] && g_len < kMaxInput; ++j) g_buf[g_len++] = static_cast<uint8_t>(g_session[j]);
            continue;
        }
        static const char* const kBad[] = {"s 1 2 3 4 5 6 7 8\n", "s 1 2 3 4 5 6 7 8 32768\n", "s 1 2 3 4 5 6 7 8 9 10\n",
                                           "s 0x10 2 3 4 5 6 7 8 9\n", "s -32769 0 0 0 0 0 0 0 0\n", "s\n"};
        add(kBad[rnd() % (sizeof kBad / sizeof kBad[0])]);
    }
}

void add_stream(int style, int n) {
    int16_t s[9];
    for (int t = 0; t < n && g_len < kMaxInput - 64; ++t) {
        sample(style, t, s);
        add_sample_line(s);
    }
}

// A continuous-mode session: 'mode continuous', then streams and commands mixed.
void make_continuous_input() {
    add("mode continuous\n");
    static const char* const kCmds[] = {"end\n", "end\n", "mode window\n", "mode continuous\n", "model lstm\n",
                                        "model cnn\n", "model fused\n", "reset\n", "info\n", "cal gyro\n",
                                        "auto on\n", "start\n", "end 1\n", "mode\n", "mode continuous x\n",
                                        "replay 1 00010002000300040005000600070008000900\n", "s 1 2 3\n",
                                        "\x01\x02\xff\n", "# comment\n", "\r\n"};
    const int n_parts = 1 + static_cast<int>(rnd() % 8);
    for (int p = 0; p < n_parts && g_len < kMaxInput / 2; ++p) {
        const int what = static_cast<int>(rnd() % 9);
        if ((what <= 1 || what == 5) && g_session_lines > 0) {  // a slice of the real session, maybe repeated
            const int a = static_cast<int>(rnd() % static_cast<uint32_t>(g_session_lines));
            const int n = 1 + static_cast<int>(rnd() % 600);
            const int reps = what == 5 ? 1 + static_cast<int>(rnd() % 12) : 1;
            for (int r = 0; r < reps; ++r) add_session_slice(a, n, what == 1 && rnd() % 2 == 0);
        } else if (what <= 2) {  // synthetic motion: letter-like strokes, noise, extremes
            add_stream(static_cast<int>(rnd() % 7), static_cast<int>(rnd() % 400));
        } else if (what == 3) {
            add(kCmds[rnd() % (sizeof kCmds / sizeof kCmds[0])]);
        } else if (what == 4) {  // an over-long line mid-stream
            const int n = 1190 + static_cast<int>(rnd() % 30);
            for (int i = 0; i < n && g_len < kMaxInput; ++i) g_buf[g_len++] = '7';
            add("\n");
        } else if (what == 6) {  // rest: a word gap
            add_stream(3, 30 + static_cast<int>(rnd() % 120));
        } else if (what == 7 && rnd() % 4 == 0) {  // a long stream of non-writing motion
            add_stream(rnd() % 2 ? 3 : 5, 2000 + static_cast<int>(rnd() % 3000));
        } else {
            add("end\n");
        }
    }
    if (rnd() % 4 != 0) add("end\n");
}

bool g_only_continuous = false;

void make_input() {
    g_len = 0;
    const int kind = static_cast<int>(rnd() % 10);
    if (g_only_continuous || (g_session_lines > 0 && (kind == 2 || kind == 3))) {
        make_continuous_input();
        return;
    }
    if (kind == 0) {  // random bytes
        const int n = static_cast<int>(rnd() % 3000);
        for (int i = 0; i < n; ++i) g_buf[g_len++] = static_cast<uint8_t>(rnd());
        return;
    }
    if (kind == 1) {  // random printable lines, some over-long
        const int n = static_cast<int>(rnd() % 4000);
        for (int i = 0; i < n; ++i) g_buf[g_len++] = static_cast<uint8_t>((rnd() % 50 == 0) ? '\n' : 0x20 + rnd() % 95);
        return;
    }
    static const char* const kCmds[] = {"info\n", "model lstm\n", "model cnn\n", "model fused\n", "model x\n",
                                        "model signal\n", "model fused_signal\n",
                                        "auto on\n", "auto off\n", "reset\n", "start\n", "bogus 1 2\n",
                                        "s 1 2 3\n", "s 1 2 3 4 5 6 7 8 99999\n", "replay\n", "replay 0 \n",
                                        "replay 33 00\n", "\r\n", "# comment\n", "s a b c d e f g h i\n",
                                        "calib add a\n", "calib add q\n", "calib add z\n", "calib confirm\n",
                                        "calib drop\n", "calib on\n", "calib off\n", "calib show\n", "calib clear\n",
                                        "calib add\n", "calib add 7\n", "calib x y\n"};
    const int n_parts = 1 + static_cast<int>(rnd() % 6);
    for (int p = 0; p < n_parts && g_len < kMaxInput - 1400; ++p) {
        const int what = static_cast<int>(rnd() % 6);
        const int style = static_cast<int>(rnd() % 6);
        if (what == 0) {
            add(kCmds[rnd() % (sizeof kCmds / sizeof kCmds[0])]);
        } else if (what == 1 || what == 2) {  // a pen-down window (maybe cut short)
            add("start\n");
            const int n = (what == 1) ? 32 : static_cast<int>(rnd() % 40);
            int16_t s[9];
            for (int t = 0; t < n; ++t) {
                sample(style, t, s);
                add_sample_line(s);
            }
        } else if (what == 3) {
            add_replay(style, 1 + static_cast<int>(rnd() % 32), static_cast<int>(rnd() % 4));
        } else if (what == 4) {  // idle samples (word breaks)
            int16_t s[9];
            for (int t = 0; t < 30; ++t) {
                sample(3, t, s);
                add_sample_line(s);
            }
        } else {  // an over-long line
            const int n = 1190 + static_cast<int>(rnd() % 30);
            for (int i = 0; i < n; ++i) g_buf[g_len++] = 'x';
            add("\n");
        }
    }
}

}  // namespace

int main(int argc, char** argv) {
    const long runs = argc > 1 ? std::atol(argv[1]) : 1000;
    g_rng = argc > 2 ? static_cast<uint64_t>(std::atoll(argv[2])) * 2654435761u + 1 : 1;
    if (argc > 3) load_session(argv[3]);
    g_only_continuous = argc > 4 && std::strcmp(argv[4], "continuous") == 0;
    long execs = 0;
    for (long r = 0; r < runs; ++r) {
        make_input();
        run_one(g_buf, g_len);
        ++execs;
        if ((r + 1) % 100 == 0) {
            std::fprintf(stderr, "fuzz: %ld/%ld inputs\n", r + 1, runs);
        }
    }
    const gx::FuzzOutStats* s = gx::fuzz_stats();
    std::printf("executions %ld bytes %ld lines %ld err_lines %ld letter_lines %ld word_lines %ld end_lines %ld\n", execs,
                s->bytes, s->lines, s->err_lines, s->letter_lines, s->word_lines, s->end_lines);
    return 0;
}
#endif
