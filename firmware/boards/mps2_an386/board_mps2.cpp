// Board layer for QEMU -M mps2-an386 (ARM MPS2 + AN386: Cortex-M4F at 25 MHz):
// reset entry, CMSDK APB UART0 (0x40004000, QEMU -serial), CMSDK APB timer 0 (0x40000000)
// as clock and instruction counter, fault reporting, semihosting exit/argv for test programs.
// Implements firmware/boards/board.h and firmware/boards/qemu_common/target.h.
#include <cstdint>
#include <cstdlib>

#include "target.h"

#if __has_include("board.h")
#include "board.h"
#define GX_HAVE_BOARD_H 1
#endif

extern "C" {
extern uint32_t __data_start[], __data_end[], __data_load[], __bss_start[], __bss_end[];
int main(int argc, char** argv);
void __libc_init_array();
void gx_reset_handler();
void gx_fault_handler(uint32_t ipsr, const uint32_t* frame);
#if GX_SEMIHOSTING
void initialise_monitor_handles();
#endif
}

namespace {

// --- CMSDK APB UART (ARM DDI 0479): DATA, STATE (bit0 TX full, bit1 RX full), CTRL
// (bit0 TX enable, bit1 RX enable), BAUDDIV (>= 16).
constexpr uintptr_t kUart0 = 0x40004000u;
volatile uint32_t& reg(uintptr_t a) { return *reinterpret_cast<volatile uint32_t*>(a); }
constexpr uint32_t kUartStateTxFull = 1u, kUartStateRxFull = 2u;

// --- CMSDK APB timer 0: CTRL (bit0 enable), VALUE (down counter), RELOAD. PCLK = 25 MHz.
constexpr uintptr_t kTimer0 = 0x40000000u;
constexpr uint32_t kPclkHz = 25000000u;
//! Under -icount shift=0 one instruction takes 1 ns of virtual time; a 25 MHz tick is 40 ns.
constexpr uint32_t kInsnPerTick = 1000000000u / kPclkHz;
static_assert(kInsnPerTick * kPclkHz == 1000000000u, "timer period is a whole number of ns");

uint32_t g_last_value;  // previous timer value (it counts down)
uint64_t g_ticks;       // ticks accumulated since start

// System control block: CPACR enables the FPU (CP10, CP11 full access).
constexpr uintptr_t kCpacr = 0xE000ED88u;

#if GX_SEMIHOSTING
// ARM semihosting call (bkpt 0xab on M-profile): r0 = operation, r1 = parameter block.
int semihost(int op, void* arg) {
    register int r0 asm("r0") = op;
    register void* r1 asm("r1") = arg;
    asm volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}
constexpr int kSysGetCmdline = 0x15, kSysExitExtended = 0x20;
constexpr uint32_t kAdpStoppedApplicationExit = 0x20026u;

// The command line QEMU passes (-semihosting-config ...,arg=prog,arg=...), split at spaces.
constexpr int kCmdlineBytes = 1024;  // a program name and two paths
constexpr int kMaxArgs = 8;          // the test programs take at most 3 arguments
char g_cmdline[kCmdlineBytes];
char* g_argv[kMaxArgs + 1];

int semihost_args() {
    struct {
        char* buf;
        int len;
    } block = {g_cmdline, kCmdlineBytes - 1};
    if (semihost(kSysGetCmdline, &block) != 0) return 0;
    int argc = 0;
    char* p = g_cmdline;
    while (*p && argc < kMaxArgs) {
        while (*p == ' ') *p++ = '\0';
        if (!*p) break;
        g_argv[argc++] = p;
        while (*p && *p != ' ') ++p;
    }
    g_argv[argc] = nullptr;
    return argc;
}
#endif

void put_hex(uint32_t v) {
    char s[11] = {'0', 'x'};
    for (int i = 0; i < 8; ++i) s[2 + i] = "0123456789abcdef"[(v >> (28 - 4 * i)) & 0xFu];
    s[10] = ' ';
    gx::gx_target_uart_write(s, 11);
}

}  // namespace

