// Board layer for QEMU -M sim -cpu lx106 (qemu-system-xtensa): the Xtensa LX106, the
// ESP8266's core (call0 ABI, no FPU, no integer divider, no MAC16) -- not the ESP32's LX6,
// which has register windows, a divider and MAC16. The sim machine has no peripherals: the
// serial line is QEMU's semihosting console (fds 0/1, -serial stdio), the exit status the
// semihosting exit call, the instruction counter the CCOUNT cycle register. Start-up and
// fault reporting: start.S, start.c.
// Implements firmware/boards/board.h and firmware/boards/qemu_common/target.h.
#include <cstdint>

#include "target.h"
#include "xtensa_semi.h"

#if __has_include("board.h")
#include "board.h"
#define GX_HAVE_BOARD_H 1
#endif

namespace {

//! CCOUNT ticks at the lx106 core's 40 MHz of QEMU virtual time; under -icount shift=0 one
//! instruction is 1 ns, so one tick is 25 instructions.
constexpr uint32_t kCoreHz = 40000000u;
constexpr uint32_t kInsnPerTick = 1000000000u / kCoreHz;
static_assert(kInsnPerTick * kCoreHz == 1000000000u, "tick period is a whole number of ns");

uint32_t g_last_ccount;  // previous CCOUNT value (32 bits wrap every 107 s of virtual time)
uint64_t g_ticks;        // ticks accumulated since start

uint32_t read_ccount() {
    uint32_t v;
    asm volatile("rsr %0, ccount" : "=a"(v));
    return v;
}

uint64_t ticks() {
    const uint32_t now = read_ccount();
    g_ticks += now - g_last_ccount;
    g_last_ccount = now;
    return g_ticks;
}

}  // namespace

namespace gx {

void gx_target_uart_init() { g_last_ccount = read_ccount(); }

void gx_target_uart_write(const char* s, int n) {
    while (n > 0) {
        const int32_t w = gx_simcall(GX_SIM_WRITE, 1, static_cast<int32_t>(reinterpret_cast<uintptr_t>(s)), n, nullptr);
        if (w <= 0) return;  // the console is gone: nothing left to tell
        s += w;
        n -= w;
    }
}

int gx_target_uart_read(uint8_t* buf, int max) {
    // Non-blocking on the chardev console: -1 (EAGAIN) when nothing is waiting.
    const int32_t r = gx_simcall(GX_SIM_READ, 0, static_cast<int32_t>(reinterpret_cast<uintptr_t>(buf)), max, nullptr);
    return r > 0 ? static_cast<int>(r) : 0;
}

uint64_t gx_target_instructions() { return ticks() * kInsnPerTick; }

uint32_t gx_target_instruction_resolution() { return kInsnPerTick; }

[[noreturn]] void gx_target_exit(int code) { gx_semi_exit(code); }

#if GX_HAVE_BOARD_H
void gx_board_init() { gx_target_uart_init(); }

uint32_t gx_board_millis() { return static_cast<uint32_t>(ticks() / (kCoreHz / 1000u)); }

int gx_board_serial_read(uint8_t* buf, int max) { return gx_target_uart_read(buf, max); }

void gx_board_serial_write(const char* s, int n) { gx_target_uart_write(s, n); }

bool gx_board_imu_read(int16_t counts[9]) {
    (void)counts;
    return false;  // no IMU: samples arrive over the serial line (docs/serial-protocol.md)
}

const char* gx_board_name() { return "xtensa-sim"; }
#endif

}  // namespace gx
