// Hostile input for the firmware's input path: bytes on the serial line go through the app
// (line assembly, parsing, Recognizer, replay, every stage and network) over the in-memory
// board of board_fuzz.cpp. Build with sanitizers (GX_EXTRA_FLAGS=-fsanitize=address,undefined).
//
//  * GX_LIBFUZZER: a libFuzzer target (clang -fsanitize=fuzzer): LLVMFuzzerTestOneInput.
//  * otherwise a standalone driver: gx_fuzz_app [RUNS [SEED]] generates RUNS inputs from a
//    deterministic PRNG -- random bytes, random printable lines, and structured hostile
//    sessions: int16 extremes on every axis, saturated sensors, a stationary glove, all-zero
//    input, random replays (valid, truncated, over-long, bad hex), unknown commands -- and
//    prints "executions N bytes B lines L err_lines E letter_lines K".
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

constexpr int kMaxInput = 1 << 15;  // bytes of one generated input
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

void make_input() {
    g_len = 0;
    const int kind = static_cast<int>(rnd() % 10);
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
                                        "replay 33 00\n", "\r\n", "# comment\n", "s a b c d e f g h i\n"};
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
    std::printf("executions %ld bytes %ld lines %ld err_lines %ld letter_lines %ld\n", execs, s->bytes, s->lines,
                s->err_lines, s->letter_lines);
    return 0;
}
#endif