extern "C" void gx_reset_handler() {
    reg(kCpacr) |= (0xFu << 20);  // FPU on before any code may touch it
    asm volatile("dsb\n isb" ::: "memory");
    for (uint32_t *s = __data_load, *d = __data_start; d < __data_end;) *d++ = *s++;
    for (uint32_t* d = __bss_start; d < __bss_end;) *d++ = 0;
    reg(kTimer0 + 0x08) = 0xFFFFFFFFu;  // RELOAD
    reg(kTimer0 + 0x04) = 0xFFFFFFFFu;  // VALUE
    reg(kTimer0 + 0x00) = 1u;           // enable
    g_last_value = 0xFFFFFFFFu;
    gx::gx_target_uart_init();
    __libc_init_array();
    int argc = 0;
    char** argv = nullptr;
#if GX_SEMIHOSTING
    initialise_monitor_handles();
    argc = semihost_args();
    argv = g_argv;
#endif
    std::exit(main(argc, argv));
}

extern "C" void gx_fault_handler(uint32_t ipsr, const uint32_t* frame) {
    static const char kMsg[] = "\nGX FAULT exception ";
    gx::gx_target_uart_write(kMsg, sizeof kMsg - 1);
    put_hex(ipsr);
    gx::gx_target_uart_write("pc ", 3);
    put_hex(frame[6]);
    gx::gx_target_uart_write("\n", 1);
    gx::gx_target_exit(3);
}

namespace gx {

void gx_target_uart_init() {
    reg(kUart0 + 0x10) = 16u;  // BAUDDIV: QEMU ignores the rate; 16 is the minimum legal value
    reg(kUart0 + 0x08) = 3u;   // TX and RX enable
}

void gx_target_uart_write(const char* s, int n) {
    for (int i = 0; i < n; ++i) {
        while (reg(kUart0 + 0x04) & kUartStateTxFull) {
        }
        reg(kUart0 + 0x00) = static_cast<uint8_t>(s[i]);
    }
}

int gx_target_uart_read(uint8_t* buf, int max) {
    int n = 0;
    while (n < max && (reg(kUart0 + 0x04) & kUartStateRxFull)) buf[n++] = static_cast<uint8_t>(reg(kUart0 + 0x00));
    return n;
}

uint64_t gx_target_instructions() {
    const uint32_t v = reg(kTimer0 + 0x04);
    g_ticks += static_cast<uint32_t>(g_last_value - v);  // down counter, modulo 2^32
    g_last_value = v;
    return g_ticks * kInsnPerTick;
}

uint32_t gx_target_instruction_resolution() { return kInsnPerTick; }

[[noreturn]] void gx_target_exit(int code) {
#if GX_SEMIHOSTING
    uint32_t block[2] = {kAdpStoppedApplicationExit, static_cast<uint32_t>(code)};
    semihost(kSysExitExtended, block);
#endif
    (void)code;
    for (;;) {
    }
}

#if GX_HAVE_BOARD_H
void gx_board_init() {}  // UART and timer are set up by the reset handler

uint32_t gx_board_millis() { return static_cast<uint32_t>(gx_target_instructions() / kInsnPerTick / (kPclkHz / 1000u)); }

int gx_board_serial_read(uint8_t* buf, int max) { return gx_target_uart_read(buf, max); }

void gx_board_serial_write(const char* s, int n) { gx_target_uart_write(s, n); }

bool gx_board_imu_read(int16_t counts[9]) {
    (void)counts;
    return false;  // no IMU: samples arrive over the serial line (docs/serial-protocol.md)
}

const char* gx_board_name() { return "mps2-an386"; }
#endif

}  // namespace gx

#if GX_SEMIHOSTING
// newlib's exit() ends in _exit; rdimon's version reports only "application exit" (status
// 0 or 1); SYS_EXIT_EXTENDED passes the real status to QEMU's exit code.
extern "C" void _exit(int code) { gx::gx_target_exit(code); }
#endif
