/* Start-up, semihosting and C library glue for QEMU -M sim -cpu lx106 (qemu-system-xtensa).
 *
 * The sim has no UART, timer or power-off device: everything goes through QEMU's xtensa
 * semihosting (the SIMCALL instruction, QEMU -semihosting): a2 = call number, a3..a5 = the
 * arguments, a2 = result, a3 = errno. With a chardev console (QEMU -serial stdio, the UART
 * programs) fds 0-2 are that chardev and a read of fd 0 never blocks (-1 when nothing is
 * waiting); without one (-serial none, the test programs) they are QEMU's own stdin/stdout.
 * open/read/write/lseek/close below are picolibc's POSIX layer for fopen & co.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>

#include "xtensa_semi.h"

extern uint32_t __data_start[], __data_end[], __data_load[], __bss_start[], __bss_end[];
typedef void (*gx_init_fn)(void);
extern gx_init_fn __init_array_start[], __init_array_end[];
int main(int argc, char** argv);
void gx_start(void);
void gx_exception(uint32_t cause, uint32_t pc, uint32_t vaddr);

int32_t gx_simcall(int32_t nr, int32_t a, int32_t b, int32_t c, int32_t* err) {
    register int32_t a2 __asm__("a2") = nr;
    register int32_t a3 __asm__("a3") = a;
    register int32_t a4 __asm__("a4") = b;
    register int32_t a5 __asm__("a5") = c;
    __asm__ volatile("simcall" : "+r"(a2), "+r"(a3) : "r"(a4), "r"(a5) : "memory");
    if (err != 0) *err = a3;
    return a2;
}

void gx_semi_exit(int code) {
    for (;;) gx_simcall(GX_SIM_EXIT, code, 0, 0, 0);
}

/* argv from QEMU -semihosting-config ...,arg=prog,arg=...: a table of pointers followed by
 * the strings, written by QEMU into this buffer (the test programs take a name and up to
 * three paths). */
static uint32_t g_argv_buf[256];

void gx_start(void) {
    for (uint32_t *s = __data_load, *d = __data_start; d < __data_end;) *d++ = *s++;
    for (volatile uint32_t* p = __bss_start; p < __bss_end;) *p++ = 0;
    for (gx_init_fn* f = __init_array_start; f < __init_array_end; ++f) (*f)();
    int argc = gx_simcall(GX_SIM_ARGC, 0, 0, 0, 0);
    char** argv = (char**)g_argv_buf;
    if (argc < 0 || gx_simcall(GX_SIM_ARGV_SZ, 0, 0, 0, 0) > (int32_t)sizeof g_argv_buf) {
        static const char kMsg[] = "GX FAULT semihosting command line too long\n";
        gx_simcall(GX_SIM_WRITE, 2, (int32_t)(uintptr_t)kMsg, sizeof kMsg - 1, 0);
        gx_semi_exit(3);
    }
    if (argc > 0) {
        gx_simcall(GX_SIM_ARGV, (int32_t)(uintptr_t)g_argv_buf, 0, 0, 0);
    } else {
        g_argv_buf[0] = 0;
    }
    exit(main(argc, argv));
}

static void put_hex(const char* label, uint32_t v) {
    char s[20];
    int n = 0;
    while (label[n] != '\0') {
        s[n] = label[n];
        ++n;
    }
    s[n++] = '0';
    s[n++] = 'x';
    for (int i = 0; i < 8; ++i) s[n++] = "0123456789abcdef"[(v >> (28 - 4 * i)) & 0xFu];
    gx_simcall(GX_SIM_WRITE, 1, (int32_t)(uintptr_t)s, n, 0);
}

/* Every exception is a fault (start.S): report on the console and end with status 3
 * (EXCCAUSE 0 = IllegalInstruction, 9 = LoadStoreAlignmentCause, 15 = LoadStorePIFAddrError:
 * an access to an address nothing is mapped at). */
void gx_exception(uint32_t cause, uint32_t pc, uint32_t vaddr) {
    put_hex("\nGX FAULT exception ", cause);
    put_hex(" pc ", pc);
    put_hex(" vaddr ", vaddr);
    gx_simcall(GX_SIM_WRITE, 1, (int32_t)(uintptr_t)"\n", 1, 0);
    gx_semi_exit(3);
}

/* --- picolibc: exit, POSIX I/O for fopen, and the three standard streams. */
void _exit(int code) { gx_semi_exit(code); }

static int set_errno(int32_t r, int32_t err) {
    if (r < 0) errno = err;
    return r;
}

int open(const char* path, int flags, ...) {
    /* QEMU passes the flags to the host's open(2): Linux values for the bits that differ. */
    int host = flags & O_ACCMODE;
    if (flags & O_CREAT) host |= 0100;
    if (flags & O_TRUNC) host |= 01000;
    if (flags & O_APPEND) host |= 02000;
    int32_t err;
    int32_t r = gx_simcall(GX_SIM_OPEN, (int32_t)(uintptr_t)path, host, 0644, &err);
    return set_errno(r, err);
}

ssize_t read(int fd, void* buf, size_t n) {
    int32_t err;
    int32_t r = gx_simcall(GX_SIM_READ, fd, (int32_t)(uintptr_t)buf, (int32_t)n, &err);
    return set_errno(r, err);
}

ssize_t write(int fd, const void* buf, size_t n) {
    int32_t err;
    int32_t r = gx_simcall(GX_SIM_WRITE, fd, (int32_t)(uintptr_t)buf, (int32_t)n, &err);
    return set_errno(r, err);
}

off_t lseek(int fd, off_t off, int whence) {
    int32_t err;
    int32_t r = gx_simcall(GX_SIM_LSEEK, fd, (int32_t)off, whence, &err);
    return set_errno(r, err);
}

int close(int fd) {
    int32_t err;
    int32_t r = gx_simcall(GX_SIM_CLOSE, fd, 0, 0, &err);
    return set_errno(r, err);
}

static int console_put(char c, FILE* f) {
    (void)f;
    return write(1, &c, 1) == 1 ? (unsigned char)c : EOF;
}

static int console_get(FILE* f) {
    (void)f;
    unsigned char c;
    return read(0, &c, 1) == 1 ? c : EOF;
}

static FILE g_console = FDEV_SETUP_STREAM(console_put, console_get, NULL, _FDEV_SETUP_RW);
FILE* const stdin = &g_console;
FILE* const stdout = &g_console;
FILE* const stderr = &g_console;
