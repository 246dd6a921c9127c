// Stack depth of one recognition, measured by stack painting (host-native build).
// Usage: gx_mem_probe < recordings.txt   (each line: 288 int16 counts of a 32 x 9 recording)
// For each model (lstm, cnn, fused; signal, fused_signal when a signal network is compiled
// in) every recording is recognised on a thread whose stack
// is a static buffer painted with a pattern; the deepest byte that changed gives the
// maximum depth. A thread that returns at once gives the baseline (thread start-up), which
// is subtracted. Output lines: "stack <model> <bytes> recordings <n>", "baseline <bytes>",
// "static <name> <bytes>" for the core's buffers.
#include <pthread.h>

#include <cstdio>
#include <cstring>

#include "app.h"
#include "recognizer.h"

namespace {

constexpr int kMaxRec = 64;          // recordings read from stdin
constexpr size_t kStack = 1 << 20;   // painted thread stack (1 MiB, far above any depth)
constexpr unsigned char kPaint = 0xA5;

int16_t g_counts[kMaxRec][gx::kMaxSamples][9];
int g_n = 0;
alignas(64) unsigned char g_stack[kStack];
int g_model = 0;
int g_fail = 0;

void* work(void*) {
    for (int i = 0; i < g_n; ++i) {
        const gx::GxRecognition* r = gx::gx_recognise(gx::gx_app_models(), g_model, g_counts[i], gx::kMaxSamples, false);
        if (r->status != gx::GX_OK) ++g_fail;
    }
    return nullptr;
}
void* nothing(void*) { return nullptr; }

size_t measure(void* (*fn)(void*)) {
    std::memset(g_stack, kPaint, kStack);
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setstack(&a, g_stack, kStack);
    pthread_t t;
    if (pthread_create(&t, &a, fn, nullptr) != 0) return 0;
    pthread_join(t, nullptr);
    pthread_attr_destroy(&a);
    size_t untouched = 0;  // the stack grows down: count painted bytes from the bottom
    while (untouched < kStack && g_stack[untouched] == kPaint) ++untouched;
    return kStack - untouched;
}

}  // namespace

int main() {
    while (g_n < kMaxRec) {
        int v = 0, k = 0;
        for (; k < gx::kMaxSamples * 9 && std::scanf("%d", &v) == 1; ++k)
            g_counts[g_n][k / 9][k % 9] = static_cast<int16_t>(v);
        if (k < gx::kMaxSamples * 9) break;
        ++g_n;
    }
    if (g_n == 0) {
        std::printf("no recordings on stdin\n");
        return 2;
    }
    const gx::GxModels* m = gx::gx_app_models();
    if (m->lstm_check != gx::GX_CHECK_OK || m->cnn_check != gx::GX_CHECK_OK) {
        std::printf("models missing or corrupt\n");
        return 2;
    }
    const size_t base = measure(nothing);
    std::printf("baseline %zu\n", base);
    const char* names[gx::kGxModelSelCount] = {"lstm", "cnn", "fused", "signal", "fused_signal"};
    const int n_models = m->signal_check == gx::GX_CHECK_OK ? gx::kGxModelSelCount : 3;
    for (int model = 0; model < n_models; ++model) {
        g_model = model;
        const size_t used = measure(work);
        std::printf("stack %s %zu recordings %d\n", names[model], used > base ? used - base : 0, g_n);
    }
    std::printf("static recognizer %d\n", static_cast<int>(gx::gx_recognizer_static_bytes()));
    std::printf("static stages %d\n", static_cast<int>(sizeof(gx::GxStages)));
    std::printf("static recognition %d\n", static_cast<int>(sizeof(gx::GxRecognition)));
    std::printf("static lstm_scratch %d\n", static_cast<int>(gx::gx_lstm_net_scratch_bytes()));
    std::printf("static cnn_scratch %d\n", static_cast<int>(gx::gx_cnn_net_scratch_bytes()));
    std::printf("static signal_scratch %d\n", static_cast<int>(gx::gx_signal_net_scratch_bytes()));
    std::printf("static net_scratch %d\n", static_cast<int>(gx::gx_net_scratch_bytes()));
    std::printf("static app %d\n", static_cast<int>(gx::gx_app_static_bytes()));
    std::printf("failures %d\n", g_fail);
    return g_fail == 0 ? 0 : 1;
}
