// Target support shared by the emulated boards (firmware/boards/mps2_an386: QEMU mps2-an386,
// Cortex-M4F; firmware/boards/riscv_virt: QEMU virt, RV32IMC; firmware/boards/xtensa_sim:
// QEMU sim, Xtensa LX106, the ESP8266's core) and the host build of the
// benchmark (target_host.cpp). Each board implements these functions in its own directory,
// next to its gx_board_* functions (firmware/boards/board.h); stack_paint.cpp is shared.
// They serve the board layer (UART), the benchmark program (instruction counter, stack
// high-water mark) and the semihosted test programs (exit status).
#ifndef GX_TARGET_H
#define GX_TARGET_H

#include <cstdint>

namespace gx {

//! Board UART (CMSDK APB UART0 on mps2-an386, NS16550A on virt; the semihosting console on
//! the Xtensa sim, which has no UART), wired by QEMU to -serial.
void gx_target_uart_init();
void gx_target_uart_write(const char* s, int n);
//! Non-blocking: up to max received bytes, returns how many (0 when none are waiting).
int gx_target_uart_read(uint8_t* buf, int max);

//! Guest instructions retired since start-up, when QEMU runs with -icount shift=0 (one
//! instruction = 1 ns of virtual time). RISC-V: the instret CSR (QEMU derives it from the
//! icount counter: exact). Cortex-M4: QEMU emulates no DWT cycle counter, so this is the
//! CMSDK APB timer 0 (25 MHz PCLK, 40 ns per tick) times 40: resolution 40 instructions.
//! Xtensa LX106: CCOUNT (40 MHz of virtual time) times 25: resolution 25 instructions.
//! Without -icount the value follows host time and means nothing.
uint64_t gx_target_instructions();
//! Instructions per counter tick (the resolution of gx_target_instructions): 40 / 1 / 25.
uint32_t gx_target_instruction_resolution();

//! Stack painting: fills the unused part of the main stack (from its lowest address up to
//! a little below the current stack pointer) with a pattern ...
void gx_target_stack_paint();
//! ... and returns the high-water mark since the last paint: bytes from the top of the
//! stack down to the deepest word that no longer holds the pattern.
uint32_t gx_target_stack_high_water();
//! Bytes reserved for the main stack (linker script __stack_size).
uint32_t gx_target_stack_size();

//! Runs fn on the stack that gx_target_stack_* measure and returns its result: on the
//! emulated boards the main stack itself (a plain call); on the host (target_host.cpp) a
//! thread whose stack is a static buffer.
int gx_target_run(int (*fn)());

//! Ends the emulation with an exit status (semihosting SYS_EXIT when built with
//! GX_SEMIHOSTING; the virt board's SiFive test device otherwise; mps2 without semihosting
//! has no power-off device, so it halts in a loop and the host stops QEMU; the Xtensa sim
//! always exits through semihosting).
[[noreturn]] void gx_target_exit(int code);

}  // namespace gx

#endif  // GX_TARGET_H
