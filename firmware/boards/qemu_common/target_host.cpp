// target.h (and board.h) on the host, for the native column of the benchmarks
// (docs/benchmarks.md): the same bench_main.cpp and per-model apps built with the host
// compiler. UART = stdin/stdout. No instruction counter (the host has none this program
// can read; glovexfer.device.bench counts native instructions with valgrind instead):
// gx_target_instructions() is 0 and its resolution 0 ("not counted"). The measured stack is
// a thread's stack in a static buffer, painted like the boards' main stacks.
#include <pthread.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>

#include "board.h"
#include "target.h"

namespace {

//! The benchmark thread's stack: 256 kB, far above what a recognition uses (a few kB on the
//! MCUs), so that painting it measures rather than limits.
constexpr uint32_t kHostStackBytes = 256u * 1024u;
alignas(64) uint32_t g_stack[kHostStackBytes / sizeof(uint32_t)];
constexpr uint32_t kPaint = 0xC5A3E1F7u;  // as stack_paint.cpp
constexpr int kPaintMarginWords = 16;

int (*g_fn)() = nullptr;
int g_result = 0;

void* thread_main(void*) {
    g_result = g_fn();
    return nullptr;
}

}  // namespace

namespace gx {

void gx_target_uart_init() {}

void gx_target_uart_write(const char* s, int n) {
    while (n > 0) {
        const ssize_t w = write(1, s, static_cast<size_t>(n));
        if (w <= 0) std::exit(1);
        s += w;
        n -= static_cast<int>(w);
    }
}

int gx_target_uart_read(uint8_t* buf, int max) {
    const ssize_t r = read(0, buf, static_cast<size_t>(max));
    if (r <= 0) std::exit(r == 0 ? 0 : 1);  // end of input: the host is done
    return static_cast<int>(r);
}

uint64_t gx_target_instructions() { return 0; }
uint32_t gx_target_instruction_resolution() { return 0; }

__attribute__((noinline)) void gx_target_stack_paint() {
    const uintptr_t sp = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
    const uintptr_t end = sp - kPaintMarginWords * sizeof(uint32_t);
    for (volatile uint32_t* p = g_stack; reinterpret_cast<uintptr_t>(p) < end; ++p) *p = kPaint;
}

uint32_t gx_target_stack_high_water() {
    const volatile uint32_t* p = g_stack;
    const uint32_t* top = g_stack + kHostStackBytes / sizeof(uint32_t);
    while (p < top && *p == kPaint) ++p;
    return static_cast<uint32_t>(reinterpret_cast<uintptr_t>(top) - reinterpret_cast<uintptr_t>(p));
}

uint32_t gx_target_stack_size() { return kHostStackBytes; }

int gx_target_run(int (*fn)()) {
    g_fn = fn;
    pthread_attr_t attr;
    pthread_t th;
    if (pthread_attr_init(&attr) != 0 || pthread_attr_setstack(&attr, g_stack, sizeof g_stack) != 0 ||
        pthread_create(&th, &attr, thread_main, nullptr) != 0)
        return 70;
    pthread_join(th, nullptr);
    pthread_attr_destroy(&attr);
    return g_result;
}

[[noreturn]] void gx_target_exit(int code) { std::exit(code); }

// board.h for the host build of the per-model apps (their sizes only; the virtual glove
// proper is firmware/boards/native).
void gx_board_init() {}

uint32_t gx_board_millis() {
    timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return static_cast<uint32_t>(static_cast<uint64_t>(t.tv_sec) * 1000u + static_cast<uint64_t>(t.tv_nsec) / 1000000u);
}

int gx_board_serial_read(uint8_t* buf, int max) {
    pollfd p{0, POLLIN, 0};
    if (poll(&p, 1, 20) <= 0) return 0;
    const ssize_t r = read(0, buf, static_cast<size_t>(max));
    return r > 0 ? static_cast<int>(r) : -1;
}

void gx_board_serial_write(const char* s, int n) { gx_target_uart_write(s, n); }

bool gx_board_imu_read(int16_t counts[9]) {
    (void)counts;
    return false;
}

const char* gx_board_name() { return "host"; }

}  // namespace gx
