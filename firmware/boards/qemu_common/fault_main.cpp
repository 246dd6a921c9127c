// Fault report test program: reads an unmapped address (a bus fault on mps2-an386, a load
// access fault on virt); the board's fault handler must report it on the UART ("GX FAULT
// ...") and stop the emulation (virt: exit status 3; mps2 has no power-off device and
// halts). Run by tests/test_cross_targets.py.
#include <cstdint>

#include "target.h"

int main() {
    gx::gx_target_uart_init();
    static const char kMsg[] = "fault test: reading 0xfffffff0\n";
    gx::gx_target_uart_write(kMsg, sizeof kMsg - 1);
    const volatile uint32_t* p = reinterpret_cast<const volatile uint32_t*>(uintptr_t{0xFFFFFFF0u});
    const uint32_t v = *p;
    gx::gx_target_exit(static_cast<int>(v & 1u));  // not reached
}
