/* QEMU's xtensa semihosting calls (target/xtensa/xtensa-semi.c; the numbers are those of
 * the Xtensa ISS / Linux syscalls it follows). start.c issues them; board_xtensa.cpp uses
 * them for the serial line. */
#ifndef GX_XTENSA_SEMI_H
#define GX_XTENSA_SEMI_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
    GX_SIM_EXIT = 1,
    GX_SIM_READ = 3,
    GX_SIM_WRITE = 4,
    GX_SIM_OPEN = 5,
    GX_SIM_CLOSE = 6,
    GX_SIM_LSEEK = 19,
    GX_SIM_ARGC = 1000,
    GX_SIM_ARGV_SZ = 1001,
    GX_SIM_ARGV = 1002,
};

/* a2 = nr, a3..a5 = a, b, c; returns a2, stores a3 (errno on failure) in *err when given. */
int32_t gx_simcall(int32_t nr, int32_t a, int32_t b, int32_t c, int32_t* err);
/* SYS_exit: QEMU exits with this status. */
__attribute__((noreturn)) void gx_semi_exit(int code);

#ifdef __cplusplus
}
#endif

#endif
