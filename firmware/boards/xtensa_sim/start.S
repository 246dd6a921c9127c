/* Reset and exception vectors for QEMU -M sim -cpu lx106 (call0 ABI).
 *
 * The sim starts at the reset vector 0x50000000 whatever the ELF entry says: set the stack,
 * VECBASE (our vectors) and PS, then gx_start (start.c: .data, .bss, constructors, main,
 * exit). No interrupt is ever enabled, so every exception is a fault: an unaligned 32-bit
 * load (as on a real ESP8266/ESP32), an illegal instruction, a bus error. Each vector hands
 * EXCCAUSE, EPC1 and EXCVADDR to gx_exception (start.c), which reports and ends the run. */

    .section .gx_reset_vector, "ax"
    .global gx_reset_vector
    .align 4
gx_reset_vector:
    j gx_reset

    .section .gx_vectors, "ax"
    .align 4
    .org 0x30                 /* KernelExceptionVector (PS.UM = 0: this firmware) */
    j gx_exception_entry
    .org 0x50                 /* UserExceptionVector */
    j gx_exception_entry
    .org 0x70                 /* DoubleExceptionVector (a fault while PS.EXCM = 1) */
    j gx_exception_entry

    .section .text.gx_reset, "ax"
    .literal_position
    .align 4
    .global gx_reset
gx_reset:
    movi a0, 0
    movi a1, __stack_top
    movi a2, __gx_vecbase
    wsr a2, vecbase
    movi a2, 0x0f             /* PS: INTLEVEL 15, EXCM 0, UM 0 (kernel vector) */
    wsr a2, ps
    rsync
    call0 gx_start
1:  j 1b

    .section .text.gx_exception_entry, "ax"
    .literal_position
    .align 4
gx_exception_entry:
    movi a1, __stack_top      /* the faulting code's stack may be what failed */
    rsr a2, exccause
    rsr a3, epc1
    rsr a4, excvaddr
    call0 gx_exception
1:  j 1b
