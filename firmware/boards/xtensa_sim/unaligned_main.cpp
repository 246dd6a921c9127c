// Unaligned-load test program (Xtensa only): a 32-bit load from an address that is not a
// multiple of 4 raises LoadStoreAlignmentCause on the LX106, as on a real ESP8266/ESP32.
// The board's exception vector (start.S, start.c) must report it ("GX FAULT exception
// 0x00000009 ...") and end the run with status 3 instead of hanging. Run by
// tests/test_cross_targets.py.
#include <cstdint>

#include "target.h"

namespace {
alignas(4) volatile uint8_t g_bytes[8] = {1, 2, 3, 4, 5, 6, 7, 8};
}

int main() {
    gx::gx_target_uart_init();
    static const char kMsg[] = "unaligned test: 32-bit load at an odd address\n";
    gx::gx_target_uart_write(kMsg, sizeof kMsg - 1);
    uintptr_t odd = reinterpret_cast<uintptr_t>(&g_bytes[1]);
    asm volatile("" : "+r"(odd));  // hides the address, else gcc knows it and loads bytes
    const uint32_t v = *reinterpret_cast<const volatile uint32_t*>(odd);
    gx::gx_target_exit(static_cast<int>(v & 1u));  // not reached
}
