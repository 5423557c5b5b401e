/* crt0.S - entry point of every guest (C and assembly).
 *
 * The hart starts here at 0x80000000 in M-mode with nothing set up: no stack,
 * .bss holding whatever RAM held, mtvec pointing nowhere useful.  We give it a
 * stack, a zeroed .bss and a trap handler that reports instead of looping, then
 * run main() and turn its return value into the emulator's exit status.
 */
#define TEST_DEV 0x00100000

    .section .text.init, "ax", @progbits
    .globl _start
_start:
    /* Only hart 0 runs the guest; any other hart parks forever (QEMU -smp > 1). */
    csrr    t0, mhartid
    bnez    t0, park

    la      sp, __stack_top

    /* Zero .bss (C's promise that statics start at 0).  The bounds are 4-byte
     * aligned by virt.ld, so word stores suffice. */
    la      t0, __bss_start
    la      t1, __bss_end
1:  bgeu    t0, t1, 2f
    sw      zero, 0(t0)
    addi    t0, t0, 4
    j       1b
2:
    /* A trap nobody expected should be loud, not a silent hang. */
    la      t0, __default_trap
    csrw    mtvec, t0

    call    main
    /* fall through: exit status = main's return value (already in a0) */

    .globl poweroff
    .type poweroff, @function
poweroff:
    /* 0 -> 0x5555 (pass); otherwise (code << 16) | 0x3333 (fail with code). */
    li      t0, TEST_DEV
    bnez    a0, 1f
    li      t1, 0x5555
    j       2f
1:  slli    t1, a0, 16
    li      t2, 0x3333
    or      t1, t1, t2
2:  sw      t1, 0(t0)
park:
    /* The write above stops the machine; if no test device answers, sleep. */
    wfi
    j       park
    .size poweroff, . - poweroff

    /* The default trap handler needs 4-byte alignment (mtvec's low bits are the mode). */
    .balign 4
__default_trap:
    csrr    a0, mcause
    csrr    a1, mepc
    csrr    a2, mtval
    call    unexpected_trap    /* runtime.c: prints and powers off, never returns */
    j       park

/* 64-bit counter reads on RV32 through the unprivileged CSRs (so that code run in
 * S-mode, like bench-paged, can use them too): high, low, high again; retry if the high word
 * moved (the low word wrapped between the reads). */
    .text
    .globl read_instret
    .type read_instret, @function
read_instret:
    csrr    a1, instreth
    csrr    a0, instret
    csrr    t0, instreth
    bne     a1, t0, read_instret
    ret
    .size read_instret, . - read_instret

    .globl read_cycle
    .type read_cycle, @function
read_cycle:
    csrr    a1, cycleh
    csrr    a0, cycle
    csrr    t0, cycleh
    bne     a1, t0, read_cycle
    ret
    .size read_cycle, . - read_cycle

/* The stack lives in .bss: it costs no bytes in the ELF file. */
    .section .bss.stack, "aw", @nobits
    .balign 16
    .space  16384
    .globl __stack_top
__stack_top:
