// Stack painting for the emulated boards (target.h). The linker scripts define
// __stack_bottom (lowest address of the main stack) and __stack_top (one past the highest).
#include <cstdint>

#include "target.h"

extern "C" {
extern uint32_t __stack_bottom[];
extern uint32_t __stack_top[];
}

namespace gx {

namespace {
//! Paint word: unlikely as a saved register, return address or small integer.
constexpr uint32_t kPaint = 0xC5A3E1F7u;
//! Words left unpainted below the current stack pointer: the frame of this function and
//! anything the compiler keeps below sp (Cortex-M and RISC-V ABIs have no red zone; 64
//! bytes is a margin, not a requirement).
constexpr int kPaintMarginWords = 16;
}  // namespace

__attribute__((noinline)) void gx_target_stack_paint() {
    // This frame's address stands for the stack pointer (the frame is small and leaf-like).
    const uintptr_t sp = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
    const uintptr_t end = sp - kPaintMarginWords * sizeof(uint32_t);
    for (volatile uint32_t* p = __stack_bottom; reinterpret_cast<uintptr_t>(p) < end; ++p) *p = kPaint;
}

uint32_t gx_target_stack_high_water() {
    const volatile uint32_t* p = __stack_bottom;
    while (p < __stack_top && *p == kPaint) ++p;
    return static_cast<uint32_t>(reinterpret_cast<uintptr_t>(__stack_top) - reinterpret_cast<uintptr_t>(p));
}

uint32_t gx_target_stack_size() {
    return static_cast<uint32_t>(reinterpret_cast<uintptr_t>(__stack_top) -
                                 reinterpret_cast<uintptr_t>(__stack_bottom));
}

int gx_target_run(int (*fn)()) { return fn(); }

}  // namespace gx
