/* Cortex-M4F start-up for QEMU -M mps2-an386: vector table and reset entry.
 * The vector table sits at 0x00000000 (VTOR reset value); entry 0 is the initial main stack
 * pointer, entry 1 the reset handler. Every other exception goes to gx_fault_handler
 * (board.cpp), which reports it on the UART and stops. */
    .syntax unified
    .cpu cortex-m4
    .thumb

    .section .vectors, "a"
    .align 2
    .global gx_vectors
gx_vectors:
    .word __stack_top
    .word gx_reset_handler
    .rept 14                /* NMI, HardFault, MemManage, BusFault, UsageFault, 4 reserved,
                               SVCall, DebugMon, reserved, PendSV, SysTick */
    .word gx_fault_entry
    .endr
    .rept 32                /* external interrupts 0..31 (none enabled) */
    .word gx_fault_entry
    .endr

    .text
    .thumb_func
    .global gx_fault_entry
    .type gx_fault_entry, %function
gx_fault_entry:
    mrs r0, ipsr            /* exception number */
    mov r1, sp              /* stacked frame: r0-r3, r12, lr, pc, xpsr */
    b gx_fault_handler
    .size gx_fault_entry, . - gx_fault_entry
