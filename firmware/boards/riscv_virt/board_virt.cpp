// Board layer for QEMU -M virt (qemu-system-riscv32), run as an RV32IMC machine-mode
// bare-metal target (the ESP32-C3's ISA): NS16550A UART (0x10000000, QEMU -serial), CLINT
// mtime (10 MHz) as clock, the instret CSR as instruction counter, the SiFive test device
// (0x100000) to power off with a status, a trap handler that reports faults on the UART.
// Start-up (data copy, bss, TLS, constructors, argv over semihosting) is picolibc's crt0.
// Implements firmware/boards/board.h and firmware/boards/qemu_common/target.h.
#include <cstdint>

#include "target.h"

#if __has_include("board.h")
#include "board.h"
#define GX_HAVE_BOARD_H 1
#endif

#if GX_SEMIHOSTING
extern "C" void exit(int code);
#endif

namespace {

volatile uint8_t& reg8(uintptr_t a) { return *reinterpret_cast<volatile uint8_t*>(a); }
volatile uint32_t& reg32(uintptr_t a) { return *reinterpret_cast<volatile uint32_t*>(a); }

// --- NS16550A: RBR/THR at +0, IER +1, FCR +2, LCR +3, LSR +5 (bit0 data ready, bit5 THR empty).
constexpr uintptr_t kUart = 0x10000000u;
constexpr uint8_t kLsrDataReady = 0x01u, kLsrThrEmpty = 0x20u;

// --- CLINT mtime (64-bit, 10 MHz on QEMU virt).
constexpr uintptr_t kMtime = 0x0200BFF8u;
constexpr uint32_t kMtimeHz = 10000000u;

// --- SiFive test device: 0x5555 = pass, (code << 16) | 0x3333 = fail with code.
constexpr uintptr_t kTestDev = 0x00100000u;

uint64_t read_mtime() {
    uint32_t hi, lo;
    do {
        hi = reg32(kMtime + 4);
        lo = reg32(kMtime);
    } while (hi != reg32(kMtime + 4));
    return (static_cast<uint64_t>(hi) << 32) | lo;
}

// CSR accesses enable Zicsr for one instruction (.option arch), so that -march stays
// rv32imc and picks the rv32im multilib (see firmware/cmake/riscv32-rv32imc.cmake).
#define GX_CSR(insn) ".option push\n.option arch, +zicsr\n" insn "\n.option pop"
uint32_t read_instret_lo() {
    uint32_t v;
    asm volatile(GX_CSR("csrr %0, instret") : "=r"(v));
    return v;
}
uint32_t read_instret_hi() {
    uint32_t v;
    asm volatile(GX_CSR("csrr %0, instreth") : "=r"(v));
    return v;
}

[[maybe_unused]] void put_hex(uint32_t v) {
    char s[11] = {'0', 'x'};
    for (int i = 0; i < 8; ++i) s[2 + i] = "0123456789abcdef"[(v >> (28 - 4 * i)) & 0xFu];
    s[10] = ' ';
    gx::gx_target_uart_write(s, 11);
}

}  // namespace

#if !GX_SEMIHOSTING
// Machine trap handler for the UART programs (the semihosted test programs get picolibc's,
// which reports over semihosting). No interrupt is ever enabled, so every trap is a fault.
extern "C" void gx_trap_handler(uint32_t mcause, uint32_t mepc) {
    static const char kMsg[] = "\nGX FAULT mcause ";
    gx::gx_target_uart_write(kMsg, sizeof kMsg - 1);
    put_hex(mcause);
    gx::gx_target_uart_write("pc ", 3);
    put_hex(mepc);
    gx::gx_target_uart_write("\n", 1);
    gx::gx_target_exit(3);
}
asm(R"(
    .section .text.gx_trap_entry, "ax"
    .balign 4
    .global gx_trap_entry
gx_trap_entry:
    .option push
    .option arch, +zicsr
    csrr a0, mcause
    csrr a1, mepc
    .option pop
    j gx_trap_handler
)");
extern "C" void gx_trap_entry();

// picolibc's crt0 runs constructors before main: install the trap vector first thing.
__attribute__((constructor(101))) static void gx_install_trap() {
    const uint32_t vec = static_cast<uint32_t>(reinterpret_cast<uintptr_t>(&gx_trap_entry));
    asm volatile(GX_CSR("csrw mtvec, %0") ::"r"(vec));
}

// exit() from picolibc ends here when no semihosting library is linked.
extern "C" void _exit(int code) { gx::gx_target_exit(code); }
#endif

namespace gx {

void gx_target_uart_init() {
    reg8(kUart + 3) = 0x03u;  // LCR: 8N1 (QEMU ignores the line settings)
    reg8(kUart + 2) = 0x01u;  // FCR: FIFOs on
    reg8(kUart + 1) = 0x00u;  // IER: no interrupts (polled)
}

void gx_target_uart_write(const char* s, int n) {
    for (int i = 0; i < n; ++i) {
        while (!(reg8(kUart + 5) & kLsrThrEmpty)) {
        }
        reg8(kUart) = static_cast<uint8_t>(s[i]);
    }
}

int gx_target_uart_read(uint8_t* buf, int max) {
    int n = 0;
    while (n < max && (reg8(kUart + 5) & kLsrDataReady)) buf[n++] = reg8(kUart);
    return n;
}

uint64_t gx_target_instructions() {
    uint32_t hi, lo;
    do {
        hi = read_instret_hi();
        lo = read_instret_lo();
    } while (hi != read_instret_hi());
    return (static_cast<uint64_t>(hi) << 32) | lo;
}

uint32_t gx_target_instruction_resolution() { return 1u; }

[[noreturn]] void gx_target_exit(int code) {
#if GX_SEMIHOSTING
    exit(code);  // picolibc semihost: SYS_EXIT with the status
#endif
    reg32(kTestDev) = code == 0 ? 0x5555u : ((static_cast<uint32_t>(code) << 16) | 0x3333u);
    for (;;) {
    }
}

#if GX_HAVE_BOARD_H
void gx_board_init() { gx_target_uart_init(); }

uint32_t gx_board_millis() { return static_cast<uint32_t>(read_mtime() / (kMtimeHz / 1000u)); }

int gx_board_serial_read(uint8_t* buf, int max) { return gx_target_uart_read(buf, max); }

void gx_board_serial_write(const char* s, int n) { gx_target_uart_write(s, n); }

bool gx_board_imu_read(int16_t counts[9]) {
    (void)counts;
    return false;  // no IMU: samples arrive over the serial line (docs/serial-protocol.md)
}

const char* gx_board_name() { return "riscv-virt"; }
#endif

}  // namespace gx
