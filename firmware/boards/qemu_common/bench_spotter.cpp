// Benchmark of the streaming letter spotter (core/spotter.h) on an emulated board, run
// semihosted under QEMU -icount shift=0 (target.h: one guest instruction = 1 ns):
//   gx_bench_spotter <sessions.bin>
// reads the sessions of a gx_test_spotter file (firmware/test/test_spotter.cpp; only the
// raw counts are used), pushes every sample and measures, per hop of kGxSpotHop samples,
// the instructions of its pushes (one of which runs the spotter's window), the window push
// alone, and each emitted letter's time normalisation. One line:
//   SPOTBENCH sessions=.. samples=.. hops=.. letters=.. hop_mean=.. hop_max=.. window_mean=..
//   window_max=.. plain_push_mean=.. normalise_mean=.. stack=.. res=..
// (instructions; stack = high-water mark in bytes of the main stack over the whole run, an
// upper bound; res = the counter's resolution). Exit status 0, or 1 on a refused sample.
#include <cstdio>

#include "gx_model_spotter.h"
#include "spotter.h"
#include "target.h"

namespace {

using namespace gx;

constexpr int kMaxN = 8192;
int16_t g_counts[kMaxN][kGxSpotChannels];
int16_t g_norm[kMaxSamples][kGxSpotChannels];
GxSpotState g_state;
GxSpotterCtx g_ctx;

struct Stats {
    uint64_t sum = 0, max = 0, n = 0;
    void add(uint64_t v) {
        sum += v;
        max = v > max ? v : max;
        ++n;
    }
    unsigned long mean() const { return static_cast<unsigned long>(n ? sum / n : 0); }
};

const char* g_path = nullptr;

// Skips the golden data (read, not seeked: the boards' C libraries differ in fseek).
bool skip(FILE* f, long bytes) {
    static uint8_t buf[512];
    while (bytes > 0) {
        const size_t k = bytes < static_cast<long>(sizeof buf) ? static_cast<size_t>(bytes) : sizeof buf;
        if (std::fread(buf, 1, k, f) != k) return false;
        bytes -= static_cast<long>(k);
    }
    return true;
}

int bench() {
    FILE* f = std::fopen(g_path, "rb");
    char line[128];
    int sessions = 0;
    if (f == nullptr || std::fgets(line, sizeof line, f) == nullptr || std::sscanf(line, "gxspot 1 %d", &sessions) != 1) {
        std::printf("SPOTBENCH ERR not a gxspot 1 file\n");
        return 2;
    }
    const GxSpotterNetModel* m = gx_model_spotter();
    if (!gx_spotter_net_verify(m)) {
        std::printf("SPOTBENCH ERR the spotter fails its start-up check\n");
        return 1;
    }
    Stats hop, window, plain, norm;
    long samples = 0;
    GxSpotLetter out[kGxSpotMaxOut];
    gx_target_stack_paint();
    for (int s = 0; s < sessions; ++s) {
        int n = 0, windows = 0, letters = 0;
        if (std::fgets(line, sizeof line, f) == nullptr || std::sscanf(line, "session %d %d %d", &n, &windows, &letters) != 3 ||
            n < 1 || n > kMaxN || std::fread(g_counts, 2 * kGxSpotChannels, static_cast<size_t>(n), f) != static_cast<size_t>(n) ||
            !skip(f, static_cast<long>(windows) * kGxSpotWindow + 12L * letters + 2L * kMaxSamples * kGxSpotChannels * letters)) {
            std::printf("SPOTBENCH ERR session %d: bad or truncated\n", s);
            return 2;
        }
        gx_spot_reset(&g_state);
        uint64_t hop_start = gx_target_instructions();
        for (int t = 0; t <= n; ++t) {
            const uint64_t t0 = gx_target_instructions();
            const int32_t k = t < n ? gx_spot_push(&g_state, &g_ctx, m, g_counts[t], out) : gx_spot_flush(&g_state, &g_ctx, m, out);
            const uint64_t t1 = gx_target_instructions();
            if (k < 0) {
                std::printf("SPOTBENCH ERR session %d sample %d refused\n", s, t);
                return 1;
            }
            if (t < n) {
                (g_ctx.n_windows > 0 ? window : plain).add(t1 - t0);
                if ((t + 1) % kGxSpotHop == 0) {  // a hop of pushes ends here
                    hop.add(t1 - hop_start);
                    hop_start = t1;
                }
            }
            for (int32_t e = 0; e < k; ++e) {
                const uint64_t a = gx_target_instructions();
                gx_spot_normalise(&g_state, out[e].start, out[e].end, g_norm);
                norm.add(gx_target_instructions() - a);
            }
            if (t < n) hop_start += gx_target_instructions() - t1;  // the normalisation is not the hop's
        }
        samples += n;
    }
    std::fclose(f);
    std::printf("SPOTBENCH sessions=%d samples=%ld hops=%lu letters=%lu hop_mean=%lu hop_max=%lu window_mean=%lu "
                "window_max=%lu plain_push_mean=%lu normalise_mean=%lu stack=%lu res=%lu\n",
                sessions, samples, static_cast<unsigned long>(hop.n), static_cast<unsigned long>(norm.n), hop.mean(),
                static_cast<unsigned long>(hop.max), window.mean(), static_cast<unsigned long>(window.max), plain.mean(),
                norm.mean(), static_cast<unsigned long>(gx_target_stack_high_water()),
                static_cast<unsigned long>(gx_target_instruction_resolution()));
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::printf("usage: gx_bench_spotter <sessions.bin>\n");
        gx_target_exit(2);
    }
    g_path = argv[1];
    gx_target_exit(gx_target_run(bench));
}
